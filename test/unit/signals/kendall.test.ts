import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { kendallTauB } from '../../../src/core/signals/kendall';

interface Case {
  x: number[];
  y: number[];
  tau: number | null;
}
const ref = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/signals/kendall.json'), 'utf8')) as { scipy: string; cases: Case[] };

test('kendallTauB equals scipy.stats.kendalltau (τ-b) on the reference cases, ties and undefined cases included (1e-12)', () => {
  assert.ok(ref.cases.length > 300);
  let undefinedCases = 0;
  const bad: string[] = [];
  ref.cases.forEach((c, k) => {
    const got = kendallTauB(c.x, c.y);
    if (c.tau === null) {
      undefinedCases++;
      if (!Number.isNaN(got)) bad.push(`case ${k}: ${got} vs NaN`);
    } else if (!(Math.abs(got - c.tau) <= 1e-12)) bad.push(`case ${k}: ${got} vs ${c.tau}`);
  });
  assert.deepEqual(bad, []);
  assert.ok(undefinedCases >= 10, `${undefinedCases} undefined cases`);
});

test('kendallTauB: hand cases, NaN propagation and length mismatch', () => {
  assert.equal(kendallTauB([1, 2, 3], [1, 2, 3]), 1);
  assert.equal(kendallTauB([1, 2, 3], [3, 2, 1]), -1);
  // One tie in x: C − D = 2, T = 3, X = 1, Y = 0 → 2 / √2 / √3.
  assert.equal(kendallTauB([1, 1, 2], [1, 2, 3]), 2 / Math.sqrt(2) / Math.sqrt(3));
  assert.ok(Number.isNaN(kendallTauB([1, Number.NaN, 2], [1, 2, 3])));
  assert.ok(Number.isNaN(kendallTauB([1], [1])));
  assert.ok(Number.isNaN(kendallTauB([2, 2, 2], [1, 2, 3])));
  // Equal infinities tie, as in NumPy ranks: one tie in each, C − D = 2 → 2 / √2 / √2 (not exactly 1, as in SciPy).
  assert.equal(kendallTauB([Infinity, Infinity, 0], [1, 1, 0]), 2 / Math.sqrt(2) / Math.sqrt(2));
  assert.throws(() => kendallTauB([1, 2], [1]), /different lengths/);
});
