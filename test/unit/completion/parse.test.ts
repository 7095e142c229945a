import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, parseCompletion } from '../../../src/core/completion/parse';
import { thinkAnswerFullmatch } from '../../../src/core/completion/jsonAnswers';

const codes = (t: string, frame?: { width: number; height: number }) => parseCompletion(t, frame ? { frame } : {}).diagnostics.map((d) => d.code);

test('a clean Seg-R1 answer parses with spans and no errors', () => {
  const s = '<think> the moth sits on bark </think> <bbox>[10,20,300,400]</bbox>, <points>[[50,60],[70,80],[5,5]]</points>, <labels>[1,1,0]</labels>';
  const a = parseCompletion(s);
  assert.equal(a.format, 'segr1');
  assert.equal(a.think?.text, 'the moth sits on bark');
  assert.deepEqual(a.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]), [[10, 20, 300, 400]]);
  assert.deepEqual(a.points.map((p) => [p.x, p.y, p.label]), [[50, 60, 1], [70, 80, 1], [5, 5, 0]]);
  assert.equal(s.slice(a.points[2]!.span.start, a.points[2]!.span.end), '[5,5]');
  assert.equal(s.slice(a.points[2]!.labelSpan!.start, a.points[2]!.labelSpan!.end), '0');
  assert.equal(s.slice(a.boxes[0]!.span.start, a.boxes[0]!.span.end), '[10,20,300,400]');
  assert.deepEqual(a.diagnostics.filter((d) => d.severity !== 'info'), []);
  assert.deepEqual(a.reference?.points, [[50, 60], [70, 80], [5, 5]]);
});

test('lenient diagnostics: counts, think close, inverted box, outside image, non-binary labels, decimals', () => {
  const a = parseCompletion('<think>x <bbox>[300,20,10,400]</bbox><points>[[1,2],[3,4],[5,6],[7,8],[9,10],[800,1]]</points><labels>[1,0,2,1,1]</labels>', { frame: { width: 768, height: 768 } });
  const msg = (c: string) => a.diagnostics.filter((d) => d.code === c).map((d) => d.message);
  assert.deepEqual(msg('labels-count-mismatch'), ['labels has 5 entries, points has 6']);
  assert.deepEqual(msg('missing-think-close'), ['no </think>']);
  assert.deepEqual(msg('box-inverted'), ['box 1: x2 < x1 (10 < 300)']);
  assert.equal(msg('point-outside-image').length, 1);
  assert.equal(msg('label-not-binary').length, 1);
  assert.equal(a.think?.text, 'x');
  const b = parseCompletion('<think>t</think><bbox>[1.5,-2,30,40]</bbox><points>[[1.5,2]]</points><labels>[1]</labels>');
  assert.deepEqual(b.boxes.map((x) => [x.x1, x.y1]), [[1.5, -2]]);
  assert.ok(b.diagnostics.some((d) => d.code === 'non-integer'));
  assert.ok(b.diagnostics.some((d) => d.code === 'negative'));
  assert.deepEqual(b.diagnostics.filter((d) => d.code === 'reference-format-zero').map((d) => d.message), ['the training parser finds no valid bbox, points: format reward 0, segment reward 0']);
  // Only the think missing: the reference still segments, so only the format reward is lost.
  const c = parseCompletion('<think>t <bbox>[1,2,30,40]</bbox>, <points>[[5,6]]</points>, <labels>[1]</labels>');
  assert.deepEqual(c.diagnostics.filter((d) => d.code === 'reference-format-zero').map((d) => d.message), ['the training parser finds no valid think: format reward 0 (the segment reward still counts)']);
});

test('truncated output still shows what was written', () => {
  const a = parseCompletion('<think>a</think><bbox>[1,2,3,4]</bbox><points>[[5,6],[7,8');
  assert.deepEqual(a.points.map((p) => [p.x, p.y]), [[5, 6], [7, 8]]);
  assert.ok(codes('<think>a</think><bbox>[1,2,3,4]</bbox><points>[[5,6],[7,8').includes('missing-close-tag'));
  assert.ok(codes('<think>a</think><bbox>[1,2,3,4]</bbox><points>[[5,6],[7,8').includes('missing-labels'));
});

