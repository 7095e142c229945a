import { DiagnosticSink, checkGeometry } from './diagnostics';
import { scanNumbers } from './numbers';
import { pyJsonValid } from '../python/semantics';
import { isPySpace, pyStrip } from './pyChars';
import type { ParsedAnswer, ParsedBox, ParsedPoint, Span } from './types';

/** One `"key": [numbers]` pair found in a JSON-ish answer, with spans. */
interface KeyArray {
  readonly key: string;
  readonly values: number[];
  readonly span: Span;
}

/** One `{…}` object (top level within the scanned region) and its array-valued keys. */
interface JsonObject {
  readonly span: Span;
  readonly keys: KeyArray[];
  readonly closed: boolean;
}

const KEY_ARRAY = /"([^"\\\n]{0,64})"\s*:\s*\[([^[\]{}]*)\]/y;

/** Top-level `{…}` objects in `text[start, end)` with their `"key": [..]` pairs; unclosed objects run to `end`. */
function scanObjects(text: string, start: number, end: number): JsonObject[] {
  const out: JsonObject[] = [];
  let depth = 0;
  let objStart = -1;
  let keys: KeyArray[] = [];
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      if (depth === 0) {
        objStart = i;
        keys = [];
      }
      depth++;
    } else if (c === 0x7d && depth > 0) {
      depth--;
      if (depth === 0) out.push({ span: { start: objStart, end: i + 1 }, keys, closed: true });
    } else if (c === 0x22 && depth > 0) {
      KEY_ARRAY.lastIndex = i;
      const m = KEY_ARRAY.exec(text);
      if (m && m.index + m[0].length <= end) {
        const vs = m.index + m[0].length - 1 - m[2]!.length;
        keys.push({ key: m[1]!, values: scanNumbers(text, vs, vs + m[2]!.length, true).map((n) => n.value), span: { start: m.index, end: m.index + m[0].length } });
        i = m.index + m[0].length - 1;
      } else {
        // Skip the string so braces inside it do not count.
        const q = text.indexOf('"', i + 1);
        i = q < 0 || q >= end ? end : q;
      }
    }
  }
  if (depth > 0) out.push({ span: { start: objStart, end }, keys, closed: false });
  return out;
}

/** `<think>` and `<answer>` blocks, tolerant of truncation. */
function thinkAndAnswer(text: string, d: DiagnosticSink): { think?: { text: string; span: Span }; answer?: Span } {
  let think: { text: string; span: Span } | undefined;
  const to = text.indexOf('<think>');
  const ao = text.indexOf('<answer>');
  if (to < 0) d.error('missing-think', 'no <think>');
  else {
    const s = to + 7;
    const tc = text.indexOf('</think>', s);
    const e = tc >= 0 ? tc : ao > s ? ao : text.length;
    if (tc < 0) d.error('missing-think-close', 'no </think>', { start: to, end: s });
    think = { text: text.slice(s, e).trim(), span: { start: s, end: e } };
  }
  if (ao < 0) {
    d.error('missing-answer', 'no <answer>');
    return think ? { think } : {};
  }
  const as = ao + 8;
  const ac = text.indexOf('</answer>', as);
  if (ac < 0) d.error('missing-answer-close', 'no </answer> (truncated?)', { start: ao, end: as });
  const answer = { start: as, end: ac >= 0 ? ac : text.length };
  return think ? { think, answer } : { answer };
}

/**
 * Seg-Zero / VisionReasoner `format` reward's think check:
 * `re.fullmatch(r"<think>.*?</think>\s*<answer>.*?</answer>", s, re.DOTALL)`, decided in linear time.
 */
export function thinkAnswerFullmatch(text: string): boolean {
  if (!text.startsWith('<think>') || !text.endsWith('</answer>')) return false;
  const lastAnswerStart = text.length - '</answer>'.length - '<answer>'.length;
  for (let k = text.indexOf('</think>', 7); k >= 0; k = text.indexOf('</think>', k + 1)) {
    let j = k + 8;
    while (j < text.length && isPySpace(text.charCodeAt(j))) j++;
    if (j <= lastAnswerStart && text.startsWith('<answer>', j)) return true;
    if (j > lastAnswerStart) return false;
  }
  return false;
}

