/*
 * cv2.filter2D as PySODMetrics' Context-measure calls it (OpenCV 4.6 `filter.dispatch.cpp`): correlation (not
 * convolution), anchor at the kernel centre, default border BORDER_REFLECT_101, delta 0.
 *
 * OpenCV picks one of two implementations: a direct sum (`ocvFilter2D`, accumulating in the source type) below
 * 50 kernel taps (130 for float32 → CV_32F on an SSE3 CPU), a DFT in float64 (`crossCorr`) from there on. A float64
 * direct sum reproduces both far inside the metric's 1e-6. Measured against cv2 4.6 on the filter cases of
 * test/fixtures/metrics-context/intermediates.json: ddepth −1 on float64 differs by ≤ 2.4e-15; CV_32F differs by one
 * float32 rounding on the DFT path and by ≤ 4 float32 ulps (2.4e-7) on the direct path, where OpenCV sums in float32.
 * So the sum here is float64 on both paths; for CV_32F the kernel is rounded to float32 first (OpenCV converts it for
 * a float32 source) and so is the output. A 0/1 raster (the GT) is summed per run of ones from prefix sums of the
 * kernel rows: the same taps added in another order, so it differs from the direct sum by float64 rounding only.
 */

/** OpenCV `borderInterpolate(p, len, BORDER_REFLECT_101)`: the source index a virtual index reads (`gfedcb|abcdefgh|gfedcba`). */
export function reflect101(p: number, len: number): number {
  if (len === 1) return 0;
  let q = p;
  while (q < 0 || q >= len) q = q < 0 ? -q : 2 * len - 2 - q;
  return q;
}

/** A float raster, row-major. */
export interface FloatRaster {
  readonly width: number;
  readonly height: number;
  readonly data: Float64Array;
}

/** A 2-D correlation kernel, row-major; the anchor is its centre (`rows >> 1`, `cols >> 1`). */
export interface Kernel2D {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** How to run the filter. */
export interface Filter2DOptions {
  /** `cv2.filter2D(src.astype(float32), CV_32F, k)`: kernel and output rounded to float32 (else ddepth −1 on float64). */
  readonly float32: boolean;
  /** Only pixels with a non-zero byte here are computed (the others stay 0): the metric reads no other pixel. */
  readonly where?: Uint8Array;
}

/** `cv2.filter2D` with BORDER_REFLECT_101 and a centred anchor, computed only where the caller will read it. */
export function filter2D(src: FloatRaster, kernel: Kernel2D, opts: Filter2DOptions): Float64Array {
  const { width: w, height: h, data } = src;
  const { rows: kh, cols: kw } = kernel;
  if (data.length < w * h || kernel.data.length < kh * kw) throw new RangeError('filter2D: raster or kernel data shorter than its size');
  const k = opts.float32 ? Float64Array.from(kernel.data, (v) => Math.fround(v)) : kernel.data;
  const geo = borderGeometry(w, h, kh, kw);
  const out = isBinary(data, w * h) ? binarySum(data, k, geo, opts.where) : directSum(data, k, geo, opts.where);
  if (opts.float32) for (let i = 0; i < out.length; i++) out[i] = Math.fround(out[i]!);
  return out;
}

/** Sizes plus, for each virtual (bordered) row / column, the source row / column it reads. */
interface BorderGeometry {
  readonly w: number;
  readonly h: number;
  readonly kh: number;
  readonly kw: number;
  readonly rowOf: Int32Array;
  readonly colOf: Int32Array;
}

function borderGeometry(w: number, h: number, kh: number, kw: number): BorderGeometry {
  const rowOf = new Int32Array(h + kh - 1);
  for (let i = 0; i < rowOf.length; i++) rowOf[i] = reflect101(i - (kh >> 1), h);
  const colOf = new Int32Array(w + kw - 1);
  for (let i = 0; i < colOf.length; i++) colOf[i] = reflect101(i - (kw >> 1), w);
  return { w, h, kh, kw, rowOf, colOf };
}

/** True when every value is 0 or 1 (the GT of the forward inference): the sum then only adds kernel taps. */
function isBinary(data: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (v !== 0 && v !== 1) return false;
  }
  return true;
}

/** True when tap (ky, kx) equals tap (kh−1−ky, kw−1−kx) everywhere, as in the centred Gaussian of the Context-measure. */
function isPointSymmetric(k: Float64Array, kh: number, kw: number): boolean {
  if (kh % 2 === 0 || kw % 2 === 0) return false;
  const n = kh * kw;
  for (let i = 0; i < n; i++) if (k[i] !== k[n - 1 - i]) return false;
  return true;
}

/**
 * Direct correlation over a bordered copy. The loops run tap by tap over a run of wanted outputs (an axpy the JIT
 * keeps in registers) instead of output by output; each output still adds its taps in row-major kernel order, so
 * the sums are those of the plain loop, or, for a point-symmetric kernel, pair a tap with its mirror (the same terms
 * summed in another order: float64 rounding only). Rows that are all zero add nothing and are skipped.
 */
