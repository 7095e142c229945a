import type { GrayImage } from '../image/types';
import { nearestInColumns, RowEnvelope } from './edt';
import { EPS, preparePair, type PreparedPair } from './prepare';
import { numpyMean, pairwiseSum } from './pairwiseSum';
import { scratchFloat64, scratchInt32 } from './scratch';
import { wfmKernel, type WeightedErrors } from './wfmKernel';

/** MATLAB `fspecial('gaussian', 7, 5)`, normalised with numpy's summation order (`sod_metrics.py:662-681`). */
export const GAUSSIAN_7x7_SIGMA5: Float64Array = (() => {
  const h = new Float64Array(49);
  for (let y = -3, k = 0; y <= 3; y++) for (let x = -3; x <= 3; x++, k++) h[k] = Math.exp(-(x * x + y * y) / (2 * 5 * 5));
  const sum = pairwiseSum(h);
  for (let k = 0; k < 49; k++) h[k] = h[k]! / sum;
  return h;
})();

/**
 * The same Gaussian as one normalised 1-D factor (K = g ⊗ g). Convolving rows then columns costs 14 taps per pixel
 * instead of 49; the result differs from scipy's 49-tap sum only in the last bits (≤ 2.2e-16 on wFm in the reference set).
 */
export const GAUSSIAN_7_SIGMA5: Float64Array = (() => {
  const g = new Float64Array(7);
  for (let x = -3; x <= 3; x++) g[x + 3] = Math.exp(-(x * x) / (2 * 5 * 5));
  let s = 0;
  for (let k = 0; k < 7; k++) s += g[k]!;
  for (let k = 0; k < 7; k++) g[k] = g[k]! / s;
  return g;
})();

const DECAY = Math.log(0.5) / 5;
/** A squared distance beyond any real one (images up to 23k px a side), keeping query sums in int32. */
const FAR = 1 << 30;

/**
 * Pixel importance B = 2 − exp(ln(0.5)/5 · √d²) off the GT, tabulated by squared distance (an integer). Past about
 * 265 px, exp(…) is below half an ulp of 2 and B is exactly 2.0 in double precision, so the table stops there
 * (≈ 70k entries, 0.5 MiB) and far pixels cost no lookup at all.
 */
export const IMPORTANCE: Float64Array = (() => {
  const values: number[] = [];
  for (let d2 = 0; ; d2++) {
    const b = 2 - Math.exp(DECAY * Math.sqrt(d2));
    if (b === 2) break;
    values.push(b);
  }
  return Float64Array.from(values);
})();

/** `np.sum` of a float64 array as numpy forms it: 8192-value blocks, each summed pairwise. */
function numpySum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i += 8192) s += pairwiseSum(a, i, Math.min(8192, a.length - i));
  return s;
}

/**
 * Per-image weighted F-measure (Margolin et al., CVPR 2014; β = 1) as PySODMetrics computes it (`sod_metrics.py:603-660`).
 * 0 when the GT is empty. Errors off the GT are copied from the nearest GT pixel (scipy's EDT tie-breaking), blurred with
 * a zero-padded 7×7 Gaussian, and weighted by distance to the GT. Each pass is its own small function with one hot loop.
 */
export function weightedFmeasureImage(pair: PreparedPair, beta = 1): number {
  if (pair.fg === 0) return 0;
  const { fgErr, fpw } = wfmKernel(IMPORTANCE, GAUSSIAN_7_SIGMA5)?.run(pair) ?? weightedErrorsJs(pair);
  const tpw = pair.fg - fgErr;
  const r = 1 - fgErr / pair.fg;
  const p = tpw / (tpw + fpw + EPS);
  return ((1 + beta) * r * p) / (r + beta * p + EPS);
}

/**
 * The metric's passes in JavaScript, in this thread's scratch buffers (src/asm/weightedFmeasure.ts is the same in
 * WebAssembly and runs instead when it is built). The GT must not be empty.
 */
