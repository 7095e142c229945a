import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rankingInversions, thumbnailMask } from '../../../src/host/rolloutScore';

test('inversions: logged reward order opposite to intended quality, ties ignored', () => {
  const g = [
    { index: 0, sample: 0, reward: 1.8, intended: 1.5 },
    { index: 1, sample: 1, reward: 1.6, intended: 1.9 }, // better mask, lower logged reward
    { index: 2, sample: 2, reward: 1.6, intended: 1.2 },
    { index: 3, sample: 3, reward: 0.0, intended: undefined, iou: undefined },
  ];
  assert.deepEqual(rankingInversions(g[0]!, g), [1]);
  assert.deepEqual(rankingInversions(g[1]!, g), [0]);
  assert.deepEqual(rankingInversions(g[2]!, g), []); // tie on reward with #1 is not an inversion
  assert.deepEqual(rankingInversions(g[3]!, g), []);
});

test('falls back to IoU when the intended reward is unknown', () => {
  const g = [
    { index: 0, reward: 1, iou: 0.2 },
    { index: 1, reward: 0.5, iou: 0.9 },
  ];
  assert.deepEqual(rankingInversions(g[0]!, g), [1]);
});

test('thumbnail masks keep aspect and stay binary', () => {
  const m = { width: 200, height: 100, data: new Uint8Array(200 * 100) };
  for (let y = 0; y < 100; y++) for (let x = 100; x < 200; x++) m.data[y * 200 + x] = 1;
  const t = thumbnailMask(m, 50);
  assert.equal(t.width, 50);
  assert.equal(t.height, 25);
  assert.ok(t.data.every((v) => v === 0 || v === 1));
  assert.equal(t.data.reduce((a, b) => a + b, 0), 25 * 25);
});
