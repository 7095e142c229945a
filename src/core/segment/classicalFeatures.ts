import type { RgbImage } from '../image/types';

/**
 * Per-cell colour/texture features of one image on a coarse grid: what the classical segmenter computes
 * once in `encode`. Working on cells of `step` pixels keeps every decode proportional to ~192² cells
 * whatever the image size.
 */
export interface GridFeatures {
  /** Pixels per cell side. */
  readonly step: number;
  /** Grid width and height in cells. */
  readonly gw: number;
  readonly gh: number;
  /** Feature dimensions per cell. */
  readonly dims: number;
  /** Cell-major features (`(cy*gw + cx)*dims + d`), each dimension scaled to unit global std. */
  readonly features: Float32Array;
  /** Contrast-sensitive affinity of each cell to its right neighbour, in (0, 1]. */
  readonly wRight: Float32Array;
  /** Contrast-sensitive affinity of each cell to the neighbour below, in (0, 1]. */
  readonly wDown: Float32Array;
}

/** Feature dimensions: opponent colour at two scales plus local luminance spread (texture energy). */
export const FEATURE_DIMS = 7;

/** Cell size for an image so that the longer side has at most `maxCells` cells. */
export function cellStep(width: number, height: number, maxCells: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / maxCells));
}

/** Compute the grid features of an RGB image. */
export function computeGridFeatures(img: RgbImage, maxCells = 192): GridFeatures {
  const { width: w, height: h, data } = img;
  const step = cellStep(w, h, maxCells);
  const gw = Math.ceil(w / step);
  const gh = Math.ceil(h / step);
  const n = gw * gh;
  // Opponent colour (luminance, red–green, yellow–blue) separates the small hue and brightness shifts of a
  // camouflaged object from its background better than raw RGB, at no cost beyond a few adds.
  const sL = new Float64Array(n), sA = new Float64Array(n), sB = new Float64Array(n), sLL = new Float64Array(n), cnt = new Float64Array(n);
  for (let y = 0; y < h; y++) {
    const row = Math.floor(y / step) * gw;
    for (let x = 0; x < w; x++) {
      const i = 3 * (y * w + x);
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const c = row + Math.floor(x / step);
      const l = (r + g + b) / 3;
      sL[c]! += l;
      sA[c]! += r - g;
      sB[c]! += (r + g) / 2 - b;
      sLL[c]! += l * l;
      cnt[c]! += 1;
    }
  }
  const mL = new Float32Array(n), mA = new Float32Array(n), mB = new Float32Array(n), mLL = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    const k = cnt[c]!;
    mL[c] = sL[c]! / k;
    mA[c] = sA[c]! / k;
    mB[c] = sB[c]! / k;
    mLL[c] = sLL[c]! / k;
  }
  const l1 = boxBlur(mL, gw, gh, 1), a1 = boxBlur(mA, gw, gh, 1), b1 = boxBlur(mB, gw, gh, 1);
  const l3 = boxBlur(mL, gw, gh, 3), a3 = boxBlur(mA, gw, gh, 3), b3 = boxBlur(mB, gw, gh, 3);
  // Spread of luminance over a 3×3-cell window, including the variance inside each cell: the texture cue.
  const ll1 = boxBlur(mLL, gw, gh, 1);
  const sd = new Float32Array(n);
  for (let c = 0; c < n; c++) sd[c] = Math.sqrt(Math.max(0, ll1[c]! - l1[c]! * l1[c]!));
  const channels = [l1, a1, b1, l3, a3, b3, sd];
  const features = new Float32Array(n * FEATURE_DIMS);
  channels.forEach((ch, d) => {
    let mean = 0;
    for (let c = 0; c < n; c++) mean += ch[c]!;
    mean /= n;
    let v = 0;
    for (let c = 0; c < n; c++) v += (ch[c]! - mean) ** 2;
    const inv = 1 / Math.sqrt(v / n + 1e-6);
    for (let c = 0; c < n; c++) features[c * FEATURE_DIMS + d] = (ch[c]! - mean) * inv;
  });
  const { wRight, wDown } = affinities(features, gw, gh);
  return { step, gw, gh, dims: FEATURE_DIMS, features, wRight, wDown };
}

/** Mean over a (2r+1)² window, clipped at the borders (divides by the cells actually inside). */
export function boxBlur(src: Float32Array, gw: number, gh: number, r: number): Float32Array {
  const tmp = new Float32Array(src.length);
  const out = new Float32Array(src.length);
  for (let y = 0; y < gh; y++) {
    const o = y * gw;
    for (let x = 0; x < gw; x++) {
      const x0 = Math.max(0, x - r), x1 = Math.min(gw - 1, x + r);
      let s = 0;
      for (let k = x0; k <= x1; k++) s += src[o + k]!;
      tmp[o + x] = s / (x1 - x0 + 1);
    }
  }
  for (let x = 0; x < gw; x++) {
    for (let y = 0; y < gh; y++) {
      const y0 = Math.max(0, y - r), y1 = Math.min(gh - 1, y + r);
      let s = 0;
      for (let k = y0; k <= y1; k++) s += tmp[k * gw + x]!;
      out[y * gw + x] = s / (y1 - y0 + 1);
    }
  }
  return out;
}

/** Dimensions the pairwise term looks at: fine-scale colour and texture (the coarse scale blurs edges away). */
const EDGE_DIMS = [0, 1, 2, 6] as const;

/** GrabCut's contrast-sensitive weights exp(−β‖fᵢ−fⱼ‖²), β = 1 / (2·mean‖fᵢ−fⱼ‖²). */
function affinities(f: Float32Array, gw: number, gh: number): { wRight: Float32Array; wDown: Float32Array } {
  const n = gw * gh;
  const dR = new Float32Array(n), dD = new Float32Array(n);
  let sum = 0, count = 0;
  const dist = (a: number, b: number): number => {
    let s = 0;
    for (const d of EDGE_DIMS) {
      const t = f[a * FEATURE_DIMS + d]! - f[b * FEATURE_DIMS + d]!;
      s += t * t;
    }
    return s;
  };
  for (let y = 0; y < gh; y++) {
    for (let x = 0; x < gw; x++) {
      const c = y * gw + x;
      if (x + 1 < gw) { dR[c] = dist(c, c + 1); sum += dR[c]!; count++; }
      if (y + 1 < gh) { dD[c] = dist(c, c + gw); sum += dD[c]!; count++; }
    }
  }
  const beta = count > 0 && sum > 0 ? 1 / (2 * (sum / count)) : 0;
  const wRight = new Float32Array(n), wDown = new Float32Array(n);
  for (let c = 0; c < n; c++) {
    wRight[c] = Math.exp(-beta * dR[c]!);
    wDown[c] = Math.exp(-beta * dD[c]!);
  }
  return { wRight, wDown };
}
