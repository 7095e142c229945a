import type { GrayImage } from '../image/types';
import { featureTransform } from './edt';
import { EPS, preparePair, type PreparedPair } from './prepare';
import { numpyMean, pairwiseSum } from './pairwiseSum';

/** MATLAB `fspecial('gaussian', 7, 5)`, normalised with numpy's summation order (`sod_metrics.py:662-681`). */
export const GAUSSIAN_7x7_SIGMA5: Float64Array = (() => {
  const h = new Float64Array(49);
  for (let y = -3, k = 0; y <= 3; y++) for (let x = -3; x <= 3; x++, k++) h[k] = Math.exp(-(x * x + y * y) / (2 * 5 * 5));
  const sum = pairwiseSum(h);
  for (let k = 0; k < 49; k++) h[k] = h[k]! / sum;
  return h;
})();

/** Total of a float64 run as `np.sum` forms it (8192-blocks, pairwise within). */
function numpySum(a: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 8192) s += pairwiseSum(a, i, Math.min(8192, len - i));
  return s;
}

/**
 * Per-image weighted F-measure (Margolin et al., CVPR 2014; β = 1) as PySODMetrics computes it (`sod_metrics.py:603-660`).
 * 0 when the GT is empty. Errors off the GT are copied from the nearest GT pixel (scipy's EDT tie-breaking), blurred with
 * a zero-padded 7×7 Gaussian, and weighted by distance to the GT.
 */
export function weightedFmeasureImage(pair: PreparedPair, beta = 1): number {
  if (pair.fg === 0) return 0;
  const { width: w, height: h, n, pred, gt, value } = pair;
  const nearest = featureTransform(gt, w, h);
  const k = GAUSSIAN_7x7_SIGMA5;
  const decay = Math.log(0.5) / 5;
  const ewFg = new Float64Array(pair.fg);
  const ewBg = new Float64Array(n - pair.fg);
  let iFg = 0;
  let iBg = 0;
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      const p = value[pred[i]!]!;
      if (gt[i]) {
        const e = 1 - p;
        // EA ≥ 0, so min(E, EA) only needs EA where E > 0.
        let m = e;
        if (e > 0) {
          let ea = 0;
          for (let dy = -3, kk = 0; dy <= 3; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= h) {
              kk += 7;
              continue;
            }
            for (let dx = -3; dx <= 3; dx++, kk++) {
              const xx = x + dx;
              if (xx < 0 || xx >= w) continue;
              const j = yy * w + xx;
              // Et: the error itself on the GT, the error of the nearest GT pixel elsewhere.
              const et = gt[j] ? 1 - value[pred[j]!]! : 1 - value[pred[nearest[j]!]!]!;
              ea += et * k[kk]!;
            }
          }
          if (ea < e) m = ea;
        }
        ewFg[iFg++] = m;
      } else {
        let ew = 0;
        if (p !== 0) {
          const f = nearest[i]!;
          const dy = Math.floor(f / w) - y;
          const dx = (f % w) - x;
          ew = p * (2 - Math.exp(decay * Math.sqrt(dy * dy + dx * dx)));
        }
        ewBg[iBg++] = ew;
      }
    }
  }
  const sumFg = numpySum(ewFg, iFg);
  const tpw = pair.fg - sumFg;
  const fpw = numpySum(ewBg, iBg);
  const r = 1 - sumFg / pair.fg;
  const p = tpw / (tpw + fpw + EPS);
  return ((1 + beta) * r * p) / (r + beta * p + EPS);
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
