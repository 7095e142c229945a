import type { ParsedAnswer } from '../core/completion/types';
import type { StrictParseResult } from '../core/completion/segr1Strict';
import { decodeRle } from '../core/image/rle';
import type { BinaryMask } from '../core/image/types';
import { segr1Segments } from '../core/rewards/segr1';
import type { MaskPayload, SegmenterKind } from '../shared/protocol';
import { assetSize, type ResolvePath, type RolloutAssets } from './rolloutAssets';
import type { ParsedRollout } from './rolloutParse';
import type { ViewProblems } from './viewProblems';

/** Mask for a rollout without a logged mask (segmenter in use); undefined when no image. */
export type SegmentAnswer = (imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }) => Promise<{ mask: BinaryMask; source: string; kind: SegmenterKind } | undefined>;

/** Whether the trainer segmented an answer and, when it did not, the sentence the canvas shows instead of a mask. */
export type TrainerSegmentation = { readonly segmented: true } | { readonly segmented: false; readonly reason: string };

/** A rollout's masks: the one shown (logged, else the segmenter's) and the logged one the rewards replay on. */
export interface RolloutMasks {
  /** The mask the canvas shows, labelled with where it came from. */
  readonly mask?: MaskPayload & { readonly source: string; readonly kind: SegmenterKind | 'logged' };
  /** The logged mask (the reward frame's mask the trainer scored), when the record has a readable one. */
  readonly loggedMask?: BinaryMask;
  /** Set when the trainer never segmented the answer: why the canvas shows no mask. */
  readonly noMask?: { readonly reason: string };
}

/**
 * Would the trainer have segmented this answer? Decided by Seg-R1's reward set itself: its strict parse (the
 * `reference` the parser attaches, `parseSegR1Strict`) and the guard of its segment reward (`segr1Segments`). A
 * missing `</think>` zeroes the format reward only: such an answer is still segmented. Answers read as Seg-Zero or
 * VisionReasoner are not judged (undefined): their reward sets score the prompts, never a mask.
 */
export function trainerSegmentation(answer: ParsedAnswer): TrainerSegmentation | undefined {
  const ref = answer.reference;
  if (answer.format !== 'segr1' || !ref) return undefined;
  if (segr1Segments(ref)) return { segmented: true };
  return { segmented: false, reason: `no mask — the training parser rejected this answer (${rejection(ref)}): format reward 0, segment reward 0` };
}

/** Why Seg-R1's strict parse yields no prompts, in the parser's own terms. */
function rejection(ref: StrictParseResult): string {
  if (ref.evalError) return `its eval raises: ${ref.evalError.message}`;
  if (ref.countMismatch) {
    const { labels, points } = ref.countMismatch;
    return `${labels} label${labels === 1 ? '' : 's'} for ${points} point${points === 1 ? '' : 's'}`;
  }
  const missing = [ref.boxes === null && '<bbox>', ref.points === null && '<points>', ref.labels === null && '<labels>'].filter((m): m is string => !!m);
  return missing.length ? `no valid ${missing.join(', ')}: it reads only bracketed lists of integers` : 'no point';
}

/**
 * Step 3 of a rollout view: the mask. A logged mask is decoded (a bad one is a problem of the line); without one, the
 * segmenter in use segments the answer on the image — unless the trainer never segmented it: making a mask here
 * would show one it never had.
 */
export async function segmentRollout(
  parsed: ParsedRollout,
  assets: RolloutAssets,
  segmenter: { readonly resolve: ResolvePath; readonly segment?: SegmentAnswer },
  problems: ViewProblems,
): Promise<RolloutMasks> {
  const { record, answer, frame } = parsed;
  const size = assetSize(assets);
  const trainer = trainerSegmentation(answer);
  const noMask = trainer && !trainer.segmented ? { reason: trainer.reason } : undefined;
  let mask: RolloutMasks['mask'];
  let loggedMask: BinaryMask | undefined;
  if (record.mask) {
    try {
      // A logged mask is in the reward frame, the model frame or the image: never larger than all three.
      loggedMask = decodeRle(record.mask, { field: 'mask', maxPixels: Math.max(768 * 768, frame.width * frame.height, size ? size.width * size.height : 0) });
      mask = { ...loggedMask, source: 'logged mask (from the run)', kind: 'logged' };
    } catch (e) {
      problems.note(`mask: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (!mask && !noMask && assets.image && record.image && segmenter.segment) {
    const r = segmenter.resolve(record.image);
    if ('path' in r) {
      const seg = await segmenter.segment(r.path, answer, frame);
      // The kind travels with the mask (the badge's class): never guessed from the label.
      if (seg) mask = { ...seg.mask, source: seg.source, kind: seg.kind };
    }
  }
  return { ...(mask ? { mask } : {}), ...(loggedMask ? { loggedMask } : {}), ...(noMask ? { noMask } : {}) };
}
