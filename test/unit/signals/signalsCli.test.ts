import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { workspace } from './signalWorkspace';

const CLI = join(__dirname, '../../../../dist/cli.js');

function cli(args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('segr1 signals --json: the four signals and the sign flips, NaN as null, a refused GT named by line and field', async () => {
  const { root, log } = await workspace();
  const r = cli(['signals', log, '--root', root, '--json']);
  assert.equal(r.code, 0, r.err);
  const out = JSON.parse(r.out) as { signals: Array<{ id: string; steps: number[]; mean: Array<number | null>; n: number[]; excluded: number[] }>; signFlips: { base: string; alternative: string; steps: number[] } };
  assert.deepEqual(out.signals.map((s) => s.id), ['reward-iou-tau', 'flat-groups', 'points-per-rollout', 'box-area-vs-gt']);
  const tau = out.signals[0]!;
  // Group g: rewards 1, 0.5 and IoUs 1, 0.5 agree (τ 1); group h has no IoU (left out).
  assert.deepEqual([tau.steps, tau.mean, tau.n, tau.excluded], [[1], [1], [1], [1]]);
  const box = out.signals[3]!;
  assert.deepEqual([box.mean, box.n, box.excluded], [[1.5], [2], [2]]);
  assert.equal(out.signFlips.base, 'trl-group');
  assert.equal(out.signFlips.alternative, 'trl-gdpo');
  assert.match(r.err, /rollouts\.jsonl:4: field gt: "\.\.\/outside\.png"/);
  const table = cli(['signals', log, '--root', root, '--alternative', 'verl-rloo']);
  assert.equal(table.code, 0, table.err);
  assert.match(table.out, /threshold: below 0\.3/);
  assert.match(table.out, /sign flips trl-group → verl-rloo/);
});

test('segr1 signals: usage errors exit 2 naming the problem', () => {
  assert.equal(cli(['signals', '--help']).code, 0);
  const none = cli(['signals']);
  assert.equal(none.code, 2);
  assert.match(none.err, /a log is required/);
  const bad = cli(['signals', 'x.jsonl', '--alternative', 'ppo']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--alternative: unknown estimator 'ppo'/);
  assert.match(cli(['signals', 'x.jsonl', '--root']).err, /--root needs a value/);
});
