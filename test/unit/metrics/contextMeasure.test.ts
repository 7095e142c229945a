import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import { readRgb } from '../../../src/core/image/io';
import { filter2D, reflect101 } from '../../../src/core/image/filter2D';
import { rgbToLabOpencv } from '../../../src/core/image/labOpencv';
import { deltaE2000, rgbToLabSkimage } from '../../../src/core/image/labSkimage';
import { ContextMeasure, contextKernel, predValues } from '../../../src/core/metrics/contextMeasure';
import { CamouflageContextMeasure, CamouflageInputError, camouflageDegree } from '../../../src/core/metrics/camouflageContext';
import { preparePair } from '../../../src/core/metrics/prepare';

const ROOT = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'metrics-context');
/** The bar for cm / ccm against PySODMetrics. */
const TOL = 1e-6;

interface RefImage { cm: number; ccm?: number; ccmError?: string; width: number; height: number }
interface Ref {
  dataset: { cm: number; ccm: number; count: number; ccmCount: number };
  examples: { cm: number; ccm: number; names: string[] };
  images: Record<string, RefImage>;
}
interface FilterCase { height: number; width: number; kernelHeight: number; kernelWidth: number; src: number[]; kernel: number[]; out32: number[]; out64: number[] }
interface Steps {
  bgMask: number[]; fgIndices: number[]; bgIndices: number[]; nn: number[]; recon: number[]; cd: number[];
  cov: number[]; xDis: number; yDis: number; kernel: number[]; forward: number[]; reverse: number[];
}
interface Inter {
  filters: FilterCase[];
  colours: { rgb: number[]; opencvLab: number[]; skimageLab: number[]; other: number[]; deltaE2000: number[] };
  ccmSteps: Record<string, Steps>;
}

const ref = JSON.parse(readFileSync(join(ROOT, 'reference.json'), 'utf8')) as Ref;
const inter = JSON.parse(readFileSync(join(ROOT, 'intermediates.json'), 'utf8')) as Inter;
const names = Object.keys(ref.images).sort();

async function load(name: string): Promise<{ pred: Awaited<ReturnType<typeof loadMaskGray>>; gt: Awaited<ReturnType<typeof loadMaskGray>>; img: Awaited<ReturnType<typeof readRgb>> }> {
  return {
    pred: await loadMaskGray(join(ROOT, 'pred', `${name}.png`)),
    gt: await loadMaskGray(join(ROOT, 'gt', `${name}.png`)),
    img: await readRgb(join(ROOT, 'image', `${name}.png`)),
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

test('reflect101 matches OpenCV borderInterpolate, including kernels wider than the image', () => {
  assert.deepEqual([-3, -2, -1, 0, 4, 5, 6, 7, 12].map((p) => reflect101(p, 5)), [3, 2, 1, 0, 4, 3, 2, 1, 4]);
  assert.equal(reflect101(-4, 1), 0);
  assert.equal(reflect101(9, 2), 1);
});

test('filter2D equals cv2.filter2D on both paths (CV_32F on float32, ddepth -1 on float64), small and DFT-sized kernels', () => {
  for (const f of inter.filters) {
    const src = { width: f.width, height: f.height, data: Float64Array.from(f.src) };
    const kernel = { rows: f.kernelHeight, cols: f.kernelWidth, data: Float64Array.from(f.kernel) };
    const what = `${f.height}x${f.width} kernel ${f.kernelHeight}x${f.kernelWidth}`;
    // OpenCV sums small kernels in float32 (measured ≤ 4 ulps = 2.4e-7 from a float64 sum) and large ones by DFT.
    assert.ok(maxDiff(filter2D(src, kernel, { float32: true }), f.out32) <= 5e-7, `${what} CV_32F`);
    assert.ok(maxDiff(filter2D(src, kernel, { float32: false }), f.out64) <= 1e-14, `${what} float64`);
  }
});

test('OpenCV 8-bit RGB2LAB is byte-exact on the sampled colours', () => {
  const c = inter.colours;
  const n = c.rgb.length / 3;
  const lab = rgbToLabOpencv({ width: n, height: 1, data: Uint8Array.from(c.rgb) });
  let bad = 0;
  for (let i = 0; i < lab.length; i++) if (lab[i] !== c.opencvLab[i]) bad++;
  assert.equal(bad, 0, `${bad} of ${lab.length} Lab bytes differ`);
});

test('skimage rgb2lab and deltaE_ciede2000 match to 1e-9', () => {
  const c = inter.colours;
  const n = c.rgb.length / 3;
  const lab = new Float64Array(3);
  const lab2 = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    rgbToLabSkimage(c.rgb[3 * i]!, c.rgb[3 * i + 1]!, c.rgb[3 * i + 2]!, lab, 0);
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(lab[k]! - c.skimageLab[3 * i + k]!) <= 1e-9, `rgb2lab ${i}.${k}`);
    rgbToLabSkimage(c.other[3 * i]!, c.other[3 * i + 1]!, c.other[3 * i + 2]!, lab2, 0);
    const de = deltaE2000(lab[0]!, lab[1]!, lab[2]!, lab2[0]!, lab2[1]!, lab2[2]!);
    assert.ok(Math.abs(de - c.deltaE2000[i]!) <= 1e-9, `deltaE ${i}: ${de} vs ${c.deltaE2000[i]}`);
  }
});

