import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const PYSOD = join(REPO, 'test', 'fixtures', 'pysod');

type Num = number | 'NaN';
const ref = JSON.parse(readFileSync(join(PYSOD, 'full_reference.json'), 'utf8')) as {
  testData: { dataset: Record<string, Num>; images: Record<string, Record<string, Num>> };
  varied: { images: Record<string, Record<string, Num | boolean>> };
};

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'metrics', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface AllJson { dataset: Record<string, number | null>; images: Record<string, Record<string, number | null | string[]>>; notes: string[] }

test('segr1 metrics --all: dataset and per-image JSON carry every key under the PySODMetrics names, equal to PySODMetrics', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segr1-metrics-all-'));
  try {
    const out = join(dir, 'all.json');
    const r = run(['--pred', join(PYSOD, 'test_data', 'preds'), '--gt', join(PYSOD, 'test_data', 'masks'), '--all', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    // Grouped, readable stdout: the two matrices and the flat cells.
    assert.match(r.stdout, /^FmeasureV2 +adp +mean +max +sample_bi +overall_bi$/m);
    assert.match(r.stdout, /^size-invariant +s_adp/m);
    assert.match(r.stdout, /^kappa +0\.6569 +0\.6443 +0\.6759 +0\.6511 +0\.7400$/m);
    const j = JSON.parse(readFileSync(out, 'utf8')) as AllJson;
    assert.deepEqual(Object.keys(j), ['dataset', 'images', 'notes']);
    for (const [k, v] of Object.entries(ref.testData.dataset)) {
      const got = j.dataset[k];
      assert.ok(typeof got === 'number' && Math.abs(got - (v as number)) <= 1e-6, `dataset ${k}: ${got} vs ${v}`);
    }
    for (const [stem, want] of Object.entries(ref.testData.images)) {
      for (const [k, v] of Object.entries(want)) {
        const got = j.images[stem]![k];
        if (v === 'NaN') assert.equal(got, null, `${stem} ${k}`);
        else assert.ok(typeof got === 'number' && Math.abs(got - v) <= 1e-6, `${stem} ${k}: ${got} vs ${v}`);
      }
    }
    assert.equal(j.dataset.count, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segr1 metrics --all: an all-foreground GT is scored, excluded from si_* with a per-image note, never a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'segr1-metrics-all-'));
  try {
    mkdirSync(join(dir, 'pred'));
    mkdirSync(join(dir, 'gt'));
    for (const [stem, src] of [['full', join(PYSOD, 'full', '{}', 'si15_full_gt.png')], ['three', join(PYSOD, 'full', '{}', 'si01_three_targets.png')]] as const) {
      copyFileSync(src.replace('{}', 'pred'), join(dir, 'pred', `${stem}.png`));
      copyFileSync(src.replace('{}', 'gt'), join(dir, 'gt', `${stem}.png`));
    }
    const out = join(dir, 'all.json');
    const r = run(['--pred', join(dir, 'pred'), '--gt', join(dir, 'gt'), '--all', '--json', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /note: 1 image\(s\) with an all-foreground GT excluded from the si_\* metrics/);
    const j = JSON.parse(readFileSync(out, 'utf8')) as AllJson;
    assert.ok(!('si_mae' in j.images.full!));
    assert.match(String((j.images.full!.notes as string[])[0]), /AssertionError/);
    assert.equal(j.dataset.count, 2);
    // The si_* dataset values are those of the other image alone.
    const three = ref.varied.images.si01_three_targets!;
    for (const k of ['si_mae', 'si_sample_maxfm', 'si_overall_bikappa', 'si_sample_auc_pr']) assert.ok(Math.abs((j.dataset[k] as number) - (three[k] as number)) <= 1e-6, k);
    assert.ok(typeof j.dataset.maxfm === 'number');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('segr1 metrics: --images needs --all and a directory', () => {
  const base = ['--pred', join(PYSOD, 'test_data', 'preds'), '--gt', join(PYSOD, 'test_data', 'masks')];
  const a = run([...base, '--images', join(PYSOD, 'test_data', 'preds')]);
  assert.equal(a.status, 2);
  assert.match(a.stderr, /--images is only used with --all/);
  const b = run([...base, '--all', '--images', join(PYSOD, 'no-such-dir')]);
  assert.equal(b.status, 2);
  assert.match(b.stderr, /no such directory/);
  const dir = mkdtempSync(join(tmpdir(), 'segr1-metrics-img-'));
  try {
    copyFileSync(join(PYSOD, 'test_data', 'preds', '19.png'), join(dir, '19.png'));
    const c = run([...base, '--all', '--images', dir]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stderr, /no image with stem '0001'/);
    assert.match(c.stderr, /no image with stem 'aerial-1867541__340'/);
    assert.doesNotMatch(c.stderr, /stem '19'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
