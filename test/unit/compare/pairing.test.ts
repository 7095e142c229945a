import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ImageDelta } from '../../../src/core/compare/compare';
import { bestRollout, orderByChange, rolloutsByImage, stepsSharingImages, type PairingIndex } from '../../../src/core/compare/pairing';

/** A small index: one row per rollout as [step, image (or undefined), reward, sample]. */
function fake(rows: ReadonlyArray<readonly [number, string | undefined, number, number]>): PairingIndex {
  const images: string[] = [];
  const id = (s: string | undefined): number => {
    if (s === undefined) return -1;
    const at = images.indexOf(s);
    return at >= 0 ? at : images.push(s) - 1;
  };
  return {
    count: rows.length,
    step: Float64Array.from(rows.map((r) => r[0])),
    image: Int32Array.from(rows.map((r) => id(r[1]))),
    images,
    reward: Float64Array.from(rows.map((r) => r[2])),
    sample: Int32Array.from(rows.map((r) => r[3])),
  };
}

test('rolloutsByImage keeps one step, groups by the record image in log order, and skips rollouts without an image', () => {
  const ix = fake([
    [1, 'x.jpg', 0.1, 0],
    [2, 'x.jpg', 0.9, 0],
    [1, 'y.jpg', 0.5, 0],
    [1, 'x.jpg', 0.3, 1],
    [1, undefined, 0.7, 2],
  ]);
  assert.deepEqual([...rolloutsByImage(ix, 1)], [
    ['x.jpg', [0, 3]],
    ['y.jpg', [2]],
  ]);
  assert.deepEqual([...rolloutsByImage(ix, 3)], []);
});

test('bestRollout: highest reward; NaN rewards lose; ties go to the lower sample, a missing sample last, then log order', () => {
  const ix = fake([
    [1, 'x', Number.NaN, 0],
    [1, 'x', 0.4, 3],
    [1, 'x', 0.8, 2],
    [1, 'x', 0.8, 1],
    [1, 'x', 0.8, -1],
    [1, 'x', 0.8, 1],
  ]);
  assert.equal(bestRollout(ix, [0, 1, 2, 3, 4, 5]), 3);
  assert.equal(bestRollout(ix, [4, 2]), 2);
  assert.equal(bestRollout(ix, [5, 3]), 3);
  assert.equal(bestRollout(ix, [0, 1]), 1);
  assert.equal(bestRollout(ix, [0]), 0);
  assert.equal(bestRollout(ix, []), undefined);
});

test('stepsSharingImages: other steps by images shared with the chosen one, most first; across two runs every step counts', () => {
  const ix = fake([
    [1, 'a', 0, 0],
    [1, 'b', 0, 0],
    [2, 'c', 0, 0],
    [3, 'a', 0, 0],
    [3, 'b', 0, 0],
    [4, 'b', 0, 0],
    [Number.NaN, 'a', 0, 0],
  ]);
  assert.deepEqual(stepsSharingImages(ix, 1), [
    { step: 3, shared: 2 },
    { step: 4, shared: 1 },
    { step: 2, shared: 0 },
  ]);
  const other = fake([
    [1, 'b', 0, 0],
    [7, 'a', 0, 0],
    [7, 'b', 0, 0],
  ]);
  assert.deepEqual(stepsSharingImages(ix, 1, other), [
    { step: 7, shared: 2 },
    { step: 1, shared: 1 },
  ]);
});

test('orderByChange: largest |Δ| first either way, NaN last, ties by image name', () => {
  const d = (image: string, delta: number): ImageDelta => ({ image, a: { iou: 0 }, b: { iou: delta }, delta: { iou: delta } });
  const images = [d('p', 0.1), d('q', -0.5), d('r', Number.NaN), d('s', 0.5), d('t', 0), d('u', 0.3)];
  assert.deepEqual(
    orderByChange(images, 'iou').map((i) => images[i]!.image),
    ['q', 's', 'u', 'p', 't', 'r'],
  );
  assert.deepEqual(orderByChange(images, 'absent'), [0, 1, 2, 3, 4, 5]);
});
