import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { approxPolyDP } from '../../../src/core/image/morphology/approxPolyDP';
import { findContoursTree } from '../../../src/core/image/morphology/contours';
import { dilateCross, erodeCross } from '../../../src/core/image/morphology/crossMorph';
import { label8 } from '../../../src/core/image/morphology/label';
import { skeletonize } from '../../../src/core/image/morphology/skeletonize';

const ROOT = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'metrics-hce');

interface HelperMask {
  width: number; height: number; mask: number[]; contours: number[][]; hierarchy: number[]; approxOpen2: number[][];
  skeleton: number[]; labels: number[]; erode5: number[]; dilate1: number[];
}
interface Poly { points: number[]; epsilon: number; open: number[]; closed: number[] }
const ref = JSON.parse(readFileSync(join(ROOT, 'reference.json'), 'utf8')) as {
  helpers: { masks: Record<string, HelperMask>; polylines: Record<string, Poly> };
};

for (const [name, c] of Object.entries(ref.helpers.masks)) {
  const m = Uint8Array.from(c.mask);
  test(`findContours(RETR_TREE, CHAIN_APPROX_NONE) matches OpenCV 4.6 point for point: ${name}`, () => {
    const r = findContoursTree(m, c.width, c.height);
    assert.deepEqual(r.contours.map((x) => Array.from(x)), c.contours);
    assert.deepEqual(Array.from(r.hierarchy), c.hierarchy);
    assert.deepEqual(r.contours.map((x) => Array.from(approxPolyDP(x, 2, false))), c.approxOpen2);
  });
  test(`skeletonize, label, erode and dilate match scikit-image 0.19 / OpenCV 4.6: ${name}`, () => {
    assert.deepEqual(Array.from(skeletonize(m, c.width, c.height)), c.skeleton);
    assert.deepEqual(Array.from(label8(m, c.width, c.height).labels), c.labels);
    assert.deepEqual(Array.from(erodeCross(m, c.width, c.height, 5)), c.erode5);
    assert.deepEqual(Array.from(dilateCross(m, c.width, c.height, 1)), c.dilate1);
  });
}

for (const [name, p] of Object.entries(ref.helpers.polylines)) {
  test(`approxPolyDP matches OpenCV 4.6 (open and closed): ${name}`, () => {
    assert.deepEqual(Array.from(approxPolyDP(p.points, p.epsilon, false)), p.open);
    assert.deepEqual(Array.from(approxPolyDP(p.points, p.epsilon, true)), p.closed);
  });
}

test('the helper reference covers nesting, one-pixel rings, borders touching the frame and equal-ended polylines', () => {
  const names = Object.keys(ref.helpers.masks);
  for (const n of ['nested', 'thin_ring', 'diagonal_and_singles', 'touching_frame']) assert.ok(names.includes(n), n);
  assert.ok(ref.helpers.masks.nested!.hierarchy.some((v, i) => i % 4 === 3 && v >= 1), 'a contour two levels deep');
  assert.ok(Object.values(ref.helpers.polylines).some((p) => p.points.length >= 4 && p.points[0] === p.points.at(-2) && p.points[1] === p.points.at(-1)));
});

test('findContours on an empty mask and on a single pixel', () => {
  assert.equal(findContoursTree(new Uint8Array(6), 3, 2).contours.length, 0);
  const one = findContoursTree(Uint8Array.of(0, 0, 0, 0, 1, 0), 3, 2);
  assert.deepEqual(one.contours.map((c) => Array.from(c)), [[1, 1]]);
  assert.deepEqual(Array.from(one.hierarchy), [-1, -1, -1, -1]);
});
