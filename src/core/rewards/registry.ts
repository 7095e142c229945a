import { segr1Intended, segr1Reference } from './segr1';
import { segzeroRewards } from './segzero';
import { segzeroStrictRewards } from './segzeroStrict';
import { visionReasonerRewards } from './visionReasoner';
import type { RewardSet } from './types';

const sets = new Map<string, RewardSet>();

/** Add a reward set; a second registration under the same id is a programming error. */
export function registerRewardSet(set: RewardSet): void {
  if (sets.has(set.id)) throw new Error(`reward set '${set.id}' is already registered`);
  sets.set(set.id, set);
}

/** The reward set with this id, or undefined. */
export function getRewardSet(id: string): RewardSet | undefined {
  return sets.get(id);
}

/** Every registered reward set, in registration order. */
export function listRewardSets(): RewardSet[] {
  return [...sets.values()];
}

registerRewardSet(segr1Reference);
registerRewardSet(segr1Intended);
registerRewardSet(segzeroRewards);
registerRewardSet(segzeroStrictRewards);
registerRewardSet(visionReasonerRewards);
