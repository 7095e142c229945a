/**
 * Binary erosion and dilation with skimage's `morphology.disk(1)` (the 3×3 cross) as `cv2.erode` / `cv2.dilate` apply
 * it: OpenCV's default border value is +∞ for erosion and −∞ for dilation, so the image frame never erodes a pixel nor
 * grows one. A cross is not a full rectangle, so OpenCV runs `iterations` passes one after another (morph.dispatch.cpp).
 */

/** One erosion pass of `src` into `out` (outside the frame counts as 1, neutral for min). */
function erodeInto(src: Uint8Array, out: Uint8Array, width: number, height: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const up = y > 0 ? row - width : row;
    const down = y + 1 < height ? row + width : row;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const left = x > 0 ? src[i - 1]! : 1;
      const right = x + 1 < width ? src[i + 1]! : 1;
      out[i] = src[i]! & src[up + x]! & src[down + x]! & left & right;
    }
  }
}

/** One dilation pass of `src` into `out` (outside the frame counts as 0), ANDed with `allow` when given. */
function dilateInto(src: Uint8Array, out: Uint8Array, width: number, height: number, allow: Uint8Array | undefined): void {
  for (let y = 0; y < height; y++) {
    const row = y * width;
    // A missing neighbour row reads the pixel's own row: harmless for max, which already includes the pixel.
    const up = y > 0 ? row - width : row;
    const down = y + 1 < height ? row + width : row;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const left = x > 0 ? src[i - 1]! : 0;
      const right = x + 1 < width ? src[i + 1]! : 0;
      const v = src[i]! | src[up + x]! | src[down + x]! | left | right;
      out[i] = allow === undefined ? v : v & allow[i]!;
    }
  }
}

/** Runs `passes` passes, the first from `mask`, then back and forth between two buffers; returns a new mask. */
function repeat(mask: Uint8Array, passes: number, step: (src: Uint8Array, out: Uint8Array) => void): Uint8Array {
  if (passes <= 0) return mask.slice();
  let out = new Uint8Array(mask.length);
  step(mask, out);
  if (passes === 1) return out;
  let other = new Uint8Array(mask.length);
  for (let k = 1; k < passes; k++) {
    step(out, other);
    [out, other] = [other, out];
  }
  return out;
}

/**
 * `passes` cross dilations, each followed by AND `allow` (all ones when undefined), as a breadth-first growth: after
 * the first pass the set only grows (it lies inside `allow`), so pass k only needs the neighbours of the pixels pass
 * k−1 added. O(pixels once + the grown band) instead of O(pixels × passes).
 */
function grow(mask: Uint8Array, allow: Uint8Array | undefined, size: { width: number; height: number }, passes: number): Uint8Array {
  const { width, height } = size;
  const n = width * height;
  if (passes <= 0) return mask.slice();
  const out = new Uint8Array(n);
  let frontier = new Int32Array(n);
  let next = new Int32Array(n);
  let count = 0;
  // Pass 1 from the mask itself: a mask pixel outside `allow` still lights its neighbours but is not kept.
  for (let i = 0; i < n; i++) {
    if (mask[i] === 0) continue;
    const x = i % width;
    if ((allow === undefined || allow[i] !== 0) && out[i] === 0) { out[i] = 1; frontier[count++] = i; }
    if (x > 0 && (allow === undefined || allow[i - 1] !== 0) && out[i - 1] === 0) { out[i - 1] = 1; frontier[count++] = i - 1; }
    if (x + 1 < width && (allow === undefined || allow[i + 1] !== 0) && out[i + 1] === 0) { out[i + 1] = 1; frontier[count++] = i + 1; }
    if (i >= width && (allow === undefined || allow[i - width] !== 0) && out[i - width] === 0) { out[i - width] = 1; frontier[count++] = i - width; }
    if (i + width < n && (allow === undefined || allow[i + width] !== 0) && out[i + width] === 0) { out[i + width] = 1; frontier[count++] = i + width; }
  }
  for (let k = 1; k < passes && count > 0; k++) {
    let added = 0;
    for (let f = 0; f < count; f++) {
      const i = frontier[f]!;
      const x = i % width;
      if (x > 0 && (allow === undefined || allow[i - 1] !== 0) && out[i - 1] === 0) { out[i - 1] = 1; next[added++] = i - 1; }
      if (x + 1 < width && (allow === undefined || allow[i + 1] !== 0) && out[i + 1] === 0) { out[i + 1] = 1; next[added++] = i + 1; }
      if (i >= width && (allow === undefined || allow[i - width] !== 0) && out[i - width] === 0) { out[i - width] = 1; next[added++] = i - width; }
      if (i + width < n && (allow === undefined || allow[i + width] !== 0) && out[i + width] === 0) { out[i + width] = 1; next[added++] = i + width; }
    }
    [frontier, next] = [next, frontier];
    count = added;
  }
  return out;
}

/** `cv2.erode(mask, disk(1), iterations=n)` on a 0/1 mask (row-major); returns a new 0/1 mask. */
export function erodeCross(mask: Uint8Array, width: number, height: number, iterations = 1): Uint8Array {
  if (iterations === 1) return repeat(mask, 1, (s, o) => erodeInto(s, o, width, height));
  // Erosion with a +∞ frame is the complement of dilating the complement with a −∞ frame.
  const inv = new Uint8Array(mask.length);
  for (let i = 0; i < inv.length; i++) inv[i] = mask[i] ? 0 : 1;
  const grown = grow(inv, undefined, { width, height }, iterations);
  for (let i = 0; i < grown.length; i++) grown[i] = grown[i]! ^ 1;
  return grown;
}

/** `cv2.dilate(mask, disk(1), iterations=n)` on a 0/1 mask (row-major); returns a new 0/1 mask. */
export function dilateCross(mask: Uint8Array, width: number, height: number, iterations = 1): Uint8Array {
  if (iterations === 1) return repeat(mask, 1, (s, o) => dilateInto(s, o, width, height, undefined));
  return grow(mask, undefined, { width, height }, iterations);
}

/** `passes` times: one `dilateCross` pass, then AND with `allow` (HCE's relaxation that may not cross the GT / pred). */
export function dilateCrossWithin(mask: Uint8Array, allow: Uint8Array, size: { width: number; height: number }, passes: number): Uint8Array {
  return grow(mask, allow, size, passes);
}
