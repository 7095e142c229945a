import type { GrayImage } from '../image/types';
import { EPS, normalisationTables, predSum, preparePair, type PreparedPair } from './prepare';
import { numpyMean } from './pairwiseSum';

/** Weight of the object score against the region score (PySODMetrics default α = 0.5). */
export const SMEASURE_ALPHA = 0.5;

/**
 * Per-image S-measure (Fan et al., ICCV 2017) as PySODMetrics 1.6.2 computes it (`sod_metrics.py:214-348`).
 * NaN when the rounded GT centroid falls in the last row or column: one quadrant is empty and v1.6.2 propagates its NaN.
 */
export function smeasureImage(pair: PreparedPair, alpha = SMEASURE_ALPHA): number {
  return smeasureOf(pair, quadrantHistograms, alpha);
}

/** What the object score and the quadrant split read of a pair: its histograms, value table and GT foreground. */
type SmeasureCounts = Pick<PreparedPair, 'width' | 'height' | 'n' | 'fg' | 'value' | 'fgHist' | 'bgHist' | 'fgRowSum' | 'fgColSum'>;

/** The per-quadrant histograms (index q·512 + gt·256 + raw byte) of a pair cut at column cx, row cy. */
type QuadrantHistograms<P> = (pair: P, cx: number, cy: number) => Float64Array;

function smeasureOf<P extends SmeasureCounts>(pair: P, quadrants: QuadrantHistograms<P>, alpha: number): number {
  const y = pair.fg / pair.n;
  if (y === 0) return 1 - predSum(pair) / pair.n;
  if (y === 1) return predSum(pair) / pair.n;
  const score = objectScore(pair) * alpha + regionScore(pair, quadrants) * (1 - alpha);
  // np.maximum(0, NaN) is NaN; Python's max(0, NaN) would have been 0 (≤ v1.6.0).
  return Number.isNaN(score) ? NaN : Math.max(0, score);
}

/**
 * What {@link smeasureBinary} needs of a 0/1 GT, computed once per GT: its size, foreground count and centroid cut
 * (the same rounding as {@link smeasureImage}), and the foreground pixels of each quadrant (LT, RT, LB, RB).
 */
export interface BinarySmeasureGt {
  readonly width: number;
  readonly height: number;
  readonly n: number;
  readonly fg: number;
  readonly fgRowSum: number;
  readonly fgColSum: number;
  /** Centroid cut, 1-based as in regionScore: rows < cy are the top quadrants, columns < min(cx, width) the left ones. */
  readonly cx: number;
  readonly cy: number;
  /** GT foreground pixels per quadrant [LT, RT, LB, RB]. */
  readonly quadrantFg: readonly [number, number, number, number];
}

/** A 0/1 prediction against a {@link BinarySmeasureGt}, as counts: per quadrant [LT, RT, LB, RB], pred pixels and pred ∧ GT pixels. */
export interface BinaryQuadrantCounts {
  readonly pred: readonly [number, number, number, number];
  readonly inter: readonly [number, number, number, number];
}

/** The centroid cut of a GT: 1-based row and column, MATLAB's inclusive ranges (undefined for an empty GT). */
export function centroidCut(fg: number, fgRowSum: number, fgColSum: number): { cx: number; cy: number } | undefined {
  if (fg === 0) return undefined;
  return { cy: roundHalfEven(fgRowSum / fg) + 1, cx: roundHalfEven(fgColSum / fg) + 1 };
}

/** A 0/1 GT's S-measure statistics (non-zero is foreground), for scoring many predictions against it. */
export function binarySmeasureGt(gt: Uint8Array, width: number, height: number): BinarySmeasureGt {
  let fg = 0;
  let rowSum = 0;
  let colSum = 0;
  for (let y = 0, i = 0; y < height; y++) {
    let rowFg = 0;
    for (let x = 0; x < width; x++, i++) {
      if (gt[i] !== 0) {
        rowFg++;
        colSum += x;
      }
    }
    fg += rowFg;
    rowSum += rowFg * y;
  }
  const cut = centroidCut(fg, rowSum, colSum) ?? { cx: 0, cy: 0 };
  const quadrantFg = [0, 0, 0, 0];
  const xSplit = Math.min(cut.cx, width);
  for (let y = 0; y < height; y++) {
    const q = y < cut.cy ? 0 : 2;
    const row = y * width;
    let left = 0;
    let right = 0;
    for (let x = 0; x < xSplit; x++) if (gt[row + x] !== 0) left++;
    for (let x = xSplit; x < width; x++) if (gt[row + x] !== 0) right++;
    quadrantFg[q] = quadrantFg[q]! + left;
    quadrantFg[q + 1] = quadrantFg[q + 1]! + right;
  }
  return { width, height, n: width * height, fg, fgRowSum: rowSum, fgColSum: colSum, cx: cut.cx, cy: cut.cy, quadrantFg: [quadrantFg[0]!, quadrantFg[1]!, quadrantFg[2]!, quadrantFg[3]!] };
}

