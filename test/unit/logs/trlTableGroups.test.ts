import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertLog } from '../../../src/core/logs/convert';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { tempDir } from '../tempDir';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'logs', 'wandb-segr1');
const TABLES = join(FIX, 'files', 'media', 'table');
const TABLE = join(TABLES, readdirSync(TABLES)[0]!);

function readOut(out: string): RolloutRecord[] {
  return readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as RolloutRecord);
}

test('W&B table of a Seg-R1 run (one prompt for every image): the image join splits one group per image, in order', async () => {
  const out = join(tempDir('segr1-wbg-'), 'out.jsonl');
  const s = await convertLog(TABLE, out, { imageJoin: { by: 'column', column: 'image_path' } });
  assert.equal(s.records, 8);
  assert.equal(s.groups, 4, 'step + prompt + image, numbered after the join');
  assert.equal(s.withoutImage, 0);
  const recs = readOut(out);
  assert.deepEqual(
    recs.map((r) => [r.group, r.sample]),
    [11, 11, 12, 12, 13, 13, 14, 14].map((i, k) => [`step 6 · Imgs/camo_0${i}.jpg`, k % 2]),
  );
});

test('W&B table: reward columns named by the run\'s wandb-summary.json; a log_extra number is no reward and not in the total', async () => {
  const out = join(tempDir('segr1-wbg-'), 'out.jsonl');
  const s = await convertLog(TABLE, out);
  assert.deepEqual(s.issues, []);
  const table = JSON.parse(readFileSync(TABLE, 'utf8')) as { columns: string[]; data: unknown[][] };
  const col = (name: string, row: number) => table.data[row]![table.columns.indexOf(name)] as number;
  const recs = readOut(out);
  recs.forEach((r, k) => {
    assert.deepEqual(Object.keys(r.rewards ?? {}), ['format_reward', 'segmentation_reward']);
    assert.equal(r.reward, col('format_reward', k) + col('segmentation_reward', k));
    assert.equal(r.extra?.iou, col('iou', k));
  });
  assert.ok(Math.abs(recs[0]!.reward! - 1.803) < 1e-12);
});

test('W&B table without its run folder: numeric columns taken for rewards, with a warning saying so', async () => {
  const dir = tempDir('segr1-wbg-');
  mkdirSync(join(dir, 't'));
  const table = join(dir, 't', 'completions_6.table.json');
  copyFileSync(TABLE, table);
  const s = await convertLog(table, join(dir, 'out.jsonl'));
  assert.equal(s.failed.length, 0);
  const w = s.issues.filter((i) => i.severity === 'warning' && /every numeric column taken for a reward/.test(i.message));
  assert.equal(w.length, 1);
  assert.equal(w[0]!.file, 'completions_6.table.json');
  assert.match(w[0]!.message, /format_reward, segmentation_reward, iou/);
});

test('verl dump without uid: the conversion numbers groups by step + prompt', async () => {
  const out = join(tempDir('segr1-wbg-'), 'out.jsonl');
  const s = await convertLog(join(FIX, '..', 'verl', 'rollout_data'), out);
  assert.equal(s.groups, 4);
  assert.deepEqual(readOut(out).map((r) => r.sample), [0, 1, 0, 1, 0, 1, 0, 1]);
});
