import type { GrayImage } from '../image/types';
import { EPS, adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { CURVE_POINTS, countsAtOrAbove, thresholdCounts, type ThresholdCounts } from './thresholds';
import { numpyMean } from './pairwiseSum';

/** Per-image E-measure (Fan et al., IJCAI 2018) as PySODMetrics 1.6.2 computes it. */
export interface EmeasureImage {
  /** E-measure at the adaptive threshold min(2·mean, 1). */
  readonly adaptive: number;
  /** E-measure at the 256 curve thresholds (index i ↔ t = 255 − i). */
  readonly curve: Float64Array;
}

/** Enhanced-alignment value of one (pred, gt) demeaned pair: ((2ab/(a²+b²+EPS)) + 1)² / 4. */
function enhanced(a: number, b: number): number {
  const align = (2 * (a * b)) / (a * a + b * b + EPS);
  return ((align + 1) * (align + 1)) / 4;
}

/**
 * E-measure from one threshold's counts (`sod_metrics.py:431-537`). The denominator is N − 1 + EPS, not N,
 * so a perfect map scores N/(N−1).
 */
export function emeasureFromCounts(tp: number, fp: number, gtFg: number, n: number): number {
  const predFg = tp + fp;
  const predBg = n - predFg;
  let sum: number;
  if (gtFg === 0) sum = predBg;
  else if (gtFg === n) sum = predFg;
  else {
    const fn = gtFg - tp;
    const tn = predBg - fn;
    const mp = predFg / n;
    const mg = gtFg / n;
    const pf = 1 - mp;
    const pb = 0 - mp;
    const gf = 1 - mg;
    const gb = 0 - mg;
    sum = 0 + enhanced(pf, gf) * tp + enhanced(pf, gb) * fp + enhanced(pb, gf) * fn + enhanced(pb, gb) * tn;
  }
  return sum / (n - 1 + EPS);
}

/** Per-image E-measure: adaptive value and 256-point curve, from precomputed threshold counts. */
export function emeasureImage(pair: PreparedPair, counts: ThresholdCounts = thresholdCounts(pair)): EmeasureImage {
  const curve = new Float64Array(CURVE_POINTS);
  for (let i = 0; i < CURVE_POINTS; i++) curve[i] = emeasureFromCounts(counts.tp[i]!, counts.fp[i]!, pair.fg, pair.n);
  const adp = countsAtOrAbove(pair, adaptiveThreshold(pair));
  return { adaptive: emeasureFromCounts(adp.tp, adp.fp, pair.fg, pair.n), curve };
}

/** Dataset E-measure: adp = mean of per-image adp; curve = element-wise mean of per-image curves. */
export interface EmeasureResults {
  /** Mean of the per-image adaptive values. */
  readonly adp: number;
  /** Element-wise mean of the per-image curves; meanEm = its mean, maxEm = its max. */
  readonly curve: Float64Array;
}

/** PySODMetrics `Emeasure`: feed pairs with step(), read the dataset values with getResults(). */
export class Emeasure {
  private readonly adaptives: number[] = [];
  private readonly curveSum = new Float64Array(CURVE_POINTS);

  /** Score one pred/GT pair. */
  step(pred: GrayImage, gt: GrayImage): EmeasureImage {
    const r = emeasureImage(preparePair(pred, gt));
    this.add(r);
    return r;
  }

  /** Add an already computed per-image result (e.g. from a worker). */
  add(r: EmeasureImage): void {
    this.adaptives.push(r.adaptive);
    // np.mean(axis=0) over the stacked curves accumulates image by image, in order.
    for (let i = 0; i < CURVE_POINTS; i++) this.curveSum[i]! += r.curve[i]!;
  }

  /** Dataset values; NaN when nothing was stepped. */
  getResults(): EmeasureResults {
    const k = this.adaptives.length;
    return { adp: numpyMean(this.adaptives), curve: this.curveSum.map((s) => s / k) };
  }
}
