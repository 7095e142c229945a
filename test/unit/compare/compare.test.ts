import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareSides, type CompareSide } from '../../../src/core/compare/compare';
import { iouComponent, loadLogSide, loadMetricsSide, parseSideSpec } from '../../../src/core/compare/sources';
import { binomTestHalf } from '../../../src/core/compare/stats';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { rec } from '../logs/logFiles';
import { tempDir } from '../tempDir';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

function side(label: string, images: Record<string, Record<string, number>>, dataset: Record<string, number> = {}): CompareSide {
  return { label, kind: 'metrics', images: new Map(Object.entries(images)), dataset, keys: Object.keys(Object.values(images)[0] ?? {}) };
}

test('compareSides: per-image deltas, dataset deltas, better/worse sorted by change, images on one side only', () => {
  const a = side('a', { x: { IoU: 0.5, MAE: 0.2 }, y: { IoU: 0.6, MAE: 0.1 }, z: { IoU: 0.7, MAE: 0.3 }, w: { IoU: 0.4, MAE: 0.05 }, gone: { IoU: 1, MAE: 0 } }, { IoU: 0.55, MAE: 0.16, cIoU: 0.5 });
  const b = side('b', { x: { IoU: 0.9, MAE: 0.1 }, y: { IoU: 0.5, MAE: 0.2 }, z: { IoU: 0.8, MAE: 0.3 }, w: { IoU: 0.4, MAE: 0.02 }, new: { IoU: 0, MAE: 1 } }, { IoU: 0.65, MAE: 0.15, cIoU: 0.6 });
  const c = compareSides(a, b);
  assert.equal(c.metric, 'IoU');
  assert.deepEqual(c.images.map((i) => i.image), ['w', 'x', 'y', 'z']);
  assert.ok(Math.abs(c.images[1]!.delta.IoU! - 0.4) < 1e-12);
  assert.deepEqual(c.better.map((i) => i.image), ['x', 'z']);
  assert.deepEqual(c.worse.map((i) => i.image), ['y']);
  assert.deepEqual([c.onlyInA, c.onlyInB], [['gone'], ['new']]);
  // The files' dataset values (as PySODMetrics aggregates them), dataset-only keys included.
  assert.ok(Math.abs(c.dataset.IoU!.delta - 0.1) < 1e-12);
  assert.ok(Math.abs(c.dataset.cIoU!.delta - 0.1) < 1e-12);
  assert.deepEqual([c.paired.n, c.paired.signTest.positive, c.paired.signTest.negative, c.paired.signTest.ties], [4, 2, 1, 1]);
  assert.equal(c.paired.signTest.pValue, binomTestHalf(2, 3));
  // MAE: lower is better, so a drop is an improvement.
  const m = compareSides(a, b, 'MAE');
  assert.equal(m.lowerIsBetter, true);
  assert.deepEqual(m.better.map((i) => i.image), ['x', 'w']);
  assert.deepEqual(m.worse.map((i) => i.image), ['y']);
  assert.equal(m.paired.signTest.positive, 2);
  assert.throws(() => compareSides(a, b, 'Smeasure'), /metric 'Smeasure' is not in both a and b \(common: IoU, MAE\)/);
});

test('compareSides: NaN deltas are listed but left out of the statistics', () => {
  const c = compareSides(side('a', { x: { IoU: Number.NaN }, y: { IoU: 0.2 } }), side('b', { x: { IoU: 0.5 }, y: { IoU: 0.3 } }));
  assert.equal(c.paired.n, 1);
  assert.equal(c.paired.nanDropped, 1);
  assert.ok(Math.abs(c.paired.meanDelta - 0.1) < 1e-12);
  assert.ok(Math.abs(c.dataset.IoU!.a - 0.2) < 1e-12, 'no dataset section: mean over the common images, NaN left out');
});

