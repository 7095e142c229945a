import type { PreparedPair } from './prepare';
import { numpyMean } from './pairwiseSum';

/** Number of points on every PySODMetrics threshold curve. */
export const CURVE_POINTS = 256;

/**
 * Confusion counts at the 256 curve thresholds. Index i ↔ threshold t = 255 − i (`q >= t`), as `cumsum(flip(hist))` gives:
 * index 0 is the strictest threshold and index 255 predicts every pixel as foreground.
 */
export interface ThresholdCounts {
  /** GT-foreground pixels with q ≥ t (true positives). */
  readonly tp: Float64Array;
  /** GT-background pixels with q ≥ t (false positives). */
  readonly fp: Float64Array;
}

/** Cumulative per-threshold counts from the raw-byte histograms, via the truncating quantisation table. */
export function thresholdCounts(pair: PreparedPair): ThresholdCounts {
  const fgBins = new Float64Array(CURVE_POINTS);
  const bgBins = new Float64Array(CURVE_POINTS);
  for (let v = 0; v < 256; v++) {
    const b = pair.bin[v]!;
    fgBins[b]! += pair.fgHist[v]!;
    bgBins[b]! += pair.bgHist[v]!;
  }
  const tp = new Float64Array(CURVE_POINTS);
  const fp = new Float64Array(CURVE_POINTS);
  let a = 0;
  let c = 0;
  for (let i = 0; i < CURVE_POINTS; i++) {
    a += fgBins[255 - i]!;
    c += bgBins[255 - i]!;
    tp[i] = a;
    fp[i] = c;
  }
  return { tp, fp };
}

/** Confusion counts of the float prediction binarised as `pred >= threshold`. */
export interface BinaryCounts {
  /** GT-foreground pixels predicted foreground. */
  readonly tp: number;
  /** GT-background pixels predicted foreground. */
  readonly fp: number;
}

/** Counts for `p >= threshold` on the normalised prediction (adaptive modes). */
export function countsAtOrAbove(pair: PreparedPair, threshold: number): BinaryCounts {
  let tp = 0;
  let fp = 0;
  for (let v = 0; v < 256; v++) {
    if (pair.value[v]! >= threshold) {
      tp += pair.fgHist[v]!;
      fp += pair.bgHist[v]!;
    }
  }
  return { tp, fp };
}

/** Counts for `p > threshold` on the normalised prediction (FmeasureV2 binary mode uses 0.5). */
export function countsAbove(pair: PreparedPair, threshold: number): BinaryCounts {
  let tp = 0;
  let fp = 0;
  for (let v = 0; v < 256; v++) {
    if (pair.value[v]! > threshold) {
      tp += pair.fgHist[v]!;
      fp += pair.bgHist[v]!;
    }
  }
  return { tp, fp };
}

/** `curve.mean()` as numpy sums it (pairwise), so per-image and dataset meanEm/meanFm match PySOD to the bit. */
export function curveMean(curve: ArrayLike<number>): number {
  return numpyMean(curve);
}

/** Maximum of a curve; NaN if any point is NaN (as numpy's max). */
export function curveMax(curve: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < curve.length; i++) {
    const v = curve[i]!;
    if (Number.isNaN(v)) return NaN;
    if (v > m) m = v;
  }
  return m;
}
