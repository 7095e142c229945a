/**
 * SAM2 post-processing: pick the mask by predicted IoU, upsample low-res logits to the original size with
 * F.interpolate(mode='bilinear', align_corners=False) semantics, threshold at 0 (mask_threshold).
 */
import type { BinaryMask } from '../../image/types';

/**
 * Index of the mask to keep. Four masks (SAM1-style exports): index 0 is the single-mask output, 1..3 the
 * multimask outputs. Three: all multimask outputs, pick the best. One: that one.
 */
export function chooseMask(iou: ArrayLike<number>, multimask: boolean): number {
  const n = iou.length;
  if (n <= 1) return 0;
  if (n === 4 && !multimask) return 0;
  const from = n === 4 ? 1 : 0;
  let best = from;
  for (let i = from + 1; i < n; i++) if (iou[i]! > iou[best]!) best = i;
  return best;
}

/** torch's linear source indices for one axis (align_corners=False, negative sources clamped to 0). */
export function linearIndices(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const scale = inSize / outSize;
  const i0 = new Int32Array(outSize), i1 = new Int32Array(outSize), t = new Float64Array(outSize);
  for (let i = 0; i < outSize; i++) {
    const src = Math.max(scale * (i + 0.5) - 0.5, 0);
    const a = Math.min(Math.floor(src), inSize - 1);
    i0[i] = a;
    i1[i] = a < inSize - 1 ? a + 1 : a;
    t[i] = Math.min(Math.max(src - a, 0), 1);
  }
  return { i0, i1, t };
}

/** Bilinear upsample of one plane (row-major inW×inH, starting at `offset`) to outW×outH. */
export function upsampleBilinear(src: ArrayLike<number>, offset: number, inW: number, inH: number, outW: number, outH: number): Float32Array {
  const xs = linearIndices(inW, outW), ys = linearIndices(inH, outH);
  const out = new Float32Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const r0 = offset + ys.i0[y]! * inW, r1 = offset + ys.i1[y]! * inW, ty = ys.t[y]!;
    for (let x = 0; x < outW; x++) {
      const a = xs.i0[x]!, b = xs.i1[x]!, tx = xs.t[x]!;
      const top = (1 - tx) * src[r0 + a]! + tx * src[r0 + b]!;
      const bot = (1 - tx) * src[r1 + a]! + tx * src[r1 + b]!;
      out[y * outW + x] = (1 - ty) * top + ty * bot;
    }
  }
  return out;
}

let scratch = new Float64Array(0);
const axes = new Map<string, ReturnType<typeof linearIndices>>();

/** linearIndices, remembered for the last few sizes (a session re-prompts one image at one size). */
function axisCache(inSize: number, outSize: number): ReturnType<typeof linearIndices> {
  const k = `${inSize}>${outSize}`;
  let v = axes.get(k);
  if (!v) {
    if (axes.size > 8) axes.clear();
    axes.set(k, (v = linearIndices(inSize, outSize)));
  }
  return v;
}

/**
 * upsampleBilinear then > 0, fused: each source row is interpolated horizontally once, each output pixel is
 * then one vertical lerp and a compare — same arithmetic, same result, without a full-size float plane.
 */
export function upsampleMask(src: ArrayLike<number>, offset: number, inW: number, inH: number, outW: number, outH: number): BinaryMask {
  const xs = axisCache(inW, outW), ys = axisCache(inH, outH);
  // Re-prompts at one image size reuse the scratch rows instead of zeroing megabytes per call.
  if (scratch.length < inH * outW) scratch = new Float64Array(inH * outW);
  const rows = scratch;
  const ready = new Uint8Array(inH);
  const ensure = (r: number): void => {
    if (ready[r]) return;
    ready[r] = 1;
    const base = offset + r * inW, o = r * outW;
    for (let x = 0; x < outW; x++) {
      const tx = xs.t[x]!;
      rows[o + x] = (1 - tx) * src[base + xs.i0[x]!]! + tx * src[base + xs.i1[x]!]!;
    }
  };
  const data = new Uint8Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y]!, r1 = ys.i1[y]!, ty = ys.t[y]!;
    ensure(r0);
    ensure(r1);
    const o0 = r0 * outW, o1 = r1 * outW, w0 = 1 - ty, out = y * outW;
    for (let x = 0; x < outW; x++) data[out + x] = w0 * rows[o0 + x]! + ty * rows[o1 + x]! > 0 ? 1 : 0;
  }
  return { width: outW, height: outH, data };
}

/** Binary mask of logits > 0 (SAM2's mask_threshold). */
export function thresholdLogits(logits: ArrayLike<number>, width: number, height: number, offset = 0): BinaryMask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = logits[offset + i]! > 0 ? 1 : 0;
  return { width, height, data };
}

/** Binary mask of a boolean/uint8 plane (exports that threshold in-graph). */
export function maskFromBool(values: Uint8Array, width: number, height: number, offset = 0): BinaryMask {
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = values[offset + i] ? 1 : 0;
  return { width, height, data };
}
