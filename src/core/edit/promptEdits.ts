import { parseCompletion } from '../completion/parse';
import { scanNumbers } from '../completion/numbers';
import type { AnswerFormat, ParsedAnswer, Span } from '../completion/types';
import { imageToModel } from '../geometry/frames';
import type { Size } from '../image/types';

/**
 * One change the user made to a rollout's prompts, in original-image pixels. Indices name glyphs of the text as
 * it stands after the edits before this one, so the list is an undo log: dropping its last entry undoes one edit.
 */
export type PromptEdit =
  | { readonly kind: 'point'; readonly index: number; readonly x: number; readonly y: number }
  | { readonly kind: 'box'; readonly index: number; readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }
  | { readonly kind: 'add-point'; readonly x: number; readonly y: number; readonly label: 0 | 1 }
  | { readonly kind: 'remove-point'; readonly index: number }
  | { readonly kind: 'flip-point'; readonly index: number };

/** The most edits one view applies: each re-parses the text, and the list comes from a webview message. */
export const MAX_PROMPT_EDITS = 500;

/** Where the edited text lives: its answer format and the frames its coordinates are converted between. */
export interface EditContext {
  readonly format?: AnswerFormat;
  /** Model frame the completion's coordinates are written in. */
  readonly frame: Size;
  /** Original image size the edit coordinates are given in. */
  readonly image: Size;
}

/** The edited completion, and the edits that could not be written in its format (with why). */
export interface EditResult {
  readonly text: string;
  readonly refused: ReadonlyArray<{ readonly edit: number; readonly reason: string }>;
}

interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Rewrite a completion so its prompts say what the user made of them. Coordinates are written as integers in
 * the model frame (the model writes integers) into the model's own spacing and brackets; added and removed
 * points keep the list's separators, and the labels list follows its points. The result goes through the same
 * parse → prompt → mask → reward path as a real rollout, so an edit is scored exactly as the trainer would have
 * scored that text.
 */
export function applyPromptEdits(completion: string, edits: readonly PromptEdit[], ctx: EditContext): EditResult {
  let text = completion;
  const refused: Array<{ edit: number; reason: string }> = [];
  const parseOpts = { ...(ctx.format ? { format: ctx.format } : {}), frame: ctx.frame };
  for (let i = 0; i < edits.length; i++) {
    if (i >= MAX_PROMPT_EDITS) {
      refused.push({ edit: i, reason: `more than ${MAX_PROMPT_EDITS} edits; the rest are ignored` });
      break;
    }
    const answer = parseCompletion(text, parseOpts);
    const r = editReplacements(text, answer, edits[i]!, ctx);
    if (typeof r === 'string') refused.push({ edit: i, reason: r });
    else text = splice(text, r);
  }
  return { text, refused };
}

/** The text changes one edit makes, or why it cannot be written. */
function editReplacements(text: string, answer: ParsedAnswer, e: PromptEdit, ctx: EditContext): Replacement[] | string {
  const toModel = (x: number, y: number): [number, number] => {
    const p = imageToModel({ x, y }, ctx.frame, ctx.image);
    return [clampInt(p.x, ctx.frame.width), clampInt(p.y, ctx.frame.height)];
  };
  switch (e.kind) {
    case 'point': {
      const p = answer.points[e.index];
      if (!p) return `there is no point ${e.index + 1}`;
      return [rewriteNumbers(text, p.span, toModel(e.x, e.y))];
    }
    case 'box': {
      const b = answer.boxes[e.index];
      if (!b) return `there is no box ${e.index + 1}`;
      const [x1, y1] = toModel(Math.min(e.x1, e.x2), Math.min(e.y1, e.y2));
      const [x2, y2] = toModel(Math.max(e.x1, e.x2), Math.max(e.y1, e.y2));
      return [rewriteNumbers(text, b.span, [x1, y1, x2, y2])];
    }
    case 'flip-point': {
      const p = answer.points[e.index];
      if (!p) return `there is no point ${e.index + 1}`;
      if (answer.format !== 'segr1') return `${answer.format} answers write every point as foreground; a point cannot be flipped`;
      if (!p.labelSpan) return `point ${e.index + 1} has no label to flip`;
      return [{ ...p.labelSpan, text: p.label === 1 ? '0' : '1' }];
    }
    case 'remove-point':
      return removePoint(text, answer, e.index);
    case 'add-point':
      return addPoint(text, answer, toModel(e.x, e.y), e.label);
  }
}

/** Delete a point and its label, with the separator that joined each to its list. */
function removePoint(text: string, answer: ParsedAnswer, index: number): Replacement[] | string {
  if (answer.format !== 'segr1' || !answer.lists) return `${answer.format} answers have a fixed number of points; a point cannot be removed`;
  if (!answer.points[index]) return `there is no point ${index + 1}`;
  const out = [removeItem(answer.points.map((p) => p.span), index)];
  if (index < answer.lists.labelSpans.length) out.push(removeItem(answer.lists.labelSpans, index));
  return out;
}

