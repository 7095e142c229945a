import type { AdvantageEstimator, AdvantageRollout } from '../rewards/advantageEstimators';

/**
 * What an edit would have done to learning: the advantages of the edited rollout's group under the run's estimator,
 * before and after the edited rollout's reward changes. Group-scoped estimators are computed on the group alone;
 * batch-scoped ones (`trl-batch`, `trl-gdpo`: a std over the whole step) on every rollout given, so the edit moves
 * the batch statistics too. Rollouts keep their log order: the trainers' float32 sums depend on it.
 */

/** Input of `wouldBeAdvantage`. */
export interface WouldBeAdvantageInput {
  /** The run's estimator (advantageEstimators.ts). */
  readonly estimator: AdvantageEstimator;
  /**
   * Rollouts in log order with their (replayed) reward components: the edited rollout's whole step for a batch-scoped
   * estimator; for a group-scoped one the group suffices (other groups are ignored).
   */
  readonly rollouts: readonly AdvantageRollout[];
  /** Index of the edited rollout in `rollouts`. */
  readonly edited: number;
  /** The edited rollout's new reward components, in the reward set's order. */
  readonly components: readonly (number | null)[];
  /** Reward weights by component (default 1), as the run used them. */
  readonly weights?: readonly number[];
}

/** Advantages of the edited rollout's group before and after the edit. */
export interface WouldBeAdvantage {
  /** Indices in `rollouts` of the group's members, in order; `before`/`after` follow it. */
  readonly members: number[];
  readonly before: number[];
  readonly after: number[];
  /** Position of the edited rollout in `members`. */
  readonly edited: number;
  /** after − before of the edited rollout. */
  readonly delta: number;
  /**
   * False when a batch-scoped estimator was given the group alone (no rollout of another group of the step): its
   * batch std is then the group's, which the trainer never computed.
   */
  readonly batchComplete: boolean;
}

const groupKey = (r: AdvantageRollout) => JSON.stringify([r.run ?? '', r.group]);
const stepKey = (r: AdvantageRollout) => JSON.stringify([r.run ?? '', r.step ?? null]);

/** The group's advantages before and after replacing the edited rollout's reward components. */
export function wouldBeAdvantage(input: WouldBeAdvantageInput): WouldBeAdvantage {
  const { estimator, rollouts, edited } = input;
  const target = rollouts[edited];
  if (!target) throw new Error(`wouldBeAdvantage: edited rollout ${edited} is not among the ${rollouts.length} given`);
  const batchScoped = estimator.scope === 'batch';
  // The rollouts the estimate depends on: the step (batch scope) or the group, in log order.
  const scopeKey = batchScoped ? stepKey : groupKey;
  const scope: number[] = [];
  rollouts.forEach((r, i) => {
    if (scopeKey(r) === scopeKey(target)) scope.push(i);
  });
  const members = scope.filter((i) => groupKey(rollouts[i]!) === groupKey(target));
  const base = scope.map((i) => rollouts[i]!);
  const changed = base.slice();
  const inScope = new Map(scope.map((i, k) => [i, k]));
  changed[inScope.get(edited)!] = { ...target, components: input.components };
  const pick = (all: number[]) => members.map((i) => all[inScope.get(i)!]!);
  const before = pick(estimator.estimate(base, input.weights));
  const after = pick(estimator.estimate(changed, input.weights));
  const pos = members.indexOf(edited);
  return { members, before, after, edited: pos, delta: after[pos]! - before[pos]!, batchComplete: !batchScoped || members.length < scope.length };
}
