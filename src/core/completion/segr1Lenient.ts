import { DiagnosticSink, checkGeometry } from './diagnostics';
import { cover, groupNumbers, scanNumbers, type WrittenNumber } from './numbers';
import { parseSegR1Strict } from './segr1Strict';
import { findJsonKeyBlocks, findTagBlocks, type TagBlock } from './tags';
import type { ParsedAnswer, ParsedBox, ParsedPoint, Span } from './types';

const ANSWER_TAGS = ['<bbox>', '<points>', '<labels>'];

/**
 * Seg-R1 tagged answers, read leniently for display (decimals, negatives, truncation, unclosed tags), with
 * diagnostics for everything the training parser would treat differently. The strict reference result rides
 * along in `reference`, so the UI can show both what the model meant and what the reward saw.
 */
export function parseSegR1(text: string, frame?: { width: number; height: number }): ParsedAnswer {
  const d = new DiagnosticSink();
  const think = readThink(text, d);

  let bboxBlocks = findTagBlocks(text, 'bbox');
  let pointBlocks = findTagBlocks(text, 'points');
  let labelBlocks = findTagBlocks(text, 'labels');
  if (bboxBlocks.length + pointBlocks.length + labelBlocks.length === 0) {
    // JSON variant: the same three fields as keys. Shown, but the reference's tag regexes never see them.
    bboxBlocks = findJsonKeyBlocks(text, 'bbox');
    pointBlocks = findJsonKeyBlocks(text, 'points');
    labelBlocks = findJsonKeyBlocks(text, 'labels');
    if (bboxBlocks.length + pointBlocks.length + labelBlocks.length > 0) d.warning('json-answer', 'answer written as JSON keys instead of <bbox>/<points>/<labels> tags: the reference reward parses nothing');
    for (const b of [...bboxBlocks, ...pointBlocks, ...labelBlocks]) if (!b.closed) d.warning('missing-close-bracket', 'value is not closed', b.open);
  } else {
    for (const b of [...bboxBlocks, ...pointBlocks, ...labelBlocks]) {
      if (!b.closed) d.warning('missing-close-tag', `${text.slice(b.open.start, b.open.end)} is not closed`, b.open);
    }
  }

  const boxes: ParsedBox[] = [];
  for (const block of bboxBlocks) {
    const groups = groupNumbers(scanNumbers(text, block.content.start, block.content.end));
    if (groups.length === 0) d.error('empty-bbox', '<bbox> holds no numbers', block.span);
    for (const g of groups) {
      if (g.length === 4) boxes.push({ x1: g[0]!.value, y1: g[1]!.value, x2: g[2]!.value, y2: g[3]!.value, span: groupSpan(g) });
      else d.error('bbox-arity', `a box has ${g.length} numbers, expected 4`, groupSpan(g));
    }
  }
  if (bboxBlocks.length === 0) d.error('missing-bbox', 'no <bbox>');

  const pointBlock = firstWithNumbers(text, pointBlocks);
  const labelBlock = firstWithNumbers(text, labelBlocks);
  if (pointBlocks.length > 1) d.info('duplicate-tag', `${pointBlocks.length} <points> blocks: the reference uses the first one its regex accepts`, pointBlocks[1]!.open);
  if (labelBlocks.length > 1) d.info('duplicate-tag', `${labelBlocks.length} <labels> blocks: the reference uses the first one its regex accepts`, labelBlocks[1]!.open);

  const pairs: Array<{ x: number; y: number; span: Span }> = [];
  if (pointBlock) {
    const groups = groupNumbers(scanNumbers(text, pointBlock.content.start, pointBlock.content.end));
    for (const g of groups) {
      if (g.length === 2) pairs.push({ x: g[0]!.value, y: g[1]!.value, span: groupSpan(g) });
      else if (g.length % 2 === 0) {
        d.warning('flat-points', `points written as a flat list of ${g.length} numbers; read as pairs, the reference needs [[x,y],…]`, groupSpan(g));
        for (let i = 0; i < g.length; i += 2) pairs.push({ x: g[i]!.value, y: g[i + 1]!.value, span: { start: g[i]!.span.start, end: g[i + 1]!.span.end } });
      } else d.error('point-arity', `a point has ${g.length} numbers, expected 2`, groupSpan(g));
    }
  } else d.error('missing-points', pointBlocks.length > 0 ? '<points> holds no numbers' : 'no <points>', pointBlocks[0]?.span);

  const labels: WrittenNumber[] = labelBlock ? scanNumbers(text, labelBlock.content.start, labelBlock.content.end) : [];
  if (!labelBlock) d.error('missing-labels', labelBlocks.length > 0 ? '<labels> holds no numbers' : 'no <labels>', labelBlocks[0]?.span);
  for (const l of labels) {
    if (l.value !== 0 && l.value !== 1) d.warning('label-not-binary', `labels value ${text.slice(l.span.start, l.span.end)} is not 0/1 (shown as foreground)`, l.span);
  }
  if (pointBlock && labelBlock && labels.length !== pairs.length) {
    d.error('labels-count-mismatch', `labels has ${labels.length} entries, points has ${pairs.length}`, labelBlock.content);
  }
  const points: ParsedPoint[] = pairs.map((p, i) => {
    const l = labels[i];
    return l ? { x: p.x, y: p.y, span: p.span, label: l.value === 0 ? 0 : 1, labelSpan: l.span } : { x: p.x, y: p.y, span: p.span, label: 1, unlabelled: true };
  });
  checkGeometry(d, boxes, points, frame);

  const reference = parseSegR1Strict(text);
  if (reference.referenceWouldStall) {
    const steps = Number.isFinite(reference.referenceSteps) ? `≈${reference.referenceSteps.toExponential(1)}` : 'more than 1e308';
    d.error('reference-would-stall', `the reference reward would stall here (${steps} regex backtracking steps)`, (labelBlocks[0] ?? pointBlocks[0])?.span);
  }
  if (reference.evalError) d.error('reference-eval-error', `the reference's eval raises, voiding points, labels and boxes: ${reference.evalError.message}`, reference.evalError.span);
  const refFormat = reference.points !== null && reference.labels !== null && reference.boxes !== null && reference.think !== null;
  if (!refFormat && !reference.evalError) {
    const missing = [reference.think === null && 'think', reference.boxes === null && 'bbox', reference.points === null && 'points', reference.labels === null && 'labels'].filter(Boolean);
    // The segment reward needs only boxes, points and labels: a missing think zeroes the format reward alone.
    const segmentZero = reference.boxes === null || reference.points === null || reference.labels === null;
    const consequence = segmentZero ? 'format reward 0, segment reward 0' : 'format reward 0 (the segment reward still counts)';
    d.info('reference-format-zero', `the training parser finds no valid ${missing.join(', ')}: ${consequence}`);
  }

  const answerSpan = cover([...bboxBlocks, ...pointBlocks, ...labelBlocks].map((b) => b.span));
  const pointsContent = (pointBlock ?? pointBlocks[0])?.content;
  const labelsContent = (labelBlock ?? labelBlocks[0])?.content;
  const lists = { ...(pointsContent ? { points: pointsContent } : {}), ...(labelsContent ? { labels: labelsContent } : {}), labelSpans: labels.map((l) => l.span) };
  return { format: 'segr1', ...(think ? { think } : {}), ...(answerSpan ? { answerSpan } : {}), boxes, points, lists, diagnostics: d.items, reference };
}

