import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countsFromString, countsToString, decodeRle, encodeRle } from '../../../src/core/image/rle';

const ref = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/reference.json'), 'utf8')) as {
  rle: Array<{ mask: number[]; width: number; height: number; rle: { size: [number, number]; counts: string }; uncompressed?: number[] }>;
};

test('RLE encode/decode equal pycocotools on every committed mask, both ways', () => {
  for (const c of ref.rle) {
    const m = decodeRle(c.rle);
    assert.deepEqual([m.width, m.height], [c.width, c.height]);
    assert.deepEqual([...m.data], c.mask);
    assert.deepEqual(encodeRle({ width: c.width, height: c.height, data: Uint8Array.from(c.mask) }), c.rle);
    if (c.uncompressed) {
      assert.deepEqual(encodeRle(m, false).counts, c.uncompressed);
      assert.deepEqual(decodeRle({ size: c.rle.size, counts: c.uncompressed }).data, m.data);
    }
  }
});

test('compressed counts round-trip large and negative deltas', () => {
  const counts = [0, 5, 100000, 3, 7, 2_000_000, 1, 0, 40];
  assert.deepEqual(countsFromString(countsToString(counts)), counts);
});

test('bad RLE is rejected with a reason', () => {
  assert.throws(() => decodeRle({ size: [2, 2], counts: [1, 2] }), /cover 3 of 4/);
  assert.throws(() => decodeRle({ size: [2, 2], counts: [5] }), /more than/);
  assert.throws(() => decodeRle({ size: [2, 2], counts: '\u0001' }), /bad RLE character/);
});