/** Seg-Zero: `<think>…</think><answer>{"bbox":[x1,y1,x2,y2],"points_1":[x,y],"points_2":[x,y]}</answer>`, both points positive. */
export function parseSegZero(text: string, frame?: { width: number; height: number }): ParsedAnswer {
  const d = new DiagnosticSink();
  const { think, answer } = thinkAndAnswer(text, d);
  if (!thinkAnswerFullmatch(text)) d.warning('think-format', 'not exactly <think>…</think> <answer>…</answer>: Seg-Zero thinking-format reward 0');
  const region = answer ?? { start: 0, end: text.length };
  const objects = scanObjects(text, region.start, region.end);
  const boxes: ParsedBox[] = [];
  const points: ParsedPoint[] = [];
  const obj = objects[0];
  if (!obj) d.error('missing-json', 'no {…} object in the answer');
  else {
    if (!obj.closed) d.error('json-unclosed', 'the answer object is not closed (truncated?)', obj.span);
    else if (!isJson(text.slice(obj.span.start, obj.span.end))) d.error('json-invalid', 'the answer object is not valid JSON (json.loads fails: every box/point reward is 0)', obj.span);
    const bbox = obj.keys.find((k) => k.key === 'bbox');
    if (!bbox) d.error('missing-key', 'no "bbox" key', obj.span);
    else if (bbox.values.length !== 4) d.error('bbox-arity', `"bbox" has ${bbox.values.length} numbers, expected 4`, bbox.span);
    else boxes.push({ x1: bbox.values[0]!, y1: bbox.values[1]!, x2: bbox.values[2]!, y2: bbox.values[3]!, span: bbox.span });
    for (const name of ['points_1', 'points_2']) {
      const p = obj.keys.find((k) => k.key === name);
      if (!p) d.error('missing-key', `no "${name}" key`, obj.span);
      else if (p.values.length !== 2) d.error('point-arity', `"${name}" has ${p.values.length} numbers, expected 2`, p.span);
      else points.push({ x: p.values[0]!, y: p.values[1]!, label: 1, span: p.span });
    }
    for (const p of points) {
      const b = boxes[0];
      if (b && !(b.x1 <= p.x && p.x <= b.x2 && b.y1 <= p.y && p.y <= b.y2)) d.warning('point-outside-box', `point (${p.x}, ${p.y}) is outside the box: Seg-Zero point reward 0`, p.span);
    }
    if (objects.length > 1) d.info('extra-json', `${objects.length} objects; Seg-Zero reads only the first`, objects[1]!.span);
  }
  checkGeometry(d, boxes, points, frame);
  return { format: 'segzero', ...(think ? { think } : {}), ...(answer ? { answerSpan: answer } : {}), boxes, points, diagnostics: d.items };
}

/** VisionReasoner: `<answer>[{"bbox_2d":[x1,y1,x2,y2],"point_2d":[x,y]}, …]</answer>`; each object one box and one positive point. */
export function parseVisionReasoner(text: string, frame?: { width: number; height: number }): ParsedAnswer {
  const d = new DiagnosticSink();
  const { think, answer } = thinkAndAnswer(text, d);
  if (!thinkAnswerFullmatch(text)) d.warning('think-format', 'not exactly <think>…</think> <answer>…</answer>: thinking-format reward 0');
  const region = answer ?? { start: 0, end: text.length };
  // What the reference hands json.loads: `<answer>\s*(.*?)\s*</answer>` with Python's \s (not JS trim, which drops U+FEFF).
  const body = pyStrip(text.slice(region.start, region.end));
  if (answer && !body.startsWith('[')) d.error('json-not-list', 'the answer is not a JSON list of objects', answer);
  else if (answer && !isJson(body)) d.error('json-invalid', 'the answer is not valid JSON (json.loads fails: accuracy reward 0)', answer);
  const boxes: ParsedBox[] = [];
  const points: ParsedPoint[] = [];
  const objects = scanObjects(text, region.start, region.end);
  if (objects.length === 0) d.error('missing-json', 'no {…} objects in the answer', answer);
  objects.forEach((o, i) => {
    if (!o.closed) d.error('json-unclosed', `object ${i + 1} is not closed (truncated?)`, o.span);
    const b = o.keys.find((k) => k.key === 'bbox_2d');
    const p = o.keys.find((k) => k.key === 'point_2d');
    if (!b) d.error('missing-key', `object ${i + 1} has no "bbox_2d"`, o.span);
    else if (b.values.length !== 4) d.error('bbox-arity', `object ${i + 1}: "bbox_2d" has ${b.values.length} numbers, expected 4`, b.span);
    else boxes.push({ x1: b.values[0]!, y1: b.values[1]!, x2: b.values[2]!, y2: b.values[3]!, span: b.span });
    if (!p) d.error('missing-key', `object ${i + 1} has no "point_2d"`, o.span);
    else if (p.values.length !== 2) d.error('point-arity', `object ${i + 1}: "point_2d" has ${p.values.length} numbers, expected 2`, p.span);
    else points.push({ x: p.values[0]!, y: p.values[1]!, label: 1, span: p.span });
  });
  checkGeometry(d, boxes, points, frame);
  return { format: 'visionreasoner', ...(think ? { think } : {}), ...(answer ? { answerSpan: answer } : {}), boxes, points, diagnostics: d.items };
}

/**
 * Whether the references' `json.loads` accepts this text. Not JSON.parse: Python also accepts NaN/Infinity/-Infinity
 * and rejects a leading U+FEFF and integer literals over 4300 digits (see src/core/python/semantics.ts).
 */
function isJson(s: string): boolean {
  return pyJsonValid(s);
}
