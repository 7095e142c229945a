import type { GrayImage } from '../image/types';
import { EPS, predSum, preparePair, type PreparedPair } from './prepare';
import { numpyMean } from './pairwiseSum';

/** Weight of the object score against the region score (PySODMetrics default α = 0.5). */
export const SMEASURE_ALPHA = 0.5;

/**
 * Per-image S-measure (Fan et al., ICCV 2017) as PySODMetrics 1.6.2 computes it (`sod_metrics.py:214-348`).
 * NaN when the rounded GT centroid falls in the last row or column: one quadrant is empty and v1.6.2 propagates its NaN.
 */
export function smeasureImage(pair: PreparedPair, alpha = SMEASURE_ALPHA): number {
  const y = pair.fg / pair.n;
  if (y === 0) return 1 - predSum(pair) / pair.n;
  if (y === 1) return predSum(pair) / pair.n;
  const score = objectScore(pair) * alpha + regionScore(pair) * (1 - alpha);
  // np.maximum(0, NaN) is NaN; Python's max(0, NaN) would have been 0 (≤ v1.6.0).
  return Number.isNaN(score) ? NaN : Math.max(0, score);
}

/** s(x) = 2m / (m² + 1 + σ + EPS), σ the sample std (ddof 1; 0 for one pixel), over the pixels counted in `hist`. */
function sObject(hist: Float64Array, values: Float64Array, count: number): number {
  let sum = 0;
  for (let v = 0; v < 256; v++) if (hist[v] !== 0) sum += hist[v]! * values[v]!;
  const mean = sum / count;
  let std = 0;
  if (count > 1) {
    let ss = 0;
    for (let v = 0; v < 256; v++) {
      if (hist[v] !== 0) {
        const d = values[v]! - mean;
        ss += hist[v]! * d * d;
      }
    }
    std = Math.sqrt(ss / (count - 1));
  }
  return (2 * mean) / (mean * mean + 1 + std + EPS);
}

/** Object-aware score: foreground similarity of pred, background similarity of 1 − pred, weighted by GT area. */
function objectScore(pair: PreparedPair): number {
  const gtMean = pair.fg / pair.n;
  const inverted = new Float64Array(256);
  for (let v = 0; v < 256; v++) inverted[v] = 1 - pair.value[v]!;
  const fgScore = sObject(pair.fgHist, pair.value, pair.fg) * gtMean;
  const bgScore = sObject(pair.bgHist, inverted, pair.n - pair.fg) * (1 - gtMean);
  return fgScore + bgScore;
}

/** np.round: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Region-aware score: SSIM of the four quadrants cut at the GT centroid, weighted by quadrant area. */
function regionScore(pair: PreparedPair): number {
  const { width: w, height: h, n: area } = pair;
  // Row/column sums are exact integers, so their means equal numpy's; +1 mirrors MATLAB's inclusive 1:X ranges.
  const cy = roundHalfEven(pair.fgRowSum / pair.fg) + 1;
  const cx = roundHalfEven(pair.fgColSum / pair.fg) + 1;
  // Quadrant q = 2·(row ≥ cy) + (col ≥ cx); per quadrant a histogram of raw pred bytes per GT class, index
  // q·512 + gt·256 + value. The bottom-right one is the whole-image histogram minus the other three, so its pixels
  // are never visited; two lanes (by column parity) keep runs of equal bytes from chaining increments.
  const lanes = new Int32Array(2 * 3 * 512);
  const { pred, gt } = pair;
  const xSplit = Math.min(cx, w);
  for (let yy = 0; yy < h; yy++) {
    const row = yy * w;
    countSpan(lanes, gt, pred, row, row + xSplit, yy < cy ? 0 : 1024);
    if (yy < cy) countSpan(lanes, gt, pred, row + xSplit, row + w, 512);
  }
  const hist = new Float64Array(4 * 512);
  for (let k = 0; k < 1536; k++) hist[k] = lanes[k]! + lanes[1536 + k]!;
  for (let v = 0; v < 256; v++) {
    hist[1536 + v] = pair.bgHist[v]! - hist[v]! - hist[512 + v]! - hist[1024 + v]!;
    hist[1536 + 256 + v] = pair.fgHist[v]! - hist[256 + v]! - hist[768 + v]! - hist[1280 + v]!;
  }
  const wLt = (cx * cy) / area;
  const wRt = (cy * (w - cx)) / area;
  const wLb = ((h - cy) * cx) / area;
  const wRb = 1 - wLt - wRt - wLb;
  return (
    quadrantSsim(hist, 0, pair.value) * wLt +
    quadrantSsim(hist, 1, pair.value) * wRt +
    quadrantSsim(hist, 2, pair.value) * wLb +
    quadrantSsim(hist, 3, pair.value) * wRb
  );
}

