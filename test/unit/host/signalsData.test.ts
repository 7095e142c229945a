import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getAdvantageEstimator, type AdvantageRollout } from '../../../src/core/rewards/advantageEstimators';
import type { AttributionLabel } from '../../../src/core/signals/labels';
import type { SignalRollout } from '../../../src/core/signals/stepSignals';
import { DEFAULT_ALTERNATIVE, pickAlternative, signalsPayload, signFlipChart, type SignalsRun } from '../../../src/host/signalsData';

/** Two steps of two groups of two rollouts; step 2's reward stops tracking IoU (τ −1) and its boxes inflate. */
function run(labels?: ReadonlyMap<number, AttributionLabel>): SignalsRun {
  const rollouts: SignalRollout[] = [];
  const advantage: AdvantageRollout[] = [];
  let line = 1;
  for (const step of [1, 2])
    for (const group of ['a', 'b'])
      for (const k of [0, 1]) {
        const reward = k === 0 ? 1 : 0;
        const iou = step === 1 ? (k === 0 ? 0.9 : 0.2) : k === 0 ? 0.2 : 0.9;
        const side = step === 1 ? 10 : 30;
        rollouts.push({ line, step, group, reward, iou, points: 2, boxes: [{ x1: 0, y1: 0, x2: side, y2: side }], gtBox: { x1: 0, y1: 0, x2: 10, y2: 10 } });
        advantage.push({ step, group: `${step}${group}`, components: [reward] });
        line++;
      }
  return { log: '/w/rollouts.jsonl', label: 'run', rollouts, advantage, base: getAdvantageEstimator('trl-group')!, problems: [], ...(labels ? { labels } : {}) };
}

test('signalsPayload: one chart per signal over the runs, crossings flagged, NaN-free JSON; no labelled share before attribution', () => {
  const p = signalsPayload([run()], 'trl-gdpo');
  assert.deepEqual(p.charts.map((c) => c.id), ['reward-iou-tau', 'flat-groups', 'points-per-rollout', 'box-area-vs-gt']);
  assert.equal(p.attribution, false);
  const tau = p.charts[0]!;
  assert.deepEqual(tau.runs[0]!.mean, [1, -1]);
  assert.deepEqual(tau.runs[0]!.flag, [false, true]);
  assert.deepEqual(tau.runs[0]!.n, [2, 2]);
  assert.deepEqual(tau.thresholds, [{ value: 0.3, side: 'below' }]);
  assert.match(tau.why, /0\.3/);
  const box = p.charts[3]!;
  assert.deepEqual(box.runs[0]!.mean, [1, 9]);
  assert.deepEqual(box.runs[0]!.flag, [false, true]);
  assert.equal(p.unreadable, 0);
  assert.equal(JSON.stringify(p).includes('NaN'), false);
});

test('signalsPayload: with labels the reward-labelled share is the fifth chart', () => {
  const labels = new Map<number, AttributionLabel>([[1, 'reward'], [2, 'ok'], [5, 'reward'], [6, 'reward']]);
  const p = signalsPayload([run(labels)], 'trl-gdpo');
  assert.equal(p.attribution, true);
  const c = p.charts.find((x) => x.id === 'reward-labelled')!;
  assert.deepEqual(c.runs[0]!.mean, [0.5, 1]);
  assert.deepEqual(c.runs[0]!.n, [2, 2]);
  assert.deepEqual(c.runs[0]!.excluded, [2, 2]);
});

test('signFlipChart: the run estimator and the alternative; an unknown alternative is refused naming the known ones', () => {
  const c = signFlipChart([run()], 'verl-rloo');
  assert.equal(c.alternative, 'verl-rloo');
  assert.deepEqual(c.base, ['trl-group']);
  assert.match(c.title, /trl-group → verl-rloo/);
  assert.deepEqual(c.flips, [[0, 0]]);
  assert.equal(c.estimators.length, 7);
  assert.throws(() => signFlipChart([run()], 'ppo'), /unknown advantage estimator 'ppo' \(known: trl-group/);
});

test('pickAlternative: the asked estimator, else GDPO unless every run already uses it', () => {
  assert.equal(pickAlternative('verl-rloo', ['trl-group']), 'verl-rloo');
  assert.equal(pickAlternative(undefined, ['trl-group']), DEFAULT_ALTERNATIVE);
  assert.equal(pickAlternative('nonsense', ['trl-group']), 'trl-gdpo');
  assert.equal(pickAlternative(undefined, ['trl-gdpo']), 'trl-group');
  assert.equal(pickAlternative(undefined, ['trl-gdpo', 'verl-grpo']), 'trl-gdpo');
});
