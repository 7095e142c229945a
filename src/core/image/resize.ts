import type { GrayImage } from './types';

/** Fixed-point precision of Pillow's 8-bit resampler (`Resample.c` PRECISION_BITS = 32 − 8 − 2). */
const PRECISION_BITS = 22;

/** Per output pixel: first input index, tap count, and the 22-bit fixed-point weights (`precompute_coeffs` + `normalize_coeffs_8bpc`). */
interface Taps {
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly ksize: number;
  readonly weights: Int32Array;
}

/**
 * Pillow's triangle-filter taps for one axis. The filter support grows with the downscale factor (antialiasing),
 * and the double weights are normalised, then rounded half away from zero to 22-bit integers, exactly as Pillow does.
 */
function bilinearTaps(inSize: number, outSize: number): Taps {
  // Pillow computes in1 − in0 in float from the box; for whole-image boxes that is exact.
  const scale = inSize / outSize;
  const filterscale = scale < 1 ? 1 : scale;
  const support = 1.0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const inv = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = 0 + (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero; negative starts are clamped right after.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      let t = (x + xmin - center + 0.5) * inv;
      if (t < 0) t = -t;
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x]! / ww : k[x]!;
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * (1 << PRECISION_BITS)) : Math.trunc(0.5 + w * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    count[xx] = xmax;
  }
  return { start, count, ksize, weights };
}

/** Pillow's clip8: drop the fixed-point fraction and clamp to a byte. */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Resize a gray raster bit-exactly like PIL `Image.resize((width, height), Image.BILINEAR)` on mode "L"
 * (Pillow ≥ 9; also what torchvision `TF.resize` does to a PIL image). Seg-R1's reward resizes GT masks to 768×768 this way.
 * Horizontal pass first over the rows the vertical pass needs, then vertical; an axis whose size is unchanged is skipped.
 */
export function resizeBilinearPil(img: GrayImage, width: number, height: number): GrayImage {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) throw new RangeError(`bad target size ${width}x${height}`);
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice(0, width * height) };
  const vert = bilinearTaps(img.height, height);
  const needH = width !== img.width;
  const needV = height !== img.height;
  let src = img.data;
  let srcW = img.width;
  let rowOffset = 0;
  if (needH) {
    const firstRow = vert.start[0]!;
    const lastRow = vert.start[height - 1]! + vert.count[height - 1]!;
    const rows = needV ? lastRow - firstRow : img.height;
    const from = needV ? firstRow : 0;
    const hz = bilinearTaps(img.width, width);
    const tmp = new Uint8Array(width * rows);
    const half = 1 << (PRECISION_BITS - 1);
    for (let yy = 0; yy < rows; yy++) {
      const inRow = (yy + from) * img.width;
      const outRow = yy * width;
      for (let xx = 0; xx < width; xx++) {
        const xmin = hz.start[xx]!;
        const n = hz.count[xx]!;
        const kOff = xx * hz.ksize;
        let ss = half;
        for (let x = 0; x < n; x++) ss += src[inRow + xmin + x]! * hz.weights[kOff + x]!;
        tmp[outRow + xx] = clip8(ss);
      }
    }
    src = tmp;
    srcW = width;
    rowOffset = from;
  }
  if (!needV) return { width, height, data: src === img.data ? src.slice() : src };
  const out = new Uint8Array(width * height);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < height; yy++) {
    const ymin = vert.start[yy]! - rowOffset;
    const n = vert.count[yy]!;
    const kOff = yy * vert.ksize;
    const outRow = yy * width;
    for (let xx = 0; xx < width; xx++) {
      let ss = half;
      for (let y = 0; y < n; y++) ss += src[(ymin + y) * srcW + xx]! * vert.weights[kOff + y]!;
      out[outRow + xx] = clip8(ss);
    }
  }
  return { width, height, data: out };
}

/**
 * Resize like PIL `Image.resize(size, Image.NEAREST)` (`ImagingScaleAffine`): the source coordinate starts at half a
 * step and is advanced by repeated addition, then truncated, so the picked pixels match Pillow's float drift too.
 */