/** Add pixels [from, to) to one quadrant's histogram (offset `base`), alternating between the two lanes. */
function countSpan(lanes: Int32Array, gt: Uint8Array, pred: Uint8Array, from: number, to: number, base: number): void {
  let i = from;
  for (; i + 1 < to; i += 2) {
    lanes[base + (gt[i]! << 8) + pred[i]!]!++;
    lanes[1536 + base + (gt[i + 1]! << 8) + pred[i + 1]!]!++;
  }
  if (i < to) lanes[base + (gt[i]! << 8) + pred[i]!]!++;
}

/**
 * PySOD's ssim() on one quadrant from its histograms. An empty quadrant gives NaN (mean of nothing), which v1.6.2
 * lets through. A quadrant whose pred is one constant value uses that value as its exact mean: numpy's order-dependent
 * sum can leave an ulp there and turn a 1 into a 0 when the GT is constant too; this port takes the exact-math branch.
 */
function quadrantSsim(hist: Float64Array, q: number, values: Float64Array): number {
  const bgOff = q * 512;
  const fgOff = bgOff + 256;
  let n = 0;
  let fgN = 0;
  let sum = 0;
  let distinct = 0;
  let only = 0;
  for (let v = 0; v < 256; v++) {
    const c = hist[bgOff + v]! + hist[fgOff + v]!;
    if (c !== 0) {
      n += c;
      fgN += hist[fgOff + v]!;
      sum += c * values[v]!;
      distinct++;
      only = v;
    }
  }
  if (n === 0) return NaN;
  const x = distinct === 1 ? values[only]! : sum / n;
  const y = fgN / n;
  const dgF = 1 - y;
  const dgB = 0 - y;
  let sxx = 0;
  let sxy = 0;
  for (let v = 0; v < 256; v++) {
    const f = hist[fgOff + v]!;
    const b = hist[bgOff + v]!;
    if (f === 0 && b === 0) continue;
    const d = values[v]! - x;
    sxx += (f + b) * d * d;
    sxy += f * d * dgF + b * d * dgB;
  }
  const denom = n - 1 + EPS;
  const sigmaX = sxx / denom;
  const sigmaY = (fgN * dgF * dgF + (n - fgN) * dgB * dgB) / denom;
  const sigmaXY = sxy / denom;
  const a = 4 * x * y * sigmaXY;
  const b = (x * x + y * y) * (sigmaX + sigmaY);
  if (a !== 0) return a / (b + EPS);
  return b === 0 ? 1 : 0;
}

/** PySODMetrics `Smeasure`: mean of the per-image values (one NaN image makes it NaN). */
export class Smeasure {
  private readonly values: number[] = [];

  /** Creates the accumulator with the object/region balance α. */
  constructor(private readonly alpha = SMEASURE_ALPHA) {}

  /** Score one pred/GT pair. */
  step(pred: GrayImage, gt: GrayImage): number {
    const v = smeasureImage(preparePair(pred, gt), this.alpha);
    this.values.push(v);
    return v;
  }

  /** Add an already computed per-image value. */
  add(v: number): void {
    this.values.push(v);
  }

  /** Dataset S-measure; NaN when nothing was stepped. */
  getResults(): { sm: number } {
    return { sm: numpyMean(this.values) };
  }
}
