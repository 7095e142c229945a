import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultSmoothing, emaSmooth } from '../../../src/core/traces/smoothing';

test('emaSmooth is TensorBoard\'s debiased EMA, gaps kept', () => {
  // By hand: w = 0.5. last: 0.5·1 = 0.5 → /0.5 = 1; 0.25 + 0.5·3 = 1.75 → /0.75 = 2.3333…; gap; 0.875 + 0.5·2 = 1.875 → /0.875.
  const s = emaSmooth([1, 3, Number.NaN, 2], 0.5);
  assert.equal(s[0], 1);
  assert.ok(Math.abs(s[1]! - 1.75 / 0.75) < 1e-15);
  assert.ok(Number.isNaN(s[2]!));
  assert.ok(Math.abs(s[3]! - 1.875 / 0.875) < 1e-15);
  assert.deepEqual(Array.from(emaSmooth([4, 5, 6], 0)), [4, 5, 6]);
  // A constant stays constant at any weight (the debiasing is what makes that true from the first step).
  for (const v of emaSmooth(new Float64Array(50).fill(0.7), 0.95)) assert.ok(Math.abs(v - 0.7) < 1e-12);
  // Clamped weight: 1 would freeze the line; it behaves as 0.999.
  assert.deepEqual(Array.from(emaSmooth([1, 2], 1)), Array.from(emaSmooth([1, 2], 0.999)));
});

test('defaultSmoothing: none while steps keep 4 px each, then rising with crowding, capped', () => {
  assert.equal(defaultSmoothing(12, 246), 0);
  assert.equal(defaultSmoothing(61, 246), 0);
  const mid = defaultSmoothing(200, 246);
  const dense = defaultSmoothing(3125, 246);
  assert.ok(mid >= 0.6 && mid < dense && dense <= 0.95, `${mid} ${dense}`);
  assert.equal(defaultSmoothing(1e6, 246), 0.95);
});
