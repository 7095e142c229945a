import type { GrayImage } from '../image/types';
import { adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { CURVE_POINTS, countsAtOrAbove, thresholdCounts, type ThresholdCounts } from './thresholds';
import { numpyMean } from './pairwiseSum';

/** The F-measure weight PySODMetrics uses. Its `beta=0.3` argument is β², not β. */
export const FMEASURE_BETA2 = 0.3;

/** Per-image F-measure (Achanta et al., CVPR 2009) with its precision/recall curves. */
export interface FmeasureImage {
  /** F-measure at the adaptive threshold (0 when the binarised map misses the GT entirely). */
  readonly adaptive: number;
  /** F-measure at the 256 curve thresholds (index i ↔ t = 255 − i). */
  readonly curve: Float64Array;
  /** Precision at each curve threshold (0 where nothing is predicted). */
  readonly precision: Float64Array;
  /** Recall at each curve threshold (GT size clamped to ≥ 1). */
  readonly recall: Float64Array;
}

/** Adaptive F-measure from counts at `pred >= min(2·mean, 1)` (`sod_metrics.py:61-77`). */
export function adaptiveFmeasure(tp: number, predFg: number, gtFg: number, beta2 = FMEASURE_BETA2): number {
  if (tp === 0) return 0;
  const pre = tp / predFg;
  const rec = tp / gtFg;
  return ((1 + beta2) * pre * rec) / (beta2 * pre + rec);
}

/** Per-image F-measure, precision and recall from the threshold counts (`sod_metrics.py:79-116`). */
export function fmeasureImage(pair: PreparedPair, counts: ThresholdCounts = thresholdCounts(pair), beta2 = FMEASURE_BETA2): FmeasureImage {
  const curve = new Float64Array(CURVE_POINTS);
  const precision = new Float64Array(CURVE_POINTS);
  const recall = new Float64Array(CURVE_POINTS);
  const t = Math.max(pair.fg, 1);
  for (let i = 0; i < CURVE_POINTS; i++) {
    const tp = counts.tp[i]!;
    let pp = tp + counts.fp[i]!;
    // No predicted pixel: the numerator is 0 too, so any denominator works; PySOD picks 1.
    if (pp === 0) pp = 1;
    const p = tp / pp;
    const r = tp / t;
    precision[i] = p;
    recall[i] = r;
    const num = (1 + beta2) * p * r;
    curve[i] = num / (num === 0 ? 1 : beta2 * p + r);
  }
  const adp = countsAtOrAbove(pair, adaptiveThreshold(pair));
  return { adaptive: adaptiveFmeasure(adp.tp, adp.tp + adp.fp, pair.fg, beta2), curve, precision, recall };
}

/** Dataset F-measure: adp mean, and the curve / precision / recall averaged over images point by point. */
export interface FmeasureResults {
  /** Mean of the per-image adaptive values. */
  readonly adp: number;
  /** Mean curve; meanFm = its mean, maxFm = its max. */
  readonly curve: Float64Array;
  /** Mean precision per threshold (PR plots). */
  readonly precision: Float64Array;
  /** Mean recall per threshold (PR plots). */
  readonly recall: Float64Array;
}

/** PySODMetrics `Fmeasure` (β² = 0.3): feed pairs with step(), read the dataset values with getResults(). */
export class Fmeasure {
  private readonly adaptives: number[] = [];
  private readonly sums = { curve: new Float64Array(CURVE_POINTS), precision: new Float64Array(CURVE_POINTS), recall: new Float64Array(CURVE_POINTS) };

  /** Creates the accumulator; `beta2` is β² (PySOD's `beta`). */
  constructor(private readonly beta2 = FMEASURE_BETA2) {}

  /** Score one pred/GT pair. */
  step(pred: GrayImage, gt: GrayImage): FmeasureImage {
    const pair = preparePair(pred, gt);
    const r = fmeasureImage(pair, thresholdCounts(pair), this.beta2);
    this.add(r);
    return r;
  }

  /** Add an already computed per-image result (e.g. from a worker). */
  add(r: FmeasureImage): void {
    this.adaptives.push(r.adaptive);
    for (let i = 0; i < CURVE_POINTS; i++) {
      this.sums.curve[i]! += r.curve[i]!;
      this.sums.precision[i]! += r.precision[i]!;
      this.sums.recall[i]! += r.recall[i]!;
    }
  }

  /** Dataset values; NaN when nothing was stepped. */
  getResults(): FmeasureResults {
    const k = this.adaptives.length;
    return {
      adp: numpyMean(this.adaptives),
      curve: this.sums.curve.map((s) => s / k),
      precision: this.sums.precision.map((s) => s / k),
      recall: this.sums.recall.map((s) => s / k),
    };
  }
}
