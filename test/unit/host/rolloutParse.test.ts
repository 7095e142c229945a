import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { parseAndEdit } from '../../../src/host/rolloutParse';
import { ViewProblems } from '../../../src/host/viewProblems';

const COMPLETION = '<think> a dog </think> <bbox>[10,10,50,50]</bbox>, <points>[[20,20],[30,30]]</points>, <labels>[1,0]</labels>';
const RLE = { size: [4, 4] as const, counts: [0, 16] };
const record: RolloutRecord = { completion: COMPLETION, mask: RLE };
const square = { kind: 'square', size: 768 } as const;

test('parseAndEdit: the frame is the run setting for the image size, the record\'s own model_frame first', () => {
  const p = parseAndEdit(record, { size: { width: 1536, height: 768 }, frame: { kind: 'fixed', width: 100, height: 50 }, answerFormat: 'auto' }, new ViewProblems(1, () => undefined));
  assert.deepEqual(p.frame, { width: 100, height: 50 });
  assert.equal(p.record, record);
  assert.equal(p.answer.format, 'segr1');
  assert.equal(p.answer.points.length, 2);
  const own = parseAndEdit({ ...record, model_frame: { width: 320, height: 240 } }, { size: { width: 64, height: 64 }, frame: square, answerFormat: 'auto' }, new ViewProblems(1, () => undefined));
  assert.deepEqual(own.frameSpec, { kind: 'fixed', width: 320, height: 240 });
  assert.deepEqual(own.frame, { width: 320, height: 240 });
  // No image and no GT: the record's frame, else 768².
  assert.deepEqual(parseAndEdit(record, { frame: square, answerFormat: 'auto' }, new ViewProblems(1, () => undefined)).frame, { width: 768, height: 768 });
});

test('parseAndEdit: an answer format setting other than auto is the parser\'s', () => {
  const p = parseAndEdit(record, { size: { width: 64, height: 64 }, frame: square, answerFormat: 'segzero' }, new ViewProblems(1, () => undefined));
  assert.equal(p.answer.format, 'segzero');
});

test('parseAndEdit: edits rewrite the completion in the model frame and set the logged mask aside', () => {
  const size = { width: 768, height: 768 };
  const moved = parseAndEdit(record, { size, frame: square, answerFormat: 'auto', edits: [{ kind: 'point', index: 0, x: 100, y: 200 }] }, new ViewProblems(1, () => undefined));
  assert.match(moved.record.completion, /\[\[100,200\],\[30,30\]\]/);
  assert.equal(moved.record.mask, undefined);
  assert.deepEqual([moved.answer.points[0]?.x, moved.answer.points[0]?.y], [100, 200]);
  // Empty edits: the text as logged, the logged mask still set aside (re-segment).
  const reseg = parseAndEdit(record, { size, frame: square, answerFormat: 'auto', edits: [] }, new ViewProblems(1, () => undefined));
  assert.equal(reseg.record.completion, COMPLETION);
  assert.equal(reseg.record.mask, undefined);
  // Without a size, edits cannot be checked: nothing is applied and the logged mask stays.
  const unsized = parseAndEdit(record, { frame: square, answerFormat: 'auto', edits: [{ kind: 'point', index: 0, x: 1, y: 2 }] }, new ViewProblems(1, () => undefined));
  assert.equal(unsized.record, record);
});

test('parseAndEdit: a refused edit is a problem of the line, numbered from 1', () => {
  const reported: string[] = [];
  const problems = new ViewProblems(4, (_l, m) => reported.push(m));
  parseAndEdit(record, { size: { width: 768, height: 768 }, frame: square, answerFormat: 'auto', edits: [{ kind: 'point', index: 9, x: 1, y: 1 }] }, problems);
  assert.equal(reported.length, 1);
  assert.match(reported[0] ?? '', /^edit 1 not applied: /);
  assert.deepEqual(problems.list, reported);
});
