import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompletion } from '../../../src/core/completion/parse';
import { applyPromptEdits } from '../../../src/core/edit/promptEdits';

const text = '<think>the moth on bark</think> <bbox>[100,120,400,500]</bbox>, <points>[[200,300],[390,130]]</points>, <labels>[1,0]</labels>';
const frame = { width: 768, height: 768 };
const image = { width: 1536, height: 384 };

test('moving a point rewrites only its coordinates, in the model frame', () => {
  const a = parseCompletion(text, { format: 'segr1', frame });
  // Image pixel (800, 100) is model (400, 200) for a 2× wide, ½ tall image.
  const out = applyPromptEdits(text, a, [{ kind: 'point', index: 0, x: 800, y: 100 }], frame, image);
  assert.equal(out, text.replace('[200,300]', '[400,200]'));
  const b = parseCompletion(out, { format: 'segr1', frame });
  assert.deepEqual(b.points.map((p) => [p.x, p.y, p.label]), [[400, 200, 1], [390, 130, 0]]);
});

test('moving a box normalises corners, clamps to the frame and keeps every other byte', () => {
  const a = parseCompletion(text, { format: 'segr1', frame });
  const out = applyPromptEdits(text, a, [{ kind: 'box', index: 0, x1: 1600, y1: 10, x2: 20, y2: 200 }, { kind: 'point', index: 1, x: 2, y: 2 }], frame, image);
  assert.equal(out, '<think>the moth on bark</think> <bbox>[10,20,768,400]</bbox>, <points>[[200,300],[1,4]]</points>, <labels>[1,0]</labels>');
});

test('edits of glyphs that do not exist are ignored', () => {
  const a = parseCompletion(text, { format: 'segr1', frame });
  assert.equal(applyPromptEdits(text, a, [{ kind: 'point', index: 9, x: 1, y: 1 }], frame, image), text);
});