test('the stall diagnostic carries the issue wording', () => {
  const a = parseCompletion('<think>x</think><labels>[' + Array(30).fill('1').join(' '));
  const d = a.diagnostics.find((x) => x.code === 'reference-would-stall');
  assert.ok(d && d.message.startsWith('the reference reward would stall here'));
});

test('Seg-Zero answers', () => {
  const s = '<think>a dog</think><answer>{"bbox":[10,10,100,100],"points_1":[20,30],"points_2":[200,40]}</answer>';
  assert.equal(detectFormat(s), 'segzero');
  const a = parseCompletion(s);
  assert.equal(a.format, 'segzero');
  assert.deepEqual(a.points.map((p) => [p.x, p.y, p.label]), [[20, 30, 1], [200, 40, 1]]);
  assert.equal(s.slice(a.points[0]!.span.start, a.points[0]!.span.end), '"points_1":[20,30]');
  assert.ok(a.diagnostics.some((d) => d.code === 'point-outside-box'));
  assert.ok(codes('<think>a</think><answer>{"bbox":[1,2,3],"points_1":[1,2]}</answer>').includes('bbox-arity'));
  assert.ok(codes('<think>a</think><answer>{"bbox":[1,2,3,4],"points_1":[1,2]}</answer>').includes('missing-key'));
});

test('VisionReasoner answers with several objects', () => {
  const s = '<think>two</think>\n<answer>[{"bbox_2d":[1,2,30,40],"point_2d":[5,6]}, {"bbox_2d":[50,60,70,80],"point_2d":[55,65]}]</answer>';
  assert.equal(detectFormat(s), 'visionreasoner');
  const a = parseCompletion(s);
  assert.equal(a.boxes.length, 2);
  assert.deepEqual(a.points.map((p) => [p.x, p.y]), [[5, 6], [55, 65]]);
  assert.deepEqual(a.diagnostics, []);
  assert.ok(codes('<think>x</think><answer>[{"bbox_2d":[1,2,30,40],"point_2d":[5,6]},</answer>').includes('json-invalid'));
});

test('explicit format overrides detection', () => {
  const s = '<think>a</think><answer>{"bbox":[1,2,3,4],"points_1":[1,2],"points_2":[2,3]}</answer>';
  assert.equal(parseCompletion(s, { format: 'segr1' }).format, 'segr1');
  assert.equal(parseCompletion(s, { format: 'auto' }).format, 'segzero');
});

test('think/answer fullmatch as Python re.fullmatch(DOTALL)', () => {
  assert.equal(thinkAnswerFullmatch('<think>a</think> \n<answer>b</answer>'), true);
  assert.equal(thinkAnswerFullmatch('<think>a</think>x<answer>b</answer>'), false);
  assert.equal(thinkAnswerFullmatch('<think>a</think>x</think><answer>b</answer>'), true);
  assert.equal(thinkAnswerFullmatch(' <think>a</think><answer>b</answer>'), false);
  assert.equal(thinkAnswerFullmatch('<think>a</think><answer>b</answer>\n'), false);
  assert.equal(thinkAnswerFullmatch('<think></think><answer></answer>'), true);
});

test('Seg-R1 fields written as JSON keys are shown, with a warning that the reference sees nothing', () => {
  const s = '<think>t</think> {"bbox": [1, 2, 30, 40], "points": [[5, 6], [7, 8]], "labels": [1, 0]}';
  const a = parseCompletion(s);
  assert.equal(a.format, 'segr1');
  assert.deepEqual(a.boxes.map((b) => [b.x1, b.y1, b.x2, b.y2]), [[1, 2, 30, 40]]);
  assert.deepEqual(a.points.map((p) => [p.x, p.y, p.label]), [[5, 6, 1], [7, 8, 0]]);
  assert.equal(s.slice(a.points[1]!.span.start, a.points[1]!.span.end), '[7, 8]');
  assert.ok(a.diagnostics.some((d) => d.code === 'json-answer'));
  assert.equal(a.reference?.points, null);
});
