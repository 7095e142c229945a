import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import { PilBilinearRows, resizeBilinearPil, resizeNearest } from '../../../src/core/image/resize';
import type { GrayImage } from '../../../src/core/image/types';

const ROOT = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'resize');
interface Case { name: string; in: [number, number]; out: [number, number]; bilinearSum: number }
const meta = JSON.parse(readFileSync(join(ROOT, 'cases.json'), 'utf8')) as { cases: Case[] };

async function gray(file: string): Promise<GrayImage> {
  return loadMaskGray(join(ROOT, file));
}

function firstDiff(a: Uint8Array, b: Uint8Array): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `first difference at ${i}: ${a[i]} vs ${b[i]}`;
  return 'equal';
}

test('fixtures include the Seg-R1 768×768 GT resizes, up and down', () => {
  const names = meta.cases.map((c) => c.name);
  for (const n of ['500x375_to_768', '1024x683_to_768', '61x97_to_768', '2000x1500_to_768']) assert.ok(names.includes(n), n);
});

for (const c of meta.cases) {
  test(`resizeBilinearPil is bit-exact with PIL BILINEAR: ${c.name}`, async () => {
    const input = await gray(`${c.name}_in.png`);
    const want = await gray(`${c.name}_bilinear.png`);
    const got = resizeBilinearPil(input, c.out[0], c.out[1]);
    assert.equal(got.width, want.width);
    assert.equal(got.height, want.height);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), firstDiff(got.data, want.data));
  });
  test(`PilBilinearRows (row-streamed) is bit-exact with PIL BILINEAR: ${c.name}`, async () => {
    const input = await gray(`${c.name}_in.png`);
    const want = await gray(`${c.name}_bilinear.png`);
    const rows = new PilBilinearRows(input.width, input.height, c.out[0], c.out[1]);
    for (let y = 0; y < input.height; y++) rows.push(input.data.subarray(y * input.width, (y + 1) * input.width), y);
    const got = rows.finish();
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), firstDiff(got.data, want.data));
  });
  test(`resizeNearest is bit-exact with PIL NEAREST: ${c.name}`, async () => {
    const input = await gray(`${c.name}_in.png`);
    const want = await gray(`${c.name}_nearest.png`);
    const got = resizeNearest(input, c.out[0], c.out[1]);
    assert.ok(Buffer.from(got.data).equals(Buffer.from(want.data)), firstDiff(got.data, want.data));
  });
}

test('same size is a copy, bad sizes throw', () => {
  const img: GrayImage = { width: 3, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };
  const same = resizeBilinearPil(img, 3, 2);
  assert.deepEqual(Array.from(same.data), [1, 2, 3, 4, 5, 6]);
  assert.notEqual(same.data, img.data);
  assert.throws(() => resizeBilinearPil(img, 0, 2), RangeError);
  assert.throws(() => resizeNearest(img, 2.5, 2), RangeError);
});
