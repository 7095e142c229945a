import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { assetSize, loadAssets, type ResolvePath } from '../../../src/host/rolloutAssets';
import { ViewProblems } from '../../../src/host/viewProblems';
import { tempDir } from '../tempDir';

/** A problem log that records what reached the Problems panel, with its line. */
function problemLog(line = 7): { problems: ViewProblems; reported: Array<[number | undefined, string]> } {
  const reported: Array<[number | undefined, string]> = [];
  return { problems: new ViewProblems(line, (l, m) => reported.push([l, m])), reported };
}

async function fixtureDir(): Promise<{ dir: string; resolve: ResolvePath }> {
  const dir = tempDir('segr1-assets-');
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 20, b: 30 } } }).png().toFile(join(dir, 'img.png'));
  await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 10, g: 20, b: 30 } } }).tiff().toFile(join(dir, 'img.tiff'));
  // Left half white: the binary GT is > 127.
  const gt = Buffer.alloc(40 * 30);
  for (let y = 0; y < 30; y++) for (let x = 0; x < 20; x++) gt[y * 40 + x] = 200;
  await sharp(gt, { raw: { width: 40, height: 30, channels: 1 } }).png().toFile(join(dir, 'gt.png'));
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(join(dir, 'small-gt.png'));
  writeFileSync(join(dir, 'broken.png'), 'not an image');
  return { dir, resolve: (rel) => (rel.startsWith('..') ? { error: `'${rel}' is outside the workspace` } : { path: join(dir, rel) }) };
}

test('loadAssets: image and GT read, the GT binarised at > 127, no problem', async () => {
  const { resolve } = await fixtureDir();
  const { problems, reported } = problemLog();
  const assets = await loadAssets({ image: 'img.png', gt: 'gt.png' }, resolve, problems);
  assert.equal(assets.image?.mime, 'image/png');
  assert.equal(assets.image?.path, 'img.png');
  assert.deepEqual([assets.image?.width, assets.image?.height], [40, 30]);
  assert.equal(assets.gt?.binary.data[0], 1);
  assert.equal(assets.gt?.binary.data[39], 0);
  assert.equal(assets.gt?.binary.data.reduce((a, b) => a + b, 0), 20 * 30);
  assert.deepEqual(problems.list, []);
  assert.deepEqual(reported, []);
  assert.deepEqual(assetSize(assets), assets.image);
});

test('loadAssets: a format the browser cannot decode is re-encoded as PNG', async () => {
  const { resolve } = await fixtureDir();
  const assets = await loadAssets({ image: 'img.tiff' }, resolve, problemLog().problems);
  assert.equal(assets.image?.mime, 'image/png');
  const bytes = assets.image?.bytes ?? new Uint8Array();
  assert.deepEqual([...bytes.subarray(1, 4)], [...Buffer.from('PNG')]);
});

test('loadAssets: escaping, missing and unreadable files are problems of the line; the view goes on', async () => {
  const { resolve } = await fixtureDir();
  const { problems, reported } = problemLog(12);
  const assets = await loadAssets({ image: 'gone.png', gt: '../outside.png' }, resolve, problems);
  assert.deepEqual(assets, {});
  assert.equal(problems.list.length, 2);
  assert.match(problems.list[0] ?? '', /^image 'gone\.png': ENOENT/);
  assert.equal(problems.list[1], "gt '../outside.png' is outside the workspace");
  assert.deepEqual(reported.map(([l]) => l), [12, 12]);
  const broken = problemLog();
  const b = await loadAssets({ image: 'broken.png', gt: 'gt.png' }, resolve, broken.problems);
  assert.equal(b.image, undefined);
  assert.match(broken.problems.list[0] ?? '', /^image 'broken\.png': /);
  // Without the image, the GT gives the size.
  assert.deepEqual(assetSize(b), b.gt?.gray);
});

test('loadAssets: a record without an image is remarked, not reported; a GT of another size is reported', async () => {
  const { resolve } = await fixtureDir();
  const none = problemLog();
  const a = await loadAssets({}, resolve, none.problems);
  assert.equal(assetSize(a), undefined);
  assert.deepEqual(none.problems.list, ['this record names no image']);
  assert.deepEqual(none.reported, []);
  const mismatch = problemLog(3);
  await loadAssets({ image: 'img.png', gt: 'small-gt.png' }, resolve, mismatch.problems);
  assert.deepEqual(mismatch.reported, [[3, "GT 'small-gt.png' is 20×20 but image is 40×30; GT is stretched to the image for display"]]);
});