/** Append a point and its label in the style of the entries already written. */
function addPoint(text: string, answer: ParsedAnswer, [x, y]: [number, number], label: 0 | 1): Replacement[] | string {
  const lists = answer.lists;
  if (answer.format !== 'segr1' || !lists) return `${answer.format} answers have a fixed number of points; a point cannot be added`;
  const labels = lists.labelSpans;
  if (labels.length !== answer.points.length) return `the answer has ${answer.points.length} points and ${labels.length} labels; a new label would not line up with its point`;
  if (answer.points.length === 0) {
    if (lists.points && lists.labels && text.slice(lists.points.start, lists.points.end).trim() === '[]' && text.slice(lists.labels.start, lists.labels.end).trim() === '[]') {
      return [insertInto(text, lists.points, `[${x},${y}]`), insertInto(text, lists.labels, String(label))];
    }
    if (lists.points || lists.labels || !answer.answerSpan) return 'the answer has no point list to add to';
    return [{ start: answer.answerSpan.end, end: answer.answerSpan.end, text: `<points>[[${x},${y}]]</points><labels>[${label}]</labels>` }];
  }
  const first = answer.points[0]!.span;
  const item = rewriteNumbers(text, first, [x, y]).text;
  const spans = answer.points.map((p) => p.span);
  const sep = guessSeparator(text, spans);
  return [appendItem(text, spans, item, sep), appendItem(text, labels, String(label), sep)];
}

/** Write `text` inside an empty `[]` list content. */
function insertInto(text: string, content: Span, item: string): Replacement {
  const open = text.indexOf('[', content.start);
  return { start: open + 1, end: open + 1, text: item };
}

/** Remove entry `i` of a list with the separator after it (or before it, for the last entry). */
function removeItem(spans: readonly Span[], i: number): Replacement {
  const s = spans[i]!;
  const next = spans[i + 1];
  const prev = spans[i - 1];
  if (next) return { start: s.start, end: next.start, text: '' };
  if (prev) return { start: prev.end, end: s.end, text: '' };
  return { start: s.start, end: s.end, text: '' };
}

/** Append an entry after the last one, joined by the separator the list already uses. */
function appendItem(text: string, spans: readonly Span[], item: string, fallbackSep: string): Replacement {
  const last = spans[spans.length - 1]!;
  const prev = spans[spans.length - 2];
  return { start: last.end, end: last.end, text: (prev ? text.slice(prev.end, last.start) : fallbackSep) + item };
}

/** The separator a one-entry list would use: the one written between its other lists' entries, else inside the entry. */
function guessSeparator(text: string, spans: readonly Span[]): string {
  const [a, b] = spans;
  if (a && b) return text.slice(a.end, b.start);
  return a && /,\s/.test(text.slice(a.start, a.end)) ? ', ' : ',';
}

/**
 * Replace the numbers written in `span` by `values`, keeping every other character the model wrote (spaces,
 * brackets, parentheses). When the span does not hold exactly that many numbers, write them comma-joined, in
 * brackets if the span had them.
 */
function rewriteNumbers(text: string, whole: Span, values: readonly number[]): Replacement {
  // JSON answers' spans start at the key (`"points_1": [15, 25]`), whose digits are not coordinates.
  const bracket = text.indexOf('[', whole.start);
  const span = bracket >= 0 && bracket < whole.end ? { start: bracket, end: whole.end } : whole;
  const nums = scanNumbers(text, span.start, span.end);
  if (nums.length !== values.length) {
    const inner = values.join(',');
    return { ...span, text: text[span.start] === '[' ? `[${inner}]` : inner };
  }
  let out = '';
  let at = span.start;
  nums.forEach((n, k) => {
    out += text.slice(at, n.span.start) + String(values[k]);
    at = n.span.end;
  });
  return { ...span, text: out + text.slice(at, span.end) };
}

/** Apply non-overlapping replacements right to left so earlier offsets stay valid; an overlapping one is dropped. */
function splice(text: string, replacements: readonly Replacement[]): string {
  const sorted = [...replacements].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const r of sorted) {
    if (r.end > floor) continue;
    out = out.slice(0, r.start) + r.text + out.slice(r.end);
    floor = r.start;
  }
  return out;
}

/** Round to the nearest integer pixel inside [0, limit]. */
function clampInt(v: number, limit: number): number {
  return Math.min(limit, Math.max(0, Math.round(v)));
}

/**
 * The edits of a webview message, as far as they are well formed: a known kind, finite coordinates, a
 * non-negative integer index, a 0/1 label; at most {@link MAX_PROMPT_EDITS}. A webview's messages are trusted no
 * more than its restored state, so a malformed entry is dropped rather than reaching the parser.
 */
export function wellFormedEdits(input: unknown): PromptEdit[] {
  if (!Array.isArray(input)) return [];
  const out: PromptEdit[] = [];
  const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  const index = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
  for (const raw of input.slice(0, MAX_PROMPT_EDITS)) {
    if (typeof raw !== 'object' || raw === null) continue;
    const e = raw as Record<string, unknown>;
    if (e.kind === 'point' && index(e.index) && num(e.x) && num(e.y)) out.push({ kind: 'point', index: e.index, x: e.x, y: e.y });
    else if (e.kind === 'box' && index(e.index) && num(e.x1) && num(e.y1) && num(e.x2) && num(e.y2)) out.push({ kind: 'box', index: e.index, x1: e.x1, y1: e.y1, x2: e.x2, y2: e.y2 });
    else if (e.kind === 'add-point' && num(e.x) && num(e.y) && (e.label === 0 || e.label === 1)) out.push({ kind: 'add-point', x: e.x, y: e.y, label: e.label });
    else if ((e.kind === 'remove-point' || e.kind === 'flip-point') && index(e.index)) out.push({ kind: e.kind, index: e.index });
  }
  return out;
}
