import type { GrayImage } from '../image/types';

/** PySODMetrics' EPS = np.spacing(1): the same value as Number.EPSILON. */
export const EPS = Number.EPSILON;

/**
 * One pred/GT pair reduced to what every PySODMetrics metric needs (`utils.py` prepare_data).
 * Normalisation depends only on the raw byte, so it lives in 256-entry tables and the per-pixel work is a lookup.
 */
export interface PreparedPair {
  /** Width of both rasters. */
  readonly width: number;
  /** Height of both rasters. */
  readonly height: number;
  /** Pixel count N = width · height. */
  readonly n: number;
  /** Raw 8-bit prediction, row-major. */
  readonly pred: Uint8Array;
  /** Binarised GT (raw > 128), 0/1 per pixel. */
  readonly gt: Uint8Array;
  /** Number of GT foreground pixels. */
  readonly fg: number;
  /** Raw byte → normalised prediction (v/255, then min-max stretched when the map is not constant). */
  readonly value: Float64Array;
  /** Raw byte → threshold-curve bin, `uint8(p · 255)` (truncating, so exact integers may fall one bin low). */
  readonly bin: Uint8Array;
  /** Count of each raw pred byte over GT foreground pixels. */
  readonly fgHist: Float64Array;
  /** Count of each raw pred byte over GT background pixels. */
  readonly bgHist: Float64Array;
  /** Σ of GT-foreground row indices (exact integer), for the S-measure centroid. */
  readonly fgRowSum: number;
  /** Σ of GT-foreground column indices (exact integer), for the S-measure centroid. */
  readonly fgColSum: number;
  /** Bounding box of the GT foreground, inclusive [x0, y0, x1, y1]; [0, 0, −1, −1] when empty. */
  readonly fgBox: readonly [number, number, number, number];
  /** Per row, the first GT-foreground column (−1 when the row has none). */
  readonly fgRowStart: Int32Array;
  /** Per row, the last GT-foreground column (−1 when the row has none). */
  readonly fgRowEnd: Int32Array;
  /** Count of each raw pred byte over GT pixels equal to 128: background here (> 128) but foreground for the IoU (> 127). */
  readonly gt128Hist: Float64Array;
}

/** Thrown when pred and GT differ in size (PySODMetrics raises ValueError there too). */
export class ShapeMismatchError extends Error {
  /** Creates the error naming both sizes. */
  constructor(pred: GrayImage, gt: GrayImage) {
    super(`shape mismatch: pred ${pred.width}x${pred.height}, gt ${gt.width}x${gt.height}`);
    this.name = 'ShapeMismatchError';
  }
}

/** Binarise the GT at > 128, histogram the raw pred per GT class and build the normalisation tables, in one pass. */
export function preparePair(pred: GrayImage, gt: GrayImage): PreparedPair {
  if (pred.width !== gt.width || pred.height !== gt.height) throw new ShapeMismatchError(pred, gt);
  const { width, height } = gt;
  const n = width * height;
  if (pred.data.length < n || gt.data.length < n) throw new RangeError('raster data shorter than width·height');
  const p = pred.data;
  const g = gt.data;
  const mask = new Uint8Array(n);
  // Two interleaved histogram lanes (by pixel parity) per GT class: runs of equal bytes would otherwise chain every
  // increment on the previous one through memory. Index = lane·512 + isFg·256 + value.
  const lanes = new Int32Array(1024);
  const gt128Hist = new Float64Array(256);
  const fgRowStart = new Int32Array(height).fill(-1);
  const fgRowEnd = new Int32Array(height).fill(-1);
  let fg = 0;
  let x0 = width;
  let x1 = -1;
  let y0 = height;
  let y1 = -1;
  let rowSum = 0;
  let colSum = 0;
  for (let y = 0, i = 0; y < height; y++) {
    let rowFg = 0;
    let first = -1;
    let last = -1;
    for (let x = 0; x < width; x++, i++) {
      const v = p[i]!;
      const gv = g[i]!;
      const isFg = gv > 128 ? 1 : 0;
      mask[i] = isFg;
      lanes[((x & 1) << 9) | (isFg << 8) | v]!++;
      if (isFg) {
        rowFg++;
        colSum += x;
        if (first < 0) first = x;
        last = x;
      } else if (gv === 128) {
        gt128Hist[v]!++;
      }
    }
    if (rowFg > 0) {
      if (y < y0) y0 = y;
      y1 = y;
      if (first < x0) x0 = first;
      if (last > x1) x1 = last;
      fgRowStart[y] = first;
      fgRowEnd[y] = last;
    }
    fg += rowFg;
    rowSum += rowFg * y;
  }
  const fgHist = new Float64Array(256);
  const bgHist = new Float64Array(256);
  for (let v = 0; v < 256; v++) {
    bgHist[v] = lanes[v]! + lanes[512 + v]!;
    fgHist[v] = lanes[256 + v]! + lanes[768 + v]!;
  }
  let lo = 255;
  let hi = 0;
  for (let v = 0; v < 256; v++) {
    if (fgHist[v]! + bgHist[v]! > 0) {
      if (v < lo) lo = v;
      hi = v;
    }
  }
  const { value, bin } = normalisationTables(lo, hi);
  const fgBox: [number, number, number, number] = fg > 0 ? [x0, y0, x1, y1] : [0, 0, -1, -1];
  return { width, height, n, pred: p, gt: mask, fg, value, bin, fgHist, bgHist, fgRowSum: rowSum, fgColSum: colSum, fgBox, fgRowStart, fgRowEnd, gt128Hist };
}

/**
 * The normalised value and curve bin of each raw byte for a map whose raw range is [lo, hi].
 * The float ops follow `utils.py:64-66` in order; `(v-lo)/(hi-lo)` would differ in the last bits and move curve bins.
 */
export function normalisationTables(lo: number, hi: number): { value: Float64Array; bin: Uint8Array } {
  const value = new Float64Array(256);
  const bin = new Uint8Array(256);
  const mn = lo / 255;
  const mx = hi / 255;
  const stretch = mx !== mn;
  const range = mx - mn;
  for (let v = 0; v < 256; v++) {
    const p = stretch ? (v / 255 - mn) / range : v / 255;
    value[v] = p;
    bin[v] = Math.trunc(p * 255);
  }
  return { value, bin };
}

/** Σ of the normalised prediction over all pixels (from the histograms). */
export function predSum(pair: Pick<PreparedPair, 'fgHist' | 'bgHist' | 'value'>): number {
  let s = 0;
  for (let v = 0; v < 256; v++) {
    const c = pair.fgHist[v]! + pair.bgHist[v]!;
    if (c !== 0) s += c * pair.value[v]!;
  }
  return s;
}

/** PySODMetrics' adaptive threshold `min(2 · mean(pred), 1)` (`utils.py:70-80`). */
export function adaptiveThreshold(pair: PreparedPair): number {
  return Math.min(2 * (predSum(pair) / pair.n), 1);
}
