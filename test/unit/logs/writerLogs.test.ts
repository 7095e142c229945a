import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertLog } from '../../../src/core/logs/convert';
import { detectLogFormat } from '../../../src/core/logs/formats';
import { tempDir } from '../tempDir';
import { collect } from './collectLog';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');


test('Seg-R1 training.log: <think> lines starting with Points:/Labels:/IOU:/Content: stay in the completion (fields are the writer\'s 12-space lines)', async () => {
  const { records, issues } = await collect('segr1-debug', join(FIX, 'segr1', 'think_fields.log'));
  assert.deepEqual(issues, []);
  assert.deepEqual(
    records.map((r) => r.completion),
    [
      "<think>Looking at the bark.\nPoints: the head and the tail\nLabels: 1 for the head, 0 for the tail\nIOU: should be high\nFinal Reward: hopefully 1\n----------------------------------------\nContent: done</think>\n<points>[[120,340],[200,310]]</points><labels>[1,0]</labels><bbox>[80,290,260,400]</bbox>",
      '<think>Labels: first\nPoints: then</think><points>[[400,120]]</points><labels>[1]</labels><bbox>[350,80,450,170]</bbox>',
    ],
  );
  assert.deepEqual(records.map((r) => [r.extra?.points, r.extra?.labels, r.extra?.iou, r.rewards?.segmentation_reward]), [
    [[[120, 340], [200, 310]], [1, 0], 0.81, 0.84],
    [[[400, 120]], [1], 0.4, 0.43],
  ]);
});

test('Seg-R1 training.log: a completion line indented like a field is given back when the writer\'s own field follows', async () => {
  const p = join(tempDir('segr1-w-'), 'training.log');
  const I = ' '.repeat(12);
  writeFileSync(p, `\n${I}Content: <think>a\n${I}Points: fake\nb</think>\n${I}Points: [[1 2]]\n${I}Labels: [1]\n${I}IOU: 0.50\n${I}Final Reward: 0.60\n${I}${'-'.repeat(40)}\n${I}`);
  const { records, issues } = await collect('segr1-debug', p);
  assert.deepEqual(issues, []);
  assert.deepEqual(records.map((r) => [r.completion, r.extra?.points, r.extra?.labels]), [[`<think>a\n${I}Points: fake\nb</think>`, [[1, 2]], [1]]]);
});

test('Seg-Zero stdout (plain and under Ray): samples with their step, a response line starting [ground_truth] kept', async () => {
  for (const name of ['stdout.log', 'stdout_ray.log']) {
    const path = join(FIX, 'segzero', name);
    assert.deepEqual(await detectLogFormat(path), { kind: 'rollouts', format: 'segzero-stdout' }, name);
    const { records, issues } = await collect('segzero-stdout', path);
    assert.deepEqual(issues, [], name);
    assert.deepEqual(records.map((r) => [r.step, r.reward]), [[1, 2.75], [2, 0]], name);
    assert.equal(records[0]!.query, "system\nYou are a helpful assistant.\nuser\n<image>Please find 'the camouflaged animal 1' with bbox and points.\nassistant\n", name);
    assert.equal(records[0]!.completion, "<think>The lizard's bark-coloured skin hides it on the trunk.\nIts head is at the left.</think>\n<points>[[120,340],[200,310]]</points><labels>[1,0]</labels><bbox>[80,290,260,400]</bbox>", name);
    assert.equal(records[1]!.completion, '<think>Cannot see anything.</think> no answer\n[ground_truth] not this one', name);
    assert.equal(records[1]!.extra?.ground_truth, '{"bbox": [0, 0, 10, 10], "points": [[5, 5], [6, 6]]}', name);
  }
});

test('Seg-Zero stdout: coloured Ray prefixes, a cut sample reported, a sample with no step line still read', async () => {
  const p = join(tempDir('segzero-w-'), 'out.txt');
  const pre = '\x1b[2m\x1b[36m(main_task pid=7, ip=10.0.0.2)\x1b[0m ';
  writeFileSync(p, [`${pre}[prompt] p1`, `${pre}[response] r1`, `${pre}[prompt] p2`, `(WorkerDict pid=8) [score] 9`, `${pre}[response] r2`, `${pre}[ground_truth] g2`, `${pre}[score] 0.5`, `${pre}step 3: - a:1.000`, `${pre}[prompt] p3`, `${pre}[response] r3`, `${pre}[ground_truth] g3`, `${pre}[score] 1`, ''].join('\n'));
  assert.deepEqual(await detectLogFormat(p), { kind: 'rollouts', format: 'segzero-stdout' });
  const { records, issues } = await collect('segzero-stdout', p);
  assert.deepEqual(records.map((r) => [r.step, r.query, r.completion, r.reward]), [[3, 'p2', 'r2', 0.5], [undefined, 'p3', 'r3', 1]]);
  assert.deepEqual(issues.map((i) => [i.line, i.severity]), [[1, 'error']]);
});

test('VLM-R1 accuracy log: the call\'s repeated first image/problem is not attached to a second prompt\'s rollouts', async () => {
  const { records, issues } = await collect('vlmr1-debug', join(FIX, 'vlmr1', 'debug_log.txt'));
  assert.deepEqual(records.map((r) => [r.image, r.query]), [
    ['images/coco_0000.jpg', 'the red car on the left'],
    ['images/coco_0000.jpg', 'the red car on the left'],
    [undefined, undefined],
    [undefined, undefined],
    ['images/coco_0002.jpg', 'the dog'],
    ['images/coco_0002.jpg', 'the dog'],
    [undefined, undefined],
    [undefined, undefined],
  ]);
  assert.equal(records[2]!.extra?.image_path, undefined);
  assert.equal(records[2]!.extra?.call_first_image_path, "['images/coco_0000.jpg']");
  assert.deepEqual(issues.map((i) => [i.line, i.severity, i.field]), [[18, 'warning', 'image'], [44, 'warning', 'image']]);
});

test('VLM-R1 log: accuracy and _format.txt join into one record per rollout with both components', async () => {
  const { records } = await collect('vlmr1-debug', join(FIX, 'vlmr1', 'debug_log.txt'));
  assert.deepEqual(records.map((r) => r.rewards), Array.from({ length: 4 }, () => [{ accuracy: 0, format: 1 }, { accuracy: 0.73, format: 0 }]).flat());
  assert.equal(records[0]!.completion, '<think>Looking for the red car on the left.\nSolution: guess</think><answer>[100, 50, 200, 180]</answer>');
  assert.equal(records[0]!.extra?.format_source, 'debug_log_format.txt:2');
  const alone = await collect('vlmr1-debug', join(FIX, 'vlmr1', 'debug_log_format.txt'));
  assert.equal(alone.records.length, 0);
  assert.match(alone.issues[0]!.message, /joined into the records of debug_log\.txt/);
  const out = join(tempDir('vlmr1-conv-'), 'out.jsonl');
  const s = await convertLog(join(FIX, 'vlmr1'), out);
  assert.equal(s.records, 8);
});
