// Near-identical card warnings collapse into one line with a count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countRepeats } from '../../../src/shared/countedMessages';

const tail = 'has non-integer coordinates; the Seg-R1 reference only parses non-negative integers';

test('five warnings that differ in their subject become one line ×5; other messages stay', () => {
  const msgs = [
    { severity: 'warning', message: `box 1 ${tail}` },
    ...[1, 2, 3, 4].map((k) => ({ severity: 'warning', message: `point ${k} ${tail}` })),
    { severity: 'info', message: 'the training parser finds no valid bbox, points: format reward 0, segment reward 0' },
  ];
  const out = countRepeats(msgs);
  assert.equal(out.length, 2);
  assert.equal(out[0]!.count, 5);
  assert.equal(out[0]!.message, `box 1, point 1, point 2, point 3, point 4 ${tail}`);
  assert.equal(out[1]!.count, 1);
});

test('identical messages count; severities are kept apart; $ patterns in text are not expanded; long lists are cut', () => {
  const out = countRepeats([
    { severity: 'error', message: 'no </think>' },
    { severity: 'error', message: 'no </think>' },
    { severity: 'warning', message: 'no </think>' },
  ]);
  assert.deepEqual(out.map((m) => [m.severity, m.count]), [['error', 2], ['warning', 1]]);
  const many = countRepeats(Array.from({ length: 10 }, (_, k) => ({ severity: 'warning', message: `point ${k} is $& odd $1` })));
  assert.equal(many.length, 1);
  assert.equal(many[0]!.count, 10);
  assert.equal(many[0]!.message, 'point 0, point 1, point 2, point 3, point 4, point 5, … is $& odd $1');
});