function directSum(data: Float64Array, k: Float64Array, geo: BorderGeometry, where: Uint8Array | undefined): Float64Array {
  const { w, h, kh, kw, rowOf, colOf } = geo;
  const bw = w + kw - 1;
  const padded = new Float64Array(bw * h);
  const rowZero = new Uint8Array(h);
  for (let y = 0; y < h; y++) {
    let z = 1;
    for (let x = 0; x < bw; x++) {
      const v = data[y * w + colOf[x]!]!;
      padded[y * bw + x] = v;
      if (v !== 0) z = 0;
    }
    rowZero[y] = z;
  }
  const symmetric = isPointSymmetric(k, kh, kw);
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    const o = y * w;
    let x = 0;
    while (x < w) {
      // The next run [x0, x1) of outputs the caller reads.
      while (x < w && where !== undefined && where[o + x] === 0) x++;
      const x0 = x;
      while (x < w && (where === undefined || where[o + x] !== 0)) x++;
      const x1 = x;
      if (x0 === x1) break;
      if (symmetric) {
        // Tap (ky, kx) and its mirror (kh−1−ky, kw−1−kx) are equal: one multiply for both (the centre tap once).
        for (let ky = 0; ky <= kh >> 1; ky++) {
          const r = rowOf[y + ky]!;
          const rm = rowOf[y + kh - 1 - ky]!;
          if (rowZero[r] === 1 && rowZero[rm] === 1) continue;
          const base = r * bw - o;
          const basem = rm * bw - o + kw - 1;
          const kr = ky * kw;
          const last = 2 * ky + 1 === kh ? kw >> 1 : kw - 1;
          for (let kx = 0; kx <= last; kx++) {
            const kv = k[kr + kx]!;
            const b = base + kx;
            const bm = basem - kx;
            if (2 * ky + 1 === kh && kx === kw >> 1) for (let i = o + x0; i < o + x1; i++) out[i] = out[i]! + kv * padded[b + i]!;
            else for (let i = o + x0; i < o + x1; i++) out[i] = out[i]! + kv * (padded[b + i]! + padded[bm + i]!);
          }
        }
      } else {
        for (let ky = 0; ky < kh; ky++) {
          const r = rowOf[y + ky]!;
          if (rowZero[r] === 1) continue;
          const base = r * bw - o;
          const kr = ky * kw;
          for (let kx = 0; kx < kw; kx++) {
            const kv = k[kr + kx]!;
            const b = base + kx;
            for (let i = o + x0; i < o + x1; i++) out[i] = out[i]! + kv * padded[b + i]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Correlation of a 0/1 raster: the sum over a window is, per kernel row, the taps facing runs of ones, i.e. a
 * difference of that row's prefix sums per run. Cost O(runs × kernel height) per output instead of O(taps); the sum
 * differs from the direct one only in float64 rounding order (≤ 1e-15 here).
 */
function binarySum(data: Float64Array, k: Float64Array, geo: BorderGeometry, where: Uint8Array | undefined): Float64Array {
  const { w, h, kh, kw, rowOf, colOf } = geo;
  const bw = w + kw - 1;
  // Runs [start, end) of ones along each source row's bordered copy.
  const runFrom = new Int32Array(h + 1);
  const runs: number[] = [];
  for (let y = 0; y < h; y++) {
    runFrom[y] = runs.length;
    let start = -1;
    for (let x = 0; x < bw; x++) {
      const on = data[y * w + colOf[x]!]! !== 0;
      if (on && start < 0) start = x;
      else if (!on && start >= 0) {
        runs.push(start, x);
        start = -1;
      }
    }
    if (start >= 0) runs.push(start, bw);
  }
  runFrom[h] = runs.length;
  // prefix[ky·(kw+1) + j] = taps 0..j−1 of kernel row ky.
  const prefix = new Float64Array(kh * (kw + 1));
  for (let ky = 0; ky < kh; ky++) {
    let s = 0;
    for (let kx = 0; kx < kw; kx++) {
      s += k[ky * kw + kx]!;
      prefix[ky * (kw + 1) + kx + 1] = s;
    }
  }
  const out = new Float64Array(w * h);
  const acc = new Float64Array(w);
  for (let y = 0; y < h; y++) {
    acc.fill(0);
    for (let ky = 0; ky < kh; ky++) {
      const r = rowOf[y + ky]!;
      const p = ky * (kw + 1);
      const full = prefix[p + kw]!;
      for (let q = runFrom[r]!; q < runFrom[r + 1]!; q += 2) {
        const a = runs[q]!;
        const b = runs[q + 1]!;
        // Windows [x, x+kw) meeting the run: x from a−kw+1 to b−1; those inside it take the whole kernel row.
        const x0 = Math.max(0, a - kw + 1);
        const x1 = Math.min(w, b);
        const in0 = Math.max(x0, a);
        const in1 = Math.min(x1, b - kw + 1);
        for (let x = x0; x < x1; x++) {
          if (x >= in0 && x < in1) acc[x] = acc[x]! + full;
          else acc[x] = acc[x]! + prefix[p + Math.min(b - x, kw)]! - prefix[p + Math.max(a - x, 0)]!;
        }
      }
    }
    for (let x = 0; x < w; x++) {
      const o = y * w + x;
      if (where === undefined || where[o] !== 0) out[o] = acc[x]!;
    }
  }
  return out;
}
