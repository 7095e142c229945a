import type { Size } from '../image/types';

/**
 * How the model saw the image. Seg-R1 squashes every image to a fixed square (768² training and COD/SOD
 * eval, 1024² referring/reasoning), Seg-Zero to 840², VLM-R1-style models use Qwen2.5-VL smart_resize.
 */
export type FrameSpec =
  | { readonly kind: 'square'; readonly size: number }
  | { readonly kind: 'fixed'; readonly width: number; readonly height: number }
  | { readonly kind: 'smart_resize'; readonly factor?: number; readonly minPixels?: number; readonly maxPixels?: number }
  | { readonly kind: 'original' };

/** Seg-R1 training and COD/SOD evaluation frame (`RESIZE_SIZE = (768, 768)` in grpo.py). */
export const SEGR1_TRAIN_FRAME: FrameSpec = { kind: 'square', size: 768 };
/** Seg-R1 referring / reasoning evaluation and demo frame. */
export const SEGR1_REFER_FRAME: FrameSpec = { kind: 'square', size: 1024 };
/** Seg-Zero / VisionReasoner frame (`image_resize = 840`). */
export const SEGZERO_FRAME: FrameSpec = { kind: 'square', size: 840 };
/** SAM2's input side: images are resized to 1024×1024 without keeping aspect. */
export const SAM2_SIDE = 1024;

/** `min_pixels` of transformers' `smart_resize` signature and of Qwen2.5-VL's shipped preprocessor_config.json. */
export const QWEN_MIN_PIXELS = 56 * 56;
/** `max_pixels` default of transformers' `smart_resize` function signature (28·28·1280). */
export const SMART_RESIZE_FN_MAX_PIXELS = 14 * 14 * 4 * 1280;
/** `max_pixels` in Qwen2.5-VL's preprocessor_config.json (and VLM-R1's default): what a processor actually applies. */
export const QWEN25VL_MAX_PIXELS = 12845056;

/**
 * transformers' Qwen2-VL/Qwen2.5-VL `smart_resize` (checked against transformers 5.18, see
 * test/fixtures/rewards/smart_resize.json): each side rounded (half-even) to a multiple of `factor`, then if the
 * area is above `maxPixels` scaled down with floor, if below `minPixels` scaled up with ceil; aspect kept.
 * Note the first rounding has no lower clamp: a side under factor/2 rounds to 0, which then takes the
 * min-pixels branch. Throws as the reference does (aspect > 200) and on non-positive sizes (ZeroDivisionError there).
 */
export function smartResize(height: number, width: number, factor = 28, minPixels = QWEN_MIN_PIXELS, maxPixels = SMART_RESIZE_FN_MAX_PIXELS): Size {
  if (!(height > 0 && width > 0)) throw new Error(`smart_resize needs positive sizes, got ${width}×${height}`);
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new Error(`absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let hBar = roundHalfEven(height / factor) * factor;
  let wBar = roundHalfEven(width / factor) * factor;
  if (hBar * wBar > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    hBar = Math.max(factor, Math.floor(height / beta / factor) * factor);
    wBar = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (hBar * wBar < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    hBar = Math.ceil((height * beta) / factor) * factor;
    wBar = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: wBar, height: hBar };
}

/** Python's round(): ties go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The model-frame size for an image of the given original size (smart_resize defaults: Qwen2.5-VL's shipped config). */
export function modelFrameSize(spec: FrameSpec, original: Size): Size {
  switch (spec.kind) {
    case 'square':
      return { width: spec.size, height: spec.size };
    case 'fixed':
      return { width: spec.width, height: spec.height };
    case 'smart_resize':
      return smartResize(original.height, original.width, spec.factor ?? 28, spec.minPixels ?? QWEN_MIN_PIXELS, spec.maxPixels ?? QWEN25VL_MAX_PIXELS);
    case 'original':
      return original;
  }
}

/** Parse a setting such as `square:768`, `fixed:640x480`, `smart_resize`, `smart_resize:1003520`, `original`. */
export function parseFrameSpec(text: string): FrameSpec | undefined {
  const t = text.trim();
  let m = /^square:(\d+)$/.exec(t);
  if (m) return { kind: 'square', size: Number(m[1]) };
  m = /^fixed:(\d+)x(\d+)$/.exec(t);
  if (m) return { kind: 'fixed', width: Number(m[1]), height: Number(m[2]) };
  m = /^smart_resize(?::(\d+))?$/.exec(t);
  if (m) return m[1] ? { kind: 'smart_resize', maxPixels: Number(m[1]) } : { kind: 'smart_resize' };
  if (t === 'original') return { kind: 'original' };
  return undefined;
}

/** A point in some frame. */
export interface XY {
  readonly x: number;
  readonly y: number;
}

/** Scale a point from one frame to another: x·to.w/from.w, y·to.h/from.h (multiply first so integer grids stay exact). */
export function mapPoint(p: XY, from: Size, to: Size): XY {
  return { x: (p.x * to.width) / from.width, y: (p.y * to.height) / from.height };
}

/** Model frame → original pixels: x·W/w', y·H/h'. */
export function modelToImage(p: XY, frame: Size, original: Size): XY {
  return mapPoint(p, frame, original);
}

/** Original pixels → model frame. */
export function imageToModel(p: XY, frame: Size, original: Size): XY {
  return mapPoint(p, original, frame);
}

/** Original pixels → SAM2's 1024×1024 input frame (what the predictor's transforms do to prompt coordinates). */
export function imageToSam(p: XY, original: Size): XY {
  return mapPoint(p, original, { width: SAM2_SIDE, height: SAM2_SIDE });
}

/** SAM2's 1024×1024 frame → original pixels. */
export function samToImage(p: XY, original: Size): XY {
  return mapPoint(p, { width: SAM2_SIDE, height: SAM2_SIDE }, original);
}

/** Model frame → SAM2 frame, through original pixels. */
export function modelToSam(p: XY, frame: Size, original: Size): XY {
  return imageToSam(modelToImage(p, frame, original), original);
}

/** SAM2 frame → model frame, through original pixels. */
export function samToModel(p: XY, frame: Size, original: Size): XY {
  return imageToModel(samToImage(p, original), frame, original);
}
