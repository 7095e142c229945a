import assert from 'node:assert/strict';
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertLog } from '../../../src/core/logs/convert';
import { ImageJoiner } from '../../../src/core/logs/imageJoin';
import { decodeIndex, encodeIndex, indexCachePath, indexRolloutLogCached } from '../../../src/core/logs/indexCache';
import { indexRolloutLog, readRollout } from '../../../src/core/logs/jsonlIndex';
import { openRolloutLog } from '../../../src/core/logs/openLog';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs');
const tmp = () => tempDir('segr1-conv-');

test('convert a TRL run to canonical JSONL: the index reads back what the adapter produced', async () => {
  const out = join(tmp(), 'trl.jsonl');
  const s = await convertLog(join(FIX, 'trl-grpo'), out);
  assert.deepEqual(s.sources.map((x) => x.format), ['trl-parquet']);
  assert.equal(s.records, 16, '32 rows, half of them repeats');
  assert.equal(s.steps, 2);
  assert.equal(s.groups, 4);
  assert.equal(s.withoutImage, 0);
  const idx = await indexRolloutLog(out);
  assert.equal(idx.count, 16);
  assert.deepEqual(idx.issues, []);
  assert.deepEqual([...idx.components.keys()], ['format_reward', 'segmentation_reward']);
  const r = await readRollout(idx, 0);
  assert.equal(r.extra?.source, 'completions_00001.parquet:1');
  assert.equal(typeof r.extra?.iou, 'number');
  assert.equal(idx.groups.length, 4);
});

test('a folder of mixed files: each rollout log converted, the rest skipped with the reason, bad lines reported', async () => {
  const out = join(tmp(), 'mixed.jsonl');
  const s = await convertLog(join(FIX, 'mixed'), out);
  assert.deepEqual(s.sources.map((x) => [x.path.split('/').pop(), x.format]), [
    ['rollouts.jsonl', 'canonical'],
    ['training.log', 'segr1-debug'],
  ]);
  assert.deepEqual(
    s.skipped.map((x) => [x.path.split('/').pop(), x.reason.split(' ')[0]]),
    [
      ['binary.jsonl', 'binary'],
      ['empty.jsonl', 'empty'],
      ['notes.txt', 'no'],
      ['trainer_state.json', 'trainer'],
    ],
  );
  assert.equal(s.records, 4 + 4);
  const byFile = (f: string) => s.issues.filter((i) => i.file === f).map((i) => `${i.line}:${i.field ?? ''}:${i.message.slice(0, 20)}`);
  assert.deepEqual(byFile('rollouts.jsonl'), ['3::truncated JSON: the ', '4:image:path escapes the wor', '5::same run/step/group/', '5:step:step 1 after step 2 ']);
  assert.equal(s.withoutImage, 4, 'the Seg-R1 debug log names no images');
});

test('image join by column, prompt substring and dataset order', () => {
  const col = new ImageJoiner({ by: 'column', column: 'image_path' });
  assert.equal(col.apply({ completion: '', extra: { image_path: 'a.png' } }).image, 'a.png');
  assert.equal(col.apply({ completion: '' }).image, undefined);
  assert.deepEqual(col.withoutImage, [1]);
  const prompt = new ImageJoiner({ by: 'prompt', items: [{ image: 'x/camo_12.jpg', key: 'camo_12' }, { image: 'x/camo_123.jpg', key: 'camo_123' }] });
  assert.equal(prompt.apply({ completion: '', query: 'segment camo_123 now' }).image, 'x/camo_123.jpg');
  assert.equal(prompt.apply({ completion: '', query: 'segment camo_12 now' }).image, 'x/camo_12.jpg');
  assert.equal(prompt.apply({ completion: '', query: 'nothing' }).image, undefined);
  const order = new ImageJoiner({ by: 'order', images: ['a', 'b'], groupSize: 2 });
  assert.deepEqual([0, 1, 2, 3, 4].map(() => order.apply({ completion: '' }).image), ['a', 'a', 'b', 'b', 'a']);
  assert.equal(order.apply({ completion: '', image: 'kept' }).image, 'kept', 'a logged image wins');
});

