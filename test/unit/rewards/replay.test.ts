import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, type ReplayReport } from '../../../src/cli/commands/replay';
import { runCli } from '../cliCapture';

const LOG = join(__dirname, '../../../../test/fixtures/rewards/replay/rollouts.jsonl');

/** Run main() capturing console output. */
const run = (argv: string[]) => runCli(main, argv);

test('segr1 replay end to end: logged RLE masks, deliberate defects found, bad lines reported, the rest replayed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'segr1-replay-'));
  try {
    const json = join(dir, 'report.json');
    const r = await run([LOG, '--reward', 'segr1-reference', '--json', json, '--mask-only']);
    assert.equal(r.code, 1, 'bad lines make the exit code 1');
    assert.match(r.err, /rollouts\.jsonl:5: not JSON/m);
    assert.match(r.err, /rollouts\.jsonl:10: .*outside the workspace/m);
    const report = JSON.parse(readFileSync(json, 'utf8')) as ReplayReport;
    assert.deepEqual(Object.keys(report), ['summary', 'rollouts']);
    assert.deepEqual(report.summary, { rollouts: 9, estimator: 'trl-group', differing: { format: 1, segment: 1, total: 0, advantage: 0 }, compared: { format: 9, segment: 8, total: 8, advantage: 8 }, nothingCompared: false, rewardWeights: [{ run: 'fixture', weights: { format: 1, segment: 1 }, from: 'default' }] });
    assert.deepEqual(report.rollouts.map((x) => x.line), [1, 2, 3, 4, 6, 7, 8, 9, 11]);
    const first = report.rollouts[0]!;
    assert.deepEqual(Object.keys(first), ['line', 'components', 'total', 'advantage']);
    assert.deepEqual(Object.keys(first.components), ['format', 'segment']);
    for (const x of report.rollouts.slice(0, 8)) {
      assert.ok(Math.abs(x.total.logged! - x.total.replayed!) <= 1e-6, `line ${x.line} total`);
      assert.ok(Math.abs(x.advantage.logged! - x.advantage.replayed!) <= 1e-6, `line ${x.line} advantage`);
    }
    const l2 = report.rollouts[1]!;
    assert.notEqual(l2.components.format!.logged, l2.components.format!.replayed);
    const l7 = report.rollouts[5]!;
    assert.ok(Math.abs(l7.components.segment!.logged! - l7.components.segment!.replayed! - 0.01) < 1e-6);
    // No mask and --mask-only: format replays, segment/total/advantage cannot.
    const l11 = report.rollouts[8]!;
    assert.equal(l11.components.format!.replayed, l11.components.format!.logged);
    assert.deepEqual([l11.components.segment!.replayed, l11.total.replayed, l11.advantage.replayed], [null, null, null]);
    assert.match(r.err, /segment not replayed/);
    assert.match(r.out, /9 rollouts replayed; differing \(\|Δ\| > 0.000001\): format 1, segment 1, total 0, advantage 0; advantages by trl-group/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segr1 replay usage errors exit 2', async () => {
  assert.equal((await run([])).code, 2);
  assert.equal((await run([LOG, '--reward', 'nope'])).code, 2);
  assert.equal((await run([LOG, '--bogus'])).code, 2);
});

test('segr1 replay --jobs: 2 workers write the same report and messages as 1 thread; a bad count is a usage error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'segr1-replay-jobs-'));
  try {
    const runs = [];
    for (const jobs of ['1', '2']) {
      const json = join(dir, `report-${jobs}.json`);
      const r = await run([LOG, '--reward', 'segr1-intended', '--json', json, '--mask-only', '--all', '--jobs', jobs]);
      runs.push({ ...r, json: readFileSync(json, 'utf8') });
    }
    assert.equal(runs[1]!.code, runs[0]!.code);
    assert.equal(runs[1]!.out, runs[0]!.out);
    assert.equal(runs[1]!.err, runs[0]!.err);
    assert.equal(runs[1]!.json, runs[0]!.json);
    for (const bad of ['0', '1.5', 'x']) {
      const r = await run([LOG, '--jobs', bad]);
      assert.equal(r.code, 2);
      assert.match(r.err, /--jobs must be a positive integer/);
    }
    assert.match((await run(['--help'])).out, /--jobs <n> +worker threads \(default 1 = this thread/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
