import { parseCompletion } from '../completion/parse';
import { parseSegR1Strict, type StrictParseResult } from '../completion/segr1Strict';
import type { ParseDiagnostic, ParsedAnswer, ParsedBox, ParsedPoint } from '../completion/types';
import type { BinaryMask } from '../image/types';
import { smeasureBinary } from '../metrics/smeasure';
import { trainerTotal } from './advantages';
import { frameGt, frameOverlap } from './frameGt';
import { SEGR1_REWARD_SIDE, rewardIou, type Overlap } from './masks';
import type { RewardInput, RewardResult, RewardSet } from './types';

/** Seg-R1's reward functions in trainer order (`reward_funcs = ["segment", "format"]`). */
export const SEGR1_COMPONENTS = ['segment', 'format'] as const;

/** Thrown when a score needs a mask but neither a logged mask nor a segmenter was given. */
export class MissingMaskError extends Error {
  /** Names what was missing. */
  constructor() {
    super('the segment reward needs a mask: pass a segmenter or a logged mask');
    this.name = 'MissingMaskError';
  }
}

/** Thrown when a score needs the ground truth and none was given. */
export class MissingGtError extends Error {
  /** Names what was missing. */
  constructor() {
    super('the segment reward needs the ground-truth mask');
    this.name = 'MissingGtError';
  }
}

/** grpo.py `format_reward`: 1 when the reference parse finds points, labels, ≥ 1 bbox and a think block. */
export function segr1FormatReward(ref: StrictParseResult): number {
  return ref.points !== null && ref.labels !== null && ref.boxes !== null && ref.think !== null ? 1 : 0;
}

/** grpo.py `segmentation_reward`'s guard: SAM2 runs (and the segment reward can be non-zero) only when this holds. */
export function segr1Segments(ref: StrictParseResult): boolean {
  return ref.points !== null && ref.points.length > 0 && ref.boxes !== null && ref.labels !== null;
}

/** The reference parse as a ParsedAnswer: exactly the prompts the training code sends to SAM2 (model frame). */
export function strictAnswer(ref: StrictParseResult, diagnostics: readonly ParseDiagnostic[] = []): ParsedAnswer {
  const boxes: ParsedBox[] = (ref.boxes ?? []).map((b, i) => ({ x1: b[0], y1: b[1], x2: b[2], y2: b[3], span: ref.boxSpans[i]! }));
  const points: ParsedPoint[] = [];
  if (ref.points && ref.labels) {
    ref.points.forEach((p, i) => {
      // Labels other than 0/1 reach SAM2 unchanged in the reference; Segmenter prompts carry 0/1, so they count as foreground.
      const l = ref.labels![i]!;
      points.push({ x: p[0], y: p[1], label: l === 0 ? 0 : 1, span: ref.pointSpans[i]!, labelSpan: ref.labelSpans[i]! });
    });
  }
  return { format: 'segr1', ...(ref.think !== null && ref.thinkSpan ? { think: { text: ref.think, span: ref.thinkSpan } } : {}), boxes, points, diagnostics, reference: ref };
}

/** Which S-measure term the segment reward uses. */
export type SegR1SmMode = 'reference' | 'intended';

/**
 * grpo.py `segmentation_reward` for one rollout: 0.7·IoU + 0.3·clip(Sm, 0, 1) on 768² masks, 0 when points,
 * labels or bbox are missing. `reference` reproduces the shipped S-measure input: the 0/1 GT is re-binarised with
 * `> 128`, so it is all zeros and Sm = 1 − mean(pred), an area penalty. `intended` scores the same mask with the
 * S-measure against the real GT (Seg-R1's own `Smeasure.cal_sm`, whose `max(0, nan)` turns a NaN into 0).
 * How grpo.py feeds the S-measure: the OR-ed bool mask becomes float64 0/1 and goes through grpo.py's own
 * `_prepare_data` (no /255, no min-max stretch) straight into `cal_sm`. The intended term therefore scores the mask
 * as 0/255 through PySODMetrics' preparation, which for a binary mask is the same as cal_sm(0/1 pred, 0/1 GT); feeding
 * a 0/1 uint8 mask to PySODMetrics instead would divide by 255 and, for an all-foreground mask (no stretch), score 1/255.
 * IoU: intersection / union over 768² bools, 0.0 when the union is empty.
 */
async function scoreSegR1(input: RewardInput, mode: SegR1SmMode): Promise<RewardResult> {
  const ref = parseSegR1Strict(input.completion);
  const display = parseCompletion(input.completion, { format: 'segr1', frame: { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE } });
  const answer = strictAnswer(ref, display.diagnostics);
  const format = segr1FormatReward(ref);
  const details: Record<string, number> = { referenceWouldStall: ref.referenceWouldStall ? 1 : 0, boxes: ref.boxes?.length ?? 0 };
  let segment = 0;
  let mask: BinaryMask | undefined;
  let overlap: Overlap | undefined;
  if (segr1Segments(ref)) {
    if (!input.gt) throw new MissingGtError();
    if (input.loggedMask) mask = input.loggedMask;
    else if (input.segment) {
      try {
        mask = await input.segment(answer);
      } catch {
        // The reference catches SAM2 failures per box and keeps going; a failed call leaves the mask empty.
        mask = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE, data: new Uint8Array(SEGR1_REWARD_SIDE * SEGR1_REWARD_SIDE) };
        details.segmenterFailed = 1;
      }
    } else throw new MissingMaskError();
    // The GT's mask and S-measure statistics are derived once per GT image; per rollout, one pass over the mask.
    const gt = frameGt(input.gt);
    const { overlap: o, quadrants } = frameOverlap(mask, gt, mode === 'intended');
    overlap = o;
    const iou = rewardIou(o);
    const n = gt.mask.width * gt.mask.height;
    let sm: number;
    if (mode === 'reference') sm = 1 - o.predArea / n;
    else {
      // smeasureImage(preparePair(maskTo255(mask), maskTo255(gt mask))), from the counts (bit-identical).
      const s = smeasureBinary(gt.sm, quadrants);
      sm = Number.isNaN(s) ? 0 : s;
    }
    const smTerm = Math.max(0, Math.min(1, sm));
    segment = 0.7 * iou + 0.3 * smTerm;
    Object.assign(details, { iou, sm, smTerm, predArea: o.predArea / n, gtArea: o.gtArea / n });
  }
  return { components: { segment, format }, total: trainerTotal([segment, format]), details, answer, ...(mask ? { mask } : {}), ...(overlap ? { overlap } : {}) };
}

/** Seg-R1's rewards exactly as trained (including the S-measure quirk). */
export const segr1Reference: RewardSet = {
  id: 'segr1-reference',
  label: 'Seg-R1 (as trained: Sm term = 1 − area)',
  components: SEGR1_COMPONENTS,
  score: (input) => scoreSegR1(input, 'reference'),
};

/** Seg-R1's rewards with the S-measure computed against the real GT, as the paper describes. */
export const segr1Intended: RewardSet = {
  id: 'segr1-intended',
  label: 'Seg-R1 (intended: true S-measure)',
  components: SEGR1_COMPONENTS,
  score: (input) => scoreSegR1(input, 'intended'),
};