/** The think block: closed, unclosed (runs to the first answer tag) or missing. */
function readThink(text: string, d: DiagnosticSink): { text: string; span: Span } | undefined {
  const open = text.indexOf('<think>');
  if (open < 0) {
    d.error('missing-think', 'no <think>');
    return undefined;
  }
  const start = open + '<think>'.length;
  const close = text.indexOf('</think>', start);
  if (close >= 0) return { text: text.slice(start, close).trim(), span: { start, end: close } };
  let end = text.length;
  for (const t of ANSWER_TAGS) {
    const k = text.indexOf(t, start);
    if (k >= 0 && k < end) end = k;
  }
  d.error('missing-think-close', 'no </think>', { start: open, end: start });
  return { text: text.slice(start, end).trim(), span: { start, end } };
}

/** The first block whose content has at least one number. */
function firstWithNumbers(text: string, blocks: readonly TagBlock[]): TagBlock | undefined {
  for (const b of blocks) {
    if (/[0-9]/.test(text.slice(b.content.start, b.content.end))) return b;
  }
  return undefined;
}

/** The span of a number group: its brackets when it has them, else the numbers themselves. */
function groupSpan(g: readonly WrittenNumber[]): Span {
  return g[0]!.bracket ?? cover(g.map((n) => n.span))!;
}
