import type { ParsedAnswer } from '../completion/types';
import { modelToImage } from '../geometry/frames';
import { foregroundBox } from '../geometry/foregroundBox';
import type { BinaryMask, GrayImage, Size } from '../image/types';
import type { SignalBox } from './stepSignals';

/**
 * The prompt side of a `SignalRollout`, from what the panel and replay already have: a parsed answer in its model
 * frame, and the GT mask in image pixels.
 */

/** Points the segmenter received, and the answer's boxes in image pixels (model frame → original image). */
export function answerPrompts(a: ParsedAnswer, frame: Size, image: Size): { points: number; boxes: SignalBox[] } {
  const boxes = a.boxes.map((b) => {
    const p = modelToImage({ x: b.x1, y: b.y1 }, frame, image);
    const q = modelToImage({ x: b.x2, y: b.y2 }, frame, image);
    return { x1: p.x, y1: p.y, x2: q.x, y2: q.y };
  });
  return { points: a.points.length, boxes };
}

/**
 * Tight box of a GT in its own pixels, as an area: x2/y2 are one past the last foreground column/row, so a one-pixel
 * GT has area 1. Foreground is a value > `above`: 127 for a GT image (as the rewards binarize it), 0 for a
 * BinaryMask (0/1). Undefined for an empty GT.
 */
export function gtTightBox(gt: GrayImage | BinaryMask, above = 127): SignalBox | undefined {
  const { width, height, data } = gt;
  if (data.length < width * height) throw new Error(`gtTightBox: ${data.length} values for ${width}×${height}`);
  const b = foregroundBox(gt, above);
  return b && { x1: b.x1, y1: b.y1, x2: b.x2 + 1, y2: b.y2 + 1 };
}
