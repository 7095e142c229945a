/**
 * Binary erosion and dilation with skimage's `morphology.disk(1)` (the 3×3 cross) as `cv2.erode` / `cv2.dilate` apply
 * it: OpenCV's default border value is +∞ for erosion and −∞ for dilation, so the image frame never erodes a pixel nor
 * grows one. A cross is not a full rectangle, so OpenCV runs `iterations` passes one after another (morph.dispatch.cpp).
 */

function pass(src: Uint8Array, width: number, height: number, erode: boolean): Uint8Array {
  const out = new Uint8Array(src.length);
  // Outside the frame: 1 for erosion (neutral for min), 0 for dilation (neutral for max).
  const outside = erode ? 1 : 0;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const hasUp = y > 0;
    const hasDown = y + 1 < height;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      const up = hasUp ? src[i - width]! : outside;
      const down = hasDown ? src[i + width]! : outside;
      const left = x > 0 ? src[i - 1]! : outside;
      const right = x + 1 < width ? src[i + 1]! : outside;
      const c = src[i]!;
      out[i] = erode ? c & up & down & left & right : c | up | down | left | right;
    }
  }
  return out;
}

/** `cv2.erode(mask, disk(1), iterations=n)` on a 0/1 mask (row-major); returns a new 0/1 mask. */
export function erodeCross(mask: Uint8Array, width: number, height: number, iterations = 1): Uint8Array {
  let m = mask;
  for (let k = 0; k < iterations; k++) m = pass(m, width, height, true);
  return m === mask ? mask.slice() : m;
}

/** `cv2.dilate(mask, disk(1), iterations=n)` on a 0/1 mask (row-major); returns a new 0/1 mask. */
export function dilateCross(mask: Uint8Array, width: number, height: number, iterations = 1): Uint8Array {
  let m = mask;
  for (let k = 0; k < iterations; k++) m = pass(m, width, height, false);
  return m === mask ? mask.slice() : m;
}
