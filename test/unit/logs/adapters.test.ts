import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectLogFormat, readAdapter } from '../../../src/core/logs/formats';
import { tempDir } from '../tempDir';
import { collect } from './collectLog';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');


interface PyRows {
  [file: string]: { columns: string[]; types: string[]; rows: Array<Record<string, unknown>> };
}

test('TRL parquet (real GRPOTrainer output): rows match pyarrow, repeats across files dropped, rewards vs log_extra split by trainer_state', async () => {
  const py = JSON.parse(readFileSync(join(FIX, 'trl-grpo', 'rows.pyarrow.json'), 'utf8')) as PyRows;
  assert.ok(py['completions_00001.parquet']!.types.includes('large_string'), 'fixture exercises large_string');
  const { records, issues } = await collect('trl-parquet', join(FIX, 'trl-grpo'));
  // Independent of the reader: which pyarrow rows are repeats of an earlier file's rows?
  const seen = new Set<string>();
  const firsts: Array<Record<string, unknown> & { file: string; row: number }> = [];
  const repeats = new Map<string, number>();
  for (const [file, t] of Object.entries(py).sort()) {
    t.rows.forEach((r, row) => {
      const key = JSON.stringify([r.prompt, r.completion, r.advantage, r.format_reward, r.segmentation_reward]);
      if (seen.has(key)) repeats.set(file, (repeats.get(file) ?? 0) + 1);
      else {
        seen.add(key);
        firsts.push({ ...r, file, row });
      }
    });
  }
  assert.ok(repeats.size > 0, 'the fixture has rows repeated across files');
  assert.equal(records.length, firsts.length);
  records.forEach((r, k) => {
    const e = firsts[k]!;
    assert.equal(r.file, e.file);
    assert.equal(r.line, e.row + 1);
    assert.equal(r.step, e.step);
    assert.equal(r.query, e.prompt);
    assert.equal(r.completion, e.completion);
    assert.equal(r.image, e.image);
    assert.equal(r.advantage, e.advantage);
    assert.deepEqual(r.rewards, { format_reward: e.format_reward, segmentation_reward: e.segmentation_reward });
    const parts = [e.format_reward, e.segmentation_reward].filter((v): v is number => typeof v === 'number');
    assert.equal(r.reward, parts.reduce((a, b) => a + b, 0));
    assert.deepEqual(r.extra, { iou: e.iou });
    assert.equal(r.group, undefined, 'TRL logs no group: the conversion numbers them after its image join');
  });
  for (const [file, n] of repeats) assert.ok(issues.some((i) => i.file === file && i.message.startsWith(`${n} rows repeat`)), file);
});

test('TRL parquet: a file with a missing column or not parquet at all is reported and the rest still read', async () => {
  const { copyFileSync, writeFileSync } = await import('node:fs');
  const dir = tempDir('segr1-trl-');
  copyFileSync(join(FIX, 'trl-grpo', 'completions', 'completions_00001.parquet'), join(dir, 'completions_00001.parquet'));
  writeFileSync(join(dir, 'completions_00002.parquet'), 'PAR1 not really');
  copyFileSync(join(FIX, 'broken', 'no_completion.parquet'), join(dir, 'completions_00003.parquet'));
  const { records, issues } = await collect('trl-parquet', dir);
  assert.equal(records.length, 8);
  assert.ok(issues.some((i) => i.file === 'completions_00002.parquet' && /not a readable parquet file/.test(i.message)));
  assert.ok(issues.some((i) => i.file === 'completions_00003.parquet' && i.field === 'completion' && i.severity === 'error'));
  assert.ok(issues.some((i) => i.file === 'completions_00003.parquet' && i.field === 'advantage' && i.severity === 'warning'));
});