test('index cache: round trip, hit while unchanged, incremental follow when appended, rebuild when rewritten', async () => {
  const dir = tmp();
  const log = join(dir, 'run.jsonl');
  const line = (s: number) => JSON.stringify({ step: s, group: `g${s}`, sample: 0, completion: `c${s}`, rewards: { iou: s / 10 } }) + '\n';
  writeFileSync(log, line(1) + line(2));
  const first = await indexRolloutLogCached(log, { cacheDir: join(dir, 'cache') });
  assert.equal(first.outcome, 'rebuilt');
  const round = decodeIndex(encodeIndex(first.index, 'a'.repeat(40)), log);
  assert.ok('index' in round, 'reason' in round ? round.reason : '');
  assert.equal(round.sample, 'a'.repeat(40));
  const decoded = round.index;
  for (const k of ['line', 'offset', 'length', 'step', 'run', 'group', 'sample', 'image', 'reward', 'advantage', 'completionLength'] as const) {
    assert.deepEqual([...decoded[k]], [...first.index[k]], k);
  }
  assert.deepEqual([...decoded.components.get('iou')!], [0.1, 0.2]);
  assert.deepEqual(decoded.groups, ['g1', 'g2']);
  const hit = await indexRolloutLogCached(log, { cacheDir: join(dir, 'cache') });
  assert.equal(hit.outcome, 'hit');
  assert.equal((await readRollout(hit.index, 1)).completion, 'c2');
  appendFileSync(log, line(3) + '{"step": 4, "compl');
  const grown = await indexRolloutLogCached(log, { cacheDir: join(dir, 'cache') });
  assert.equal(grown.outcome, 'followed');
  assert.deepEqual([...grown.index.step], [1, 2, 3]);
  assert.equal(grown.index.issues.length, 1, 'the half-written line is reported');
  appendFileSync(log, 'etion": "c4"}\n');
  const done = await indexRolloutLogCached(log, { cacheDir: join(dir, 'cache') });
  assert.equal(done.outcome, 'followed');
  assert.deepEqual([...done.index.step], [1, 2, 3, 4]);
  assert.deepEqual(done.index.issues, []);
  assert.equal((await readRollout(done.index, 3)).completion, 'c4');
  writeFileSync(log, line(9));
  utimesSync(log, new Date(), new Date(Date.now() + 5000));
  const rewritten = await indexRolloutLogCached(log, { cacheDir: join(dir, 'cache') });
  assert.equal(rewritten.outcome, 'rebuilt');
  assert.deepEqual([...rewritten.index.step], [9]);
});

test('a corrupt cache file is ignored and rebuilt', async () => {
  const dir = tmp();
  const log = join(dir, 'run.jsonl');
  writeFileSync(log, JSON.stringify({ completion: 'x' }) + '\n');
  const a = await indexRolloutLogCached(log);
  assert.equal(a.outcome, 'rebuilt');
  writeFileSync(indexCachePath(log), 'SR1IDX03garbage');
  const b = await indexRolloutLogCached(log);
  assert.equal(b.outcome, 'rebuilt');
  assert.equal(b.index.count, 1);
});

test('openRolloutLog: converts other formats once into the cache, again only when a source file changes', async () => {
  const cacheDir = tmp();
  const a = await openRolloutLog(join(FIX, 'verl', 'rollout_data'), { cacheDir });
  assert.equal(a.format, 'verl');
  assert.equal(a.index.count, 8);
  assert.equal(a.cache, 'rebuilt');
  assert.equal(a.conversion?.steps, 2);
  assert.deepEqual(a.sourceIssues.map((i) => [i.file, i.line]), [['2.jsonl', 4]]);
  const b = await openRolloutLog(join(FIX, 'verl', 'rollout_data'), { cacheDir });
  assert.equal(b.cache, 'hit');
  assert.equal((await readRollout(b.index, 7)).extra?.source, '2.jsonl:4');
  const c = await openRolloutLog(join(FIX, 'mixed', 'rollouts.jsonl'), { cacheDir });
  assert.equal(c.format, 'canonical');
  assert.equal(c.index.path, join(FIX, 'mixed', 'rollouts.jsonl'));
  await assert.rejects(openRolloutLog(join(FIX, 'trl014', 'trainer_state.json'), { cacheDir }), /trainer metrics/);
  const forced = await openRolloutLog(join(FIX, 'segr1', 'training.log'), { cacheDir, format: 'segr1-debug', imageJoin: { by: 'order', images: ['Imgs/a.jpg', 'Imgs/b.jpg'], groupSize: 2 } });
  assert.deepEqual(forced.index.images, ['Imgs/a.jpg', 'Imgs/b.jpg']);
  assert.equal(forced.conversion?.withoutImage, 0);
});