export function resizeNearest(img: GrayImage, width: number, height: number): GrayImage {
  if (!(width > 0 && height > 0 && Number.isInteger(width) && Number.isInteger(height))) throw new RangeError(`bad target size ${width}x${height}`);
  if (width === img.width && height === img.height) return { width, height, data: img.data.slice(0, width * height) };
  const ax = img.width / width;
  const ay = img.height / height;
  // COORD() truncates; a coordinate that drifts past the edge leaves Pillow's zero fill.
  const xin = new Int32Array(width);
  let xo = 0 + ax * 0.5;
  for (let x = 0; x < width; x++) {
    const c = Math.trunc(xo);
    xin[x] = c < img.width ? c : -1;
    xo += ax;
  }
  const out = new Uint8Array(width * height);
  let yo = 0 + ay * 0.5;
  for (let y = 0; y < height; y++) {
    const yi = Math.trunc(yo);
    yo += ay;
    if (yi >= img.height) continue;
    const inRow = yi * img.width;
    const outRow = y * width;
    for (let x = 0; x < width; x++) {
      const c = xin[x]!;
      if (c >= 0) out[outRow + x] = img.data[inRow + c]!;
    }
  }
  return { width, height, data: out };
}

/**
 * {@link resizeBilinearPil} fed one input row at a time, for images too large to hold: each row is resampled
 * horizontally as it arrives and added into the output rows whose vertical taps cover it. Integer sums in another
 * order are the same sums, so the result is bit-identical; memory is the output plus one row.
 */
export class PilBilinearRows {
  private readonly hz: Taps | undefined;
  private readonly vert: Taps | undefined;
  private readonly acc: Float64Array | undefined;
  private readonly out: Uint8Array;
  private readonly hrow: Uint8Array;
  /** First output row whose window has not been passed yet. */
  private lo = 0;

  private readonly outW: number;
  private readonly outH: number;

  /** Resample an inW × inH image to outW × outH. */
  constructor(inW: number, inH: number, outW: number, outH: number) {
    this.outW = outW;
    this.outH = outH;
    if (!(outW > 0 && outH > 0 && Number.isInteger(outW) && Number.isInteger(outH))) throw new RangeError(`bad target size ${outW}x${outH}`);
    this.hz = outW !== inW ? bilinearTaps(inW, outW) : undefined;
    this.vert = outH !== inH ? bilinearTaps(inH, outH) : undefined;
    this.out = new Uint8Array(outW * outH);
    this.hrow = new Uint8Array(outW);
    if (this.vert) this.acc = new Float64Array(outW * outH).fill(1 << (PRECISION_BITS - 1));
  }

  /** Add input row `y` (rows must come in order 0…inH−1). */
  push(row: Uint8Array, y: number): void {
    const { outW, hz, vert, hrow } = this;
    let h: Uint8Array = row;
    if (hz) {
      const half = 1 << (PRECISION_BITS - 1);
      for (let xx = 0; xx < outW; xx++) {
        const xmin = hz.start[xx]!;
        const n = hz.count[xx]!;
        const kOff = xx * hz.ksize;
        let ss = half;
        for (let x = 0; x < n; x++) ss += row[xmin + x]! * hz.weights[kOff + x]!;
        hrow[xx] = clip8(ss);
      }
      h = hrow;
    }
    if (!vert) {
      this.out.set(h.subarray(0, outW), y * outW);
      return;
    }
    const acc = this.acc!;
    while (this.lo < this.outH && vert.start[this.lo]! + vert.count[this.lo]! <= y) this.lo++;
    for (let yy = this.lo; yy < this.outH && vert.start[yy]! <= y; yy++) {
      const k = y - vert.start[yy]!;
      if (k >= vert.count[yy]!) continue;
      const w = vert.weights[yy * vert.ksize + k]!;
      if (w === 0) continue;
      const off = yy * outW;
      for (let xx = 0; xx < outW; xx++) acc[off + xx]! += h[xx]! * w;
    }
  }

  /** The resampled image (call after the last row). */
  finish(): GrayImage {
    if (this.acc) for (let i = 0; i < this.out.length; i++) this.out[i] = clip8(this.acc[i]!);
    return { width: this.outW, height: this.outH, data: this.out };
  }
}