test('parseSideSpec: <log>@<step>, first/last, and a file whose name holds @', () => {
  const none = () => false;
  assert.deepEqual(parseSideSpec('runs/a.jsonl@120', none), { path: 'runs/a.jsonl', step: 120 });
  assert.deepEqual(parseSideSpec('runs/a.jsonl@last', none), { path: 'runs/a.jsonl', step: 'last' });
  assert.deepEqual(parseSideSpec('runs/a.jsonl@first', none), { path: 'runs/a.jsonl', step: 'first' });
  assert.deepEqual(parseSideSpec('runs/a.jsonl', none), { path: 'runs/a.jsonl' });
  assert.deepEqual(parseSideSpec('runs/a@b.jsonl', none), { path: 'runs/a@b.jsonl' });
  assert.deepEqual(parseSideSpec('runs/x@3', (p) => p === 'runs/x@3'), { path: 'runs/x@3' });
});

test('loadMetricsSide: hostile values are named by file, image and key; the rest is compared', () => {
  const dir = tempDir('segr1-compare-');
  const p = join(dir, 'm.json');
  writeFileSync(p, JSON.stringify({ dataset: { IoU: 0.5, count: 2 }, images: { a: { IoU: 0.5, MAE: null }, b: { IoU: '0.7', MAE: 0.1 }, c: [1] } }));
  const warnings: string[] = [];
  const s = loadMetricsSide(p, (m) => warnings.push(m));
  assert.deepEqual([...s.images.keys()], ['a', 'b']);
  assert.ok(Number.isNaN(s.images.get('a')!.MAE!));
  assert.equal(s.images.get('b')!.IoU, undefined);
  assert.deepEqual(warnings, [`${p}: images["b"].IoU: not a number (string); ignored`, `${p}: images["c"]: not an object; ignored`]);
  writeFileSync(p, '[1, 2]');
  assert.throws(() => loadMetricsSide(p, () => undefined), /m\.json: field "images": expected an object/);
  writeFileSync(p, '{"images": ');
  assert.throws(() => loadMetricsSide(p, () => undefined), /m\.json: not JSON/);
});

/** Two steps of a run: 2 rollouts per image and step, rewards with an IoU component. */
function twoStepLog(withIou: boolean): string {
  const lines: string[] = [];
  const iou: Record<string, number[]> = { 'a.jpg': [0.2, 0.4, 0.8, 0.6], 'b.jpg': [0.5, 0.5, 0.3, 0.1], 'c.jpg': [0.1, 0.3, 0.2, 0.4] };
  for (const step of [1, 2])
    for (const [image, v] of Object.entries(iou))
      for (let s = 0; s < 2; s++) {
        const x = v[(step - 1) * 2 + s]!;
        const rewards = withIou ? { format: 1, iou_reward: x } : { format: 1, seg: x };
        lines.push(rec({ run: 'r', step, group: `${image}@${step}`, sample: s, image, rewards, reward: 1 + x }));
      }
  lines.push(rec({ run: 'r', step: 2, group: 'noimg', sample: 0, reward: 5 }));
  return lines.join('\n') + '\n';
}

