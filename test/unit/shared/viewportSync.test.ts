import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitScale, syncTransform, type Viewport } from '../../../src/shared/viewportSync';

const close = (x: number, y: number, what: string) => assert.ok(Math.abs(x - y) < 1e-9, `${what}: ${x} ≠ ${y}`);

test('equal canvases and images: the other panel gets the same transform', () => {
  const v: Viewport = { canvasWidth: 400, canvasHeight: 300, imageWidth: 768, imageHeight: 512 };
  for (const t of [
    { scale: 0.37, tx: 12, ty: -40 },
    { scale: 4.2, tx: -900, ty: -310.5 },
  ]) {
    const s = syncTransform(t, v, v);
    close(s.scale, t.scale, 'scale');
    close(s.tx, t.tx, 'tx');
    close(s.ty, t.ty, 'ty');
  }
});

test('the fitted view maps onto the fitted view of a different canvas and image size', () => {
  const from: Viewport = { canvasWidth: 400, canvasHeight: 300, imageWidth: 768, imageHeight: 768 };
  const to: Viewport = { canvasWidth: 500, canvasHeight: 250, imageWidth: 384, imageHeight: 384 };
  const f = fitScale(from);
  const fitted = { scale: f, tx: (400 - 768 * f) / 2, ty: (300 - 768 * f) / 2 };
  const g = fitScale(to);
  const s = syncTransform(fitted, from, to);
  close(s.scale, g, 'scale');
  close(s.tx, (500 - 384 * g) / 2, 'tx');
  close(s.ty, (250 - 384 * g) / 2, 'ty');
});

test('zoomed on a point: the other panel centres the same relative image point at the same zoom over fit', () => {
  const from: Viewport = { canvasWidth: 400, canvasHeight: 400, imageWidth: 1000, imageHeight: 1000 };
  const to: Viewport = { canvasWidth: 200, canvasHeight: 200, imageWidth: 500, imageHeight: 500 };
  // Image point (250, 750) of `from` at its canvas centre, 3× over fit.
  const scale = 3 * fitScale(from);
  const t = { scale, tx: 200 - 250 * scale, ty: 200 - 750 * scale };
  const s = syncTransform(t, from, to);
  close(s.scale / fitScale(to), 3, 'zoom over fit');
  // (125, 375) is the same relative point of the smaller image; it lands at the centre of `to`.
  close(125 * s.scale + s.tx, 100, 'x of centre');
  close(375 * s.scale + s.ty, 100, 'y of centre');
});

test('an empty side leaves the transform unchanged', () => {
  const t = { scale: 2, tx: 5, ty: 6 };
  const v: Viewport = { canvasWidth: 100, canvasHeight: 100, imageWidth: 10, imageHeight: 10 };
  assert.deepEqual(syncTransform(t, v, { ...v, imageWidth: 0 }), t);
  assert.deepEqual(syncTransform(t, { ...v, imageHeight: 0 }, v), t);
  assert.deepEqual(syncTransform(t, v, { ...v, canvasWidth: 0 }), t);
});
