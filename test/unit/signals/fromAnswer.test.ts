import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCompletion } from '../../../src/core/completion/parse';
import { answerPrompts, gtTightBox } from '../../../src/core/signals/fromAnswer';
import { boxAreaRatio } from '../../../src/core/signals/stepSignals';

test('answerPrompts maps the answer\'s boxes from the model frame to image pixels and counts its points', () => {
  const frame = { width: 768, height: 768 };
  const a = parseCompletion('<think>t</think> <bbox>[192,384,384,768]</bbox>, <points>[[200,400],[300,500]]</points>, <labels>[1,0]</labels>', { frame });
  const p = answerPrompts(a, frame, { width: 1536, height: 384 });
  assert.equal(p.points, 2);
  assert.deepEqual(p.boxes, [{ x1: 384, y1: 192, x2: 768, y2: 384 }]);
});

test('gtTightBox: foreground is > 127 in a GT image, > 0 in a 0/1 mask; x2/y2 one past the last pixel; empty → undefined', () => {
  const w = 6;
  const h = 5;
  const m = new Uint8Array(w * h);
  m[1 * w + 2] = 255;
  m[3 * w + 4] = 128;
  m[4 * w + 0] = 127; // background: not > 127
  const gt = gtTightBox({ width: w, height: h, data: m })!;
  assert.deepEqual(gt, { x1: 2, y1: 1, x2: 5, y2: 4 });
  const bin = new Uint8Array(w * h);
  bin[2 * w + 1] = 1;
  assert.equal(gtTightBox({ width: w, height: h, data: bin }), undefined, 'a 0/1 mask read as a GT image is empty');
  assert.deepEqual(gtTightBox({ width: w, height: h, data: bin }, 0), { x1: 1, y1: 2, x2: 2, y2: 3 });
  assert.equal(gtTightBox({ width: w, height: h, data: new Uint8Array(w * h) }), undefined);
  assert.throws(() => gtTightBox({ width: w, height: h, data: new Uint8Array(3) }), /3 values for 6×5/);
  const ratio = boxAreaRatio({ line: 1, step: 1, group: 'g', reward: 1, iou: 1, points: 1, boxes: [{ x1: 0, y1: 0, x2: 6, y2: 3 }], gtBox: gt });
  assert.equal(ratio, 18 / 9);
});
