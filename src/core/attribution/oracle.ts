import { mapPoint } from '../geometry/frames';
import type { GrayImage, Size } from '../image/types';
import { iouCounts, iouFromCounts } from '../metrics/iou';
import { maskTo255 } from '../rewards/masks';
import type { EncodedImage, PromptPoint, SegmentPrompt, Segmenter, SegmenterInfo } from '../segment/segmenter';
import { deriveOraclePrompts, hasOracle, ORACLE_KINDS, oraclePrompt, type NoOracle, type OracleKind, type OraclePrompts } from './oraclePrompts';

/** The oracle of one image: its prompts (original pixels), the IoU of each prompt set, the best, and who segmented. */
export interface ImageOracle {
  readonly prompts: OraclePrompts;
  readonly iou: Readonly<Record<OracleKind, number>>;
  /** Best of the three (the image's oracle IoU). */
  readonly best: number;
  /** The prompt set that reached `best` (the first of equals, in ORACLE_KINDS order). */
  readonly bestKind: OracleKind;
  /** The engine that segmented the oracle: every place showing it labels it (e.g. "classical fallback — not SAM2"). */
  readonly segmenter: SegmenterInfo;
}

/** What {@link segmentOracle} needs for one image. */
export interface OracleInput {
  readonly segmenter: Segmenter;
  /** The image as encoded for this segmenter (the frame rollouts are segmented in; encoded once, shared with them). */
  readonly encoded: EncodedImage;
  /** The GT at its original size: the prompts are derived here, in original pixels. */
  readonly gt: GrayImage;
  /** The GT in the encoded frame, scored against (the frame rollout IoUs are measured in). Default: `gt` itself. */
  readonly gtInFrame?: GrayImage;
  readonly signal?: AbortSignal;
}

/**
 * Derive the oracle prompts of an image's GT, segment each set against the image encoded once, and score each
 * mask with the project's IoU (pred ≥ 128, GT > 127, both empty = 1). Prompts are mapped from original pixels to
 * the encoded frame as every other prompt is (a scale per axis). No oracle (with the reason) for an empty GT.
 */
export async function segmentOracle(input: OracleInput): Promise<ImageOracle | NoOracle> {
  const prompts = deriveOraclePrompts(input.gt);
  if (!hasOracle(prompts)) return prompts;
  const frameGt = input.gtInFrame ?? input.gt;
  const framed = oracleFramePrompts(prompts, input.gt, input.encoded);
  const iou = {} as Record<OracleKind, number>;
  let best = -Infinity;
  let bestKind: OracleKind = 'box';
  for (const kind of ORACLE_KINDS) {
    const r = await input.segmenter.decode(input.encoded, framed[kind], input.signal);
    const v = iouFromCounts(iouCounts(maskTo255(r.mask), frameGt));
    iou[kind] = v;
    if (v > best) {
      best = v;
      bestKind = kind;
    }
  }
  return { prompts, iou, best, bestKind, segmenter: input.segmenter.info };
}

/** The three oracle prompt sets mapped from original pixels to a frame (a scale per axis, as every prompt is mapped). */
export function oracleFramePrompts(prompts: OraclePrompts, original: Size, frame: Size): Record<OracleKind, SegmentPrompt> {
  const pt = (q: { x: number; y: number }): { x: number; y: number } => mapPoint(q, original, frame);
  const toFrame = (p: SegmentPrompt): SegmentPrompt => {
    const points = p.points.map((q): PromptPoint => ({ ...pt(q), label: q.label }));
    if (!p.box) return { points };
    const a = pt({ x: p.box.x1, y: p.box.y1 });
    const b = pt({ x: p.box.x2, y: p.box.y2 });
    return { box: { x1: a.x, y1: a.y, x2: b.x, y2: b.y }, points };
  };
  const out = {} as Record<OracleKind, SegmentPrompt>;
  for (const kind of ORACLE_KINDS) out[kind] = toFrame(oraclePrompt(prompts, kind));
  return out;
}
