import { scratchInt32 } from './scratch';

/**
 * Exact Euclidean feature transform (Maurer, Qi & Raghavan, PAMI 2003) ported from scipy.ndimage
 * (`ni_morphology.c` _ComputeFT/_VoronoiFT) for 2-D images, with scipy's tie-breaking: when a pixel is equidistant
 * from several features, the same one wins. The weighted F-measure copies errors from the nearest GT pixel, so
 * another valid choice moves wFm by up to ~1e-4.
 */

/** Result of {@link featureTransform}: nearest feature and its squared distance for every pixel. */
export interface FeatureTransform {
  /** Flat index (y·width + x) of the nearest feature pixel; −1 when the image has no feature. */
  readonly nearest: Int32Array;
  /** Squared Euclidean distance to that feature (exact integer); 0 on features. */
  readonly dist2: Int32Array;
}

/**
 * Nearest feature (non-zero pixel of `feature`) per pixel, with scipy's choice among equidistant features.
 * With `reuse`, the result lives in per-thread scratch buffers, valid until the next reusing call.
 */
export function featureTransform(feature: Uint8Array, width: number, height: number, reuse = false): FeatureTransform {
  const n = width * height;
  // fy: row of the nearest feature in the same column after pass 1 (−1: none).
  const fy = reuse ? scratchInt32('edt.fy', n) : new Int32Array(n);
  const nearest = reuse ? scratchInt32('edt.nearest', n) : new Int32Array(n);
  const dist2 = reuse ? scratchInt32('edt.dist2', n) : new Int32Array(n);
  if (!columnPass(feature, width, height, fy)) {
    nearest.fill(-1);
    dist2.fill(0);
    return { nearest, dist2 };
  }
  const g = new Int32Array(width);
  const h2 = new Float64Array(width);
  const sy = new Int32Array(width);
  // Stack slot of the site pushed for each column (meaningful for features on the current row, which are never popped).
  const slot = new Int32Array(width);
  for (let y = 0; y < height; y++) rowPass(fy, y, width, nearest, dist2, g, h2, sy, slot);
  return { nearest, dist2 };
}

/**
 * Pass 1 (d = 0): along each column every feature survives _VoronoiFT's stack test (a·b·c > 0 in 1-D), so scipy's
 * result is the nearest feature in the column, the upper one on ties. Two row-major sweeps give exactly that.
 * Writes the winner's row to fy (−1: none) and returns whether the image has any feature.
 */
function columnPass(feature: Uint8Array, width: number, height: number, fy: Int32Array): boolean {
  const above = new Int32Array(width).fill(-1);
  let any = false;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (feature[i]) {
        above[x] = y;
        any = true;
      }
      fy[i] = above[x]!;
    }
  }
  if (!any) return false;
  const below = new Int32Array(width).fill(-1);
  for (let y = height - 1; y >= 0; y--) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (feature[i]) below[x] = y;
      const b = below[x]!;
      if (b < 0) continue;
      const a = fy[i]!;
      // Keep the upper feature unless the lower one is strictly nearer (delta1 <= delta2 keeps the earlier site).
      if (a < 0 || b - y < y - a) fy[i] = b;
    }
  }
  return true;
}

/**
 * Pass 2 (d = 1) for row y: the column winners (site x sits at column x) go through _VoronoiFT's stack, then each
 * pixel takes the nearest stacked site, the earlier one on ties. h2 caches each stacked site's squared row offset.
 */
function rowPass(fy: Int32Array, y: number, width: number, nearest: Int32Array, dist2: Int32Array, g: Int32Array, h2: Float64Array, sy: Int32Array, slot: Int32Array): void {
  const row = y * width;
  let l = -1;
  for (let ii = 0; ii < width; ii++) {
    const r = fy[row + ii]!;
    sy[ii] = r;
    if (r < 0) continue;
    const wR = (r - y) * (r - y);
    while (l >= 1) {
      const f1 = g[l]!;
      const a = f1 - g[l - 1]!;
      const b = ii - f1;
      const c = a + b;
      // Integer-valued doubles far below 2^53 for any image size: exact, as in the C code.
      if (c * h2[l]! - b * h2[l - 1]! - a * wR - a * b * c <= 0) break;
      l--;
    }
    g[++l] = ii;
    h2[l] = wR;
    slot[ii] = l;
  }
  const maxl = l;
  l = 0;
  for (let ii = 0; ii < width; ii++) {
    if (sy[ii] === y) {
      // A feature is its own unique nearest site (distance 0 < 1), so the query would stop at its slot.
      l = slot[ii]!;
      nearest[row + ii] = row + ii;
      dist2[row + ii] = 0;
      continue;
    }
    let t = g[l]! - ii;
    let d1 = h2[l]! + t * t;
    while (l < maxl) {
      t = g[l + 1]! - ii;
      const d2 = h2[l + 1]! + t * t;
      if (d1 <= d2) break;
      d1 = d2;
      l++;
    }
    const win = g[l]!;
    nearest[row + ii] = sy[win]! * width + win;
    dist2[row + ii] = d1;
  }
}
