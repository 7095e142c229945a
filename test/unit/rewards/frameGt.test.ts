import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRle, encodeRle } from '../../../src/core/image/rle';
import type { BinaryMask, GrayImage } from '../../../src/core/image/types';
import { preparePair } from '../../../src/core/metrics/prepare';
import { smeasureBinary, smeasureImage } from '../../../src/core/metrics/smeasure';
import { frameGt, frameOverlap } from '../../../src/core/rewards/frameGt';
import { maskTo255, overlap, segr1GtMask } from '../../../src/core/rewards/masks';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { Rng } from '../../../src/core/sample/random';

// The segment reward now reads a GT derived once (frameGt) and one pass over the mask (frameOverlap): it must give
// exactly what the pixel-by-pixel path gives (overlap + PySODMetrics-style S-measure of the 0/255 masks), bit for bit.

function ellipses(w: number, h: number, r: Rng, value = 255): Uint8Array {
  const d = new Uint8Array(w * h);
  const shapes = Array.from({ length: 1 + Math.floor(r.next() * 3) }, () => ({ cx: r.next() * w, cy: r.next() * h, rx: 2 + r.next() * w * 0.4, ry: 2 + r.next() * h * 0.4 }));
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (shapes.some((s) => ((x - s.cx) / s.rx) ** 2 + ((y - s.cy) / s.ry) ** 2 <= 1)) d[y * w + x] = value;
  return d;
}

/** What the reward computed before: the GT mask re-derived per rollout, then the generic pixel passes. */
function slowPath(pred: BinaryMask, gt: GrayImage, side: number): { o: ReturnType<typeof overlap>; sm: number } {
  const g = segr1GtMask(gt, side);
  return { o: overlap(pred, g), sm: smeasureImage(preparePair(maskTo255(pred), maskTo255(g))) };
}

function check(pred: BinaryMask, gt: GrayImage, side: number, label: string): void {
  const want = slowPath(pred, gt, side);
  const d = frameGt(gt, side);
  const got = frameOverlap(pred, d);
  assert.deepEqual(got.overlap, want.o, `${label}: overlap`);
  const sm = smeasureBinary(d.sm, got.quadrants);
  assert.ok(Object.is(sm, want.sm), `${label}: S-measure ${sm} vs ${want.sm}`);
}

test('frameGt + frameOverlap + smeasureBinary equal the per-pixel IoU and S-measure on random masks, any GT size', () => {
  const r = new Rng(11);
  for (let k = 0; k < 60; k++) {
    const side = [768, 61, 64, 33][k % 4]!;
    const gw = [side, 50, 97, 640][k % 4]!;
    const gh = [side, 80, 31, 480][k % 4]!;
    const gt: GrayImage = { width: gw, height: gh, data: ellipses(gw, gh, r) };
    const pred: BinaryMask = { width: side, height: side, data: ellipses(side, side, r, 1) };
    check(pred, gt, side, `case ${k}`);
  }
});

test('edge cases: empty/full GT and prediction, centroid in the last row or column (NaN), 0/255 and unaligned masks', () => {
  const side = 40;
  const n = side * side;
  const gts: Array<[string, Uint8Array]> = [
    ['empty GT', new Uint8Array(n)],
    ['full GT', new Uint8Array(n).fill(255)],
    ['GT in the last row', (() => { const d = new Uint8Array(n); d.fill(255, n - side); return d; })()],
    ['GT in the last column', (() => { const d = new Uint8Array(n); for (let y = 0; y < side; y++) d[y * side + side - 1] = 255; return d; })()],
    ['one GT pixel', (() => { const d = new Uint8Array(n); d[side * 7 + 3] = 255; return d; })()],
    ['GT of 128s (foreground: > 127)', new Uint8Array(n).fill(128)],
  ];
  const r = new Rng(5);
  const preds: Array<[string, Uint8Array]> = [
    ['empty pred', new Uint8Array(n)],
    ['full pred', new Uint8Array(n).fill(1)],
    ['random pred', ellipses(side, side, r, 1)],
    ['0/255 pred', ellipses(side, side, r, 255)],
    ['pred of mixed non-zero bytes', Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : (i % 5) + 1))],
  ];
  for (const [gl, gd] of gts) {
    for (const [pl, pd] of preds) {
      check({ width: side, height: side, data: pd }, { width: side, height: side, data: gd }, side, `${gl} × ${pl}`);
      // The same pixels at an odd byte offset (a view into a larger buffer): the word-wise pass must not apply.
      const shifted = new Uint8Array(n + 1).subarray(1);
      shifted.set(pd);
      check({ width: side, height: side, data: shifted }, { width: side, height: side, data: gd }, side, `${gl} × ${pl}, unaligned`);
    }
  }
});

