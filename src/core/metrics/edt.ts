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
 * `x0`..`x1` may narrow the columns that can hold features (e.g. the GT bounding box) to skip empty columns.
 */
export function featureTransform(feature: Uint8Array, width: number, height: number, reuse = false, x0 = 0, x1 = width - 1): FeatureTransform {
  const n = width * height;
  // fy: row of the nearest feature in the same column after pass 1 (−1: none).
  const fy = reuse ? scratchInt32('edt.fy', n) : new Int32Array(n);
  const nearest = reuse ? scratchInt32('edt.nearest', n) : new Int32Array(n);
  const dist2 = reuse ? scratchInt32('edt.dist2', n) : new Int32Array(n);
  if (x1 < x0 || !nearestInColumns(feature, width, height, fy, x0, x1)) {
    nearest.fill(-1);
    dist2.fill(0);
    return { nearest, dist2 };
  }
  const env = new RowEnvelope(width);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    env.build(fy, y, x0, x1);
    const { g, h2, sy, slot } = env;
    const maxl = env.top;
    let l = 0;
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
  return { nearest, dist2 };
}

/**
 * Pass 1 (d = 0): along each column every feature survives _VoronoiFT's stack test (a·b·c > 0 in 1-D), so scipy's
 * result is the nearest feature in the column, the upper one on ties. Two row-major sweeps give exactly that.
 * Writes the winner's row to fy for columns x0..x1 (−1: none) and returns whether the image has any feature.
 */
export function nearestInColumns(feature: Uint8Array, width: number, height: number, fy: Int32Array, x0: number, x1: number): boolean {
  const above = new Int32Array(width).fill(-1);
  let any = false;
  for (let y = 0; y < height; y++) {
    for (let x = x0, i = y * width + x0; x <= x1; x++, i++) {
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
    for (let x = x0; x <= x1; x++) {
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
 * Pass 2 (d = 1) of _VoronoiFT for one row: the column winners (site x sits at column x) go through the Maurer stack.
 * A query then walks the stack left to right, moving to the next site while it is strictly nearer (earlier site on
 * ties); callers write that loop inline, so this class holds the stack in plain typed arrays.
 */
export class RowEnvelope {
  /** Column of each stacked site. */
  readonly g: Int32Array;
  /** Squared row offset of each stacked site (scipy's wR/uR/vR); integers, kept in int32 so queries stay integer. */
  readonly h2: Int32Array;
  /** Row of the column winner per column for the current row (−1: none). */
  readonly sy: Int32Array;
  /** Stack slot of each column's site; valid for features on the current row, which are never popped. */
  readonly slot: Int32Array;
  /** Index of the top stacked site after build(), −1 if none. */
  top = -1;

  /** Scratch for rows of `width` pixels. */
  constructor(width: number) {
    this.g = new Int32Array(width);
    this.h2 = new Int32Array(width);
    this.sy = new Int32Array(width).fill(-1);
    this.slot = new Int32Array(width);
  }

  /** Stack the column winners of row y (fy from {@link nearestInColumns}) over columns x0..x1. */
  build(fy: Int32Array, y: number, x0: number, x1: number): void {
    const { g, h2, sy, slot } = this;
    const row = y * sy.length;
    let l = -1;
    // The top two stacked sites live in locals: most columns test once against them and push.
    let gT = 0;
    let hT = 0;
    let gP = 0;
    let hP = 0;
    for (let ii = x0; ii <= x1; ii++) {
      const r = fy[row + ii]!;
      sy[ii] = r;
      if (r < 0) continue;
      const wR = (r - y) * (r - y);
      while (l >= 1) {
        const a = gT - gP;
        const b = ii - gT;
        const c = a + b;
        // Integer-valued doubles far below 2^53 for any image size: exact, as in the C code.
        if (c * hT - b * hP - a * wR - a * b * c <= 0) break;
        l--;
        gT = gP;
        hT = hP;
        if (l >= 1) {
          gP = g[l - 1]!;
          hP = h2[l - 1]!;
        }
      }
      g[++l] = ii;
      h2[l] = wR;
      slot[ii] = l;
      gP = gT;
      hP = hT;
      gT = ii;
      hT = wR;
    }
    this.top = l;
  }
}
