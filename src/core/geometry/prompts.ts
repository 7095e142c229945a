import type { ParsedAnswer } from '../completion/types';
import type { Size } from '../image/types';
import type { PromptBox, PromptPoint, SegmentPrompt } from '../segment/segmenter';
import { modelToImage } from './frames';

/** A box with the points that go with it, still in the model frame. */
export interface BoxGroup<P> {
  readonly box: { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };
  readonly points: readonly P[];
}

/**
 * Seg-R1's rule (grpo.py segmentation_reward): for each box, the points with x1 ≤ x ≤ x2 and y1 ≤ y ≤ y2
 * (inclusive, in the model frame) go with that box; a point may join several boxes or none.
 */
export function groupPointsByBox<P extends { readonly x: number; readonly y: number }>(
  boxes: readonly { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }[],
  points: readonly P[],
): BoxGroup<P>[] {
  return boxes.map((box) => ({ box, points: points.filter((p) => p.x >= box.x1 && p.x <= box.x2 && p.y >= box.y1 && p.y <= box.y2) }));
}

/**
 * Segmenter prompts (original-image pixels) for a parsed answer, one decoder call per box, as each family's
 * own code prompts SAM2: Seg-R1 by the in-box rule; Seg-Zero one box with both points; VisionReasoner object i's
 * point with object i's box. Without boxes, one prompt with every point.
 */
export function promptsFromAnswer(answer: ParsedAnswer, frame: Size, original: Size): SegmentPrompt[] {
  const toBox = (b: { x1: number; y1: number; x2: number; y2: number }): PromptBox => {
    const p1 = modelToImage({ x: b.x1, y: b.y1 }, frame, original);
    const p2 = modelToImage({ x: b.x2, y: b.y2 }, frame, original);
    return { x1: p1.x, y1: p1.y, x2: p2.x, y2: p2.y };
  };
  const toPoint = (p: { x: number; y: number; label: 0 | 1 }): PromptPoint => ({ ...modelToImage(p, frame, original), label: p.label });
  if (answer.boxes.length === 0) return answer.points.length > 0 ? [{ points: answer.points.map(toPoint) }] : [];
  switch (answer.format) {
    case 'segzero':
      return answer.boxes.map((b) => ({ box: toBox(b), points: answer.points.map(toPoint) }));
    case 'visionreasoner':
      return answer.boxes.map((b, i) => {
        const p = answer.points[i];
        return { box: toBox(b), points: p ? [toPoint(p)] : [] };
      });
    case 'segr1':
      return groupPointsByBox(answer.boxes, answer.points).map((g) => ({ box: toBox(g.box), points: g.points.map(toPoint) }));
  }
}
