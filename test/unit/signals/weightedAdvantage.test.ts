import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRolloutLogSerial } from '../../../src/core/logs/jsonlIndex';
import { componentWeights, readLogRunConfig, weightsLabel } from '../../../src/core/logs/runConfig';
import { getAdvantageEstimator } from '../../../src/core/rewards/advantageEstimators';
import { advantageRolloutsOfIndex, signFlipShare } from '../../../src/core/signals/signFlips';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog } from '../../../src/core/rewards/replay';
import { runEstimator, whatIfPayload, withWouldBe } from '../../../src/host/advantageWhatIf';
import { signFlipChart } from '../../../src/host/signalsData';
import { tempDir } from '../tempDir';

// A TRL-style log whose run weighs segment 2 and format 0.5 (`reward_weights` [2.0, 0.5] aligned with `rewards`),
// with TRL 1.13's own advantages under those weights (test/fixtures/gen/rewards_replay_weights.py).
const DIR = join(__dirname, '../../../../test/fixtures/rewards/replay');
const LOG = join(DIR, 'weighted.jsonl');
const CLI = join(__dirname, '../../../../dist/cli.js');
const ref = JSON.parse(readFileSync(join(DIR, 'weighted.expected.json'), 'utf8')) as { expected: Record<string, number[]>; unit_weights: Record<string, number[]> };
const ESTIMATORS = ['trl-group', 'trl-none', 'trl-batch', 'trl-gdpo'] as const;

const near = (a: number | undefined, b: number) => a !== undefined && Math.abs(a - b) <= 1e-6;

/** Per step (the fixture has one), the share of rollouts whose sign differs between two reference columns. */
function refShare(a: readonly number[], b: readonly number[]): number {
  return a.filter((x, k) => x * b[k]! < 0).length / a.length;
}

async function load() {
  const index = await indexRolloutLogSerial(LOG);
  const issues: string[] = [];
  const config = await readLogRunConfig(LOG, (i) => issues.push(`${i.line}:${i.field}`));
  assert.deepEqual(issues, []);
  return { index, config };
}

for (const id of ESTIMATORS) {
  test(`the panel's what-if under ${id} weighs components by the run's reward_weights, as TRL does (1e-6)`, async () => {
    const { index, config } = await load();
    for (const i of [0, 4]) {
      const w = whatIfPayload(index, i, getAdvantageEstimator('trl-group')!, config);
      assert.equal(w.weights, 'weights segment×2, format×0.5');
      for (const row of w.rows) assert.ok(near(row.values[id], ref.expected[id]![row.index]!), `${id} record ${row.index}: ${row.values[id]} vs ${ref.expected[id]![row.index]}`);
    }
  });
}

test('the would-be advantage weighs the edit as the run does: re-scoring a rollout to its logged rewards changes nothing', async () => {
  const { index, config } = await load();
  const run = getAdvantageEstimator('trl-gdpo')!;
  const payload = whatIfPayload(index, 1, run, config);
  const edited = withWouldBe(payload, index, 1, run, {
    rewardSet: 'segr1-reference',
    rewards: [
      { name: 'segment', logged: 0.6384262442588806, replayed: { 'segr1-reference': 0.6384262442588806 } },
      { name: 'format', logged: 0, replayed: { 'segr1-reference': 0 } },
    ],
    total: { name: 'total', replayed: { 'segr1-reference': 1.2768524885177612 } },
  }, config);
  for (const r of edited.wouldBe!.rows) {
    assert.ok(near(r.before, ref.expected['trl-gdpo']![r.index]!), `before ${r.index}`);
    assert.ok(near(r.after, ref.expected['trl-gdpo']![r.index]!), `after ${r.index}`);
  }
});

