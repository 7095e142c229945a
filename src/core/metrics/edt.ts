/**
 * Exact Euclidean feature transform (Maurer, Qi & Raghavan, PAMI 2003) ported from scipy.ndimage
 * (`ni_morphology.c` _ComputeFT/_VoronoiFT) for 2-D images, with scipy's tie-breaking: when a pixel is equidistant
 * from several features, the same one wins. The weighted F-measure copies errors from the nearest GT pixel, so
 * another valid choice moves wFm by up to ~1e-4.
 */

/** Nearest feature per pixel: flat index of the nearest feature pixel (−1 when the image has no feature). */
export function featureTransform(feature: Uint8Array, width: number, height: number): Int32Array {
  const n = width * height;
  // fy/fx hold the nearest feature's coordinates after pass 1 (per column) and pass 2 (per row).
  const fy = new Int32Array(n).fill(-1);
  const fx = new Int32Array(n);
  const len = Math.max(width, height);
  const g = new Int32Array(len);
  const sy = new Int32Array(len);
  const sx = new Int32Array(len);

  // Pass 1 (d = 0): along each column every feature survives the stack test (a·b·c > 0 in 1-D), so this is the
  // nearest feature in the column, earlier row on ties.
  for (let x = 0; x < width; x++) {
    let l = -1;
    for (let y = 0; y < height; y++) if (feature[y * width + x]) g[++l] = y;
    const maxl = l;
    if (maxl < 0) continue;
    l = 0;
    for (let y = 0; y < height; y++) {
      let d1 = (g[l]! - y) * (g[l]! - y);
      while (l < maxl) {
        const d2 = (g[l + 1]! - y) * (g[l + 1]! - y);
        if (d1 <= d2) break;
        d1 = d2;
        l++;
      }
      fy[y * width + x] = g[l]!;
      fx[y * width + x] = x;
    }
  }

  // Pass 2 (d = 1): along each row, over the column winners, with the Voronoi stack of _VoronoiFT.
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      sy[x] = fy[row + x]!;
      sx[x] = fx[row + x]!;
    }
    let l = -1;
    for (let ii = 0; ii < width; ii++) {
      if (sy[ii]! < 0) continue;
      const fd = sx[ii]!;
      const tw = sy[ii]! - y;
      const wR = tw * tw;
      while (l >= 1) {
        const idx1 = g[l]!;
        const idx2 = g[l - 1]!;
        const f1 = sx[idx1]!;
        const a = f1 - sx[idx2]!;
        const b = fd - f1;
        const c = a + b;
        const tu = sy[idx2]! - y;
        const tv = sy[idx1]! - y;
        const uR = tu * tu;
        const vR = tv * tv;
        // Integer-valued doubles well below 2^53 for any image size: exact, as in the C code.
        if (c * vR - b * uR - a * wR - a * b * c <= 0) break;
        l--;
      }
      g[++l] = ii;
    }
    const maxl = l;
    if (maxl < 0) continue;
    l = 0;
    for (let ii = 0; ii < width; ii++) {
      let k = g[l]!;
      let t0 = sy[k]! - y;
      let t1 = sx[k]! - ii;
      let d1 = t0 * t0 + t1 * t1;
      while (l < maxl) {
        k = g[l + 1]!;
        t0 = sy[k]! - y;
        t1 = sx[k]! - ii;
        const d2 = t0 * t0 + t1 * t1;
        if (d1 <= d2) break;
        d1 = d2;
        l++;
      }
      const win = g[l]!;
      fy[row + ii] = sy[win]!;
      fx[row + ii] = sx[win]!;
    }
  }

  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = fy[i]! < 0 ? -1 : fy[i]! * width + fx[i]!;
  return out;
}