test('the derived GT is computed once per GT image and reused, and a size mismatch still names both sizes', () => {
  const gt: GrayImage = { width: 20, height: 20, data: new Uint8Array(400).fill(255) };
  assert.equal(frameGt(gt, 16), frameGt(gt, 16));
  assert.notEqual(frameGt(gt, 16), frameGt({ ...gt }, 16));
  assert.equal(frameGt(gt, 12).mask.width, 12, 'another frame side is derived anew');
  assert.throws(() => frameOverlap({ width: 10, height: 16, data: new Uint8Array(160) }, frameGt(gt, 16)), /mask is 10×16 but the reward frame is 16×16/);
});

test('decodeRle into a reused buffer gives the fresh decode, whatever the buffer held', () => {
  const r = new Rng(3);
  const scratch = new Uint8Array(50 * 30).fill(7);
  for (let k = 0; k < 10; k++) {
    const m: BinaryMask = { width: 50, height: 30, data: ellipses(50, 30, r, 1) };
    const rle = encodeRle(m);
    const into = decodeRle(rle, { into: scratch });
    assert.deepEqual(into.data, m.data);
    assert.equal(into.data.buffer, scratch.buffer);
  }
  assert.notEqual(decodeRle(encodeRle({ width: 60, height: 30, data: new Uint8Array(1800) }), { into: scratch }).data.buffer, scratch.buffer, 'too small a buffer is not used');
});

test('segr1-intended scores a rollout against a resized GT exactly as the S-measure of the 0/255 masks', async () => {
  const r = new Rng(21);
  const gt: GrayImage = { width: 640, height: 480, data: ellipses(640, 480, r) };
  const loggedMask: BinaryMask = { width: 768, height: 768, data: ellipses(768, 768, r, 1) };
  const completion = '<think> x </think> <bbox>[10,10,700,700]</bbox>, <points>[[300,300]]</points>, <labels>[1]</labels>';
  const res = await getRewardSet('segr1-intended')!.score({ completion, gt, loggedMask, modelFrame: { kind: 'fixed', width: 768, height: 768 } });
  const want = slowPath(loggedMask, gt, 768);
  const iou = want.o.union > 0 ? want.o.intersection / want.o.union : 0;
  assert.equal(res.details.sm, want.sm);
  assert.equal(res.components.segment, 0.7 * iou + 0.3 * Math.max(0, Math.min(1, want.sm)));
});

test('without the split, frameOverlap gives the same IoU counts and never derives the S-measure statistics', () => {
  const r = new Rng(8);
  const gt: GrayImage = { width: 64, height: 64, data: ellipses(64, 64, r) };
  const pred: BinaryMask = { width: 64, height: 64, data: ellipses(64, 64, r, 1) };
  const d = frameGt(gt, 64);
  let reads = 0;
  const watched = { mask: d.mask, area: d.area, get sm() { reads++; return d.sm; } };
  assert.deepEqual(frameOverlap(pred, watched, false).overlap, overlap(pred, segr1GtMask(gt, 64)));
  assert.equal(reads, 0);
});
