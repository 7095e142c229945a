import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompletion } from '../../../src/core/completion/parse';
import { applyPromptEdits, MAX_PROMPT_EDITS, wellFormedEdits, type PromptEdit } from '../../../src/core/edit/promptEdits';

const text = '<think>the moth on bark</think> <bbox>[100,120,400,500]</bbox>, <points>[[200,300],[390,130]]</points>, <labels>[1,0]</labels>';
const frame = { width: 768, height: 768 };
const image = { width: 1536, height: 384 };
const ctx = { frame, image };
const edit = (t: string, edits: PromptEdit[]) => applyPromptEdits(t, edits, ctx);
const pointsOf = (t: string) => parseCompletion(t, { format: 'segr1', frame }).points.map((p) => [p.x, p.y, p.label]);

test('moving a point rewrites only its coordinates, in the model frame', () => {
  // Image pixel (800, 100) is model (400, 200) for a 2× wide, ½ tall image.
  const out = edit(text, [{ kind: 'point', index: 0, x: 800, y: 100 }]);
  assert.deepEqual(out, { text: text.replace('[200,300]', '[400,200]'), refused: [] });
  assert.deepEqual(pointsOf(out.text), [[400, 200, 1], [390, 130, 0]]);
});

test('moving a box normalises corners, clamps to the frame and keeps every other byte', () => {
  const out = edit(text, [{ kind: 'box', index: 0, x1: 1600, y1: 10, x2: 20, y2: 200 }, { kind: 'point', index: 1, x: 2, y: 2 }]);
  assert.equal(out.text, '<think>the moth on bark</think> <bbox>[10,20,768,400]</bbox>, <points>[[200,300],[1,4]]</points>, <labels>[1,0]</labels>');
});

test('a move keeps the spaces and brackets the model wrote', () => {
  const spaced = '<think>t</think><bbox>[ 100, 120, 400, 500 ]</bbox><points>[[200, 300], (390 , 130)]</points><labels>[1, 0]</labels>';
  const out = edit(spaced, [{ kind: 'point', index: 1, x: 800, y: 100 }, { kind: 'box', index: 0, x1: 0, y1: 0, x2: 20, y2: 40 }]);
  assert.equal(out.text, '<think>t</think><bbox>[ 0, 0, 10, 80 ]</bbox><points>[[200, 300], (400 , 200)]</points><labels>[1, 0]</labels>');
});

test('edits of glyphs that do not exist are refused by name, the others applied', () => {
  const out = edit(text, [{ kind: 'point', index: 9, x: 1, y: 1 }, { kind: 'flip-point', index: 0 }]);
  assert.equal(out.text, text.replace('[1,0]', '[0,0]'));
  assert.deepEqual(out.refused, [{ edit: 0, reason: 'there is no point 10' }]);
});

test('flipping a point rewrites its label only', () => {
  const out = edit(text, [{ kind: 'flip-point', index: 1 }]);
  assert.equal(out.text, text.replace('<labels>[1,0]', '<labels>[1,1]'));
  assert.deepEqual(pointsOf(out.text), [[200, 300, 1], [390, 130, 1]]);
});

test('removing a point removes its label and one separator, first, middle or last', () => {
  const three = '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10, 20], [30, 40], [50, 60]]</points><labels>[1, 0, 1]</labels>';
  const at = (i: number) => edit(three, [{ kind: 'remove-point', index: i }]).text;
  assert.equal(at(0), '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[30, 40], [50, 60]]</points><labels>[0, 1]</labels>');
  assert.equal(at(1), '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10, 20], [50, 60]]</points><labels>[1, 1]</labels>');
  assert.equal(at(2), '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10, 20], [30, 40]]</points><labels>[1, 0]</labels>');
  const all = edit(three, [0, 0, 0].map((index) => ({ kind: 'remove-point', index }) as const)).text;
  assert.equal(all, '<think>t</think><bbox>[1,2,3,4]</bbox><points>[]</points><labels>[]</labels>');
  // …and a point can be added back into the empty lists.
  assert.equal(edit(all, [{ kind: 'add-point', x: 20, y: 40, label: 0 }]).text, '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10,80]]</points><labels>[0]</labels>');
});

test('adding a point appends it and its label in the list\'s own style', () => {
  const out = edit(text, [{ kind: 'add-point', x: 100, y: 50, label: 0 }]);
  assert.equal(out.text, text.replace('[390,130]]', '[390,130],[50,100]]').replace('[1,0]', '[1,0,0]'));
  const spaced = '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10, 20]]</points><labels>[1]</labels>';
  assert.equal(edit(spaced, [{ kind: 'add-point', x: 2, y: 2, label: 1 }]).text, '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10, 20], [1, 4]]</points><labels>[1, 1]</labels>');
  assert.deepEqual(pointsOf(edit(spaced, [{ kind: 'add-point', x: 2, y: 2, label: 1 }]).text), [[10, 20, 1], [1, 4, 1]]);
});

