import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePngGray } from '../../../src/core/image/grayscale';
import { DeclaredSizeError, MAX_IMAGE_PIXELS } from '../../../src/core/image/limits';
import { readPngHeader } from '../../../src/core/image/pngHeader';
import { decodeRle, encodeRle, RleError } from '../../../src/core/image/rle';
import type { CocoRle } from '../../../src/core/logs/rollout';
import { validateRolloutJson } from '../../../src/core/logs/validateRecord';
import { FUZZ_MAX_PIXELS, pngFuzzInput, recordFuzzInput, rleFuzzInput } from './sizesFuzzInputs';

// The fast sample of bench/fuzz.bench.ts (which runs ≥ 1M inputs): same generators, seed 7.
const SEED = 7;
const N = 10_000;

test('fuzz: decodeRle throws only its typed errors, never returns past the cap, and round-trips every valid mask', () => {
  let valid = 0;
  let refused = 0;
  for (let i = 0; i < N; i++) {
    const { rle, mask } = rleFuzzInput(SEED, i);
    let got;
    try {
      got = decodeRle(rle as CocoRle, { maxPixels: FUZZ_MAX_PIXELS });
    } catch (e) {
      assert.ok(e instanceof RleError || e instanceof DeclaredSizeError, `input ${i}: ${String(e)}`);
      assert.ok(!mask, `input ${i}: a valid mask was refused: ${String(e)}`);
      refused++;
      continue;
    }
    assert.ok(got.width * got.height <= FUZZ_MAX_PIXELS && got.data.length === got.width * got.height, `input ${i}: ${got.width}×${got.height}`);
    if (mask) {
      valid++;
      assert.deepEqual(got.data, mask.data, `input ${i}: decode(runs) is the mask`);
      assert.deepEqual(decodeRle(encodeRle(got)).data, mask.data, `input ${i}: decode(encode(mask)) is the mask`);
    }
  }
  assert.ok(valid > N / 5 && refused > N / 3, `${valid} valid, ${refused} refused`);
});

test('fuzz: readPngHeader and decodePngGray throw only DeclaredSizeError, allocate nothing past the cap, and round-trip valid PNGs', () => {
  let valid = 0;
  let refused = 0;
  for (let i = 0; i < N; i++) {
    const { bytes, image } = pngFuzzInput(SEED, i);
    try {
      const h = readPngHeader(bytes);
      if (h) assert.ok(h.width * h.height <= MAX_IMAGE_PIXELS && h.width > 0 && h.height > 0, `input ${i}: header ${h.width}×${h.height}`);
      const got = decodePngGray(bytes);
      if (got) assert.ok(got.data.length === got.width * got.height && got.data.length <= MAX_IMAGE_PIXELS, `input ${i}`);
      if (image) {
        valid++;
        assert.ok(got, `input ${i}: a valid PNG was not decoded`);
        assert.deepEqual([got.width, got.height], [image.width, image.height]);
        assert.deepEqual(got.data, image.data, `input ${i}: decode(encode(image)) is the image`);
      }
    } catch (e) {
      assert.ok(e instanceof DeclaredSizeError, `input ${i}: ${String(e)}`);
      assert.ok(!image, `input ${i}: a valid PNG was refused`);
      refused++;
    }
  }
  assert.ok(valid > N / 10 && refused > N / 50, `${valid} valid, ${refused} refused`);
});

test('fuzz: validateRolloutJson never throws and never keeps a mask it calls invalid', () => {
  for (let i = 0; i < N; i++) {
    const v = recordFuzzInput(SEED, i);
    const r = validateRolloutJson(v, i + 1);
    assert.ok(Array.isArray(r.issues), `input ${i}`);
    for (const issue of r.issues) assert.equal(issue.line, i + 1);
    const m = r.record?.mask;
    if (m) assert.ok(Array.isArray(m.size) && m.size.length === 2 && m.size.every((x) => Number.isInteger(x) && x >= 0), `input ${i}: kept mask ${JSON.stringify(m).slice(0, 60)}`);
  }
});
