import { groupAdvantages } from '../rewards/advantages';
import { segr1Reference } from '../rewards/segr1';
import type { RunScoring } from './trainingRun';

/**
 * The sample run's scoring: the project's `segr1-reference` reward set (Seg-R1 as trained, S-measure quirk
 * included) and TRL 0.14's group advantages — the same code a replay uses, so logged and replayed rewards agree.
 */
export function segr1ReferenceScoring(): RunScoring {
  return { rewardSet: segr1Reference, advantages: (totals) => groupAdvantages(totals).advantages };
}
