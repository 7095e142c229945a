import type { GrayImage } from '../image/types';
import { preparePair, type PreparedPair } from './prepare';
import { numpyMean } from './pairwiseSum';
import { approxPolyDP } from '../image/morphology/approxPolyDP';
import { findContoursTree } from '../image/morphology/contours';
import { dilateCross, dilateCrossWithin, erodeCross } from '../image/morphology/crossMorph';
import { label8 } from '../image/morphology/label';
import { skeletonize } from '../image/morphology/skeletonize';

/** HCE's parameters (sod_metrics.py:706): relaxation passes and the Douglas–Peucker tolerance. */
export interface HceOptions {
  /** Erosion / dilation passes, default 5. */
  readonly relax?: number;
  /** `approxPolyDP` epsilon, default 2.0. */
  readonly epsilon?: number;
}

/**
 * `filter_conditional_boundary` (sod_metrics.py:783-843): the parts of each border that touch the (dilated) condition
 * and were not taken by an earlier border, split where they leave it; a border's last part joins its first when their
 * ends are 8-adjacent. Returns the parts and the number of regions of `mask` none of whose border points was kept.
 */
export function conditionalBoundaries(
  mask: Uint8Array,
  condition: Uint8Array,
  size: { width: number; height: number },
): { boundaries: number[][]; independent: number } {
  const { width, height } = size;
  const cond = dilateCross(condition, width, height, 1);
  const { labels, count } = label8(mask, width, height);
  const independent = new Uint8Array(count + 1).fill(1);
  independent[0] = 0;
  const visited = new Uint8Array(width * height);
  const boundaries: number[][] = [];
  for (const contour of findContoursTree(mask, width, height).contours) {
    const parts: number[][] = [];
    let part: number[] = [];
    for (let k = 0; k < contour.length; k += 2) {
      const col = contour[k]!;
      const row = contour[k + 1]!;
      const i = row * width + col;
      if (cond[i] === 0 || visited[i] !== 0) {
        if (part.length > 0) {
          parts.push(part);
          part = [];
        }
        continue;
      }
      part.push(col, row);
      visited[i] = 1;
      independent[labels[i]!] = 0;
    }
    if (part.length > 0) parts.push(part);
    if (parts.length > 1) {
      const first = parts[0]!;
      const last = parts[parts.length - 1]!;
      const adx = Math.abs(first[0]! - last[last.length - 2]!);
      const ady = Math.abs(first[1]! - last[last.length - 1]!);
      if ((adx === 1 && ady === 0) || (adx === 0 && ady === 1) || (adx === 1 && ady === 1)) {
        for (let k = first.length - 2; k >= 0; k -= 2) last.push(first[k]!, first[k + 1]!);
        parts.shift();
      }
    }
    boundaries.push(...parts);
  }
  let indep = 0;
  for (const f of independent) indep += f;
  return { boundaries, independent: indep };
}

/** HCE of one prepared pair (`cal_hce`, sod_metrics.py:731-781). */
export function hceImage(pair: PreparedPair, options: HceOptions = {}): number {
  const relax = options.relax ?? 5;
  const epsilon = options.epsilon ?? 2.0;
  const { width, height, n } = pair;
  const size = { width, height };
  const gt = pair.gt;
  const pred = new Uint8Array(n);
  const notGt = new Uint8Array(n);
  const notPred = new Uint8Array(n);
  const union = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = pair.value[pair.pred[i]!]! > 0.5 ? 1 : 0;
    pred[i] = p;
    notPred[i] = p ^ 1;
    notGt[i] = gt[i]! ^ 1;
    union[i] = gt[i]! | p;
  }
  const skel = skeletonize(gt, width, height);
  const eroded = erodeCross(union, width, height, relax);
  // Relaxed FP / FN: FP (FN) pixels reachable from the eroded union within `relax` steps without crossing the GT (pred).
  const fpSeed = new Uint8Array(n);
  const fnSeed = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    fpSeed[i] = pred[i]! & notGt[i]! & eroded[i]!;
    fnSeed[i] = gt[i]! & notPred[i]! & eroded[i]!;
  }
  const fpR = dilateCrossWithin(fpSeed, notGt, size, relax);
  const fnR = dilateCrossWithin(fnSeed, notPred, size, relax);
  const condFp = new Uint8Array(n);
  const condFn = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = gt[i]!;
    const p = pred[i]!;
    const tp = g & p;
    const fpi = fpR[i]! & p & notGt[i]!;
    // FN_ keeps the GT skeleton pixels the prediction misses (skeleton xor (TP and skeleton)).
    const fni = (fnR[i]! & g & notPred[i]!) | (skel[i]! & (tp ^ 1));
    fpR[i] = fpi;
    fnR[i] = fni;
    condFp[i] = tp | fni;
    condFn[i] = (tp | fpi | fni) ^ 1;
  }
  const a = conditionalBoundaries(fpR, condFp, size);
  const b = conditionalBoundaries(fnR, condFn, size);
  let points = 0;
  for (const bd of [...a.boundaries, ...b.boundaries]) points += approxPolyDP(bd, epsilon, false).length >> 1;
  return points + a.independent + b.independent;
}

/** PySODMetrics `HumanCorrectionEffortMeasure` (sod_metrics.py:693-873), key `HCE` as in `examples/test_metrics.py`. */
export class HumanCorrectionEffortMeasure {
  private readonly values: number[] = [];

  /** Creates the measure with PySODMetrics' defaults (relax 5, epsilon 2.0) unless given. */
  constructor(private readonly options: HceOptions = {}) {}

  /** Score one pred/GT pair; returns the image's HCE under the dataset key. */
  step(pred: GrayImage, gt: GrayImage): Record<string, number> {
    const v = hceImage(preparePair(pred, gt), this.options);
    this.values.push(v);
    return { HCE: v };
  }

  /** Dataset HCE (mean over images); NaN when nothing was stepped. */
  results(): Record<string, number> {
    return { HCE: numpyMean(this.values) };
  }
}
