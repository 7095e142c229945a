/**
 * `skimage.measure.label(mask)` for a 2-D binary mask: connected components with full (8-) connectivity, background 0,
 * labels 1..count numbered in raster order of each component's first pixel (scikit-image's sequential relabelling).
 */

/** Component labels (Int32Array, row-major) and their count. */
export interface Labels {
  /** Per pixel: 0 for background, else the component label. */
  readonly labels: Int32Array;
  /** Number of components (= the largest label). */
  readonly count: number;
}

/** Label the 8-connected components of a 0/1 mask. */
export function label8(mask: Uint8Array, width: number, height: number): Labels {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < labels.length; start++) {
    if (!mask[start] || labels[start] !== 0) continue;
    count++;
    labels[start] = count;
    let top = 0;
    stack[top++] = start;
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const j = yy * width + xx;
          if (mask[j] && labels[j] === 0) {
            labels[j] = count;
            stack[top++] = j;
          }
        }
      }
    }
  }
  return { labels, count };
}
