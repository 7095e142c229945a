import type { ParsedAnswer } from '../completion/types';
import type { FrameSpec } from '../geometry/frames';
import type { BinaryMask, GrayImage } from '../image/types';
import type { Segmenter } from '../segment/segmenter';
import type { Overlap } from './masks';

/** Everything a reward set may need to score one rollout. */
export interface RewardInput {
  /** The full generated text. */
  readonly completion: string;
  /** Ground-truth mask at its original size (8-bit; > 127 is foreground for Seg-R1). */
  readonly gt?: GrayImage;
  /** The frame the model wrote coordinates in. */
  readonly modelFrame: FrameSpec;
  /**
   * Produces the predicted mask in the reward frame for the parsed prompts; absent when
   * a logged mask is used instead (see `loggedMask`).
   */
  readonly segment?: (answer: ParsedAnswer) => Promise<BinaryMask>;
  /** A mask logged by the trainer, already in the reward frame; takes precedence over `segment`. */
  readonly loggedMask?: BinaryMask;
  /** Seg-Zero-style GT text (`<box>(x1,y1),(x2,y2)</box><points>(x,y),(x,y)</points>`) when the log has it. */
  readonly solution?: string;
  /** Segmenter in use, for labelling only. */
  readonly segmenter?: Segmenter;
}

/** Scores of one rollout under one reward set. */
export interface RewardResult {
  /** Component values by the reward registry's names (Seg-R1: `format`, `segment`). */
  readonly components: Readonly<Record<string, number>>;
  /** Sum of the weighted components. */
  readonly total: number;
  /** Intermediate quantities worth showing (IoU, S-measure term, area, ...). */
  readonly details: Readonly<Record<string, number>>;
  /** The parsed answer the scores were computed from. */
  readonly answer: ParsedAnswer;
  /** The predicted mask in the reward frame, when one was made. */
  readonly mask?: BinaryMask;
  /** That mask's pixel counts against the reward-frame GT, when the set counted them (attribution's IoU reuses them). */
  readonly overlap?: Overlap;
}

/** A named, typed set of reward functions (registry entry). */
export interface RewardSet {
  readonly id: string;
  readonly label: string;
  /** Component names in display order. */
  readonly components: readonly string[];
  score(input: RewardInput): Promise<RewardResult>;
}
