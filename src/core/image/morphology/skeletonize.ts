/**
 * `skimage.morphology.skeletonize` for 2-D images as scikit-image 0.19 runs it (`_skeletonize.py` skeletonize →
 * skeletonize_2d → `_skeletonize_cy.pyx` `_fast_skeletonize`): Zhang–Suen thinning driven by a 256-entry table of the
 * 8-neighbourhood, two sub-passes per sweep, each sub-pass reading the image as it was before that sub-pass.
 */

/**
 * The look-up table of `_fast_skeletonize` (scikit-image 0.19.3, `_skeletonize_cy.pyx`), indexed by
 * 1·NW + 2·N + 4·NE + 8·E + 16·SE + 32·S + 64·SW + 128·W: 1 = removable in the first sub-pass, 2 = in the second,
 * 3 = in both, 0 = never.
 */
const LUT = new Uint8Array([
  0, 0, 0, 1, 0, 0, 1, 3, 0, 0, 3, 1, 1, 0, 1, 3, 0, 0, 0, 0, 0, 0,
  0, 0, 2, 0, 2, 0, 3, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 2, 2, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 2, 0,
  0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 3, 0, 2, 0, 0, 0, 3, 1,
  0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 1, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 3, 1, 3, 0, 0,
  1, 3, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 2, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3,
  0, 1, 0, 0, 0, 0, 2, 2, 0, 0, 2, 0, 0, 0,
]);

/** Skeleton of a 0/1 mask (row-major, width × height); returns a new 0/1 mask. */
export function skeletonize(mask: Uint8Array, width: number, height: number): Uint8Array {
  const W = width + 2;
  const H = height + 2;
  // One-pixel zero frame, as `_fast_skeletonize` pads, so the neighbourhood needs no bounds checks.
  const skel = new Uint8Array(W * H);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) skel[(y + 1) * W + x + 1] = mask[y * width + x] ? 1 : 0;
  }
  // A pixel whose 8 neighbours are all set has table entry 0 and is never removed, so each sub-pass only needs the set
  // pixels next to the background: those at the start, then the set neighbours of every removed pixel.
  const NB = [-W - 1, -W, -W + 1, -1, 1, W - 1, W, W + 1];
  const queued = new Uint8Array(W * H);
  let live: number[] = [];
  for (let i = 0; i < skel.length; i++) {
    if (!skel[i]) continue;
    for (const o of NB) {
      if (!skel[i + o]) {
        live.push(i);
        queued[i] = 1;
        break;
      }
    }
  }
  let removed = true;
  while (removed) {
    removed = false;
    for (let passNum = 0; passNum < 2; passNum++) {
      const first = passNum === 0;
      const changed: number[] = [];
      for (const i of live) {
        if (!skel[i]) continue;
        const code =
          skel[i - W - 1]! + 2 * skel[i - W]! + 4 * skel[i - W + 1]! + 8 * skel[i + 1]! +
          16 * skel[i + W + 1]! + 32 * skel[i + W]! + 64 * skel[i + W - 1]! + 128 * skel[i - 1]!;
        const n = LUT[code]!;
        if ((n === 1 && first) || (n === 2 && !first) || n === 3) changed.push(i);
      }
      if (changed.length > 0) removed = true;
      for (const i of changed) skel[i] = 0;
      for (const i of changed) {
        for (const o of NB) {
          const j = i + o;
          if (skel[j] && !queued[j]) {
            queued[j] = 1;
            live.push(j);
          }
        }
      }
    }
    if (removed) live = live.filter((i) => skel[i] === 1);
  }
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out[y * width + x] = skel[(y + 1) * W + x + 1]!;
  }
  return out;
}