export function weightedErrorsJs(pair: PreparedPair): WeightedErrors {
  const { width: w, height: h, n } = pair;
  const nearest = scratchInt32('wfm.nearest', n);
  const ewBg = scratchFloat64('wfm.ewBg', n - pair.fg);
  nearestAndBackgroundWeights(pair, nearest, ewBg);
  // The column pass reads the row blur at GT columns within 3 rows; the row blur reads Et within 3 more columns.
  const { lo, hi } = blurSpans(pair);
  const et = scratchFloat64('wfm.et', n);
  dependentError(pair, nearest, et, lo, hi);
  const rows = scratchFloat64('wfm.rows', n);
  blurRows(et, rows, w, h, lo, hi);
  const ewFg = scratchFloat64('wfm.ewFg', pair.fg);
  foregroundWeights(pair, rows, ewFg);
  return { nearest, ewBg, fgErr: numpySum(ewFg), fpw: numpySum(ewBg) };
}

/**
 * Per row, the column span [lo, hi] where the blurred rows are needed: the union of the GT spans of the rows within 3
 * (lo > hi when none). Tighter than the bounding box for round or scattered objects.
 */
function blurSpans(pair: PreparedPair): { lo: Int32Array; hi: Int32Array } {
  const { height: h, width: w, fgRowStart, fgRowEnd } = pair;
  const lo = scratchInt32('wfm.lo', h);
  const hi = scratchInt32('wfm.hi', h);
  for (let y = 0; y < h; y++) {
    let a = w;
    let b = -1;
    for (let yy = Math.max(0, y - 3); yy <= Math.min(h - 1, y + 3); yy++) {
      if (fgRowStart[yy]! < 0) continue;
      if (fgRowStart[yy]! < a) a = fgRowStart[yy]!;
      if (fgRowEnd[yy]! > b) b = fgRowEnd[yy]!;
    }
    lo[y] = a;
    hi[y] = b;
  }
  return { lo, hi };
}

/**
 * Et where the row blur reads it (each needed span grown by 3 columns): the error itself on the GT, the error of the
 * nearest GT pixel elsewhere (so the blur does not drag background into the GT's edge).
 */
function dependentError(pair: PreparedPair, nearest: Int32Array, et: Float64Array, lo: Int32Array, hi: Int32Array): void {
  const { width: w, height: h, pred, value } = pair;
  for (let y = 0; y < h; y++) {
    if (lo[y]! > hi[y]!) continue;
    const row = y * w;
    for (let i = row + Math.max(0, lo[y]! - 3), end = row + Math.min(w - 1, hi[y]! + 3); i <= end; i++) et[i] = 1 - value[pred[nearest[i]!]!]!;
  }
}

/** Row pass of the separable Gaussian over each row's needed span; Et is zero outside the image. */
function blurRows(et: Float64Array, rows: Float64Array, w: number, h: number, lo: Int32Array, hi: Int32Array): void {
  const g = GAUSSIAN_7_SIGMA5;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!, g6 = g[6]!;
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = lo[y]!; x <= hi[y]!; x++) {
      const i = r + x;
      if (x >= 3 && x < w - 3) {
        rows[i] = et[i - 3]! * g0 + et[i - 2]! * g1 + et[i - 1]! * g2 + et[i]! * g3 + et[i + 1]! * g4 + et[i + 2]! * g5 + et[i + 3]! * g6;
      } else {
        let s = 0;
        for (let d = -3; d <= 3; d++) if (x + d >= 0 && x + d < w) s += et[i + d]! * g[d + 3]!;
        rows[i] = s;
      }
    }
  }
}

/**
 * scipy's feature transform of the GT (see edt.ts), fused with the background weights: for each non-GT pixel, in raster
 * order, Ew = pred · (2 − exp(ln 0.5 / 5 · distance)). Writes the nearest GT pixel of every pixel to `nearest`.
 */
