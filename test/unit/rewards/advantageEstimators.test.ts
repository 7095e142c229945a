import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADVANTAGE_ESTIMATOR_IDS, defaultAdvantageEstimator, getAdvantageEstimator, resolveAdvantageEstimator, type AdvantageRollout } from '../../../src/core/rewards/advantageEstimators';
import { advantageReference } from './advantageCases';

const ref = advantageReference();

function close(a: number, b: number | null): boolean {
  if (b === null) return Number.isNaN(a);
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

for (const id of ADVANTAGE_ESTIMATOR_IDS) {
  test(`${id} equals the trainer's own code on the reference batches (1e-6)`, () => {
    const est = getAdvantageEstimator(id)!;
    let n = 0;
    let sqrtSensitive = 0;
    const bad: string[] = [];
    const notExact: string[] = [];
    ref.cases.forEach((c, k) => {
      const want = c.expected[id];
      if (!want) return;
      const rollouts: AdvantageRollout[] = c.groups.map((g, i) => ({ run: c.run, step: c.step, group: g, components: c.components[i]! }));
      const got = est.estimate(rollouts, c.weights);
      got.forEach((v, i) => {
        n++;
        const exact = c.exact_sqrt[id]?.[String(i)];
        // Same arithmetic as torch with a correctly rounded sqrt: bit for bit.
        const bits = exact === undefined ? want[i]! : exact;
        if (!(v === bits || (bits === null && Number.isNaN(v))) && notExact.length < 5) notExact.push(`case ${k} rollout ${i}: ${v} vs ${bits}`);
        // Against torch itself: 1e-6, except where torch's own 1-ulp sqrt moves the value further (GDPO cancellation).
        if (exact !== undefined && !close(exact ?? Number.NaN, want[i]!)) sqrtSensitive++;
        else if (!close(v, want[i]!) && bad.length < 5) bad.push(`case ${k} rollout ${i}: ${v} vs ${want[i]}`);
      });
    });
    assert.ok(n > 500, `${n} values compared`);
    assert.deepEqual(bad, []);
    assert.deepEqual(notExact, []);
    assert.ok(sqrtSensitive <= n / 100, `${sqrtSensitive}/${n} values depend on torch's sqrt rounding beyond 1e-6`);
  });
}

test('batches of several steps and runs at once give the per-batch values (group = run + group, batch = run + step)', () => {
  for (const id of ADVANTAGE_ESTIMATOR_IDS) {
    const est = getAdvantageEstimator(id)!;
    const cases = ref.cases.filter((c) => c.expected[id]).slice(0, 30);
    // Same group names ("g0", ...) recur in every case: only run + step keep them apart.
    const all = cases.flatMap((c, k) => c.groups.map((g, i) => ({ run: `${c.run}#${k}`, step: c.step, group: g, components: c.components[i]! })));
    const weights = cases[0]!.weights;
    const same = cases.filter((c) => JSON.stringify(c.weights) === JSON.stringify(weights));
    const rollouts = same.flatMap((c) => c.groups.map((g, i) => ({ run: 'one-run', step: c.step, group: `${c.step}/${g}`, components: c.components[i]! })));
    const got = est.estimate(rollouts, weights);
    const want = same.flatMap((c) => c.expected[id]!);
    got.forEach((v, i) => assert.ok(close(v, want[i]!), `${id} #${i}: ${v} vs ${want[i]}`));
    assert.ok(all.length > 0);
  }
});

test('edge cases: group of one, all-equal groups, every reward None', () => {
  const r = (group: string, ...c: (number | null)[]): AdvantageRollout => ({ run: 'r', step: 1, group, components: c });
  const one = [r('a', 0.7)];
  assert.deepEqual(getAdvantageEstimator('trl-group')!.estimate(one), [0]);
  // verl: mean 0, std 1 → r / (1 + 1e-6) in float32.
  assert.equal(getAdvantageEstimator('verl-grpo')!.estimate(one)[0], Math.fround(Math.fround(0.7) / Math.fround(1 + Math.fround(1e-6))));
  assert.equal(getAdvantageEstimator('verl-rloo')!.estimate(one)[0], Math.fround(0.7));
  assert.equal(getAdvantageEstimator('verl-drgrpo')!.estimate(one)[0], Math.fround(0.7));
  // All-equal with an exact float32 sum: every estimator gives 0 (inexact sums are covered by the reference cases).
  const flat = Array.from({ length: 7 }, () => r('a', 0.5, 0.25));
  for (const id of ADVANTAGE_ESTIMATOR_IDS) assert.deepEqual(getAdvantageEstimator(id)!.estimate(flat), new Array(7).fill(0), id);
  // A completion whose every reward is None is out of the baseline and gets 0 under TRL.
  const withNone = [r('a', 1, 0), r('a', 0, 0), r('a', null, null)];
  const a = getAdvantageEstimator('trl-group')!.estimate(withNone);
  assert.equal(a[2], 0);
  assert.ok(Math.abs(a[0]! - Math.fround(0.5 / Math.fround(Math.fround(Math.SQRT1_2) + Math.fround(1e-4)))) < 1e-6, String(a[0]));
});

test('defaults: reward set, then the log format\'s trainer; unknown names are refused', () => {
  assert.equal(defaultAdvantageEstimator('segr1-reference'), 'trl-group');
  assert.equal(defaultAdvantageEstimator('segr1-intended'), 'trl-group');
  assert.equal(defaultAdvantageEstimator('segzero'), 'verl-grpo');
  assert.equal(defaultAdvantageEstimator('segzero-strict'), 'verl-grpo');
  assert.equal(defaultAdvantageEstimator('visionreasoner'), 'verl-grpo');
  assert.equal(defaultAdvantageEstimator('segzero', 'trl-parquet'), 'trl-group');
  assert.equal(defaultAdvantageEstimator('segr1-reference', 'verl'), 'verl-grpo');
  assert.equal(defaultAdvantageEstimator('segr1-reference', 'easyr1-generations'), 'verl-grpo');
  assert.equal(defaultAdvantageEstimator('visionreasoner', 'canonical'), 'verl-grpo');
  assert.equal(resolveAdvantageEstimator('auto', 'segzero').id, 'verl-grpo');
  assert.equal(resolveAdvantageEstimator('trl-gdpo', 'segzero').id, 'trl-gdpo');
  assert.throws(() => resolveAdvantageEstimator('grpo', 'segzero'), /unknown advantage estimator 'grpo'.*trl-group/);
});

test("auto follows a TRL run's logged GRPOConfig: normalize_then_sum → GDPO, scale_rewards batch / none / group", () => {
  const auto = (config: { multiObjectiveAggregation?: unknown; scaleRewards?: unknown }, format = 'trl-parquet', set = 'segr1-reference') => resolveAdvantageEstimator('auto', set, format, config).id;
  assert.equal(auto({ multiObjectiveAggregation: 'normalize_then_sum', scaleRewards: 'batch' }), 'trl-gdpo');
  assert.equal(auto({ multiObjectiveAggregation: 'sum_then_normalize', scaleRewards: 'batch' }), 'trl-batch');
  assert.equal(auto({ scaleRewards: 'none' }), 'trl-none');
  assert.equal(auto({ scaleRewards: false }), 'trl-none');
  assert.equal(auto({ scaleRewards: true }), 'trl-group');
  assert.equal(auto({ scaleRewards: 'group' }), 'trl-group');
  assert.equal(auto({ scaleRewards: 'whatever' }), 'trl-group');
  assert.equal(auto({}), 'trl-group');
  // The TRL settings choose among TRL's estimators only; a verl log stays verl's, an explicit choice stays.
  assert.equal(auto({ scaleRewards: 'batch' }, 'verl'), 'verl-grpo');
  assert.equal(auto({ scaleRewards: 'batch' }, 'canonical', 'segzero'), 'verl-grpo');
  assert.equal(resolveAdvantageEstimator('trl-group', 'segr1-reference', 'trl-parquet', { scaleRewards: 'batch' }).id, 'trl-group');
  assert.equal(defaultAdvantageEstimator('segr1-reference', undefined, { multiObjectiveAggregation: 'normalize_then_sum' }), 'trl-gdpo');
});
