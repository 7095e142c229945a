import type { RolloutIndex } from '../logs/indexBuilder';
import type { AdvantageEstimator, AdvantageRollout } from '../rewards/advantageEstimators';
import { aggregateByStep, type StepSeries } from '../traces/stepAggregate';

/**
 * Per training step, the share of rollouts whose advantage changes sign when the run's estimator is swapped for
 * another (issue 14 item 5): a rollout pushed up under one estimator and down under the other is where the choice
 * of estimator changes what the policy learns. Both estimators see the same rollouts (components as logged, in the
 * log's column order), so the numbers are the registry's own.
 */

/** A sign flip: strictly opposite signs. A zero advantage (a flat group under a group-scaled estimator) has no sign. */
export function isSignFlip(a: number, b: number): boolean {
  return (a > 0 && b < 0) || (a < 0 && b > 0);
}

/** The sign-flip trace of one run. */
export interface SignFlipSeries extends StepSeries {
  readonly base: string;
  readonly alternative: string;
  /** Per entry of `steps`: rollouts whose sign flips (`mean` = flips / n). */
  readonly flips: number[];
  /** Per entry of `steps`: rollouts left out (an advantage is NaN under either estimator). */
  readonly excluded: number[];
}

/**
 * The estimators' view of an index: one rollout per record, keyed by run, step and group; components in the log's
 * column order with NaN as None. A log without components has one: its total reward.
 */
export function advantageRolloutsOfIndex(ix: RolloutIndex): AdvantageRollout[] {
  const cols = [...ix.components.values()];
  const out: AdvantageRollout[] = [];
  for (let i = 0; i < ix.count; i++) {
    const g = ix.group[i]!;
    const values = cols.length ? cols.map((c) => c[i]!) : [ix.reward[i]!];
    out.push({
      run: ix.runs[ix.run[i]!] ?? '',
      step: ix.step[i]!,
      // A record without a group is a group of its own, never merged with another.
      group: g >= 0 ? ix.groups[g]! : `\0record ${i}`,
      components: values.map((v) => (Number.isNaN(v) ? null : v)),
    });
  }
  return out;
}

/** Weights by component for every run, or per run (each run weighs its components by its own `reward_weights`). */
export type FlipWeights = readonly number[] | ((run: string) => readonly number[] | undefined);

/** `estimator`'s advantages, each run estimated with its own weights (estimators never mix runs, so this is exact). */
function estimateByRun(estimator: AdvantageEstimator, rollouts: readonly AdvantageRollout[], weights: FlipWeights | undefined): number[] {
  if (typeof weights !== 'function') return estimator.estimate(rollouts, weights);
  const byRun = new Map<string, number[]>();
  rollouts.forEach((r, i) => {
    const k = r.run ?? '';
    const l = byRun.get(k);
    if (l) l.push(i);
    else byRun.set(k, [i]);
  });
  const out = new Array<number>(rollouts.length);
  for (const [run, idx] of byRun) {
    const a = estimator.estimate(idx.map((i) => rollouts[i]!), weights(run));
    idx.forEach((i, k) => (out[i] = a[k]!));
  }
  return out;
}

/** Per step, the share of rollouts whose advantage under `alternative` has the opposite sign of that under `base`. */
export function signFlipShare(rollouts: readonly AdvantageRollout[], base: AdvantageEstimator, alternative: AdvantageEstimator, weights?: FlipWeights): SignFlipSeries {
  const a = estimateByRun(base, rollouts, weights);
  const b = estimateByRun(alternative, rollouts, weights);
  const steps: number[] = [];
  const flags: number[] = [];
  const excludedBy = new Map<number, number>();
  rollouts.forEach((r, i) => {
    const step = r.step ?? Number.NaN;
    if (!Number.isFinite(step)) return;
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      excludedBy.set(step, (excludedBy.get(step) ?? 0) + 1);
      return;
    }
    steps.push(step);
    flags.push(isSignFlip(x, y) ? 1 : 0);
  });
  const s = aggregateByStep(`sign flips ${base.id} → ${alternative.id}`, steps, flags);
  return {
    ...s,
    // A share has no band: lo = hi = mean, as the traces' rates.
    lo: [...s.mean],
    hi: [...s.mean],
    base: base.id,
    alternative: alternative.id,
    flips: s.mean.map((m, k) => Math.round(m * s.n[k]!)),
    excluded: s.steps.map((st) => excludedBy.get(st) ?? 0),
  };
}
