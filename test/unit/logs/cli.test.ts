import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../tempDir';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const FIX = join(REPO, 'test', 'fixtures', 'logs');

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'convert', ...args], { encoding: 'utf8' });
}

test('segr1 convert: prints records, steps, groups and malformed entries; writes canonical JSONL', () => {
  const out = join(tempDir('segr1-cli-'), 'out.jsonl');
  const r = run(join(FIX, 'mixed'), '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote {4}.*out\.jsonl: 8 records, 2 steps, 2 groups, 4 without image/);
  assert.match(r.stdout, /issues {3}2 malformed entries \(errors\), 6 warnings/);
  assert.match(r.stdout, /error {3}rollouts\.jsonl:3 {2}truncated JSON/);
  assert.match(r.stdout, /skipped {2}.*binary\.jsonl: binary data/);
  assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 8);
});

test('segr1 convert: --format override, --images-by order, and argument errors', () => {
  const dir = tempDir('segr1-cli-');
  const out = join(dir, 'out.jsonl');
  const list = join(dir, 'images.txt');
  writeFileSync(list, 'Imgs/a.jpg\nImgs/b.jpg\n');
  const r = run(join(FIX, 'segr1', 'training.log'), '--out', out, '--format', 'segr1-debug', '--images-by', `order:${list}:2`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 records, 0 steps, 0 groups, 0 without image/);
  const images = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { image: string }).image);
  assert.deepEqual(images, ['Imgs/a.jpg', 'Imgs/a.jpg', 'Imgs/b.jpg', 'Imgs/b.jpg']);
  assert.equal(run(join(FIX, 'mixed')).status, 2);
  const bad = run(join(FIX, 'mixed'), '--out', out, '--format', 'nope');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown --format 'nope' \(known: canonical, trl-parquet/);
  assert.equal(run(join(FIX, 'trl014', 'trainer_state.json'), '--out', out).status, 1, 'nothing to convert');
});

test('segr1 convert: warns about rollouts without an image, with the count and the first sources', () => {
  const out = join(tempDir('segr1-cli-'), 'out.jsonl');
  const r = run(join(FIX, 'segr1', 'training.log'), '--out', out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^warning {2}4 of 4 rollouts name no image \(segr1-debug logs do not\): join them to dataset images with --images-by, e\.g\. --images-by order:<images\.txt>:<G>; first: training\.log:\d+, training\.log:\d+, training\.log:\d+, training\.log:\d+$/m);
});
