import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync, cpSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { discoverRunLogs } from '../../../src/core/logs/discoverRunLogs';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');

test('discoverRunLogs lists every fixture log once, tool folders as one log, with its format', async () => {
  const found = await discoverRunLogs(FIX);
  assert.deepEqual(
    found.map((f) => `${f.rel} ${f.kind}:${f.format}`),
    [
      'easyr1/experiment_log.jsonl metrics:easyr1-metrics',
      'easyr1/generations.log rollouts:easyr1-generations',
      'mixed/rollouts.jsonl rollouts:canonical',
      'mixed/trainer_state.json metrics:trainer-state',
      'mixed/training.log rollouts:segr1-debug',
      'segr1/training.log rollouts:segr1-debug',
      'trl-grpo/completions rollouts:trl-parquet',
      'trl-grpo/trainer_state.json metrics:trainer-state',
      'trl014/trainer_state.json metrics:trainer-state',
      'verl/rollout_data rollouts:verl',
      'vlmr1/debug_log.txt rollouts:vlmr1-debug',
      'vlmr1/debug_log_format.txt rollouts:vlmr1-debug',
      'wandb-segr1/files/media/table/completions_6_0c5e2a9b7d31f4e86a10.table.json rollouts:wandb-table',
      'wandb/media/table/completions_4_5b1f1c3e0a9d7e2f4c68.table.json rollouts:wandb-table',
    ],
  );
});

test('only the newest trainer_state of a TRL run is listed; caches and node_modules are skipped', async () => {
  const root = tempDir('segr1-disc-');
  const state = (step: number) => JSON.stringify({ global_step: step, log_history: [{ step, loss: 0 }] });
  for (const n of [2, 10]) {
    mkdirSync(join(root, 'out', `checkpoint-${n}`), { recursive: true });
    writeFileSync(join(root, 'out', `checkpoint-${n}`, 'trainer_state.json'), state(n));
  }
  mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
  writeFileSync(join(root, 'node_modules', 'x', 'rollouts.jsonl'), '{"completion": "x"}\n');
  mkdirSync(join(root, '.segr1'));
  writeFileSync(join(root, '.segr1', 'a.rollouts.jsonl'), '{"completion": "x"}\n');
  cpSync(join(FIX, 'mixed', 'rollouts.jsonl'), join(root, 'out', 'rollouts.jsonl'));
  let found = await discoverRunLogs(root);
  assert.deepEqual(found.map((f) => f.rel), ['out/checkpoint-10/trainer_state.json', 'out/rollouts.jsonl']);
  writeFileSync(join(root, 'out', 'trainer_state.json'), state(12));
  found = await discoverRunLogs(root);
  assert.deepEqual(found.map((f) => f.rel), ['out/rollouts.jsonl', 'out/trainer_state.json']);
});
