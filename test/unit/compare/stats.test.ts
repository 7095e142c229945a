import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { binomTestHalf, bootstrapMeanCi, BOOTSTRAP_RESAMPLES, percentileLinear, signTest } from '../../../src/core/compare/stats';
import { Rng } from '../../../src/core/sample/random';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'compare', 'stats.json');
const ref = JSON.parse(readFileSync(FIX, 'utf8')) as {
  sign: Array<{ k: number; n: number; p: number }>;
  percentile: Array<{ values: number[]; q: number[]; expected: number[] }>;
};

test('sign test p-values equal scipy.stats.binomtest(k, n, 0.5) to 1e-12 (test/fixtures/gen/compare_stats.py)', () => {
  assert.ok(ref.sign.length > 900);
  for (const c of ref.sign) {
    const p = binomTestHalf(c.k, c.n);
    assert.ok(Math.abs(p - c.p) <= 1e-12, `k=${c.k} n=${c.n}: ${p} vs scipy ${c.p}`);
    // Tiny tails keep their relative precision too.
    if (c.p > 1e-300) assert.ok(Math.abs(p - c.p) <= 1e-9 * c.p, `k=${c.k} n=${c.n}: relative ${Math.abs(p - c.p) / c.p}`);
  }
});

test('signTest drops ties and NaN and tests the positive count', () => {
  const s = signTest([0.1, 0.2, -0.05, 0, 0, Number.NaN, 0.3, 0.01]);
  assert.deepEqual([s.n, s.positive, s.negative, s.ties], [5, 4, 1, 2]);
  assert.equal(s.pValue, binomTestHalf(4, 5));
  assert.equal(signTest([0, 0]).pValue, 1);
  assert.equal(signTest([]).n, 0);
  assert.throws(() => binomTestHalf(3, 2), /0 <= k <= n/);
});

test("percentileLinear is numpy.percentile's default 'linear' method, bit for bit", () => {
  for (const c of ref.percentile) c.q.forEach((q, i) => assert.equal(percentileLinear(c.values, q), c.expected[i], `n=${c.values.length} q=${q}`));
  assert.ok(Number.isNaN(percentileLinear([], 50)));
});

test('bootstrap CI: deterministic for a seed, moves with the seed, documented resample count', () => {
  const rng = new Rng(11);
  const d = Array.from({ length: 60 }, () => rng.next() - 0.4);
  const a = bootstrapMeanCi(d);
  assert.deepEqual(bootstrapMeanCi(d), a);
  assert.equal(a.resamples, BOOTSTRAP_RESAMPLES);
  assert.equal(a.n, 60);
  assert.ok(a.low < a.mean && a.mean < a.high);
  const b = bootstrapMeanCi(d, { seed: 2 });
  assert.notEqual(b.low, a.low);
  // Seeds move the bounds by a small part of the width at 10,000 resamples.
  assert.ok(Math.abs(b.low - a.low) < 0.05 * (a.high - a.low));
  const c = bootstrapMeanCi([0.25, 0.25, 0.25, Number.NaN]);
  assert.deepEqual([c.n, c.mean, c.low, c.high], [3, 0.25, 0.25, 0.25]);
  assert.ok(Number.isNaN(bootstrapMeanCi([]).low));
});

test('bootstrap CI covers the true mean about 95% of the time on synthetic data', () => {
  const rng = new Rng(2026);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const trials = 300;
  let covered = 0;
  let widths = 0;
  for (let t = 0; t < trials; t++) {
    const d = Array.from({ length: 80 }, () => 0.03 + 0.1 * normal());
    const ci = bootstrapMeanCi(d, { resamples: 1000, seed: t });
    if (ci.low <= 0.03 && 0.03 <= ci.high) covered++;
    widths += ci.high - ci.low;
  }
  // Binomial(300, 0.95) lies in [0.91, 0.985] with probability > 0.998; the percentile bootstrap undercovers slightly at n = 80.
  assert.ok(covered / trials >= 0.9 && covered / trials <= 0.99, `coverage ${covered / trials}`);
  // Width ≈ 2 · 1.96 · σ/√n = 0.0438.
  assert.ok(Math.abs(widths / trials - 0.0438) < 0.004, `mean width ${widths / trials}`);
});
