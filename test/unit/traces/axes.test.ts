import assert from 'node:assert/strict';
import { test } from 'node:test';
import { snapStepRange, stepTicks, yDomain } from '../../../src/core/traces/axes';

test('yDomain: a constant series spans the value and zero, never a range below the data', () => {
  assert.deepEqual(yDomain(0, 0), [0, 1]);
  assert.deepEqual(yDomain(1, 1), [0, 1]);
  assert.deepEqual(yDomain(0.25, 0.25), [0, 0.25]);
  assert.deepEqual(yDomain(-0.3, -0.3), [-0.3, 0]);
  assert.deepEqual(yDomain(0.1, 0.9), [0.1, 0.9]);
  // No finite value at all (Math.min of nothing is Infinity): a plain unit axis.
  assert.deepEqual(yDomain(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), [0, 1]);
});

test('stepTicks: whole steps only, at most the asked count, strides of 1/2/5 × 10^k', () => {
  assert.deepEqual(stepTicks(1, 3), [1, 2, 3]);
  assert.deepEqual(stepTicks(1, 12), [2, 4, 6, 8, 10, 12]);
  assert.deepEqual(stepTicks(0, 3000), [0, 1000, 2000, 3000]);
  assert.deepEqual(stepTicks(5, 5), [5]);
  assert.deepEqual(stepTicks(2.5, 2.7), []);
  assert.deepEqual(stepTicks(0.5, 1.5), [1]);
  for (const [a, b] of [[1, 97], [0, 12345], [7, 8], [3, 1000]] as const) {
    const t = stepTicks(a, b);
    assert.ok(t.length >= 1 && t.length <= 6, `${a}–${b}: ${t}`);
    assert.ok(t.every(Number.isInteger) && t.every((v) => v >= a && v <= b), `${a}–${b}: ${t}`);
  }
});

test('snapStepRange: the logged steps inside a fractional brush, or none', () => {
  const steps = [1, 2, 3, 4, 5, 6, 8, 12];
  assert.deepEqual(snapStepRange(steps, 2.699, 5.248), [3, 5]);
  assert.deepEqual(snapStepRange(steps, 5.248, 2.699), [3, 5]);
  assert.deepEqual(snapStepRange(steps, 6.2, 7.9), undefined);
  assert.deepEqual(snapStepRange(steps, 6, 12), [6, 12]);
  assert.deepEqual(snapStepRange([], 0, 10), undefined);
});
