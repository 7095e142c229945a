import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { main, type ReplayReport } from '../../../src/cli/commands/replay';
import { readRewardWeights } from '../../../src/core/logs/rewardWeights';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog } from '../../../src/core/rewards/replay';
import type { LogIssue } from '../../../src/core/logs/issues';
import { tempDir } from '../tempDir';
import { runCli } from '../cliCapture';

const DIR = join(__dirname, '../../../../test/fixtures/rewards/replay');
const LOG = join(DIR, 'weighted.jsonl');
// TRL 1.13's own advantage code with reward_weights [2.0, 0.5] (test/fixtures/gen/rewards_replay_weights.py).
const ref = JSON.parse(readFileSync(join(DIR, 'weighted.expected.json'), 'utf8')) as { expected: Record<string, number[]>; unit_weights: Record<string, number[]>; reward: number[] };

const run = (argv: string[]) => runCli(main, argv);

const close = (a: number | null, b: number) => a !== null && Math.abs(a - b) <= 1e-6;

for (const est of ['trl-group', 'trl-none', 'trl-batch', 'trl-gdpo']) {
  test(`segr1 replay --advantage ${est} weighs components by the log's reward_weights, as TRL does (1e-6)`, async () => {
    const dir = tempDir('segr1-weights-');
    const json = join(dir, 'r.json');
    const r = await run([LOG, '--reward', 'segr1-reference', '--advantage', est, '--mask-only', '--json', json]);
    assert.equal(r.code, 0, r.err);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ReplayReport;
    const want = ref.expected[est]!;
    const unit = ref.unit_weights[est]!;
    report.rollouts.forEach((x, i) => {
      assert.ok(close(x.advantage.replayed, want[i]!), `${est} line ${x.line}: ${x.advantage.replayed} vs ${want[i]}`);
      // The weights matter: with 1s the advantage would be another value.
      assert.ok(Math.abs(want[i]! - unit[i]!) > 1e-3);
    });
    assert.deepEqual(report.summary.rewardWeights, [{ run: 'fixture', weights: { format: 0.5, segment: 2 }, from: 'log', line: 1 }]);
    if (est === 'trl-group') assert.equal(report.summary.differing.advantage, 0, 'the logged (TRL) advantages match');
    assert.match(r.out, new RegExp(`advantages by ${est} with reward weights format 0\\.5, segment 2 \\(from the log\\)$`));
  });
}

test('a caller-given weight map overrides the log for every run', async () => {
  const { report } = await replayLog(LOG, { rewardSet: getRewardSet('segr1-reference')!, root: DIR, estimator: 'trl-group', rewardWeights: { segment: 1, format: 1 } });
  report.rollouts.forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.unit_weights['trl-group']![i]!)));
  assert.equal(report.summary.rewardWeights[0]!.from, 'caller');
});

/** The weighted log with each record passed through `edit` (index, record) → record or a raw line. */
function variant(edit: (i: number, r: Record<string, unknown>) => Record<string, unknown> | string): string {
  const dir = tempDir('segr1-weights-');
  // A copy: a symlink to the fixtures would resolve outside the log's root and be refused.
  cpSync(join(DIR, 'gt'), join(dir, 'gt'), { recursive: true });
  const lines = readFileSync(LOG, 'utf8').trim().split('\n');
  const out = lines.map((l, i) => {
    const e = edit(i, JSON.parse(l) as Record<string, unknown>);
    return typeof e === 'string' ? e : JSON.stringify(e);
  });
  const p = join(dir, 'log.jsonl');
  writeFileSync(p, out.join('\n') + '\n');
  return p;
}

async function replayVariant(path: string, estimator = 'trl-group'): Promise<{ report: ReplayReport; issues: LogIssue[] }> {
  const issues: LogIssue[] = [];
  const { report, badLines } = await replayLog(path, { rewardSet: getRewardSet('segr1-reference')!, root: join(path, '..'), estimator, onIssue: (i) => issues.push(i) });
  assert.equal(badLines, 0);
  return { report, issues };
}

