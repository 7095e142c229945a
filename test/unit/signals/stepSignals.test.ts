import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttributionLabel } from '../../../src/core/signals/labels';
import {
  BOX_AREA_RATIO_MAX,
  firstFlaggedStep,
  SIGNAL_IDS,
  stepSignals,
  TAU_MIN,
  type SignalId,
  type SignalRollout,
  type SignalSeries,
} from '../../../src/core/signals/stepSignals';
import { rng } from '../seededRng';


type Hack = 'none' | 'reward-decoupled' | 'flat-groups' | 'points-collapse' | 'box-inflate' | 'box-collapse' | 'reward-labels';

const STEPS = 10;
const HACK_STEP = 6;
const GROUPS = 8;
const SIZE = 8;

/**
 * A generated run of STEPS steps × GROUPS groups × SIZE rollouts on a 768² image. Healthy: reward = format 1 + IoU +
 * small noise (ranks as IoU does), 2–3 points, a box within a few pixels of the GT box, labels ok/policy. From
 * HACK_STEP on, the hack: the reward stops tracking IoU, groups go flat, the policy writes one point, boxes inflate to
 * the whole image or shrink to a quarter of the object, or a third of the rollouts are reward-labelled.
 */
function generateRun(hack: Hack, seed = 1): { rollouts: SignalRollout[]; labels: Map<number, AttributionLabel> } {
  const r = rng(seed);
  const rollouts: SignalRollout[] = [];
  const labels = new Map<number, AttributionLabel>();
  let line = 0;
  for (let step = 1; step <= STEPS; step++) {
    const hacked = step >= HACK_STEP ? hack : 'none';
    for (let g = 0; g < GROUPS; g++) {
      const x1 = 100 + r() * 200;
      const y1 = 100 + r() * 200;
      const gtBox = { x1, y1, x2: x1 + 150 + r() * 150, y2: y1 + 150 + r() * 150 };
      const flat = hacked === 'flat-groups' && g < 6;
      for (let s = 0; s < SIZE; s++) {
        line++;
        const iou = 0.2 + 0.75 * r();
        const reward = flat ? 1.5 : hacked === 'reward-decoupled' ? 1 + r() : 1 + iou + 0.02 * (r() - 0.5);
        const j = () => (r() - 0.5) * 8;
        let box = { x1: gtBox.x1 + j(), y1: gtBox.y1 + j(), x2: gtBox.x2 + j(), y2: gtBox.y2 + j() };
        if (hacked === 'box-inflate') box = { x1: 0, y1: 0, x2: 768, y2: 768 };
        if (hacked === 'box-collapse') {
          const w = (gtBox.x2 - gtBox.x1) / 2;
          const h = (gtBox.y2 - gtBox.y1) / 2;
          box = { x1: gtBox.x1, y1: gtBox.y1, x2: gtBox.x1 + w, y2: gtBox.y1 + h };
        }
        const points = hacked === 'points-collapse' ? 1 : 2 + (r() < 0.5 ? 1 : 0);
        rollouts.push({ line, step, group: `s${step}-g${g}`, reward, iou, points, boxes: [box], gtBox });
        labels.set(line, hacked === 'reward-labels' && s % 3 === 0 ? 'reward' : r() < 0.2 ? 'policy' : 'ok');
      }
    }
  }
  return { rollouts, labels };
}

const byId = (series: SignalSeries[], id: SignalId) => series.find((s) => s.id === id)!;

const EXPECT: Array<[Hack, SignalId]> = [
  ['reward-decoupled', 'reward-iou-tau'],
  ['flat-groups', 'flat-groups'],
  ['points-collapse', 'points-per-rollout'],
  ['box-inflate', 'box-area-vs-gt'],
  ['box-collapse', 'box-area-vs-gt'],
  ['reward-labels', 'reward-labelled'],
];