function nearestAndBackgroundWeights(pair: PreparedPair, nearest: Int32Array, ewBg: Float64Array): void {
  const { width: w, height: h, pred, value } = pair;
  const fy = scratchInt32('wfm.fy', pair.n);
  nearestInColumns(pair.gt, w, h, fy, pair.fgBox[0], pair.fgBox[2]);
  const table = IMPORTANCE;
  const tableLen = table.length;
  const env = new RowEnvelope(w);
  const { g, h2, sy, slot } = env;
  let jb = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    env.build(fy, y, pair.fgBox[0], pair.fgBox[2]);
    const maxl = env.top;
    // The query keeps the current and next stacked sites in locals; after a GT pixel moves l they are reloaded lazily.
    let l = 0;
    let stale = true;
    let gl = 0;
    let hl = 0;
    let gn = 0;
    let hn = FAR;
    let site = 0;
    for (let ii = 0; ii < w; ii++) {
      const p = value[pred[row + ii]!]!;
      if (sy[ii] === y) {
        // A GT pixel is its own unique nearest site, so scipy's query would stop at its slot.
        l = slot[ii]!;
        stale = true;
        nearest[row + ii] = row + ii;
        continue;
      }
      if (stale) {
        gl = g[l]!;
        hl = h2[l]!;
        site = sy[gl]! * w + gl;
        gn = l < maxl ? g[l + 1]! : 0;
        hn = l < maxl ? h2[l + 1]! : FAR;
        stale = false;
      }
      let t = gl - ii;
      let d1 = hl + t * t;
      for (;;) {
        t = gn - ii;
        const d2 = hn + t * t;
        if (d1 <= d2) break;
        d1 = d2;
        l++;
        gl = gn;
        hl = hn;
        site = sy[gl]! * w + gl;
        gn = l < maxl ? g[l + 1]! : 0;
        hn = l < maxl ? h2[l + 1]! : FAR;
      }
      nearest[row + ii] = site;
      // Beyond the table B is exactly 2 (see IMPORTANCE); p = 0 gives 0 without a branch on noisy maps.
      ewBg[jb++] = p * (d1 < tableLen ? table[d1]! : 2);
    }
  }
}

/** Column pass of the blur at GT pixels and min(E, EA) there, in raster order as numpy's boolean indexing lists them. */
function foregroundWeights(pair: PreparedPair, rows: Float64Array, ewFg: Float64Array): void {
  const { width: w, height: h, pred, gt, value } = pair;
  const { fgRowStart, fgRowEnd } = pair;
  const g = GAUSSIAN_7_SIGMA5;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!, g6 = g[6]!;
  let jf = 0;
  for (let y = 0; y < h; y++) {
    const x0 = fgRowStart[y]!;
    if (x0 < 0) continue;
    const interiorY = y >= 3 && y < h - 3;
    for (let x = x0, i = y * w + x0, x1 = fgRowEnd[y]!; x <= x1; x++, i++) {
      if (!gt[i]) continue;
      const e = 1 - value[pred[i]!]!;
      // EA ≥ 0, so min(E, EA) only needs EA where E > 0.
      let m = e;
      if (e > 0) {
        let ea: number;
        if (interiorY) {
          ea = rows[i - 3 * w]! * g0 + rows[i - 2 * w]! * g1 + rows[i - w]! * g2 + rows[i]! * g3 + rows[i + w]! * g4 + rows[i + 2 * w]! * g5 + rows[i + 3 * w]! * g6;
        } else {
          ea = 0;
          for (let d = -3; d <= 3; d++) if (y + d >= 0 && y + d < h) ea += rows[i + d * w]! * g[d + 3]!;
        }
        if (ea < e) m = ea;
      }
      ewFg[jf++] = m;
    }
  }
}

/** PySODMetrics `WeightedFmeasure`: mean of the per-image values. */
export class WeightedFmeasure {
  private readonly values: number[] = [];

  /** Creates the accumulator; `beta` is PySOD's β (it enters as β², default 1). */
  constructor(private readonly beta = 1) {}

  /** Score one pred/GT pair. */
  step(pred: GrayImage, gt: GrayImage): number {
    const v = weightedFmeasureImage(preparePair(pred, gt), this.beta);
    this.values.push(v);
    return v;
  }

  /** Add an already computed per-image value. */
  add(v: number): void {
    this.values.push(v);
  }

  /** Dataset weighted F-measure; NaN when nothing was stepped. */
  getResults(): { wfm: number } {
    return { wfm: numpyMean(this.values) };
  }
}
