import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMarks, segments } from '../../../src/shared/textMarks';
import type { Glyph } from '../../../src/shared/protocol';

const text = '<think>a cat</think> <bbox>[1,2,3,4]</bbox>, <points>[[5,6]]</points>, <labels>[1]</labels>';

test('segments cover the text exactly once, in order', () => {
  const glyphs: Glyph[] = [
    { kind: 'box', index: 0, x1: 1, y1: 2, x2: 3, y2: 4, span: { start: text.indexOf('[1,2'), end: text.indexOf('</bbox>') } },
    { kind: 'point', index: 0, x: 5, y: 6, label: 1, span: { start: text.indexOf('[5,6]'), end: text.indexOf('[5,6]') + 5 }, labelSpan: { start: text.indexOf('[1]') + 1, end: text.indexOf('[1]') + 2 } },
  ];
  const marks = buildMarks(text, glyphs, { start: 7, end: 12 }, { start: 21, end: text.length });
  const segs = segments(text, marks);
  assert.equal(segs.map((s) => s.text).join(''), text);
  const think = segs.filter((s) => s.classes.includes('think')).map((s) => s.text).join('');
  assert.equal(think, 'a cat');
  const point = segs.filter((s) => s.glyph === 'point:0').map((s) => s.text);
  assert.deepEqual(point, ['[5,6]', '1']);
  const box = segs.filter((s) => s.glyph === 'box:0').map((s) => s.text).join('');
  assert.equal(box, '[1,2,3,4]');
  assert.ok(segs.find((s) => s.glyph === 'point:0' && s.text === '1')!.classes.includes('label'));
});

test('marks outside the text or empty are dropped, not thrown on', () => {
  const glyphs: Glyph[] = [{ kind: 'point', index: 0, x: 0, y: 0, label: 0, span: { start: 5, end: 5000 } }];
  const segs = segments('short', buildMarks('short', glyphs, { start: 3, end: 2 }));
  assert.deepEqual(segs, [{ text: 'short', classes: [], glyph: undefined }]);
});