for (const alt of ['trl-gdpo', 'trl-none', 'trl-batch']) {
  test(`sign flips trl-group → ${alt} under the run's weights equal the weighted reference`, async () => {
    const { index, config } = await load();
    const base = getAdvantageEstimator('trl-group')!;
    const run = { log: LOG, label: 'fixture', rollouts: [], advantage: advantageRolloutsOfIndex(index), base, problems: [] };
    const components = [...index.components.keys()];
    const weights = (r: string) => componentWeights(config, r, components);
    const chart = signFlipChart([{ ...run, weights, weightsLabel: weightsLabel(components, weights('fixture')) }], alt);
    const share = refShare(ref.expected['trl-group']!, ref.expected[alt]!);
    assert.deepEqual(chart.runs[0]!.steps, [3]);
    assert.ok(near(chart.runs[0]!.mean[0] ?? undefined, share), `${chart.runs[0]!.mean[0]} vs ${share}`);
    assert.match(chart.title, /trl-group \(weights segment×2, format×0\.5\) → /);
    const s = signFlipShare(run.advantage, base, getAdvantageEstimator(alt)!, weights);
    assert.ok(near(s.mean[0], share));
  });
}

test('the weighted log flips more rollouts to GDPO than weights of 1 would (the weights matter here)', () => {
  assert.notEqual(refShare(ref.expected['trl-group']!, ref.expected['trl-gdpo']!), refShare(ref.unit_weights['trl-group']!, ref.unit_weights['trl-gdpo']!));
});

test('segr1 signals reads the run weights as replay does: shares equal the weighted reference, weights named', () => {
  const r = spawnSync(process.execPath, [CLI, 'signals', LOG, '--root', DIR, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { signFlips: { base: string; alternative: string; steps: number[]; mean: number[]; weights: string } };
  assert.equal(out.signFlips.base, 'trl-group');
  assert.deepEqual(out.signFlips.steps, [3]);
  assert.ok(near(out.signFlips.mean[0], refShare(ref.expected['trl-group']!, ref.expected['trl-gdpo']!)));
  assert.equal(out.signFlips.weights, 'weights segment×2, format×0.5');
  const table = spawnSync(process.execPath, [CLI, 'signals', LOG, '--root', DIR], { encoding: 'utf8' });
  assert.match(table.stdout, /sign flips trl-group → trl-gdpo \(weights segment×2, format×0\.5\)\n +step +3 +0\.5000 +3 of 6 rollouts/);
});

test("auto follows the run's logged scale_rewards in replay, the panel and segr1 signals alike", async () => {
  const dir = tempDir('segr1-weighted-');
  cpSync(join(DIR, 'gt'), join(dir, 'gt'), { recursive: true });
  const log = join(dir, 'weighted.jsonl');
  const lines = readFileSync(LOG, 'utf8').split('\n').filter((l) => l.trim());
  writeFileSync(log, lines.map((l) => JSON.stringify({ ...(JSON.parse(l) as object), extra: { scale_rewards: 'batch' } })).join('\n') + '\n');
  const { report } = await replayLog(log, { rewardSet: getRewardSet('segr1-reference')!, root: dir });
  assert.equal(report.summary.estimator, 'trl-batch');
  report.rollouts.forEach((r, k) => assert.ok(near(r.advantage.replayed ?? undefined, ref.expected['trl-batch']![k]!), `replay ${k}`));
  const index = await indexRolloutLogSerial(log);
  const config = await readLogRunConfig(log, () => assert.fail('no issue expected'));
  const run = runEstimator('auto', undefined, 'segr1', config);
  assert.equal(run.id, 'trl-batch');
  const w = whatIfPayload(index, 0, run, config);
  assert.equal(w.run, 'trl-batch');
  for (const row of w.rows) assert.ok(near(row.values['trl-batch'], r0(report, row.index)));
  const cli = spawnSync(process.execPath, [CLI, 'signals', log, '--root', dir], { encoding: 'utf8' });
  assert.match(cli.stdout, /sign flips trl-batch → trl-gdpo \(weights segment×2, format×0\.5\)/);
});

/** Replay's advantage of rollout `k`. */
function r0(report: { rollouts: ReadonlyArray<{ advantage: { replayed: number | null } }> }, k: number): number {
  return report.rollouts[k]!.advantage.replayed!;
}
