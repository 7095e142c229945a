// `best N by iou` and the other panel columns over a generated run: the values are the reward's own IoU.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ColumnValues, rankQuery, type QueryLog } from '../../../src/host/notebookValues';
import { indexRolloutLogSerial, readRollout } from '../../../src/core/logs/jsonlIndex';
import { decodeRle } from '../../../src/core/image/rle';
import { loadGtPilL } from '../../../src/core/rewards/groundTruth';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { SAMPLE_PATHS } from '../../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';
import { tempDir } from '../tempDir';

let log: QueryLog;
const frame = { kind: 'square', size: 768 } as const;

before(async () => {
  const ws = path.join(tempDir('segr1-nbvalues-'), 'ws');
  await generateSampleWorkspace(ws, { config: { seed: 3, imageCount: 4, steps: 3, groupsPerStep: 2 }, scoring: segr1ReferenceScoring() });
  const file = path.join(ws, SAMPLE_PATHS.rollouts);
  log = { file, rel: SAMPLE_PATHS.rollouts, root: ws, index: await indexRolloutLogSerial(file) };
});

/** IoU as the trainer's reference reward computes it (its `details.iou`), record by record. */
async function referenceIou(i: number): Promise<number> {
  const r = await readRollout(log.index, i);
  const gt = await loadGtPilL(path.join(log.root, r.gt!));
  const mask = r.mask ? decodeRle(r.mask, { field: 'mask' }) : undefined;
  const res = await getRewardSet('segr1-reference')!.score({ completion: r.completion, gt, modelFrame: r.model_frame ? { kind: 'fixed', ...r.model_frame } : frame, loggedMask: mask });
  return res.details.iou ?? (res.components.segment === 0 ? 0 : NaN);
}

test('best 2 by iou: the two highest IoUs of the run, with the reward\'s values', async () => {
  const hits = await rankQuery([log], { order: 'best', n: 2, column: 'iou' }, new ColumnValues(frame));
  assert.equal(hits.length, 2);
  const all = await Promise.all(Array.from({ length: log.index.count }, (_, i) => referenceIou(i)));
  const known = all.filter((v) => !Number.isNaN(v)).sort((a, b) => b - a);
  assert.ok(known.length > 2, 'the sample has rollouts with an IoU');
  assert.deepEqual(hits.map((h) => h.v), known.slice(0, 2));
  for (const h of hits) assert.equal(h.v, all[h.index]);
});

test('worst by a component at a step, by a prompt statistic, and an unknown column', async () => {
  const values = new ColumnValues(frame);
  const worst = await rankQuery([log], { order: 'worst', n: 3, column: 'segment', step: 2 }, values);
  assert.equal(worst.length, 3);
  for (const h of worst) assert.equal(log.index.step[h.index], 2);
  const seg = log.index.components.get('segment')!;
  assert.deepEqual(worst.map((h) => h.v), worst.map((h) => seg[h.index]));
  const points = await rankQuery([log], { order: 'best', n: 1, column: 'points' }, values);
  const r = await readRollout(log.index, points[0]!.index);
  const inner = /<points>(.*?)<\/points>/s.exec(r.completion)?.[1] ?? '';
  assert.equal(points[0]!.v, (inner.match(/\[\s*-?\d+(?:\.\d+)?\s*,\s*-?\d+(?:\.\d+)?\s*\]/g) ?? []).length);
  await assert.rejects(rankQuery([log], { order: 'best', n: 2, column: 'sharpness' }, values), /unknown column 'sharpness'; valid columns: reward, advantage, segment, format, iou, s-measure/);
  await assert.rejects(rankQuery([log], { order: 'best', n: 2, column: 'iou', step: 99 }, values), /no rollout has a value for 'iou' at step 99/);
});

test('a log that names a GT outside the workspace scores nothing for it (NaN), never reads it', async () => {
  const text = await fs.readFile(log.file, 'utf8');
  const first = JSON.parse(text.split('\n')[0]!) as Record<string, unknown>;
  const dir = tempDir('segr1-nbvalues-hostile-');
  const file = path.join(dir, 'rollouts.jsonl');
  await fs.writeFile(file, `${JSON.stringify({ ...first, gt: '../../../../etc/passwd' })}\n`);
  const hostile: QueryLog = { file, rel: 'rollouts.jsonl', root: dir, index: await indexRolloutLogSerial(file) };
  await assert.rejects(rankQuery([hostile], { order: 'best', n: 1, column: 'iou' }, new ColumnValues(frame)), /no rollout has a value for 'iou'/);
});
