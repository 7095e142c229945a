import { parseCompletion } from '../core/completion/parse';
import type { ParsedAnswer } from '../core/completion/types';
import { modelFrameSize, type FrameSpec } from '../core/geometry/frames';
import type { CardExtras } from '../shared/notebookCard';
import type { Glyph } from '../shared/protocol';
import { buildMarks, segments, type Segment } from '../shared/textMarks';

/** The notebook output a training notebook emits: a canonical rollout record, optionally with the image inlined. */
export interface RolloutOutput extends CardExtras {
  readonly completion: string;
  readonly step?: number;
  readonly group?: string;
  readonly sample?: number;
  readonly rewards?: Record<string, number | null>;
  readonly reward?: number;
  readonly advantage?: number;
  readonly model_frame?: { width: number; height: number };
  /** `data:image/...;base64,...` of the image, so the renderer needs no file access. */
  readonly image_data?: string;
  readonly image_size?: { width: number; height: number };
}

/** What the renderer draws, computed without the DOM (so tests and the bench time it in Node). */
export interface RolloutModel {
  readonly completion: string;
  readonly answer: ParsedAnswer;
  readonly size: { readonly width: number; readonly height: number };
  readonly glyphs: Glyph[];
  readonly pieces: Segment[];
}

/** Parse the completion, place its glyphs in original pixels and cut its text at every mark. */
export function rolloutModel(output: RolloutOutput): RolloutModel {
  const frameSpec: FrameSpec = output.model_frame ? { kind: 'fixed', ...output.model_frame } : { kind: 'square', size: 768 };
  const size = output.image_size ?? output.model_frame ?? { width: 768, height: 768 };
  const frame = modelFrameSize(frameSpec, size);
  const completion = String(output.completion ?? '');
  const answer = parseCompletion(completion, { frame });
  const glyphs: Glyph[] = [
    ...answer.boxes.map((b, index): Glyph => ({ kind: 'box', index, x1: (b.x1 * size.width) / frame.width, y1: (b.y1 * size.height) / frame.height, x2: (b.x2 * size.width) / frame.width, y2: (b.y2 * size.height) / frame.height, span: b.span })),
    ...answer.points.map((p, index): Glyph => ({ kind: 'point', index, x: (p.x * size.width) / frame.width, y: (p.y * size.height) / frame.height, label: p.label, span: p.span, labelSpan: p.labelSpan, ...(p.unlabelled ? { unlabelled: true } : {}) })),
  ];
  const pieces = segments(completion, buildMarks(completion, glyphs, answer.think?.span, answer.answerSpan));
  return { completion, answer, size, glyphs, pieces };
}
