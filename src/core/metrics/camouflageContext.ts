import { rgbToLabOpencv } from '../image/labOpencv';
import { deltaE2000, rgbToLabSkimage } from '../image/labSkimage';
import type { GrayImage, RgbImage } from '../image/types';
import { contextScore, predValues } from './contextMeasure';
import { numpyMean } from './pairwiseSum';
import { EPS, preparePair, type PreparedPair } from './prepare';

/*
 * PySODMetrics 1.6.x `CamouflageContextMeasure` (py_sod_metrics/context_measure.py:141-369, ac5b1fc7): the
 * Context-measure with β² = 1.2 whose reverse term also weighs each GT pixel by its camouflage degree — how well the
 * object's 7×7 Lab patches are reconstructed from the nearest patches of a 20-pixel background ring.
 */

const PATCH = 7;
const STRIDE = 3;
const RING = 20;

/** Thrown where PySODMetrics raises: an image too small for one 7×7 patch, or an image of another size. */
export class CamouflageInputError extends Error {
  /** Creates the error with its message. */
  constructor(message: string) {
    super(message);
    this.name = 'CamouflageInputError';
  }
}

/**
 * `cv2.dilate(mask, np.ones((20, 20)))` minus the mask (`_extract_surrounding_background`, context_measure.py:257-262):
 * anchor (10, 10), so a pixel turns on when any mask pixel lies 10 before to 9 after it; outside the image counts as off.
 */
export function surroundingBackground(mask: Uint8Array, width: number, height: number): Uint8Array {
  const lo = RING >> 1;
  const hi = RING - 1 - lo;
  const rowsOn = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const base = y * width;
    // Nearest mask column at or after each x; the window [x−lo, x+hi] holds one iff that column is ≤ x+hi.
    const next = new Float64Array(width);
    let last = Infinity;
    for (let x = width - 1; x >= 0; x--) {
      if (mask[base + x]) last = x;
      next[x] = last;
    }
    for (let x = 0; x < width; x++) {
      const from = Math.max(0, x - lo);
      rowsOn[base + x] = next[from]! <= x + hi ? 1 : 0;
    }
  }
  const out = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) {
    let nextRow = Infinity;
    const nextOf = new Float64Array(height);
    for (let y = height - 1; y >= 0; y--) {
      if (rowsOn[y * width + x]) nextRow = y;
      nextOf[y] = nextRow;
    }
    for (let y = 0; y < height; y++) {
      const on = nextOf[Math.max(0, y - lo)]! <= y + hi ? 1 : 0;
      out[y * width + x] = on - mask[y * width + x]!;
    }
  }
  return out;
}

/** Patches fully inside a mask (`_extract_patches`, context_measure.py:264-287): top-left (row, col) pairs and features. */
export interface Patches {
  /** Row, col of each patch's top-left corner, in row-major grid order. */
  readonly at: Int32Array;
  /** 7·7·3 Lab bytes per patch, (row, col, channel) order. */
  readonly features: Uint8Array;
  readonly count: number;
}

/** The padded grid size along one side, or a CamouflageInputError when no 7-pixel window fits (numpy raises). */
function paddedSide(len: number): number {
  const pad = (((STRIDE - (((len - PATCH) % STRIDE) + STRIDE) % STRIDE) % STRIDE) + STRIDE) % STRIDE;
  const padded = len + pad;
  if (padded < PATCH) throw new CamouflageInputError(`image side ${len} is too small for the ${PATCH}×${PATCH} patches of ccm (PySODMetrics raises ValueError)`);
  return padded;
}

/** `_extract_patches` with w = 7, d = 3: a patch counts only when all its 49 mask pixels are on. */
export function extractPatches(lab: Uint8Array, mask: Uint8Array, width: number, height: number): Patches {
  const ph = paddedSide(height);
  const pw = paddedSide(width);
  // Padded rows/columns carry mask 0, so a valid patch never reaches them: only windows inside the image can qualify.
  const at: number[] = [];
  for (let r = 0; r + PATCH <= ph; r += STRIDE) {
    for (let c = 0; c + PATCH <= pw; c += STRIDE) {
      if (r + PATCH > height || c + PATCH > width) continue;
      let ok = true;
      for (let dy = 0; dy < PATCH && ok; dy++) {
        const base = (r + dy) * width + c;
        for (let dx = 0; dx < PATCH; dx++) if (!mask[base + dx]) { ok = false; break; }
      }
      if (ok) at.push(r, c);
    }
  }
  const count = at.length / 2;
  const features = new Uint8Array(count * PATCH * PATCH * 3);
  for (let p = 0, o = 0; p < count; p++) {
    const r = at[2 * p]!;
    const c = at[2 * p + 1]!;
    for (let dy = 0; dy < PATCH; dy++) {
      const base = ((r + dy) * width + c) * 3;
      for (let k = 0; k < PATCH * 3; k++) features[o++] = lab[base + k]!;
    }
  }
  return { at: Int32Array.from(at), features, count };
}