test('W&B table export of the same TRL table: NaN cells, numeric columns as rewards (with a warning) without the run\'s metrics', async () => {
  const path = join(FIX, 'wandb', 'media', 'table', 'completions_4_5b1f1c3e0a9d7e2f4c68.table.json');
  const { records, issues } = await collect('wandb-table', path);
  const py = JSON.parse(readFileSync(join(FIX, 'trl-grpo', 'rows.pyarrow.json'), 'utf8')) as PyRows;
  const rows3 = py['completions_00003.parquet']!.rows;
  assert.equal(records.length, rows3.length, 'steps 3 and 4 log the same generation batch: kept once');
  assert.equal(records[0]!.completion, rows3[0]!.completion);
  assert.ok(records.some((r) => r.rewards?.segmentation_reward === null), 'NaN reads as a missing component');
  assert.ok(records.every((r) => 'iou' in (r.rewards ?? {})), 'without trainer_state or wandb-summary every numeric column is a reward');
  assert.ok(issues.some((i) => i.severity === 'warning' && /log_extra columns included/.test(i.message)));
  assert.ok(issues.some((i) => i.message.startsWith(`${rows3.length} rows repeat`)));
});

test('verl rollout_data_dir: steps in file order, score → reward, numeric extras → components, no uid no group', async () => {
  const { records, issues } = await collect('verl', join(FIX, 'verl', 'rollout_data'));
  assert.equal(records.length, 8);
  assert.deepEqual(records.map((r) => r.step), [1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(records.map((r) => r.file), ['1.jsonl', '1.jsonl', '1.jsonl', '1.jsonl', '2.jsonl', '2.jsonl', '2.jsonl', '2.jsonl']);
  assert.equal(records[1]!.reward, 0.35);
  assert.equal(records[1]!.rewards?.acc, 0.175);
  // Python's NaN reads as null, which says nothing about the column's type: kept as an extra, with a warning.
  assert.equal(records[7]!.rewards?.acc, undefined);
  assert.equal(records[7]!.extra?.acc, null);
  assert.equal(records[0]!.extra?.pred, 'ok');
  assert.equal(records[0]!.extra?.gts, '{"mask": "GT/camo_000.png"}');
  assert.ok(records.every((r) => r.group === undefined && r.sample === undefined), 'groups are numbered by the conversion');
  assert.deepEqual(issues.map((i) => [i.file, i.line, i.severity]), [['2.jsonl', 4, 'warning']]);
});

test('EasyR1 generations.log: multi-line prompts and outputs, score, ground truth', async () => {
  const { records, issues } = await collect('easyr1-generations', join(FIX, 'easyr1', 'generations.log'));
  assert.deepEqual(issues, []);
  assert.equal(records.length, 3);
  assert.match(records[0]!.query!, /^system\nYou are a helpful assistant\.\nuser\n<image>Find the camouflaged object in image 0\./);
  assert.ok(records[0]!.query!.endsWith('assistant\n'), 'the prompt keeps its trailing newline');
  assert.equal(records[0]!.completion, "<think>The lizard's bark-coloured skin hides it on the trunk.\nIts head is at the left.</think>\n<points>[[120,340],[200,310]]</points><labels>[1,0]</labels><bbox>[80,290,260,400]</bbox>");
  assert.deepEqual(records.map((r) => r.reward), [0, 0.25, 0.5]);
  assert.equal(records[2]!.extra?.ground_truth, '{"bbox": [20, 20, 100, 120], "points": [[30, 40], [50, 60]]}');
  assert.deepEqual(records.map((r) => r.line), [1, 13, 23]);
});

test('EasyR1 generations.log: a cut-off sample is reported and the next one still read', async () => {
  const { writeFileSync } = await import('node:fs');
  const p = join(tempDir('segr1-gen-'), 'generations.log');
  writeFileSync(p, '[prompt] a\n[output] b\n[prompt] c\n[output] d\n[ground_truth] e\n[score] 1.0\n\n[prompt] f\n[output] g');
  const { records, issues } = await collect('easyr1-generations', p);
  assert.deepEqual(records.map((r) => [r.query, r.completion, r.reward]), [['c', 'd', 1]]);
  assert.deepEqual(issues.map((i) => i.line), [1, 8]);
});

test('Seg-R1 training.log: indented blocks, multi-line content, numpy points, None, rounded rewards', async () => {
  const { records, issues } = await collect('segr1-debug', join(FIX, 'segr1', 'training.log'));
  assert.deepEqual(issues, []);
  assert.equal(records.length, 4);
  assert.equal(records[0]!.completion, "<think>The lizard's bark-coloured skin hides it on the trunk.\nIts head is at the left.</think>\n<points>[[120,340],[200,310]]</points><labels>[1,0]</labels><bbox>[80,290,260,400]</bbox>");
  assert.deepEqual(records[0]!.extra?.points, [[120, 340], [200, 310]]);
  assert.deepEqual(records[0]!.extra?.labels, [1, 0]);
  assert.equal(records[0]!.extra?.iou, 0.81);
  assert.deepEqual(records[0]!.rewards, { segmentation_reward: 0.84 });
  assert.equal(records[2]!.extra?.points, null);
  assert.deepEqual(records[3]!.extra?.points, [[10, 20], [30, 40], [50, 60]]);
  assert.deepEqual(records.map((r) => r.line), [2, 12, 19, 26]);
});

test('VLM-R1 debug logs: accuracy blocks (image list repr, completion containing "Solution:") and format pairs', async () => {
  const { records, issues } = await collect('vlmr1-debug', join(FIX, 'vlmr1', 'debug_log.txt'));
  assert.deepEqual(issues.map((i) => i.field), ['image', 'image']);
  assert.equal(records.length, 8);
  assert.equal(records[0]!.image, 'images/coco_0000.jpg');
  assert.equal(records[0]!.query, 'the red car on the left');
  assert.equal(records[0]!.completion, '<think>Looking for the red car on the left.\nSolution: guess</think><answer>[100, 50, 200, 180]</answer>');
  assert.equal(records[0]!.extra?.solution, '<answer>[98, 52, 205, 178]</answer>');
  assert.deepEqual(records.map((r) => r.rewards?.accuracy), [0, 0.73, 0, 0.73, 0, 0.73, 0, 0.73]);
  assert.equal(records[1]!.extra?.time, '01-12-00-00-000500');
  const dir = tempDir('segr1-vlm-');
  const { copyFileSync } = await import('node:fs');
  copyFileSync(join(FIX, 'vlmr1', 'debug_log_format.txt'), join(dir, 'debug_log_format.txt'));
  const fmt = await collect('vlmr1-debug', join(dir, 'debug_log_format.txt'));
  assert.deepEqual(fmt.records.slice(0, 2).map((r) => [r.completion, r.rewards?.format]), [
    ['<think>Looking for the red car on the left.\nSolution: guess</think><answer>[100, 50, 200, 180]</answer>', 1],
    ['no tags for the red car on the left', 0],
  ]);
});

test('detectLogFormat tells every fixture apart', async () => {
  const cases: Array<[string, string]> = [
    ['trl-grpo', 'rollouts:trl-parquet'],
    ['trl-grpo/completions', 'rollouts:trl-parquet'],
    ['trl-grpo/completions/completions_00001.parquet', 'rollouts:trl-parquet'],
    ['trl-grpo/trainer_state.json', 'metrics:trainer-state'],
    ['trl014/trainer_state.json', 'metrics:trainer-state'],
    ['wandb/media/table/completions_4_5b1f1c3e0a9d7e2f4c68.table.json', 'rollouts:wandb-table'],
    ['verl/rollout_data', 'rollouts:verl'],
    ['verl/rollout_data/1.jsonl', 'rollouts:verl'],
    ['easyr1/generations.log', 'rollouts:easyr1-generations'],
    ['easyr1/experiment_log.jsonl', 'metrics:easyr1-metrics'],
    ['segr1/training.log', 'rollouts:segr1-debug'],
    ['vlmr1/debug_log.txt', 'rollouts:vlmr1-debug'],
    ['vlmr1/debug_log_format.txt', 'rollouts:vlmr1-debug'],
    ['segzero/stdout.log', 'rollouts:segzero-stdout'],
    ['segzero/stdout_ray.log', 'rollouts:segzero-stdout'],
    ['mixed/rollouts.jsonl', 'rollouts:canonical'],
    ['mixed/binary.jsonl', 'unknown'],
    ['mixed/empty.jsonl', 'unknown'],
  ];
  for (const [p, want] of cases) {
    const d = await detectLogFormat(join(FIX, p));
    assert.equal(d.kind === 'unknown' ? 'unknown' : `${d.kind}:${d.format}`, want, p);
  }
  assert.throws(() => readAdapter('nope'), /unknown log format 'nope' \(known: canonical, trl-parquet/);
});
