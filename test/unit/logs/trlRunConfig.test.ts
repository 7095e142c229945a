import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RolloutSink } from '../../../src/core/logs/adapterTypes';
import { readAdapter } from '../../../src/core/logs/formats';
import type { LogIssue } from '../../../src/core/logs/issues';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { componentWeights, readLogRunConfig, trainerConfigOf, weightsLabel } from '../../../src/core/logs/runConfig';
import { resolveAdvantageEstimator } from '../../../src/core/rewards/advantageEstimators';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');
const ARGS = join(FIX, 'trl-args');
// Made by test/fixtures/gen/logs_trl_args.py: real TRL 1.13 GRPOConfig objects saved with torch.save.
const cases = JSON.parse(readFileSync(join(ARGS, 'cases.json'), 'utf8')) as { fields: Record<string, Record<string, unknown>> };

async function convert(args: string): Promise<{ records: RolloutRecord[]; issues: LogIssue[] }> {
  const dir = tempDir('segr1-trlcfg-');
  cpSync(join(FIX, 'trl-grpo', 'completions'), join(dir, 'completions'), { recursive: true });
  copyFileSync(join(FIX, 'trl-grpo', 'trainer_state.json'), join(dir, 'trainer_state.json'));
  copyFileSync(join(ARGS, args, 'training_args.bin'), join(dir, 'training_args.bin'));
  const records: RolloutRecord[] = [];
  const issues: LogIssue[] = [];
  const sink: RolloutSink = { record: (r) => records.push(r), issue: (i) => issues.push(i) };
  await readAdapter('trl-parquet').read(dir, sink);
  return { records, issues };
}

for (const [name, want] of [
  ['gdpo', 'trl-gdpo'],
  ['batch', 'trl-batch'],
  ['noscale', 'trl-none'],
  ['weights', 'trl-group'],
] as const) {
  test(`a converted TRL run (${name}) carries its GRPOConfig's advantage settings, and auto resolves to ${want}`, async () => {
    const { records, issues } = await convert(name);
    assert.deepEqual(issues.filter((i) => i.severity === 'error'), []);
    assert.ok(records.length > 0);
    const fields = cases.fields[name]!;
    for (const r of records) {
      assert.equal(r.extra?.multi_objective_aggregation, fields.multi_objective_aggregation);
      assert.equal(r.extra?.scale_rewards, fields.scale_rewards);
    }
    // As replay and the index-based consumers read it back from the converted JSONL.
    const log = join(tempDir('segr1-trlcfg-'), 'rollouts.jsonl');
    writeFileSync(log, records.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const config = await readLogRunConfig(log, () => assert.fail('no issue expected'));
    assert.equal(resolveAdvantageEstimator('auto', 'segr1-reference', 'trl-parquet', config.trainer).id, want);
    assert.equal(resolveAdvantageEstimator('auto', 'segr1-reference', undefined, trainerConfigOf(records[0] as unknown as Record<string, unknown>)).id, want);
  });
}

test('readLogRunConfig: first usable weights per run; bad and conflicting values named by line and field; other lines untouched', async () => {
  const log = join(tempDir('segr1-runcfg-'), 'rollouts.jsonl');
  const lines = [
    JSON.stringify({ run: 'a', completion: 'x', rewards: { seg: 1, format: 0 }, reward_weights: [1, 'two'] }),
    'not json at all {',
    JSON.stringify({ run: 'a', completion: 'x', rewards: { seg: 1, format: 0 }, reward_weights: [3, 0.5] }),
    JSON.stringify({ run: 'a', completion: 'x', rewards: { seg: 1, format: 0 }, reward_weights: [1, 1] }),
    JSON.stringify({ run: 'b', completion: 'x', rewards: { seg: 1, format: 0 } }),
    JSON.stringify({ completion: 'x', extra: { reward_weights: { constructor: 2 }, scale_rewards: 'batch' } }),
  ];
  writeFileSync(log, lines.join('\n') + '\n');
  const issues: LogIssue[] = [];
  const config = await readLogRunConfig(log, (i) => issues.push(i));
  assert.deepEqual(
    issues.map((i) => [i.line, i.field, i.severity]),
    [
      [1, 'reward_weights[1]', 'error'],
      [4, 'reward_weights', 'error'],
    ],
  );
  assert.match(issues[1]!.message, /logged for the same run at line 3; those kept/);
  assert.deepEqual(config.weights.get('a'), { weights: { seg: 3, format: 0.5 }, line: 3 });
  assert.equal(config.weights.get('b'), undefined);
  assert.deepEqual(config.trainer, { scaleRewards: 'batch' });
  // Aligned with a log's components by name (or the canonical name); 1 where none is logged.
  assert.deepEqual(componentWeights(config, 'a', ['format', 'seg', 'other']), [0.5, 3, 1]);
  assert.deepEqual(componentWeights(config, 'a', ['rewards/format_reward'], (n) => n.replace(/^rewards\//, '').replace(/_reward$/, '')), [0.5]);
  assert.deepEqual(componentWeights(config, 'b', ['seg']), [1]);
  // A record without a run: its weights are the '' run's; a name like `constructor` never reaches Object.prototype.
  assert.deepEqual(componentWeights(config, '', ['constructor', 'toString']), [2, 1]);
  assert.equal(weightsLabel(['seg', 'format'], [3, 0.5]), 'weights seg×3, format×0.5');
  assert.equal(weightsLabel(['seg'], [1]), 'weights 1');
});
