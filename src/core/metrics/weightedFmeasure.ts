import type { GrayImage } from '../image/types';
import { featureTransform } from './edt';
import { EPS, preparePair, type PreparedPair } from './prepare';
import { numpyMean, pairwiseSum } from './pairwiseSum';
import { scratchFloat64 } from './scratch';

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
 * instead of 49; the result differs from scipy's 49-tap sum only in the last bits (≤ 1e-16 on wFm in the reference set).
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
/** Squared distances whose weight is cached; beyond this it is computed each time (bounded memory). */
const IMPORTANCE_CACHE_MAX = 1 << 20;
let importanceCache = new Float64Array(0);

/**
 * Pixel importance B = 2 − exp(ln(0.5)/5 · distance) off the GT. Distances are √ of integers, so B is cached per squared
 * distance: the same float ops, computed once instead of an exp per background pixel.
 */
function importance(d2: number): number {
  if (d2 >= IMPORTANCE_CACHE_MAX) return 2 - Math.exp(DECAY * Math.sqrt(d2));
  if (d2 >= importanceCache.length) {
    const grown = new Float64Array(Math.min(IMPORTANCE_CACHE_MAX, Math.max(1024, 2 * (d2 + 1))));
    grown.set(importanceCache);
    for (let i = importanceCache.length; i < grown.length; i++) grown[i] = 2 - Math.exp(DECAY * Math.sqrt(i));
    importanceCache = grown;
  }
  return importanceCache[d2]!;
}

/** numpy's `np.sum` of a stream of values, without storing the stream: 8192-value blocks, each summed pairwise. */
class NumpySum {
  private readonly block = new Float64Array(8192);
  private fill = 0;
  private total = 0;

  /** Append one value. */
  push(v: number): void {
    this.block[this.fill++] = v;
    if (this.fill === 8192) {
      this.total += pairwiseSum(this.block, 0, 8192);
      this.fill = 0;
    }
  }

  /** Sum of everything pushed. */
  value(): number {
    return this.total + pairwiseSum(this.block, 0, this.fill);
  }
}

/**
 * Per-image weighted F-measure (Margolin et al., CVPR 2014; β = 1) as PySODMetrics computes it (`sod_metrics.py:603-660`).
 * 0 when the GT is empty. Errors off the GT are copied from the nearest GT pixel (scipy's EDT tie-breaking), blurred with
 * a zero-padded 7×7 Gaussian, and weighted by distance to the GT. Each pass is its own small function: V8 keeps those
 * optimised, where one large multi-loop function kept deoptimising between calls.
 */
export function weightedFmeasureImage(pair: PreparedPair, beta = 1): number {
  if (pair.fg === 0) return 0;
  const { width: w, height: h, n } = pair;
  const { nearest, dist2 } = featureTransform(pair.gt, w, h, true);
  const et = scratchFloat64('wfm.et', n);
  dependentError(pair, nearest, dist2, et);
  const rows = scratchFloat64('wfm.rows', n);
  blurRows(et, rows, w, h);
  const sumFg = new NumpySum();
  const sumBg = new NumpySum();
  weightErrors(pair, rows, dist2, sumFg, sumBg);
  const fgErr = sumFg.value();
  const tpw = pair.fg - fgErr;
  const fpw = sumBg.value();
  const r = 1 - fgErr / pair.fg;
  const p = tpw / (tpw + fpw + EPS);
  return ((1 + beta) * r * p) / (r + beta * p + EPS);
}

/**
 * Et: the error itself on the GT, the error of the nearest GT pixel elsewhere (so the blur does not drag background
 * into the GT's edge). Only pixels within Chebyshev distance 3 of the GT (squared distance ≤ 18) reach a GT pixel's
 * 7×7 window; the others are set to 0 and only ever feed blurred values at non-GT pixels, which are not used.
 */
function dependentError(pair: PreparedPair, nearest: Int32Array, dist2: Int32Array, et: Float64Array): void {
  const { n, pred, value } = pair;
  for (let i = 0; i < n; i++) et[i] = dist2[i]! <= 18 ? 1 - value[pred[nearest[i]!]!]! : 0;
}

/** Row pass of the separable Gaussian, zero padded. */
function blurRows(et: Float64Array, rows: Float64Array, w: number, h: number): void {
  const g = GAUSSIAN_7_SIGMA5;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!, g6 = g[6]!;
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = 0; x < w; x++) {
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
 * Column pass at GT pixels, min(E, EA) there, and distance importance elsewhere; streams the weighted errors
 * into numpy-ordered sums (GT pixels and the rest, each in raster order).
 */
function weightErrors(pair: PreparedPair, rows: Float64Array, dist2: Int32Array, sumFg: NumpySum, sumBg: NumpySum): void {
  const { width: w, height: h, pred, gt, value } = pair;
  const g = GAUSSIAN_7_SIGMA5;
  const g0 = g[0]!, g1 = g[1]!, g2 = g[2]!, g3 = g[3]!, g4 = g[4]!, g5 = g[5]!, g6 = g[6]!;
  for (let y = 0, i = 0; y < h; y++) {
    const interiorY = y >= 3 && y < h - 3;
    for (let x = 0; x < w; x++, i++) {
      const p = value[pred[i]!]!;
      if (gt[i]) {
        const e = 1 - p;
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
        sumFg.push(m);
      } else {
        sumBg.push(p !== 0 ? p * importance(dist2[i]!) : 0);
      }
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
