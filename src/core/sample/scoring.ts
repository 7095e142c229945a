import { groupAdvantages } from '../rewards/advantages';
import { getRewardSet } from '../rewards/registry';
import type { RunScoring } from './trainingRun';

/** The reward set the sample run is scored with. */
export const SAMPLE_REWARD_SET_ID = 'segr1-reference';

/**
 * The sample run's scoring: the project's `segr1-reference` reward set (Seg-R1 as trained, S-measure quirk
 * included) and TRL 0.14's group advantages — the same code a replay uses, so logged and replayed rewards agree.
 */
export function segr1ReferenceScoring(): RunScoring {
  const rewardSet = getRewardSet(SAMPLE_REWARD_SET_ID);
  if (!rewardSet) throw new Error(`reward set '${SAMPLE_REWARD_SET_ID}' is not registered`);
  return { rewardSet, advantages: (totals) => groupAdvantages(totals).advantages };
}
