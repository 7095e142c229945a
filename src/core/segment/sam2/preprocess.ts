/**
 * SAM2ImagePredictor's image transform, reproduced: ToTensor (/255) → torchvision Resize((1024,1024)) on a
 * float tensor (bilinear, antialias=True since torchvision 0.17: the triangle filter widened by the scale
 * when shrinking, i.e. torch's `_upsample_bilinear2d_aa`) → Normalize(ImageNet mean/std) → NCHW float32.
 * The resize squashes to a square: no aspect kept, no padding.
 */
import type { RgbImage } from '../../image/types';

/** SAM2's input side. */
export const SAM2_INPUT = 1024;
/** ImageNet mean, RGB (SAM2Transforms). */
export const SAM2_MEAN = [0.485, 0.456, 0.406] as const;
/** ImageNet std, RGB (SAM2Transforms). */
export const SAM2_STD = [0.229, 0.224, 0.225] as const;

/** Channel order fed to the encoder: 'bgr' reproduces pipelines that passed cv2's BGR array as if it were RGB (Seg-R1's training code). */
export type ChannelOrder = 'rgb' | 'bgr';

/** Per output index: first source index, tap count, and normalised weights (row i at i*maxTaps). */
export interface AaWeights {
  readonly start: Int32Array;
  readonly taps: Int32Array;
  readonly maxTaps: number;
  readonly weights: Float64Array;
}

/**
 * torch's antialiased-bilinear weights (`_compute_indices_weights_aa`, align_corners=False): support
 * = scale when shrinking, else 1; center = scale·(i+0.5); window [trunc(center−support+0.5), trunc(center+support+0.5)).
 */
export function aaBilinearWeights(inSize: number, outSize: number): AaWeights {
  const scale = inSize / outSize;
  const support = scale >= 1 ? scale : 1;
  const invScale = scale >= 1 ? 1 / scale : 1;
  const maxTaps = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Float64Array(outSize * maxTaps);
  for (let i = 0; i < outSize; i++) {
    const center = scale * (i + 0.5);
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xsize = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    for (let j = 0; j < xsize; j++) {
      const x = Math.abs((j + xmin - center + 0.5) * invScale);
      const w = x < 1 ? 1 - x : 0;
      weights[i * maxTaps + j] = w;
      total += w;
    }
    if (total > 0) for (let j = 0; j < xsize; j++) weights[i * maxTaps + j]! /= total;
    start[i] = xmin;
    taps[i] = xsize;
  }
  return { start, taps, maxTaps, weights };
}

/**
 * The encoder input for one image: [1,3,1024,1024] float32, channels in the requested order, resized
 * (antialiased bilinear, separable: width first, as torch does) and normalised with SAM2's mean/std.
 * `out` may be passed to reuse a buffer.
 */
export function sam2PixelTensor(img: RgbImage, channels: ChannelOrder, size = SAM2_INPUT, out?: Float32Array): Float32Array {
  const { width: W, height: H, data } = img;
  if (data.length !== W * H * 3) throw new RangeError(`RGB image ${W}×${H} needs ${W * H * 3} bytes, got ${data.length}`);
  const wx = aaBilinearWeights(W, size);
  const wy = aaBilinearWeights(H, size);
  // Horizontal pass into an interleaved H×size×3 float buffer (values still 0..255).
  const tmp = new Float32Array(H * size * 3);
  for (let y = 0; y < H; y++) {
    const row = y * W * 3;
    const orow = y * size * 3;
    for (let x = 0; x < size; x++) {
      const s = wx.start[x]!, n = wx.taps[x]!, wo = x * wx.maxTaps;
      let r = 0, g = 0, b = 0;
      for (let j = 0; j < n; j++) {
        const w = wx.weights[wo + j]!;
        const p = row + (s + j) * 3;
        r += w * data[p]!;
        g += w * data[p + 1]!;
        b += w * data[p + 2]!;
      }
      const o = orow + x * 3;
      tmp[o] = r;
      tmp[o + 1] = g;
      tmp[o + 2] = b;
    }
  }
  const plane = size * size;
  const res = out ?? new Float32Array(3 * plane);
  // Input channel feeding each tensor channel: BGR order swaps planes 0 and 2 before normalising with RGB statistics.
  const bgr = channels === 'bgr';
  const k0 = 1 / (255 * SAM2_STD[0]), k1 = 1 / (255 * SAM2_STD[1]), k2 = 1 / (255 * SAM2_STD[2]);
  const m0 = SAM2_MEAN[0] / SAM2_STD[0], m1 = SAM2_MEAN[1] / SAM2_STD[1], m2 = SAM2_MEAN[2] / SAM2_STD[2];
  // Vertical pass row by row: whole source rows are accumulated sequentially (cache-friendly), then normalised.
  const acc = new Float64Array(size * 3);
  const rowLen = size * 3;
  for (let y = 0; y < size; y++) {
    const s = wy.start[y]!, n = wy.taps[y]!, wo = y * wy.maxTaps;
    acc.fill(0);
    for (let j = 0; j < n; j++) {
      const w = wy.weights[wo + j]!;
      const src = (s + j) * rowLen;
      for (let k = 0; k < rowLen; k++) acc[k]! += w * tmp[src + k]!;
    }
    const o = y * size;
    for (let x = 0; x < size; x++) {
      const a0 = acc[3 * x]!, a1 = acc[3 * x + 1]!, a2 = acc[3 * x + 2]!;
      res[o + x] = (bgr ? a2 : a0) * k0 - m0;
      res[plane + o + x] = a1 * k1 - m1;
      res[2 * plane + o + x] = (bgr ? a0 : a2) * k2 - m2;
    }
  }
  return res;
}