/**
 * StandardScaler over the background then foreground coordinates, times λ, rounded to float32
 * (`_ann_with_spatial_faiss`, context_measure.py:235-246; sklearn 1.2 `_incremental_mean_and_var`).
 */
function scaledCoords(bg: Patches, fg: Patches, lambda: number): Float64Array {
  const n = bg.count + fg.count;
  const all = new Float64Array(n * 2);
  all.set(bg.at);
  all.set(fg.at, bg.count * 2);
  const out = new Float64Array(n * 2);
  for (let k = 0; k < 2; k++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += all[2 * i + k]!;
    const mean = sum / n;
    let corr = 0;
    let sq = 0;
    for (let i = 0; i < n; i++) {
      const t = all[2 * i + k]! - mean;
      corr += t;
      sq += t * t;
    }
    const variance = (sq - (corr * corr) / n) / n;
    // _is_constant_feature: var ≤ n·eps·var + (n·mean·eps)² gets scale 1.
    const constant = variance <= n * Number.EPSILON * variance + (n * mean * Number.EPSILON) ** 2;
    const scale = constant ? 1 : Math.sqrt(variance);
    for (let i = 0; i < n; i++) out[2 * i + k] = Math.fround(lambda * ((all[2 * i + k]! - mean) / scale));
  }
  return out;
}

/** Per patch, the sum of each (patch row, channel) group of 7 bytes: 21 numbers. */
function groupSums(p: Patches): Float64Array {
  const out = new Float64Array(p.count * GROUPS);
  for (let q = 0; q < p.count; q++) {
    const o = q * PATCH * PATCH * 3;
    for (let dy = 0; dy < PATCH; dy++) {
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (let dx = 0; dx < PATCH; dx++) s += p.features[o + (dy * PATCH + dx) * 3 + ch]!;
        out[q * GROUPS + dy * 3 + ch] = s;
      }
    }
  }
  return out;
}

const GROUPS = PATCH * 3;
/** A bound is trusted to dismiss a candidate only past this relative margin (it is rounded, the distance too). */
const MARGIN = 1 + 1e-9;

/**
 * Nearest background patch of each foreground patch in [Lab features, λ·scaled coords] (float32 values), exhaustive
 * like sklearn's brute force (149 dims > 15, so `algorithm="auto"` is brute); ties go to the lowest index.
 * Exact, but most candidates never get the 147-term distance: by Cauchy–Schwarz a group of g coordinates differs by
 * at least (Δsum)²/g, so the sums of the 3 channels and of the 21 (row, channel) groups, plus the spatial term, bound
 * a candidate's distance from below. The query starts from the candidate with the smallest coarse bound, and a
 * candidate is skipped only when a bound exceeds the best distance so far (with a margin for rounding); the others
 * get the exact float64 distance, left early once the rows summed plus the bound of the rows left exceed the best,
 * and are compared as before (lowest index on ties).
 */
