import { filter2D, type Kernel2D } from '../image/filter2D';
import type { GrayImage } from '../image/types';
import { numpyMean, pairwiseSum } from './pairwiseSum';
import { EPS, preparePair, type PreparedPair } from './prepare';

/*
 * PySODMetrics 1.6.x `ContextMeasure` (py_sod_metrics/context_measure.py:12-138, lartpang/PySODMetrics ac5b1fc7):
 * forward inference (how much of the prediction lies in the GT's context) and reverse deduction (how much of the GT
 * the prediction covers), both through a Gaussian kernel shaped by the GT's pixel covariance, combined F-style.
 */

/** The Gaussian kernel of `_compute_y_params` + `_gaussian_kernel` (context_measure.py:107-138). */
export interface ContextKernel extends Kernel2D {
  /** The scaled covariance [c00, c01, c10, c11] (rows, cols), as `std_cov_matrix`. */
  readonly cov: readonly [number, number, number, number];
  /** Half height (row offsets −xDis..xDis). */
  readonly xDis: number;
  /** Half width (column offsets −yDis..yDis). */
  readonly yDis: number;
}

/** Python's round() on a float: half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `_compute_y_params` then `_gaussian_kernel` for a 0/1 GT mask (context_measure.py:107-138). */
export function contextKernel(gt: Uint8Array, width: number, height: number, alpha: number): ContextKernel {
  let n = 0;
  let sr = 0;
  let sc = 0;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (gt[i] === 0) continue;
      n++;
      sr += y;
      sc += x;
    }
  }
  let cov: [number, number, number, number];
  let xDis: number;
  let yDis: number;
  if (n <= 1) {
    // context_measure.py:121-122: too few points for a covariance.
    cov = [0.25, 0, 0, 0.25];
    xDis = 1;
    yDis = 1;
  } else {
    // np.cov(points, rowvar=False): centred by the (exact-sum) mean, X·Xᵀ times 1/(n−1).
    const mr = sr / n;
    const mc = sc / n;
    let srr = 0;
    let src = 0;
    let scc = 0;
    for (let y = 0, i = 0; y < height; y++) {
      const dr = y - mr;
      for (let x = 0; x < width; x++, i++) {
        if (gt[i] === 0) continue;
        const dc = x - mc;
        srr += dr * dr;
        src += dr * dc;
        scc += dc * dc;
      }
    }
    const f = 1 / (n - 1);
    let c00 = srr * f;
    const c01 = src * f;
    let c11 = scc * f;
    // context_measure.py:127-130: a zero variance becomes EPS so the matrix stays invertible.
    if (c00 === 0) c00 = EPS;
    if (c11 === 0) c11 = EPS;
    const total = Math.sqrt(c00 + c11);
    const t2 = total * total;
    const a2 = alpha ** 2;
    cov = [(a2 * c00) / t2, (a2 * c01) / t2, (a2 * c01) / t2, (a2 * c11) / t2];
    xDis = roundHalfEven(3 * ((alpha * Math.sqrt(c00)) / total));
    yDis = roundHalfEven(3 * ((alpha * Math.sqrt(c11)) / total));
  }
  const [a, b, c, d] = cov;
  const det = a * d - b * c;
  const i00 = d / det;
  const i01 = -b / det;
  const i10 = -c / det;
  const i11 = a / det;
  const rows = 2 * xDis + 1;
  const cols = 2 * yDis + 1;
  const data = new Float64Array(rows * cols);
  const norm = 2 * Math.PI * Math.sqrt(det);
  for (let r = 0, k = 0; r < rows; r++) {
    const zx = r - xDis;
    for (let q = 0; q < cols; q++, k++) {
      const zy = q - yDis;
      const e = zx * (i00 * zx + i01 * zy) + zy * (i10 * zx + i11 * zy);
      data[k] = Math.exp(-0.5 * e) / norm;
    }
  }
  const s = pairwiseSum(data);
  for (let k = 0; k < data.length; k++) data[k] = data[k]! / s;
  return { rows, cols, data, cov, xDis, yDis };
}

/** The normalised prediction (`prepare_data`) as one float64 per pixel. */
export function predValues(pair: PreparedPair): Float64Array {
  const out = new Float64Array(pair.n);
  for (let i = 0; i < pair.n; i++) out[i] = pair.value[pair.pred[i]!]!;
  return out;
}

/** What `compute` needs of one image. */
export interface ContextInput {
  readonly width: number;
  readonly height: number;
  /** Normalised prediction in [0, 1]. */
  readonly pred: Float64Array;
  /** GT as 0/1. */
  readonly gt: Uint8Array;
  /** Camouflage degree per pixel (zero for cm); undefined = all zero. */
  readonly cd?: Float64Array;
}

/** `ContextMeasure.compute` (context_measure.py:59-83) for one image. */
export function contextScore(input: ContextInput, beta2: number, alpha: number): number {
  const { width, height, pred, gt, cd } = input;
  const n = width * height;
  const kernel = contextKernel(gt, width, height, alpha);
  const predPos = new Uint8Array(n);
  const gtF = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    predPos[i] = pred[i]! > 0 ? 1 : 0;
    gtF[i] = gt[i]!;
  }
  // Forward inference (context_measure.py:85-92): filter2D(gt as float32, CV_32F, K), read where pred > 0.
  const relevance = filter2D({ width, height, data: gtF }, kernel, { float32: true, where: predPos });
  const fw = new Float64Array(n);
  for (let i = 0; i < n; i++) fw[i] = predPos[i] ? relevance[i]! * pred[i]! : 0;
  const mforward = pairwiseSum(fw) / (pairwiseSum(pred) + EPS);
  // Reverse deduction (context_measure.py:94-100): 1 − exp(−filter2D(pred, −1, K)), read where gt = 1.
  const completeness = filter2D({ width, height, data: pred }, kernel, { float32: false, where: gt });
  const factor = Math.E / (Math.E - 1);
  const rv = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (gt[i] === 0) continue;
    const reverse = factor * 1 * (1 - Math.exp(-1 * completeness[i]!));
    rv[i] = reverse * (1 + (cd ? cd[i]! : 0));
  }
  const cdSum = cd ? pairwiseSum(cd) : 0;
  const wreverse = pairwiseSum(rv) / (pairwiseSum(gtF) + cdSum + EPS);
  return ((1 + beta2) * mforward * wreverse) / (beta2 * mforward + wreverse + EPS);
}

/** PySODMetrics `ContextMeasure` (key `cm`): mean over images of the per-image Context-measure. */
export class ContextMeasure {
  private readonly scores: number[] = [];

  /** β² = 1 and α = 6 are PySODMetrics' defaults (context_measure.py:27). */
  constructor(
    private readonly beta2 = 1.0,
    private readonly alpha = 6.0,
  ) {}

  /** Score one pred/GT pair (context_measure.py:39-57); returns the image's value. */
  step(pred: GrayImage, gt: GrayImage): number {
    return this.stepPair(preparePair(pred, gt));
  }

  /** Score an already prepared pair (the full set prepares each pair once for every metric). */
  stepPair(pair: PreparedPair): number {
    const v = contextScore({ width: pair.width, height: pair.height, pred: predValues(pair), gt: pair.gt }, this.beta2, this.alpha);
    this.scores.push(v);
    return v;
  }

  /** Dataset value under PySODMetrics' key; NaN when nothing was stepped. */
  results(): { cm: number } {
    return { cm: numpyMean(this.scores) };
  }
}
