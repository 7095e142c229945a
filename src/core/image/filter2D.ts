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
 * a float32 source) and so is the output.
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
  const ay = kh >> 1;
  const ax = kw >> 1;
  const k = opts.float32 ? Float64Array.from(kernel.data, (v) => Math.fround(v)) : kernel.data;
  // Source row offset / column of each virtual (bordered) index, so the inner loop has no branch.
  const rowOf = new Int32Array(h + kh - 1);
  for (let i = 0; i < rowOf.length; i++) rowOf[i] = reflect101(i - ay, h) * w;
  const colOf = new Int32Array(w + kw - 1);
  for (let i = 0; i < colOf.length; i++) colOf[i] = reflect101(i - ax, w);
  // A source row that is all zero adds nothing: binary masks (the GT) skip most of the kernel this way.
  const rowZero = new Uint8Array(h);
  for (let y = 0; y < h; y++) {
    let z = 1;
    for (let x = 0, i = y * w; x < w; x++, i++) if (data[i] !== 0) { z = 0; break; }
    rowZero[y] = z;
  }
  const out = new Float64Array(w * h);
  const where = opts.where;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * w + x;
      if (where !== undefined && where[o] === 0) continue;
      let s = 0;
      for (let ky = 0; ky < kh; ky++) {
        const r = rowOf[y + ky]!;
        if (rowZero[r / w]) continue;
        const kr = ky * kw;
        for (let kx = 0; kx < kw; kx++) s += k[kr + kx]! * data[r + colOf[x + kx]!]!;
      }
      out[o] = opts.float32 ? Math.fround(s) : s;
    }
  }
  return out;
}