export function nearestBackground(bg: Patches, fg: Patches, lambda: number): Int32Array {
  const coords = scaledCoords(bg, fg, lambda);
  const dim = PATCH * PATCH * 3;
  const nn = new Int32Array(fg.count);
  const bf = bg.features;
  const ff = fg.features;
  const bgG = groupSums(bg);
  const fgG = groupSums(fg);
  const m = bg.count;
  // Channel sums (3 groups of 49) from the row groups.
  const bgC = new Float64Array(m * 3);
  for (let j = 0; j < m; j++) for (let g = 0; g < GROUPS; g++) bgC[j * 3 + (g % 3)] = bgC[j * 3 + (g % 3)]! + bgG[j * GROUPS + g]!;
  const coarse = new Float64Array(m);
  // rest[r] = bound of patch rows r..6 for the candidate being checked (rest[7] = 0).
  const rest = new Float64Array(PATCH + 1);
  /** The exact distance, or a bound above `best` once the rows done plus the bound of the rows left exceed it. */
  const exact = (q: number, j: number, spatial: number, best: number): number => {
    const qo = q * dim;
    const jo = j * dim;
    let colour = 0;
    for (let r = 0, k = 0; r < PATCH; r++) {
      for (const end = k + PATCH * 3; k < end; k++) {
        const d = bf[jo + k]! - ff[qo + k]!;
        colour += d * d;
      }
      const bound = colour + rest[r + 1]! + spatial;
      if (bound > best * MARGIN) return bound;
    }
    return colour + spatial;
  };
  for (let q = 0; q < fg.count; q++) {
    const qy = coords[(m + q) * 2]!;
    const qx = coords[(m + q) * 2 + 1]!;
    const qg = q * GROUPS;
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    for (let g = 0; g < GROUPS; g += 3) {
      c0 += fgG[qg + g]!;
      c1 += fgG[qg + g + 1]!;
      c2 += fgG[qg + g + 2]!;
    }
    let start = 0;
    for (let j = 0; j < m; j++) {
      const dy = coords[2 * j]! - qy;
      const dx = coords[2 * j + 1]! - qx;
      const e0 = bgC[j * 3]! - c0;
      const e1 = bgC[j * 3 + 1]! - c1;
      const e2 = bgC[j * 3 + 2]! - c2;
      const b = (e0 * e0 + e1 * e1 + e2 * e2) / (PATCH * PATCH) + dy * dy + dx * dx;
      coarse[j] = b;
      if (b < coarse[start]!) start = j;
    }
    const sy = coords[2 * start]! - qy;
    const sx = coords[2 * start + 1]! - qx;
    rest.fill(0);
    let best = exact(q, start, sy * sy + sx * sx, Infinity);
    let bestJ = start;
    for (let j = 0; j < m; j++) {
      if (coarse[j]! > best * MARGIN || j === start) continue;
      const dy = coords[2 * j]! - qy;
      const dx = coords[2 * j + 1]! - qx;
      const spatial = dy * dy + dx * dx;
      const jg = j * GROUPS;
      for (let r = PATCH - 1; r >= 0; r--) {
        const e0 = bgG[jg + r * 3]! - fgG[qg + r * 3]!;
        const e1 = bgG[jg + r * 3 + 1]! - fgG[qg + r * 3 + 1]!;
        const e2 = bgG[jg + r * 3 + 2]! - fgG[qg + r * 3 + 2]!;
        rest[r] = rest[r + 1]! + (e0 * e0 + e1 * e1 + e2 * e2) / PATCH;
      }
      if (rest[0]! + spatial > best * MARGIN) continue;
      const dist = exact(q, j, spatial, best);
      if (dist < best || (dist === best && j < bestJ)) {
        best = dist;
        bestJ = j;
      }
    }
    nn[q] = bestJ;
  }
  return nn;
}

/** numpy's rint (np.round): half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `_reconstruct_image` (context_measure.py:289-322): each foreground patch replaced by its background match, averaged. */
export function reconstruct(img: RgbImage, bgMask: Uint8Array, fg: Patches, bg: Patches, nn: Int32Array): Uint8Array {
  const { width, height } = img;
  const sum = new Float64Array(width * height * 3);
  const counts = new Float64Array(width * height).fill(EPS);
  for (let i = 0; i < fg.count; i++) {
    const fr = fg.at[2 * i]!;
    const fc = fg.at[2 * i + 1]!;
    const j = nn[i]!;
    const br = bg.at[2 * j]!;
    const bc = bg.at[2 * j + 1]!;
    for (let dy = 0; dy < PATCH; dy++) {
      for (let dx = 0; dx < PATCH; dx++) {
        const dst = (fr + dy) * width + fc + dx;
        const src = (br + dy) * width + bc + dx;
        const on = bgMask[src]!;
        for (let ch = 0; ch < 3; ch++) sum[dst * 3 + ch] = sum[dst * 3 + ch]! + img.data[src * 3 + ch]! * on;
        counts[dst] = counts[dst]! + 1;
      }
    }
  }
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) for (let ch = 0; ch < 3; ch++) out[p * 3 + ch] = rint(sum[p * 3 + ch]! / counts[p]!);
  return out;
}

