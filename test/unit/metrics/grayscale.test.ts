import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodePngGray, loadMaskGray, toGrayLikeCv2 } from '../../../src/core/image/grayscale';
import { readRaw } from '../../../src/core/image/io';

const FIX = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures');
const files = [
  ...['metrics/pred', 'metrics/gt', 'resize'].flatMap((d) => readdirSync(join(FIX, d)).filter((f) => f.endsWith('.png')).map((f) => join(FIX, d, f))),
];

test('the built-in PNG decoder gives the same gray plane as sharp + the libpng rule (gray, RGB, RGBA, LA, palette)', async () => {
  assert.ok(files.length > 100);
  let decoded = 0;
  for (const f of files) {
    const bytes = readFileSync(f);
    const fast = decodePngGray(bytes);
    const slow = toGrayLikeCv2(await readRaw(bytes));
    if (!fast) continue;
    decoded++;
    assert.equal(fast.width, slow.width, f);
    assert.equal(fast.height, slow.height, f);
    assert.ok(Buffer.from(fast.data).equals(Buffer.from(slow.data)), f);
  }
  assert.equal(decoded, files.length, 'every fixture is 8-bit non-interlaced');
});

test('PNGs the decoder does not take (16-bit, interlaced, not PNG) fall back to sharp', async () => {
  const px = Uint8Array.from({ length: 20 * 10 }, (_, i) => (i * 37) % 256);
  const interlaced = await sharp(Buffer.from(px), { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('b-w').png({ progressive: true }).toBuffer();
  assert.equal(decodePngGray(interlaced), undefined);
  const viaLoader = await loadMaskGray(interlaced);
  assert.deepEqual(Array.from(viaLoader.data), Array.from(px));
  const jpeg = await sharp(Buffer.from(px), { raw: { width: 20, height: 10, channels: 1 } }).jpeg().toBuffer();
  assert.equal(decodePngGray(jpeg), undefined);
  assert.equal((await loadMaskGray(jpeg)).width, 20);
  const wide = await sharp(Buffer.from(new Uint16Array(200).fill(40000).buffer), { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  assert.equal(decodePngGray(wide), undefined);
});
