import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADVANTAGE_ESTIMATOR_IDS, getAdvantageEstimator, type AdvantageRollout } from '../../../src/core/rewards/advantageEstimators';
import { wouldBeAdvantage } from '../../../src/core/signals/wouldBeAdvantage';
import { advantageReference } from '../rewards/advantageCases';

const ref = advantageReference();

function close(a: number, b: number | null): boolean {
  if (b === null) return Number.isNaN(a);
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** A different reward for the edited rollout: every component moved, None kept None only where it was not. */
function perturbed(c: readonly (number | null)[], k: number): (number | null)[] {
  return c.map((v, j) => (v === null ? 0.3 + 0.1 * j : (v + 0.37 + 0.11 * k) % 1.7));
}

for (const id of ADVANTAGE_ESTIMATOR_IDS) {
  test(`${id}: undoing an edit gives the trainer's reference advantages of the group; before = the estimator on the edited step`, () => {
    const est = getAdvantageEstimator(id)!;
    let compared = 0;
    const bad: string[] = [];
    ref.cases.forEach((c, ci) => {
      const want = c.expected[id];
      if (!want) return;
      const k = ci % c.groups.length;
      // The log as edited: rollout k has another reward; the would-be edit restores the reference one.
      const edited: AdvantageRollout[] = c.groups.map((g, i) => ({ run: c.run, step: c.step, group: g, components: i === k ? perturbed(c.components[i]!, ci) : c.components[i]! }));
      const w = wouldBeAdvantage({ estimator: est, rollouts: edited, edited: k, components: c.components[k]!, weights: c.weights });
      assert.deepEqual(w.members, c.groups.flatMap((g, i) => (g === c.groups[k] ? [i] : [])));
      const onEdited = est.estimate(edited, c.weights);
      w.members.forEach((i, m) => {
        compared++;
        const sqrt = c.exact_sqrt[id]?.[String(i)];
        // Where torch's own 1-ulp sqrt moves the reference beyond 1e-6, the correctly rounded value stands in.
        const expect = sqrt !== undefined && !close(sqrt ?? Number.NaN, want[i]!) ? sqrt : want[i]!;
        if (!close(w.after[m]!, expect) && bad.length < 5) bad.push(`case ${ci} rollout ${i}: after ${w.after[m]} vs ${expect}`);
        if (!Object.is(w.before[m], onEdited[i]) && bad.length < 5) bad.push(`case ${ci} rollout ${i}: before ${w.before[m]} vs ${onEdited[i]}`);
      });
      const e = w.edited;
      assert.equal(w.members[e], k);
      assert.ok(Object.is(w.delta, w.after[e]! - w.before[e]!));
    });
    assert.deepEqual(bad, []);
    assert.ok(compared > 200, `${compared} values compared`);
  });
}

test('batch-scoped estimators use the step: given the group alone they say so and miss the reference; other steps given along are ignored', () => {
  for (const id of ['trl-batch', 'trl-gdpo'] as const) {
    const est = getAdvantageEstimator(id)!;
    // A step with several groups whose stds differ, so the batch std is not any group's.
    const c = ref.cases.find((x) => x.expected[id] && new Set(x.groups).size > 2 && x.components.every((r) => r.every((v) => v !== null)))!;
    assert.ok(c, `a multi-group case for ${id}`);
    const rollouts: AdvantageRollout[] = c.groups.map((g, i) => ({ run: c.run, step: c.step, group: g, components: c.components[i]! }));
    const k = 0;
    const groupOnly = rollouts.filter((r) => r.group === c.groups[k]);
    const alone = wouldBeAdvantage({ estimator: est, rollouts: groupOnly, edited: k, components: c.components[k]!, weights: c.weights });
    assert.equal(alone.batchComplete, false);
    const want = c.expected[id]!;
    assert.ok(alone.after.some((v, m) => !close(v, want[alone.members[m]!]!)), `${id}: the group alone should not reproduce the batch values`);
    // The same step with another run's step interleaved before it: only the edited rollout's step counts.
    const other: AdvantageRollout[] = rollouts.map((r) => ({ ...r, run: 'other-run', components: r.components.map((v) => (v === null ? null : v * 0.5)) }));
    const mixed = [...other, ...rollouts];
    const full = wouldBeAdvantage({ estimator: est, rollouts: mixed, edited: other.length + k, components: c.components[k]!, weights: c.weights });
    assert.equal(full.batchComplete, true);
    full.members.forEach((i, m) => assert.ok(close(full.after[m]!, want[i - other.length]!), `${id} #${i}: ${full.after[m]} vs ${want[i - other.length]}`));
    assert.ok(Math.abs(full.delta) < 1e-6, 'restoring the same reward changes nothing');
  }
});

test('an edit that raises one reward raises its advantage and lowers its groupmates\'; a bad index is refused', () => {
  const est = getAdvantageEstimator('trl-group')!;
  const rollouts: AdvantageRollout[] = [0.2, 0.5, 0.8, 0.5].map((v) => ({ run: 'r', step: 1, group: 'g', components: [v] }));
  const w = wouldBeAdvantage({ estimator: est, rollouts, edited: 0, components: [1.2] });
  assert.ok(w.delta > 1);
  assert.ok(w.after.slice(1).every((v, m) => v < w.before[m + 1]!));
  assert.throws(() => wouldBeAdvantage({ estimator: est, rollouts, edited: 4, components: [1] }), /edited rollout 4 is not among the 4/);
});