test('weights as a name map, in extra (a converted TRL run), and only on the first record all read the same', async () => {
  for (const edit of [
    (_i: number, r: Record<string, unknown>) => ({ ...r, reward_weights: { format: 0.5, segment: 2 } }),
    (_i: number, r: Record<string, unknown>) => {
      const { reward_weights, ...rest } = r;
      return { ...rest, extra: { reward_weights } };
    },
    (i: number, r: Record<string, unknown>) => {
      const { reward_weights, ...rest } = r;
      return i === 0 ? { ...rest, reward_weights } : rest;
    },
  ]) {
    const { report, issues } = await replayVariant(variant(edit), 'trl-gdpo');
    assert.deepEqual(issues, []);
    report.rollouts.forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.expected['trl-gdpo']![i]!), `line ${x.line}`));
  }
});

test('unusable reward_weights: an error naming line and field, and the run falls back to 1', async () => {
  const cases: Array<[unknown, string, RegExp]> = [
    [[2, 0.5, 1], 'reward_weights', /3 weights for 2 reward functions \(segment, format\)/],
    [[2, '0.5'], 'reward_weights[1]', /finite number, found string/],
    [[2, null], 'reward_weights[1]', /finite number, found null/],
    [{ segment: 2, format: 0.5, accuracy: 1 }, 'reward_weights.accuracy', /names no reward function/],
    [{ segment: 2 }, 'reward_weights', /no weight for reward function 'format'/],
    ['2,0.5', 'reward_weights', /expected a list of numbers/],
  ];
  for (const [value, field, message] of cases) {
    const { report, issues } = await replayVariant(variant((_i, r) => ({ ...r, reward_weights: value })));
    assert.equal(issues.length, 1, `${JSON.stringify(value)}: reported once per run, not per line`);
    assert.deepEqual({ line: issues[0]!.line, field: issues[0]!.field, severity: issues[0]!.severity }, { line: 1, field, severity: 'error' });
    assert.match(issues[0]!.message, message);
    assert.match(issues[0]!.message, /weights of 1 used/);
    report.rollouts.forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.unit_weights['trl-group']![i]!)));
    assert.equal(report.summary.rewardWeights[0]!.from, 'default');
  }
  // NaN (Python's json.dumps writes it bare) is not a weight either.
  const nan = variant((_i, r) => JSON.stringify({ ...r, reward_weights: [2, 0.5] }).replace('"reward_weights": [2, 0.5]', '"reward_weights": [NaN, 0.5]').replace('"reward_weights":[2,0.5]', '"reward_weights":[NaN,0.5]'));
  const n = await replayVariant(nan);
  assert.equal(n.issues[0]?.field, 'reward_weights[0]');
});

test('a record logging other weights than its run is reported at its line; the first weights stay', async () => {
  const { report, issues } = await replayVariant(variant((i, r) => (i === 3 ? { ...r, reward_weights: [1, 1] } : r)));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.line, 4);
  assert.match(issues[0]!.message, /differs from .* line 1/);
  report.rollouts.forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.expected['trl-group']![i]!)));
});

test('runs keep their own weights: a second run without weights uses 1', async () => {
  const p = variant((i, r) => {
    if (i < 3) return r;
    const { reward_weights: _w, ...rest } = r;
    return { ...rest, run: 'other' };
  });
  const { report } = await replayVariant(p);
  assert.deepEqual(
    report.summary.rewardWeights.map((w) => [w.run, w.from]),
    [
      ['fixture', 'log'],
      ['other', 'default'],
    ],
  );
  // Group g0 (first three, run 'fixture') is weighted; g1 now in run 'other' is not.
  report.rollouts.slice(0, 3).forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.expected['trl-group']![i]!)));
  report.rollouts.slice(3).forEach((x, i) => assert.ok(close(x.advantage.replayed, ref.unit_weights['trl-group']![i + 3]!)));
});

test('readRewardWeights: lists align with the names, maps are checked against them', () => {
  assert.deepEqual(readRewardWeights([1, 0.25], ['a', 'b']), { weights: { a: 1, b: 0.25 } });
  assert.deepEqual(readRewardWeights({ b: 3, a: 1 }, ['a', 'b']), { weights: { b: 3, a: 1 } });
  assert.deepEqual(readRewardWeights({ x: 2 }, undefined), { weights: { x: 2 } });
  assert.ok('field' in readRewardWeights([1], undefined));
  assert.deepEqual(readRewardWeights([1, Infinity], ['a', 'b']), { field: 'reward_weights[1]', message: 'expected a finite number, found number Infinity' });
  assert.deepEqual(readRewardWeights([true, 1], ['a', 'b'], 'training_args.reward_weights'), { field: 'training_args.reward_weights[0]', message: 'expected a finite number, found boolean true' });
});
