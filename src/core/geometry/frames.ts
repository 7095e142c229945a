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

/** Qwen2.5-VL `smart_resize`: each side a multiple of `factor`, total pixels within [minPixels, maxPixels], aspect kept. */
export function smartResize(height: number, width: number, factor = 28, minPixels = 4 * 28 * 28, maxPixels = 16384 * 28 * 28): Size {
  if (Math.max(height, width) / Math.min(height, width) > 200) {
    throw new Error(`absolute aspect ratio must be smaller than 200, got ${Math.max(height, width) / Math.min(height, width)}`);
  }
  let hBar = Math.max(factor, roundHalfEven(height / factor) * factor);
  let wBar = Math.max(factor, roundHalfEven(width / factor) * factor);
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

/** The model-frame size for an image of the given original size. */
export function modelFrameSize(spec: FrameSpec, original: Size): Size {
  switch (spec.kind) {
    case 'square':
      return { width: spec.size, height: spec.size };
    case 'fixed':
      return { width: spec.width, height: spec.height };
    case 'smart_resize':
      return smartResize(original.height, original.width, spec.factor, spec.minPixels, spec.maxPixels);
    case 'original':
      return original;
  }
}

/** Model frame → original pixels: x·W/w', y·H/h'. */
export function modelToImage(p: { x: number; y: number }, frame: Size, original: Size): { x: number; y: number } {
  return { x: (p.x * original.width) / frame.width, y: (p.y * original.height) / frame.height };
}

/** Original pixels → model frame. */
export function imageToModel(p: { x: number; y: number }, frame: Size, original: Size): { x: number; y: number } {
  return { x: (p.x * frame.width) / original.width, y: (p.y * frame.height) / original.height };
}
