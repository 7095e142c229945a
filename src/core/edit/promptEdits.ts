import type { ParsedAnswer } from '../completion/types';
import { imageToModel } from '../geometry/frames';
import type { Size } from '../image/types';

/** A glyph moved by the user, in original-image pixels. */
export type PromptEdit =
  | { readonly kind: 'point'; readonly index: number; readonly x: number; readonly y: number }
  | { readonly kind: 'box'; readonly index: number; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number };

/**
 * Rewrite a completion so its coordinates say what the user dragged the glyphs to: each edited point or
 * box's text span is replaced by integers in the model frame (the model writes integers), keeping the
 * bracket style of the original. The result goes through the same parse → prompt → mask → reward path as
 * a real rollout, so an edit is scored exactly as the trainer would have scored that text.
 */
export function applyPromptEdits(completion: string, answer: ParsedAnswer, edits: readonly PromptEdit[], frame: Size, image: Size): string {
  const replacements: Array<{ start: number; end: number; text: string }> = [];
  const toModel = (x: number, y: number) => {
    const p = imageToModel({ x, y }, frame, image);
    return [clampInt(p.x, frame.width), clampInt(p.y, frame.height)] as const;
  };
  for (const e of edits) {
    if (e.kind === 'point') {
      const p = answer.points[e.index];
      if (!p) continue;
      const [x, y] = toModel(e.x, e.y);
      replacements.push({ ...p.span, text: bracketLike(completion, p.span, `${x},${y}`) });
    } else {
      const b = answer.boxes[e.index];
      if (!b) continue;
      const [x1, y1] = toModel(Math.min(e.x1, e.x2), Math.min(e.y1, e.y2));
      const [x2, y2] = toModel(Math.max(e.x1, e.x2), Math.max(e.y1, e.y2));
      replacements.push({ ...b.span, text: bracketLike(completion, b.span, `${x1},${y1},${x2},${y2}`) });
    }
  }
  // Apply right to left so earlier offsets stay valid; overlapping edits keep the first.
  replacements.sort((a, b) => b.start - a.start);
  let out = completion;
  let floor = Number.POSITIVE_INFINITY;
  for (const r of replacements) {
    if (r.end > floor) continue;
    out = out.slice(0, r.start) + r.text + out.slice(r.end);
    floor = r.start;
  }
  return out;
}

/** Keep brackets when the original span had them. */
function bracketLike(text: string, span: { start: number; end: number }, inner: string): string {
  return text[span.start] === '[' ? `[${inner}]` : inner;
}

/** Round to the nearest integer pixel inside [0, limit]. */
function clampInt(v: number, limit: number): number {
  return Math.min(limit, Math.max(0, Math.round(v)));
}
