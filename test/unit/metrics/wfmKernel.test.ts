import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureTransform } from '../../../src/core/metrics/edt';
import { preparePair } from '../../../src/core/metrics/prepare';
import { GAUSSIAN_7_SIGMA5, IMPORTANCE, weightedErrorsJs, weightedFmeasureImage } from '../../../src/core/metrics/weightedFmeasure';
import { WfmKernel, wfmKernel, wfmKernelModule } from '../../../src/core/metrics/wfmKernel';
import { Rng } from '../../../src/core/sample/random';

/** GT shapes that stress the feature transform: ties, empty rows and columns, borders, single pixels, thin lines. */
function makeGt(kind: number, w: number, h: number, r: Rng): Uint8Array {
  const gt = new Uint8Array(w * h);
  const set = (x: number, y: number) => {
    if (x >= 0 && y >= 0 && x < w && y < h) gt[y * w + x] = 255;
  };
  switch (kind % 6) {
    case 0: // scattered pixels
      for (let i = 0; i < gt.length; i++) if (r.next() < 0.03) gt[i] = 255;
      break;
    case 1: // ellipses, as SOD ground truths are
      for (let k = 0; k < 1 + Math.floor(r.next() * 3); k++) {
        const cx = r.next() * w, cy = r.next() * h, rx = 1 + r.next() * w * 0.3, ry = 1 + r.next() * h * 0.3;
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) set(x, y);
      }
      break;
    case 2: // symmetric points: every pixel between them is a tie
      for (const [fx, fy] of [[0.25, 0.25], [0.75, 0.25], [0.25, 0.75], [0.75, 0.75], [0.5, 0]] as const) set(Math.round(fx * (w - 1)), Math.round(fy * (h - 1)));
      break;
    case 3: // a thin diagonal and a border column
      for (let y = 0; y < h; y++) set(Math.floor((y * w) / h), y);
      for (let y = 0; y < h; y += 2) set(w - 1, y);
      break;
    case 4: // one pixel
      set(Math.floor(r.next() * w), Math.floor(r.next() * h));
      break;
    default: // nearly full
      gt.fill(255);
      for (let i = 0; i < gt.length; i++) if (r.next() < 0.02) gt[i] = 0;
  }
  return gt;
}

test('weighted F-measure kernel: WebAssembly and JavaScript paths agree bit for bit (nearest pixels, weights, error sums), nearest pixels are scipy\'s', () => {
  const module = wfmKernelModule();
  // The build puts weightedFmeasure.wasm beside the module; without it this test would compare nothing.
  assert.ok(module, 'weightedFmeasure.wasm missing beside wfmKernel.js');
  const kernel = new WfmKernel(module, IMPORTANCE, GAUSSIAN_7_SIGMA5);
  const r = new Rng(11);
  // Sizes mixed so the kernel's memory both grows and is reused for smaller images.
  const sizes: Array<[number, number]> = [[352, 352], [1, 1], [1, 40], [40, 1], [17, 9], [640, 480], [33, 70], [5, 5], [300, 120], [2, 3]];
  let compared = 0;
  for (let k = 0; k < 48; k++) {
    const [w, h] = sizes[k % sizes.length]!;
    const gt = makeGt(k, w, h, r);
    if (!gt.some((v) => v > 128)) continue;
    const pred = Uint8Array.from({ length: w * h }, () => (r.next() < 0.3 ? 0 : Math.floor(r.next() * 256)));
    const pair = preparePair({ width: w, height: h, data: pred }, { width: w, height: h, data: gt });
    const js = weightedErrorsJs(pair);
    const jsNearest = Array.from(js.nearest);
    const jsEw = Array.from(js.ewBg);
    const got = kernel.run(pair);
    assert.ok(got, `${w}x${h}: kernel memory`);
    assert.deepEqual(Array.from(got.nearest), jsNearest, `nearest ${w}x${h} case ${k}`);
    assert.deepEqual(Array.from(got.ewBg), jsEw, `background weights ${w}x${h} case ${k}`);
    assert.equal(got.ewBg.length, pair.n - pair.fg);
    assert.ok(Object.is(got.fgErr, js.fgErr) && Object.is(got.fpw, js.fpw), `error sums ${w}x${h} case ${k}: ${got.fgErr} ${got.fpw} vs ${js.fgErr} ${js.fpw}`);
    if (w * h <= 5000) assert.deepEqual(jsNearest, Array.from(featureTransform(pair.gt, w, h).nearest), `scipy tie-breaking ${w}x${h}`);
    compared++;
  }
  assert.ok(compared >= 40, `${compared} cases compared`);
});

test('weighted F-measure: the metric takes the kernel path when it is built (the PySOD reference cases then test it)', () => {
  const w = 64;
  const h = 48;
  const gt = makeGt(1, w, h, new Rng(3));
  const pred = Uint8Array.from(gt, (v, i) => (v ? 200 : (i * 7) % 90));
  const pair = preparePair({ width: w, height: h, data: pred }, { width: w, height: h, data: gt });
  const kernel = wfmKernel(IMPORTANCE, GAUSSIAN_7_SIGMA5);
  assert.ok(kernel);
  const run = kernel.run.bind(kernel);
  let calls = 0;
  kernel.run = (p) => {
    calls++;
    return run(p);
  };
  try {
    const value = weightedFmeasureImage(pair);
    assert.equal(calls, 1);
    const { fgErr, fpw } = weightedErrorsJs(pair);
    const r = 1 - fgErr / pair.fg;
    const p = (pair.fg - fgErr) / (pair.fg - fgErr + fpw + Number.EPSILON);
    assert.equal(value, (2 * r * p) / (r + p + Number.EPSILON));
  } finally {
    kernel.run = run;
  }
});