test('an answer without points gets both lists after its last tag', () => {
  const none = '<think>t</think><bbox>[1,2,3,4]</bbox>';
  assert.equal(edit(none, [{ kind: 'add-point', x: 2, y: 2, label: 1 }]).text, `${none}<points>[[1,4]]</points><labels>[1]</labels>`);
});

test('edits index the text as the previous edits left it, so dropping the last one is an undo', () => {
  const edits: PromptEdit[] = [{ kind: 'remove-point', index: 0 }, { kind: 'point', index: 0, x: 0, y: 0 }, { kind: 'add-point', x: 2, y: 2, label: 1 }];
  const full = edit(text, edits).text;
  assert.deepEqual(pointsOf(full), [[0, 0, 0], [1, 4, 1]]);
  assert.deepEqual(pointsOf(edit(text, edits.slice(0, 2)).text), [[0, 0, 0]]);
});

test('points and labels that do not line up refuse an add (the label would name another point)', () => {
  const mismatch = '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10,20],[30,40]]</points><labels>[1]</labels>';
  const out = edit(mismatch, [{ kind: 'add-point', x: 2, y: 2, label: 1 }, { kind: 'flip-point', index: 1 }, { kind: 'remove-point', index: 1 }]);
  assert.deepEqual(out.refused.map((r) => r.edit), [0, 1]);
  assert.match(out.refused[0]!.reason, /2 points and 1 labels/);
  assert.equal(out.text, '<think>t</think><bbox>[1,2,3,4]</bbox><points>[[10,20]]</points><labels>[1]</labels>');
});

test('JSON answer formats accept moves and refuse structural edits with the reason', () => {
  const sz = '<think>t</think><answer>{"bbox": [10, 20, 30, 40], "points_1": [15, 25], "points_2": [20, 30]}</answer>';
  const moved = edit(sz, [{ kind: 'point', index: 1, x: 2, y: 2 }]);
  assert.equal(moved.text, sz.replace('[20, 30]', '[1, 4]'));
  const out = edit(sz, [{ kind: 'flip-point', index: 0 }, { kind: 'remove-point', index: 0 }, { kind: 'add-point', x: 1, y: 1, label: 1 }]);
  assert.equal(out.text, sz);
  assert.deepEqual(out.refused.map((r) => r.reason), [
    'segzero answers write every point as foreground; a point cannot be flipped',
    'segzero answers have a fixed number of points; a point cannot be removed',
    'segzero answers have a fixed number of points; a point cannot be added',
  ]);
});

test('an edit list longer than the cap is cut there, with a note', () => {
  const many: PromptEdit[] = Array.from({ length: MAX_PROMPT_EDITS + 3 }, () => ({ kind: 'flip-point', index: 0 }));
  const out = edit(text, many);
  assert.equal(out.text, text); // an even number of flips
  assert.deepEqual(out.refused, [{ edit: MAX_PROMPT_EDITS, reason: `more than ${MAX_PROMPT_EDITS} edits; the rest are ignored` }]);
});

test('a webview message\'s edits keep only well-formed entries, capped', () => {
  assert.deepEqual(wellFormedEdits('nope'), []);
  assert.deepEqual(
    wellFormedEdits([
      { kind: 'point', index: 0, x: 1, y: 2 },
      { kind: 'point', index: -1, x: 1, y: 2 },
      { kind: 'point', index: 0.5, x: 1, y: 2 },
      { kind: 'box', index: 0, x1: 1, y1: 2, x2: Number.NaN, y2: 4 },
      { kind: 'add-point', x: 3, y: 4, label: 2 },
      { kind: 'add-point', x: 3, y: 4, label: 0, extra: '<script>' },
      { kind: 'flip-point', index: 2 },
      { kind: 'remove-point', index: '1' },
      null,
      { kind: 'rm -rf', index: 0 },
    ]),
    [{ kind: 'point', index: 0, x: 1, y: 2 }, { kind: 'add-point', x: 3, y: 4, label: 0 }, { kind: 'flip-point', index: 2 }],
  );
  assert.equal(wellFormedEdits(Array.from({ length: MAX_PROMPT_EDITS * 2 }, () => ({ kind: 'flip-point', index: 0 }))).length, MAX_PROMPT_EDITS);
});
