import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { canonicalMetricName, metricAt, readExperimentLog, readTrainerState } from '../../../src/core/logs/trainerMetrics';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');

test('trainer_state.json of the real TRL run: every numeric log_history key becomes a series over steps', async () => {
  const path = join(FIX, 'trl-grpo', 'trainer_state.json');
  const m = await readTrainerState(path);
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { log_history: Array<Record<string, unknown>> };
  assert.deepEqual([...m.steps], [1, 2, 3, 4]);
  for (const name of ['reward', 'reward_std', 'frac_reward_zero_std', 'completions/mean_length', 'entropy', 'kl', 'clip_ratio/low_mean', 'rewards/format_reward/mean', 'rewards/segmentation_reward/std']) {
    assert.ok(m.names.includes(name), name);
  }
  for (const e of raw.log_history) {
    for (const [k, v] of Object.entries(e)) {
      if (k === 'step' || typeof v !== 'number') continue;
      assert.equal(metricAt(m, e.step as number, k), v, `${k}@${e.step}`);
    }
  }
  assert.equal(m.aliases.size, 0, 'current TRL names need no aliasing');
  assert.deepEqual(m.issues, []);
});

test('TRL 0.14 names map onto the current ones; the final summary entry merges into its step', async () => {
  const m = await readTrainerState(join(FIX, 'trl014', 'trainer_state.json'));
  assert.deepEqual([...m.steps], [1, 2, 3]);
  assert.ok(m.names.includes('rewards/segmentation_reward/mean'));
  assert.ok(m.names.includes('completions/mean_length'));
  assert.ok(!m.names.includes('completion_length'));
  assert.equal(metricAt(m, 2, 'completions/mean_length'), 122);
  assert.equal(metricAt(m, 2, 'completion_length'), 122, 'the logged name still finds its series');
  assert.ok(Math.abs(metricAt(m, 3, 'rewards/segmentation_reward/mean')! - 0.25) < 1e-12);
  assert.equal(metricAt(m, 3, 'train_runtime'), 95.2);
  assert.equal(metricAt(m, 1, 'train_runtime'), undefined);
  assert.equal(metricAt(m, 7, 'kl'), undefined);
  assert.equal(canonicalMetricName('eval_rewards/iou'), 'eval_rewards/iou/mean');
  assert.equal(canonicalMetricName('rewards/iou/std'), 'rewards/iou/std');
});

test('EasyR1 experiment_log.jsonl: nested dicts flatten back to their slash names', async () => {
  const m = await readExperimentLog(join(FIX, 'easyr1', 'experiment_log.jsonl'));
  assert.deepEqual([...m.steps], [1, 2, 3]);
  assert.deepEqual(m.names, ['reward/overall', 'reward/format', 'reward/accuracy', 'actor/kl_loss', 'actor/pg_loss', 'response_length/mean', 'perf/time_per_step']);
  assert.ok(Math.abs(metricAt(m, 3, 'reward/overall')! - 0.6) < 1e-12);
  assert.equal(metricAt(m, 2, 'response_length/mean'), 182);
});
