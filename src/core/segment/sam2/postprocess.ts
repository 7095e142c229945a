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

/** first[c] = the first output x whose left source column is ≥ c (i0 never decreases); first[inSize] = outSize. */
function firstOutput(i0: Int32Array, inSize: number): Int32Array {
  const first = new Int32Array(inSize + 1);
  let x = 0;
  for (let c = 0; c <= inSize; c++) {
    while (x < i0.length && i0[x]! < c) x++;
    first[c] = x;
  }
  return first;
}

type Axis = ReturnType<typeof linearIndices> & { readonly first: Int32Array };
const axes = new Map<string, Axis>();

/** linearIndices plus firstOutput, remembered for the last few sizes (a session re-prompts one image at one size). */
function axisCache(inSize: number, outSize: number): Axis {
  const k = `${inSize}>${outSize}`;
  let v = axes.get(k);
  if (!v) {
    if (axes.size > 8) axes.clear();
    const lin = linearIndices(inSize, outSize);
    axes.set(k, (v = { ...lin, first: firstOutput(lin.i0, inSize) }));
  }
  return v;
}

let runs = new Int32Array(0);
/** Horizontal interpolations of the current source row pair, on the output columns of mixed cells. */
let topRow = new Float64Array(0);
let botRow = new Float64Array(0);

/**
 * upsampleBilinear then > 0, fused. A bilinear value is a convex combination of its cell's four logits, so where
 * all four are > 0 (or all ≤ 0) the output is 1 (or 0) without arithmetic; SAM2 logits are one sign over most of
 * the image, so rows become a few runs filled at once, and only pixels of cells the mask boundary crosses are
 * interpolated — with upsampleBilinear's arithmetic, so the result is the same bit for bit.
 */
export function upsampleMask(src: ArrayLike<number>, offset: number, inW: number, inH: number, outW: number, outH: number): BinaryMask {
  const xs = axisCache(inW, outW), ys = axisCache(inH, outH);
  const first = xs.first;
  if (runs.length < 3 * inW) runs = new Int32Array(3 * inW);
  if (topRow.length < outW) {
    topRow = new Float64Array(outW);
    botRow = new Float64Array(outW);
  }
  // Locals, not module or object slots, in the hot loops.
  const top = topRow, bot = botRow, xi0 = xs.i0, xi1 = xs.i1, xt = xs.t, rs = runs;
  const data = new Uint8Array(outW * outH);
  let lastR0 = -1, lastR1 = -1, nRuns = 0;
  for (let y = 0; y < outH; y++) {
    const r0 = ys.i0[y]!, r1 = ys.i1[y]!, ty = ys.t[y]!;
    const b0 = offset + r0 * inW, b1 = offset + r1 * inW;
    if (r0 !== lastR0 || r1 !== lastR1) {
      // Per source column c: 1 = cell (c, c+1) × (r0, r1) all > 0, 0 = all ≤ 0, 2 = mixed (or NaN); then
      // neighbouring cells of one kind merge into runs [x0, x1) of output columns.
      nRuns = 0;
      for (let c = 0; c < inW; c++) {
        const c1 = c < inW - 1 ? c + 1 : c;
        const p00 = src[b0 + c]!, p01 = src[b0 + c1]!, p10 = src[b1 + c]!, p11 = src[b1 + c1]!;
        const k = p00 > 0 && p01 > 0 && p10 > 0 && p11 > 0 ? 1 : p00 <= 0 && p01 <= 0 && p10 <= 0 && p11 <= 0 ? 0 : 2;
        if (nRuns > 0 && rs[3 * nRuns - 1] === k) rs[3 * nRuns - 2] = first[c + 1]!;
        else {
          rs[3 * nRuns] = first[c]!;
          rs[3 * nRuns + 1] = first[c + 1]!;
          rs[3 * nRuns + 2] = k;
          nRuns++;
        }
      }
      // Output rows of one source row pair (about outH / inH of them) share the horizontal step: done once here,
      // with upsampleBilinear's expressions, so each pixel below is one blend of two cached values, same bits.
      for (let r = 0; r < nRuns; r++) {
        if (rs[3 * r + 2] !== 2) continue;
        for (let x = rs[3 * r]!, x1 = rs[3 * r + 1]!; x < x1; x++) {
          const a = xi0[x]!, b = xi1[x]!, tx = xt[x]!;
          top[x] = (1 - tx) * src[b0 + a]! + tx * src[b0 + b]!;
          bot[x] = (1 - tx) * src[b1 + a]! + tx * src[b1 + b]!;
        }
      }
      lastR0 = r0;
      lastR1 = r1;
    }
    const w0 = 1 - ty, out = y * outW;
    for (let r = 0; r < nRuns; r++) {
      const x0 = rs[3 * r]!, x1 = rs[3 * r + 1]!, k = rs[3 * r + 2]!;
      if (k === 1) data.fill(1, out + x0, out + x1);
      else if (k === 2) {
        // +(v > 0), not a ? 1 : 0 branch: near the boundary (and everywhere on noisy logits) the sign is a coin flip,
        // and the mispredicted branch cost ~1.2 ms of 5.9 per 1280×960 mask.
        for (let x = x0; x < x1; x++) data[out + x] = +(w0 * top[x]! + ty * bot[x]! > 0);
      }
    }
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
