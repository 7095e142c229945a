import { resizeBilinearPil } from '../image/resize';
import type { BinaryMask, GrayImage } from '../image/types';

/** Side of Seg-R1's reward frame (`RESIZE_SIZE = (768, 768)` in grpo.py). */
export const SEGR1_REWARD_SIDE = 768;

/**
 * grpo.py `resize_image_and_mask`: the "L" GT resized to side×side with `TF.resize` (PIL bilinear for PIL input),
 * then `> 127`. PIL returns a copy when the size already matches, so no resampling happens then.
 */
export function segr1GtMask(gt: GrayImage, side = SEGR1_REWARD_SIDE): BinaryMask {
  const sized = gt.width === side && gt.height === side ? gt : resizeBilinearPil(gt, side, side);
  const data = new Uint8Array(side * side);
  for (let i = 0; i < data.length; i++) data[i] = sized.data[i]! > 127 ? 1 : 0;
  return { width: side, height: side, data };
}

/** Intersection and union pixel counts of two same-size masks. */
export interface Overlap {
  readonly intersection: number;
  readonly union: number;
  readonly predArea: number;
  readonly gtArea: number;
}

/** Pixel overlap of prediction and GT (non-zero is foreground). Throws when sizes differ. */
export function overlap(pred: BinaryMask, gt: BinaryMask): Overlap {
  if (pred.width !== gt.width || pred.height !== gt.height) throw new Error(`mask is ${pred.width}×${pred.height} but the reward frame is ${gt.width}×${gt.height}`);
  let intersection = 0;
  let union = 0;
  let predArea = 0;
  let gtArea = 0;
  const n = pred.width * pred.height;
  for (let i = 0; i < n; i++) {
    const p = pred.data[i] ? 1 : 0;
    const g = gt.data[i] ? 1 : 0;
    predArea += p;
    gtArea += g;
    intersection += p & g;
    union += p | g;
  }
  return { intersection, union, predArea, gtArea };
}

/** grpo.py's IoU: intersection / union, and 0.0 when both masks are empty. */
export function rewardIou(o: Overlap): number {
  return o.union > 0 ? o.intersection / o.union : 0;
}

/** A 0/1 mask as an 8-bit 0/255 image (the form PySODMetrics-style metrics read). */
export function maskTo255(m: BinaryMask): GrayImage {
  const data = new Uint8Array(m.width * m.height);
  for (let i = 0; i < data.length; i++) data[i] = m.data[i] ? 255 : 0;
  return { width: m.width, height: m.height, data };
}
