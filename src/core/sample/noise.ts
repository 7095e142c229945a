import { Rng } from './random';

/** One octave of value noise: a lattice of random values, interpolated with smoothstep. */
interface Octave {
  readonly cell: number;
  readonly cols: number;
  readonly amp: number;
  readonly values: Float32Array;
}

/**
 * Multi-octave value noise over a width×height raster, normalised to [0, 1]. `baseCell` is the lattice
 * spacing of the coarsest octave in pixels; each further octave halves it and scales its amplitude by
 * `persistence` (higher → grainier texture).
 */
export function valueNoise(rng: Rng, width: number, height: number, baseCell: number, octaves: number, persistence: number): Float32Array {
  const layers: Octave[] = [];
  let cell = baseCell;
  let amp = 1;
  for (let o = 0; o < octaves; o++) {
    const c = Math.max(1.5, cell);
    const cols = Math.ceil(width / c) + 2;
    const rows = Math.ceil(height / c) + 2;
    const values = new Float32Array(cols * rows);
    for (let i = 0; i < values.length; i++) values[i] = rng.next();
    layers.push({ cell: c, cols, amp, values });
    cell /= 2;
    amp *= persistence;
  }
  const out = new Float32Array(width * height);
  let lo = Infinity, hi = -Infinity;
  for (const layer of layers) {
    const { cell: c, cols, amp: a, values } = layer;
    // Lattice column and blend weight depend on x only: compute them once per octave, not once per pixel.
    const xs = new Int32Array(width), txs = new Float64Array(width);
    for (let x = 0; x < width; x++) {
      const u = x / c;
      xs[x] = Math.floor(u);
      txs[x] = smooth(u - xs[x]!);
    }
    for (let y = 0; y < height; y++) {
      const v = y / c;
      const y0 = Math.floor(v);
      const ty = smooth(v - y0);
      const r0 = y0 * cols, r1 = r0 + cols;
      for (let x = 0; x < width; x++) {
        const x0 = xs[x]!;
        const tx = txs[x]!;
        const top = values[r0 + x0]! + (values[r0 + x0 + 1]! - values[r0 + x0]!) * tx;
        const bottom = values[r1 + x0]! + (values[r1 + x0 + 1]! - values[r1 + x0]!) * tx;
        out[y * width + x]! += a * (top + (bottom - top) * ty);
      }
    }
  }
  for (let i = 0; i < out.length; i++) { if (out[i]! < lo) lo = out[i]!; if (out[i]! > hi) hi = out[i]!; }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i]! - lo) / span;
  return out;
}

function smooth(t: number): number {
  return t * t * (3 - 2 * t);
}