/**
 * The S-measure of a 0/1 prediction scored as 0/255 bytes (PySODMetrics' preparation, as {@link smeasureImage} on
 * `maskTo255` of both), from its quadrant counts: the histograms it builds are the ones preparePair and regionScore
 * would count pixel by pixel, so the value is bit-identical, without a pass over the pixels.
 */
export function smeasureBinary(gt: BinarySmeasureGt, counts: BinaryQuadrantCounts, alpha = SMEASURE_ALPHA): number {
  const fgHist = new Float64Array(256);
  const bgHist = new Float64Array(256);
  let predAll = 0;
  let interAll = 0;
  for (let q = 0; q < 4; q++) {
    predAll += counts.pred[q]!;
    interAll += counts.inter[q]!;
  }
  fgHist[255] = interAll;
  fgHist[0] = gt.fg - interAll;
  bgHist[255] = predAll - interAll;
  bgHist[0] = gt.n - gt.fg - (predAll - interAll);
  // preparePair's value table: the raw range is [0, 255] when both bytes occur, else the one byte that does.
  const lo = predAll < gt.n ? 0 : 255;
  const hi = predAll > 0 ? 255 : 0;
  const { value } = normalisationTables(lo, hi);
  const pair = { width: gt.width, height: gt.height, n: gt.n, fg: gt.fg, value, fgHist, bgHist, fgRowSum: gt.fgRowSum, fgColSum: gt.fgColSum };
  return smeasureOf(pair, () => binaryQuadrantHistograms(gt, counts), alpha);
}

/** The quadrant histograms regionScore would count, from a binary pair's counts. */
function binaryQuadrantHistograms(gt: BinarySmeasureGt, counts: BinaryQuadrantCounts): Float64Array {
  const { width: w, height: h, cx, cy } = gt;
  const xSplit = Math.min(cx, w);
  const rowsTop = Math.min(cy, h);
  const area = [rowsTop * xSplit, rowsTop * (w - xSplit), (h - rowsTop) * xSplit, (h - rowsTop) * (w - xSplit)];
  const hist = new Float64Array(4 * 512);
  for (let q = 0; q < 4; q++) {
    const fgQ = gt.quadrantFg[q]!;
    const predQ = counts.pred[q]!;
    const interQ = counts.inter[q]!;
    hist[q * 512 + 255] = predQ - interQ;
    hist[q * 512] = area[q]! - fgQ - (predQ - interQ);
    hist[q * 512 + 256 + 255] = interQ;
    hist[q * 512 + 256] = fgQ - interQ;
  }
  return hist;
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
function objectScore(pair: SmeasureCounts): number {
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
function regionScore<P extends SmeasureCounts>(pair: P, quadrants: QuadrantHistograms<P>): number {
  const { width: w, height: h, n: area } = pair;
  // Row/column sums are exact integers, so their means equal numpy's; +1 mirrors MATLAB's inclusive 1:X ranges.
  const { cx, cy } = centroidCut(pair.fg, pair.fgRowSum, pair.fgColSum)!;
  const hist = quadrants(pair, cx, cy);
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

/** Count a prepared pair's quadrant histograms pixel by pixel. */
function quadrantHistograms(pair: PreparedPair, cx: number, cy: number): Float64Array {
  const { width: w, height: h, pred, gt } = pair;
  // Quadrant q = 2·(row ≥ cy) + (col ≥ cx); per quadrant a histogram of raw pred bytes per GT class, index
  // q·512 + gt·256 + value. The bottom-right one is the whole-image histogram minus the other three, so its pixels
  // are never visited; two lanes (by column parity) keep runs of equal bytes from chaining increments.
  const lanes = new Int32Array(2 * 3 * 512);
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
  return hist;
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
