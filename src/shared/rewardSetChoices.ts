/**
 * The reward sets a replay can use, for pickers in the webviews (which do not bundle the reward code). The same ids
 * as src/core/rewards/registry.ts, in its order; a unit test keeps the two equal.
 */
export const REWARD_SET_CHOICES: ReadonlyArray<{ readonly id: string; readonly label: string }> = [
  { id: 'segr1-reference', label: 'Seg-R1 (as trained: Sm term = 1 − area)' },
  { id: 'segr1-intended', label: 'Seg-R1 (intended: true S-measure)' },
  { id: 'segzero', label: 'Seg-Zero rule rewards' },
  { id: 'segzero-strict', label: 'Seg-Zero strict rule rewards (seg_restrict.py)' },
  { id: 'visionreasoner', label: 'VisionReasoner rewards' },
];

/** The set a replay uses when none was chosen: what Seg-R1's training code computes. */
export const DEFAULT_REPLAY_SET = 'segr1-reference';
