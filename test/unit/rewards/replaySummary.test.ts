import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReplaySummary, summariseReplay, type SummaryRollout } from '../../../src/core/rewards/replaySummary';

const r = (group: string, name: string, logged: number | null, replayed: number | null): SummaryRollout => ({ group, name, total: { logged, replayed } });

test('an exact replay: nothing changes, nothing inverts, and the sentence says so', () => {
  const s = summariseReplay('segr1-reference', [r('g1', 'line 1', 1.5, 1.5), r('g1', 'line 2', 0.5, 0.5), r('g2', 'line 3', 1, 1)]);
  assert.deepEqual({ ...s, examples: [...s.examples] }, { rewardSet: 'segr1-reference', rollouts: 3, compared: 3, changed: 0, maxAbsDelta: 0, groups: 1, groupsInverted: 0, invertedPairs: 0, examples: [] });
  assert.equal(describeReplaySummary(s), 'segr1-reference: none of 3 compared totals change (|Δ| ≤ 1e-6): the log replays exactly; no ranking inverts within 1 group.');
});

test('changes are counted beyond the tolerance, inversions per group pair, ties are not inversions', () => {
  const s = summariseReplay('segr1-intended', [
    r('g1', 'line 1', 1.6, 1.2),
    r('g1', 'line 2', 1.5, 1.4), // 1 > 2 logged, 2 > 1 replayed: inverted
    r('g1', 'line 3', 1.5, 1.0), // tie with line 2 when logged: not an inversion with it
    r('g2', 'line 4', 1.0, 1.0 + 5e-7), // within tolerance
    r('g2', 'line 5', 0.2, 0.3),
    r('g3', 'line 6', null, 0.3), // not compared
  ]);
  assert.equal(s.compared, 5);
  assert.equal(s.changed, 4);
  assert.ok(Math.abs(s.maxAbsDelta - 0.5) < 1e-12);
  assert.equal(s.groups, 2);
  assert.equal(s.groupsInverted, 1);
  assert.equal(s.invertedPairs, 1);
  assert.deepEqual(s.examples, [{ group: 'g1', loggedFirst: 'line 1', replayedFirst: 'line 2' }]);
  assert.match(describeReplaySummary(s), /^segr1-intended: 4 of 5 compared totals change \(largest \|Δ\| 0\.500\); rankings invert in 1 of 2 groups \(1 pair\), e\.g\. g1: line 2 above line 1\. 1 rollout not compared/);
});

test('the examples are bounded, the counts are not; groups of different keys never mix', () => {
  const rows: SummaryRollout[] = [];
  for (let g = 0; g < 10; g++) rows.push(r(`g${g}`, `a${g}`, 2, 0), r(`g${g}`, `b${g}`, 1, 1));
  const s = summariseReplay('segzero', rows, 3);
  assert.equal(s.invertedPairs, 10);
  assert.equal(s.groupsInverted, 10);
  assert.equal(s.examples.length, 3);
  const lone = summariseReplay('segzero', [r('x', 'a', 2, 0), r('y', 'b', 1, 1)]);
  assert.equal(lone.groups, 0);
  assert.equal(lone.invertedPairs, 0);
});

test('nothing compared is said plainly; NaN totals are not compared', () => {
  const s = summariseReplay('visionreasoner', [r('g', 'a', null, 1), r('g', 'b', Number.NaN, 1)]);
  assert.equal(s.compared, 0);
  assert.match(describeReplaySummary(s), /no rollout has both a logged and a replayed total \(2 replayed\)/);
});