/** What the camouflage degree computation produces (`_calculate_camouflage_degree`, context_measure.py:193-233). */
export interface CamouflageDegree {
  /** Per-pixel camouflage degree (0 outside the GT, and everywhere when there are no patches to match). */
  readonly cd: Float64Array;
  /** The reconstructed RGB image (all 0 when there are no patches). */
  readonly recon: Uint8Array;
  /** Nearest background patch of each foreground patch. */
  readonly nn: Int32Array;
  readonly fg: Patches;
  readonly bg: Patches;
  readonly bgMask: Uint8Array;
}

/** Camouflage degree of a 0/1 mask over its RGB image (context_measure.py:193-233, with w = 7, γ and λ given). */
export function camouflageDegree(img: RgbImage, mask: Uint8Array, gamma: number, lambda: number): CamouflageDegree {
  const { width, height } = img;
  const n = width * height;
  const bgMask = surroundingBackground(mask, width, height);
  const lab = rgbToLabOpencv(img);
  const fg = extractPatches(lab, mask, width, height);
  const bg = extractPatches(lab, bgMask, width, height);
  const cd = new Float64Array(n);
  if (fg.count === 0 || bg.count === 0) return { cd, recon: new Uint8Array(n * 3), nn: new Int32Array(0), fg, bg, bgMask };
  const nn = nearestBackground(bg, fg, lambda);
  const recon = reconstruct(img, bgMask, fg, bg, nn);
  const l1 = new Float64Array(3);
  const l2 = new Float64Array(3);
  const denom = Math.exp(gamma) - 1;
  for (let p = 0; p < n; p++) {
    if (!mask[p]) continue;
    // Outside the mask γ·sim·0 = 0 and exp(0) − 1 = 0, so only GT pixels need the colour difference.
    rgbToLabSkimage(recon[p * 3]!, recon[p * 3 + 1]!, recon[p * 3 + 2]!, l1, 0);
    rgbToLabSkimage(img.data[p * 3]!, img.data[p * 3 + 1]!, img.data[p * 3 + 2]!, l2, 0);
    const de = deltaE2000(l1[0]!, l1[1]!, l1[2]!, l2[0]!, l2[1]!, l2[2]!);
    const sim = 1 - Math.min(Math.max(de / 100, 0), 1);
    cd[p] = (Math.exp(gamma * sim * 1) - 1) / denom;
  }
  return { cd, recon, nn, fg, bg, bgMask };
}

/** PySODMetrics `CamouflageContextMeasure` (key `ccm`): the Context-measure weighted by camouflage degree; needs the RGB image. */
export class CamouflageContextMeasure {
  private readonly scores: number[] = [];

  /** PySODMetrics' defaults: β² = 1.2, α = 6, γ = 8, λ = 20 (context_measure.py:156). */
  constructor(
    private readonly beta2 = 1.2,
    private readonly alpha = 6.0,
    private readonly gamma = 8,
    private readonly lambdaSpatial = 20,
  ) {}

  /** Score one pred/GT pair with its RGB image (context_measure.py:170-191); returns the image's value. */
  step(pred: GrayImage, gt: GrayImage, image: RgbImage): number {
    return this.stepPair(preparePair(pred, gt), image);
  }

  /** Score an already prepared pair with its RGB image. */
  stepPair(pair: PreparedPair, image: RgbImage): number {
    if (image.width !== pair.width || image.height !== pair.height) {
      throw new CamouflageInputError(`image is ${image.width}x${image.height} but the masks are ${pair.width}x${pair.height}`);
    }
    if (image.data.length < pair.n * 3) throw new CamouflageInputError('image data shorter than width·height·3');
    const { cd } = camouflageDegree(image, pair.gt, this.gamma, this.lambdaSpatial);
    const v = contextScore({ width: pair.width, height: pair.height, pred: predValues(pair), gt: pair.gt, cd }, this.beta2, this.alpha);
    this.scores.push(v);
    return v;
  }

  /** Dataset value under PySODMetrics' key; NaN when nothing was stepped. */
  results(): { ccm: number } {
    return { ccm: numpyMean(this.scores) };
  }
}