test('a healthy generated run flags no signal at any step', () => {
  const { rollouts, labels } = generateRun('none');
  const series = stepSignals(rollouts, { labels });
  assert.deepEqual(series.map((s) => s.id), [...SIGNAL_IDS]);
  for (const s of series) {
    assert.deepEqual(s.steps, Array.from({ length: STEPS }, (_, k) => k + 1), s.id);
    assert.equal(firstFlaggedStep(s), undefined, `${s.id} flagged at ${firstFlaggedStep(s)}: ${s.mean.join(', ')}`);
  }
  assert.ok(byId(series, 'reward-iou-tau').mean.every((t) => t > 0.8));
});

for (const [hack, id] of EXPECT) {
  test(`${hack} injected at step ${HACK_STEP}: ${id} flags from that step on and not before; the other signals stay quiet`, () => {
    for (const seed of [1, 2, 3]) {
      const { rollouts, labels } = generateRun(hack, seed);
      const series = stepSignals(rollouts, { labels });
      const s = byId(series, id);
      assert.deepEqual(s.flag, s.steps.map((st) => st >= HACK_STEP), `${id} seed ${seed}: ${s.mean.join(', ')}`);
      // The value itself moves at the step: the last healthy step and the first hacked one differ by a wide margin.
      const before = s.mean[HACK_STEP - 2]!;
      const after = s.mean[HACK_STEP - 1]!;
      assert.ok(Math.abs(after - before) > 0.3, `${id}: ${before} → ${after}`);
      for (const other of series) {
        if (other.id === id || (hack === 'flat-groups' && other.id === 'reward-iou-tau')) continue;
        assert.equal(firstFlaggedStep(other), undefined, `${hack}: ${other.id} flagged`);
      }
    }
  });
}

test('flat groups have no τ: they are excluded from the mean and counted, not read as disagreement', () => {
  const { rollouts } = generateRun('flat-groups');
  const tau = byId(stepSignals(rollouts), 'reward-iou-tau');
  assert.deepEqual(tau.excluded, tau.steps.map((st) => (st >= HACK_STEP ? 6 : 0)));
  assert.deepEqual(tau.n, tau.steps.map((st) => (st >= HACK_STEP ? 2 : GROUPS)));
  assert.equal(firstFlaggedStep(tau), undefined);
  assert.deepEqual(tau.thresholds, [{ value: TAU_MIN, side: 'below' }]);
});

test('edge cases: a step of only single-rollout groups shows with NaN and its exclusions; no labels → no labelled share', () => {
  const one = (line: number, step: number, group: string, extra: Partial<SignalRollout> = {}): SignalRollout => ({
    line, step, group, reward: 1, iou: 0.5, points: 2, boxes: [{ x1: 0, y1: 0, x2: 10, y2: 10 }], gtBox: { x1: 0, y1: 0, x2: 10, y2: 5 }, ...extra,
  });
  const rollouts = [
    one(1, 1, 'a'),
    one(2, 2, 'b', { reward: 1, iou: 0.2 }),
    one(3, 2, 'b', { reward: 2, iou: 0.9, points: Number.NaN, gtBox: undefined }),
    one(4, 2, 'c', { reward: 2, iou: 0.9, boxes: [] }),
  ];
  const series = stepSignals(rollouts);
  assert.equal(series.length, 4);
  const tau = byId(series, 'reward-iou-tau');
  assert.deepEqual(tau.steps, [1, 2]);
  assert.ok(Number.isNaN(tau.mean[0]!));
  assert.deepEqual(tau.excluded, [1, 1]);
  assert.equal(tau.mean[1], 1);
  const flat = byId(series, 'flat-groups');
  assert.deepEqual(flat.excluded, [1, 1]);
  assert.deepEqual(flat.mean.slice(1), [0]);
  assert.deepEqual(byId(series, 'points-per-rollout').excluded, [0, 1]);
  const box = byId(series, 'box-area-vs-gt');
  assert.deepEqual(box.mean, [2, 2]);
  assert.deepEqual(box.excluded, [0, 2]);
  assert.deepEqual(box.flag, [false, false], `2 is on the line, not over it (${BOX_AREA_RATIO_MAX})`);
});
