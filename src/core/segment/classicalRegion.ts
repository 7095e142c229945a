/**
 * Grid-level region operations of the classical segmenter: mean-field smoothing of a binary labelling,
 * connected components, hole filling, and upsampling of the cell labelling back to pixels.
 */
import type { BinaryMask } from '../image/types';

/** An inclusive rectangle of grid cells. */
export interface CellRect {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/**
 * Mean-field inference for a two-label pairwise MRF restricted to `rect`:
 * qᵢ = σ(Dᵢ + λ Σⱼ wᵢⱼ (2qⱼ − 1)), synchronous updates (so the result does not depend on visiting order).
 * Starts from `init` when given (else from σ(D)). `fixed` holds −1 (free), 0 (hard background) or 1 (hard foreground). Neighbours outside the rect do not
 * pull either way: a tight box makes the object touch its border, and treating the outside as background
 * there would eat the object's extremities.
 */
export function meanField(unary: Float32Array, fixed: Int8Array, wRight: Float32Array, wDown: Float32Array, gw: number, rect: CellRect, lambda: number, iterations: number, init?: Float32Array): Float32Array {
  let q: Float32Array = new Float32Array(unary.length);
  for (let y = rect.y0; y <= rect.y1; y++) {
    for (let x = rect.x0; x <= rect.x1; x++) {
      const c = y * gw + x;
      q[c] = fixed[c]! >= 0 ? fixed[c]! : init ? init[c]! : sigmoid(unary[c]!);
    }
  }
  let next: Float32Array = new Float32Array(unary.length);
  for (let it = 0; it < iterations; it++) {
    for (let y = rect.y0; y <= rect.y1; y++) {
      for (let x = rect.x0; x <= rect.x1; x++) {
        const c = y * gw + x;
        if (fixed[c]! >= 0) { next[c] = fixed[c]!; continue; }
        let m = 0;
        if (x > rect.x0) m += wRight[c - 1]! * (2 * q[c - 1]! - 1);
        if (x < rect.x1) m += wRight[c]! * (2 * q[c + 1]! - 1);
        if (y > rect.y0) m += wDown[c - gw]! * (2 * q[c - gw]! - 1);
        if (y < rect.y1) m += wDown[c]! * (2 * q[c + gw]! - 1);
        next[c] = sigmoid(unary[c]! + lambda * m);
      }
    }
    [q, next] = [next, q];
  }
  return q;
}

/** Logistic function. */
export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/**
 * 4-connected components of the cells with `on[c] === 1` inside `rect`; returns a label per cell (0 = none,
 * 1..n) and each component's size (index = label).
 */
export function components(on: Uint8Array, gw: number, rect: CellRect): { labels: Int32Array; sizes: number[] } {
  const labels = new Int32Array(on.length);
  const sizes = [0];
  const stack: number[] = [];
  for (let y = rect.y0; y <= rect.y1; y++) {
    for (let x = rect.x0; x <= rect.x1; x++) {
      const start = y * gw + x;
      if (on[start] !== 1 || labels[start] !== 0) continue;
      const id = sizes.length;
      let size = 0;
      labels[start] = id;
      stack.push(start);
      while (stack.length > 0) {
        const c = stack.pop()!;
        size++;
        const cx = c % gw, cy = (c - cx) / gw;
        const visit = (n: number): void => {
          if (on[n] === 1 && labels[n] === 0) { labels[n] = id; stack.push(n); }
        };
        if (cx > rect.x0) visit(c - 1);
        if (cx < rect.x1) visit(c + 1);
        if (cy > rect.y0) visit(c - gw);
        if (cy < rect.y1) visit(c + gw);
      }
      sizes.push(size);
    }
  }
  return { labels, sizes };
}

/** Set to 1 every off cell of `rect` that cannot reach the rect's border through off cells (a hole). */
export function fillHoles(on: Uint8Array, gw: number, rect: CellRect): void {
  const off = new Uint8Array(on.length);
  for (let y = rect.y0; y <= rect.y1; y++) for (let x = rect.x0; x <= rect.x1; x++) off[y * gw + x] = on[y * gw + x] === 1 ? 0 : 1;
  const { labels } = components(off, gw, rect);
  const outer = new Set<number>();
  for (let x = rect.x0; x <= rect.x1; x++) { outer.add(labels[rect.y0 * gw + x]!); outer.add(labels[rect.y1 * gw + x]!); }
  for (let y = rect.y0; y <= rect.y1; y++) { outer.add(labels[y * gw + rect.x0]!); outer.add(labels[y * gw + rect.x1]!); }
  for (let y = rect.y0; y <= rect.y1; y++) {
    for (let x = rect.x0; x <= rect.x1; x++) {
      const c = y * gw + x;
      if (off[c] === 1 && !outer.has(labels[c]!)) on[c] = 1;
    }
  }
}

/**
 * Upsample a cell labelling to a pixel mask by bilinear interpolation between cell centres and a 0.5
 * threshold (smoother outlines than nearest-cell blocks), limited to the pixel rectangle `clip`.
 */
export function upsampleCells(on: Uint8Array, gw: number, gh: number, step: number, width: number, height: number, clip: { x0: number; y0: number; x1: number; y1: number }): BinaryMask {
  const data = new Uint8Array(width * height);
  const px0 = Math.max(0, Math.floor(clip.x0)), px1 = Math.min(width - 1, Math.ceil(clip.x1));
  const py0 = Math.max(0, Math.floor(clip.y0)), py1 = Math.min(height - 1, Math.ceil(clip.y1));
  for (let y = py0; y <= py1; y++) {
    const v = Math.min(gh - 1, Math.max(0, (y + 0.5) / step - 0.5));
    const gy0 = Math.floor(v), gy1 = Math.min(gh - 1, gy0 + 1), fy = v - gy0;
    for (let x = px0; x <= px1; x++) {
      const u = Math.min(gw - 1, Math.max(0, (x + 0.5) / step - 0.5));
      const gx0 = Math.floor(u), gx1 = Math.min(gw - 1, gx0 + 1), fx = u - gx0;
      const a = on[gy0 * gw + gx0]!, b = on[gy0 * gw + gx1]!, c = on[gy1 * gw + gx0]!, d = on[gy1 * gw + gx1]!;
      // Away from the outline all four cells agree; only boundary pixels need the interpolation.
      if (a === b && b === c && c === d) {
        if (a === 1) data[y * width + x] = 1;
        continue;
      }
      const top = a * (1 - fx) + b * fx;
      const bottom = c * (1 - fx) + d * fx;
      if (top * (1 - fy) + bottom * fy >= 0.5) data[y * width + x] = 1;
    }
  }
  return { width, height, data };
}
