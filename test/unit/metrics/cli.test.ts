import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const FIX = join(REPO, 'test', 'fixtures', 'metrics');
const GOOD = ['10_perfect_pred', '17_nonsquare_61x97', '24_centroid_half', '31_rgb_masks', '39_random_blobs_96x96'];
const DATASET_KEYS = ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm', 'IoU', 'cIoU', 'gIoU', 'count'];
const IMAGE_KEYS = ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm', 'IoU'];

interface RefImage { [k: string]: number | number[] | unknown; emCurve: number[]; fmCurve: number[]; intersection: number; union: number }
const ref = JSON.parse(readFileSync(join(FIX, 'reference.json'), 'utf8')) as { images: Record<string, RefImage> };

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'metrics', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A pred/gt tree with good pairs plus a missing partner on each side, a size mismatch and an unreadable file. */
function makeTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'segr1-metrics-'));
  mkdirSync(join(dir, 'pred'));
  mkdirSync(join(dir, 'gt'));
  for (const n of GOOD) {
    copyFileSync(join(FIX, 'pred', `${n}.png`), join(dir, 'pred', `${n}.png`));
    copyFileSync(join(FIX, 'gt', `${n}.png`), join(dir, 'gt', `${n}.png`));
  }
  copyFileSync(join(FIX, 'pred', '12_tiny_gt_1px.png'), join(dir, 'pred', 'orphan_pred.png'));
  copyFileSync(join(FIX, 'gt', '12_tiny_gt_1px.png'), join(dir, 'gt', 'orphan_gt.png'));
  copyFileSync(join(FIX, 'pred', '17_nonsquare_61x97.png'), join(dir, 'pred', 'size_mismatch.png'));
  copyFileSync(join(FIX, 'gt', '18_nonsquare_97x61.png'), join(dir, 'gt', 'size_mismatch.png'));
  writeFileSync(join(dir, 'pred', 'broken.png'), 'not a png');
  copyFileSync(join(FIX, 'gt', '10_perfect_pred.png'), join(dir, 'gt', 'broken.png'));
  return dir;
}

function close(a: number, e: number, what: string): void {
  assert.ok(Math.abs(a - e) <= 1e-12, `${what}: ${a} vs ${e}`);
}

test('segr1 metrics scores what it can, names what it cannot, and writes the JSON contract', () => {
  const dir = makeTree();
  try {
    const out = join(dir, 'm.json');
    const r = run(['--pred', join(dir, 'pred'), '--gt', join(dir, 'gt'), '--json', out, '--per-image']);
    assert.equal(r.status, 0, r.stderr);
    for (const name of ['orphan_pred', 'orphan_gt', 'size_mismatch', 'broken']) assert.match(r.stderr, new RegExp(name), `stderr names ${name}`);
    assert.match(r.stderr, /shape mismatch/);
    assert.match(r.stdout, /dataset/);
    for (const n of GOOD) assert.match(r.stdout, new RegExp(n));
    const j = JSON.parse(readFileSync(out, 'utf8')) as { dataset: Record<string, number>; images: Record<string, Record<string, number>> };
    assert.deepEqual(Object.keys(j), ['dataset', 'images']);
    assert.deepEqual(Object.keys(j.dataset), DATASET_KEYS);
    assert.deepEqual(Object.keys(j.images).sort(), [...GOOD].sort());
    for (const n of GOOD) {
      assert.deepEqual(Object.keys(j.images[n]!), IMAGE_KEYS);
      for (const k of IMAGE_KEYS) close(j.images[n]![k]!, ref.images[n]![k] as number, `${n} ${k}`);
    }
    // Dataset values rebuilt from the PySODMetrics per-image reference: curves averaged over images, then mean/max.
    const k = GOOD.length;
    assert.equal(j.dataset.count, k);
    const mean = (f: (r: RefImage) => number): number => GOOD.reduce((s, n) => s + f(ref.images[n]!), 0) / k;
    const meanCurve = (c: 'emCurve' | 'fmCurve'): number[] => Array.from({ length: 256 }, (_, i) => mean((r) => r[c][i]!));
    for (const key of ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'adpFm', 'IoU', 'meanEm', 'meanFm'] as const) close(j.dataset[key]!, mean((r) => r[key] as number), `dataset ${key}`);
    close(j.dataset.maxEm!, Math.max(...meanCurve('emCurve')), 'dataset maxEm');
    close(j.dataset.maxFm!, Math.max(...meanCurve('fmCurve')), 'dataset maxFm');
    close(j.dataset.gIoU!, j.dataset.IoU!, 'gIoU');
    close(j.dataset.cIoU!, GOOD.reduce((s, n) => s + ref.images[n]!.intersection, 0) / GOOD.reduce((s, n) => s + ref.images[n]!.union, 0), 'cIoU');

    // One thread gives the same bytes as two workers: aggregation order is the stem order, not completion order.
    const one = join(dir, 'one.json');
    assert.equal(run(['--pred', join(dir, 'pred'), '--gt', join(dir, 'gt'), '--json', one, '--workers', '1']).status, 0);
    assert.equal(readFileSync(one, 'utf8'), readFileSync(out, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segr1 metrics exits non-zero on usage errors and when nothing is scorable', () => {
  assert.equal(run([]).status, 2);
  assert.equal(run(['--pred', '/nonexistent-dir', '--gt', '/nonexistent-dir']).status, 2);
  const dir = mkdtempSync(join(tmpdir(), 'segr1-metrics-'));
  try {
    mkdirSync(join(dir, 'pred'));
    mkdirSync(join(dir, 'gt'));
    copyFileSync(join(FIX, 'pred', '10_perfect_pred.png'), join(dir, 'pred', 'a.png'));
    copyFileSync(join(FIX, 'gt', '10_perfect_pred.png'), join(dir, 'gt', 'b.png'));
    const r = run(['--pred', join(dir, 'pred'), '--gt', join(dir, 'gt')]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a\.png/);
    assert.match(r.stderr, /b\.png/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
