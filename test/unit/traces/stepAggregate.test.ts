import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateByStep, quantileSorted, rateByStep, zeroVarianceGroupRate } from '../../../src/core/traces/stepAggregate';
import { promptStats } from '../../../src/core/traces/promptStats';

test('quantiles equal numpy linear interpolation', () => {
  // Values printed by numpy.quantile on the same inputs.
  assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.1) - 1.3) < 1e-12);
  assert.ok(Math.abs(quantileSorted([1, 2, 3, 4], 0.9) - 3.7) < 1e-12);
  assert.equal(quantileSorted([5], 0.1), 5);
  assert.ok(Math.abs(quantileSorted([0.2, 0.4, 0.9], 0.1) - 0.24) < 1e-12);
  assert.ok(Math.abs(quantileSorted([0.2, 0.4, 0.9], 0.9) - 0.8) < 1e-12);
  assert.ok(Number.isNaN(quantileSorted([], 0.5)));
});

test('aggregateByStep groups by step, sorts steps, skips NaN values and steps', () => {
  const step = [2, 1, 1, 2, Number.NaN, 3];
  const v = [4, 1, 3, Number.NaN, 100, 7];
  const s = aggregateByStep('r', step, v);
  assert.deepEqual(s.steps, [1, 2, 3]);
  assert.deepEqual(s.mean, [2, 4, 7]);
  assert.deepEqual(s.n, [2, 1, 1]);
  assert.ok(Math.abs(s.lo[0]! - 1.2) < 1e-12 && Math.abs(s.hi[0]! - 2.8) < 1e-12);
});

test('rates and zero-variance groups per step', () => {
  const step = [0, 0, 0, 0, 1, 1, 1, 1];
  const group = [0, 0, 1, 1, 2, 2, 3, 3];
  const reward = [1, 1, 0.5, 0.7, 2, 2, 1, 1];
  const z = zeroVarianceGroupRate('z', step, group, reward, 8);
  assert.deepEqual(z.steps, [0, 1]);
  assert.deepEqual(z.mean, [0.5, 1]);
  const fails = rateByStep('f', step, 8, (i) => reward[i]! < 1);
  assert.deepEqual(fails.mean, [0.5, 0]);
});

test('prompt statistics of a parsed answer', () => {
  const s = promptStats(
    {
      format: 'segr1',
      think: { text: ' a  small cat ', span: { start: 0, end: 1 } },
      boxes: [{ x1: 0, y1: 0, x2: 384, y2: 384, span: { start: 0, end: 1 } }],
      points: [
        { x: 1, y: 1, label: 1, span: { start: 0, end: 1 } },
        { x: 2, y: 2, label: 0, span: { start: 0, end: 1 } },
        { x: 3, y: 3, label: 1, span: { start: 0, end: 1 } },
      ],
      diagnostics: [],
    },
    { width: 768, height: 768 },
  );
  assert.deepEqual(s, { points: 3, positiveFraction: 2 / 3, boxes: 1, boxAreaFraction: 0.25, thinkWords: 3 });
});