for (const [name, s] of Object.entries(inter.ccmSteps)) {
  test(`ccm steps of ${name}: kernel, forward/reverse, ring, patches, nearest neighbours, reconstruction, cd`, async () => {
    const { pred, gt, img } = await load(name);
    const pair = preparePair(pred, gt);
    const k = contextKernel(pair.gt, pair.width, pair.height, 6);
    assert.equal(k.xDis, s.xDis);
    assert.equal(k.yDis, s.yDis);
    assert.ok(maxDiff(k.cov, s.cov) <= 1e-12, 'cov');
    assert.ok(maxDiff(k.data, s.kernel) <= 1e-15, 'kernel');
    assert.equal(predValues(pair).length, pair.n);
    const d = camouflageDegree(img, pair.gt, 8, 20);
    assert.deepEqual(Array.from(d.bgMask), s.bgMask, 'surrounding background ring');
    assert.deepEqual(Array.from(d.fg.at), s.fgIndices, 'foreground patches');
    assert.deepEqual(Array.from(d.bg.at), s.bgIndices, 'background patches');
    assert.deepEqual(Array.from(d.nn), s.nn, 'nearest background patch of each foreground patch');
    assert.deepEqual(Array.from(d.recon), s.recon, 'reconstruction');
    assert.ok(maxDiff(d.cd, s.cd) <= 1e-9, 'camouflage degree');
  });
}

test('cm and ccm per image equal PySODMetrics to 1e-6 (examples/test_data with its astronaut image, and the varied set)', async () => {
  const cm = new ContextMeasure();
  const ccm = new CamouflageContextMeasure();
  const worst = { cm: 0, ccm: 0 };
  for (const name of names) {
    const r = ref.images[name]!;
    const { pred, gt, img } = await load(name);
    const v = cm.step(pred, gt);
    worst.cm = Math.max(worst.cm, Math.abs(v - r.cm));
    assert.ok(Math.abs(v - r.cm) <= TOL, `${name} cm ${v} vs ${r.cm}`);
    if (r.ccmError !== undefined) {
      assert.throws(() => new CamouflageContextMeasure().step(pred, gt, img), CamouflageInputError, `${name} ccm must refuse as PySODMetrics does`);
      continue;
    }
    const w = ccm.step(pred, gt, img);
    worst.ccm = Math.max(worst.ccm, Math.abs(w - r.ccm!));
    assert.ok(Math.abs(w - r.ccm!) <= TOL, `${name} ccm ${w} vs ${r.ccm}`);
  }
  // Measured worst case: printed so a regression towards the bar is visible before it fails.
  console.log(`cm/ccm worst per-image difference: ${worst.cm.toExponential(2)} / ${worst.ccm.toExponential(2)}`);
  assert.ok(Math.abs(cm.results().cm - ref.dataset.cm) <= TOL, 'dataset cm');
  assert.ok(Math.abs(ccm.results().ccm - ref.dataset.ccm) <= TOL, 'dataset ccm');
});

test('examples/test_data dataset values equal version_performance.json-era PySODMetrics output', async () => {
  const cm = new ContextMeasure();
  const ccm = new CamouflageContextMeasure();
  for (const name of ref.examples.names) {
    const { pred, gt, img } = await load(name);
    cm.step(pred, gt);
    ccm.step(pred, gt, img);
  }
  assert.ok(Math.abs(cm.results().cm - ref.examples.cm) <= TOL);
  assert.ok(Math.abs(ccm.results().ccm - ref.examples.ccm) <= TOL);
});

test('ccm refuses an image of another size; no step gives NaN', async () => {
  const { pred, gt, img } = await load('c08_noisy_pred_blocks');
  const small = { width: img.width - 1, height: img.height, data: img.data };
  assert.throws(() => new CamouflageContextMeasure().step(pred, gt, small), CamouflageInputError);
  assert.ok(Number.isNaN(new ContextMeasure().results().cm));
  assert.ok(Number.isNaN(new CamouflageContextMeasure().results().ccm));
});