test('loadLogSide: per-image means at a step; IoU from the logged component, else the reward components', async () => {
  const dir = tempDir('segr1-compare-');
  const p = join(dir, 'run.jsonl');
  writeFileSync(p, twoStepLog(true));
  const index = await indexRolloutLog(p, { workers: 1 });
  const warnings: string[] = [];
  const a = loadLogSide(index, { path: p, step: 'first' }, (m) => warnings.push(m));
  const b = loadLogSide(index, { path: p }, (m) => warnings.push(m));
  assert.equal(a.label, `${p}@1`);
  assert.equal(b.label, `${p}@2`);
  assert.deepEqual(a.keys, ['reward', 'iou', 'rewards.format', 'rewards.iou_reward']);
  assert.ok(Math.abs(a.images.get('a.jpg')!.iou! - 0.3) < 1e-12);
  assert.ok(Math.abs(b.images.get('a.jpg')!.reward! - 1.7) < 1e-12);
  assert.deepEqual(warnings, [`${p}@2: 1 of 7 rollouts log no image and are not compared`]);
  const c = compareSides(a, b);
  assert.equal(c.metric, 'iou');
  assert.deepEqual(c.better.map((i) => i.image), ['a.jpg', 'c.jpg']);
  assert.deepEqual(c.worse.map((i) => i.image), ['b.jpg']);
  assert.throws(() => loadLogSide(index, { path: p, step: 9 }, () => undefined), /run\.jsonl: no rollout at step 9 \(steps 1–2\)/);
  writeFileSync(p, twoStepLog(false));
  const noIou = await indexRolloutLog(p, { workers: 1 });
  const w2: string[] = [];
  const s = loadLogSide(noIou, { path: p, step: 1 }, (m) => w2.push(m));
  assert.deepEqual(s.keys, ['reward', 'rewards.format', 'rewards.seg']);
  assert.match(w2[0]!, /no IoU reward component logged; compare its reward components instead/);
  assert.equal(iouComponent(['format', 'IoU_reward', 'iou']), 'iou');
});

test('segr1 compare: two steps of one log, text and --json; metrics files; errors', () => {
  const dir = tempDir('segr1-compare-');
  const p = join(dir, 'run.jsonl');
  writeFileSync(p, twoStepLog(true));
  const json = join(dir, 'cmp.json');
  const r = spawnSync(process.execPath, [CLI, 'compare', `${p}@1`, `${p}@last`, '--json', json], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 images in both; 0 only in a, 0 only in b/);
  assert.match(r.stdout, /iou \(higher is better\), 3 paired images: mean Δ \+0\.0667, 95% bootstrap CI \[/);
  assert.match(r.stdout, /sign test: 2 better, 1 worse, 0 ties; two-sided p = 1\.000 \(not significant at 0\.05: could be noise\)/);
  assert.match(r.stdout, /got better \(2 of 2\):\n {4}\+0\.4000 {2}0\.3000 → 0\.7000 {2}a\.jpg/);
  const doc = JSON.parse(readFileSync(json, 'utf8')) as { metric: string; images: unknown[]; paired: { bootstrap: { resamples: number } } };
  assert.equal(doc.metric, 'iou');
  assert.equal(doc.images.length, 3);
  assert.equal(doc.paired.bootstrap.resamples, 10000);
  const ma = join(dir, 'a.json');
  const mb = join(dir, 'b.json');
  writeFileSync(ma, JSON.stringify({ dataset: { IoU: 0.4 }, images: { s1: { IoU: 0.4, MAE: 0.2 }, s2: { IoU: 0.4, MAE: null } } }));
  writeFileSync(mb, JSON.stringify({ dataset: { IoU: 0.5 }, images: { s1: { IoU: 0.6, MAE: 0.1 }, s2: { IoU: 0.4, MAE: 0.3 } } }));
  const m = spawnSync(process.execPath, [CLI, 'compare', ma, mb, '--metric', 'MAE'], { encoding: 'utf8' });
  assert.equal(m.status, 0, m.stderr);
  assert.match(m.stdout, /MAE \(lower is better\), 1 paired images \(1 NaN dropped\)/);
  assert.match(m.stdout, /IoU +0\.4000 +0\.5000 +\+0\.1000\n/);
  assert.equal(spawnSync(process.execPath, [CLI, 'compare', ma], { encoding: 'utf8' }).status, 2);
  const bad = spawnSync(process.execPath, [CLI, 'compare', ma, `${ma}@3`], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /a metrics file has no steps/);
  const missing = spawnSync(process.execPath, [CLI, 'compare', ma, join(dir, 'nope.jsonl@2')], { encoding: 'utf8' });
  assert.match(missing.stderr, /no such file: .*nope\.jsonl/);
});
