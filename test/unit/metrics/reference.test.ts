import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import type { GrayImage } from '../../../src/core/image/types';
import { imageMetrics, MetricSuite, type ImageMetrics } from '../../../src/core/metrics/suite';
import { diceHandler, fmeasureHandler, FmeasureV2, iouHandler } from '../../../src/core/metrics/fmeasureV2';
import { Smeasure } from '../../../src/core/metrics/smeasure';
import { WeightedFmeasure } from '../../../src/core/metrics/weightedFmeasure';
import { MAE } from '../../../src/core/metrics/mae';
import { Emeasure } from '../../../src/core/metrics/emeasure';
import { Fmeasure } from '../../../src/core/metrics/fmeasure';
import { IoU } from '../../../src/core/metrics/iou';
import { ShapeMismatchError } from '../../../src/core/metrics/prepare';

const ROOT = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'metrics');
/** Absolute tolerance on every value (measured worst case: 4.4e-16; the E/F curves are bit-identical). */
const TOL = 1e-13;

type Num = number | 'NaN';
interface RefImage {
  Smeasure: Num; wFmeasure: Num; MAE: Num; adpEm: Num; meanEm: Num; maxEm: Num; adpFm: Num; meanFm: Num; maxFm: Num; IoU: number;
  intersection: number; union: number; width: number; height: number; predGraySum: number; gtGraySum: number;
  emCurve: Num[]; fmCurve: Num[]; precision: Num[]; recall: Num[];
}
interface Ref {
  dataset: Record<string, Num | Num[]> & { count: number };
  datasetFiniteSm: Record<string, Num | Num[]> & { count: number };
  images: Record<string, RefImage>;
}

const ref = JSON.parse(readFileSync(join(ROOT, 'reference.json'), 'utf8')) as Ref;
const names = Object.keys(ref.images).sort();
const SCALARS = ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm', 'IoU'] as const;
const CURVES = ['emCurve', 'fmCurve', 'precision', 'recall'] as const;

function num(v: Num): number {
  return v === 'NaN' ? NaN : v;
}

function close(actual: number, expected: Num, what: string, tol = TOL): void {
  const e = num(expected);
  if (Number.isNaN(e)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  assert.ok(Math.abs(actual - e) <= tol, `${what}: ${actual} vs ${e} (diff ${Math.abs(actual - e)})`);
}

function sum(img: GrayImage): number {
  let s = 0;
  for (const v of img.data) s += v;
  return s;
}

async function load(name: string): Promise<{ pred: GrayImage; gt: GrayImage }> {
  return { pred: await loadMaskGray(join(ROOT, 'pred', `${name}.png`)), gt: await loadMaskGray(join(ROOT, 'gt', `${name}.png`)) };
}

test('fixture set covers the required cases', () => {
  assert.ok(names.length >= 40);
  assert.ok(names.some((n) => n.includes('centroid_half')) && names.some((n) => n.includes('_nan')) && names.some((n) => n.includes('rgb')));
});

const computed = new Map<string, ImageMetrics>();

for (const name of names) {
  test(`per-image metrics match PySODMetrics: ${name}`, async () => {
    const r = ref.images[name]!;
    const { pred, gt } = await load(name);
    assert.equal(pred.width, r.width);
    assert.equal(pred.height, r.height);
    // Decoder check: the same gray planes cv2.imread(IMREAD_GRAYSCALE) produced.
    assert.equal(sum(pred), r.predGraySum, 'pred gray plane');
    assert.equal(sum(gt), r.gtGraySum, 'gt gray plane');
    const m = imageMetrics(pred, gt);
    computed.set(name, m);
    for (const k of SCALARS) close(m[k], r[k], k);
    assert.equal(m.intersection, r.intersection);
    assert.equal(m.union, r.union);
    for (const k of CURVES) {
      assert.equal(m[k].length, 256);
      for (let i = 0; i < 256; i++) close(m[k][i]!, r[k][i]!, `${k}[${i}]`);
    }
  });
}

function checkDataset(suite: MetricSuite, expected: Ref['dataset'], label: string): void {
  const d = suite.getResults();
  assert.equal(d.count, expected.count);
  for (const k of ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm'] as const) close(d[k], expected[k] as Num, `${label} ${k}`);
  for (const k of CURVES) {
    const c = expected[k] as Num[];
    for (let i = 0; i < 256; i++) close(d[k][i]!, c[i]!, `${label} ${k}[${i}]`);
  }
}

test('dataset aggregates match PySODMetrics (curves averaged before mean/max)', async () => {
  const all = new MetricSuite();
  const finite = new MetricSuite();
  for (const name of names) {
    const m = computed.get(name) ?? imageMetrics(...Object.values(await load(name)) as [GrayImage, GrayImage]);
    all.add(m);
    if (ref.images[name]!.Smeasure !== 'NaN') finite.add(m);
  }
  checkDataset(all, ref.dataset, 'all');
  const d = all.getResults();
  assert.ok(Number.isNaN(d.Smeasure), 'one NaN image makes the dataset Sm NaN');
  close(d.gIoU, ref.dataset.gIoU as Num, 'gIoU');
  close(d.IoU, ref.dataset.IoU as Num, 'IoU');
  close(d.cIoU, ref.dataset.cIoU as Num, 'cIoU');
  checkDataset(finite, ref.datasetFiniteSm, 'finite');
});

test('FmeasureV2 IoU/Dice/F handlers match PySODMetrics (dynamic, adaptive, binary, dataset-summed binary)', async () => {
  type V2 = { fmAdp: Num; fmCurve: Num[]; iouAdp: Num; iouBinary: Num; iouCurve: Num[]; diceAdp: Num; diceBinary: Num; diceCurve: Num[]; iouBinaryDataset: Num; diceBinaryDataset: Num };
  const v2 = new FmeasureV2()
    .addHandler('fm', fmeasureHandler(0.3), { dynamic: true, adaptive: true })
    .addHandler('iou', iouHandler, { dynamic: true, adaptive: true, binary: true })
    .addHandler('dice', diceHandler, { dynamic: true, adaptive: true, binary: true })
    .addHandler('iouDs', iouHandler, { binary: true, sampleBased: false })
    .addHandler('diceDs', diceHandler, { binary: true, sampleBased: false });
  for (const name of names) {
    const { pred, gt } = await load(name);
    const r = (ref.images[name] as unknown as { v2: V2 }).v2;
    const out = v2.step(pred, gt);
    close(out.fm!.adaptive!, r.fmAdp, `${name} fm adp`);
    close(out.iou!.adaptive!, r.iouAdp, `${name} iou adp`);
    close(out.iou!.binary!, r.iouBinary, `${name} iou binary`);
    close(out.dice!.adaptive!, r.diceAdp, `${name} dice adp`);
    close(out.dice!.binary!, r.diceBinary, `${name} dice binary`);
    for (let i = 0; i < 256; i++) {
      close(out.fm!.dynamic![i]!, r.fmCurve[i]!, `${name} fm[${i}]`);
      close(out.iou!.dynamic![i]!, r.iouCurve[i]!, `${name} iou[${i}]`);
      close(out.dice!.dynamic![i]!, r.diceCurve[i]!, `${name} dice[${i}]`);
    }
  }
  const res = v2.getResults();
  const ds = (ref.dataset as unknown as { v2: V2 }).v2;
  close(res.iou!.adaptive!, ds.iouAdp, 'dataset iou adp');
  close(res.iou!.binary!, ds.iouBinary, 'dataset iou binary');
  close(res.iouDs!.binary!, ds.iouBinaryDataset, 'dataset iou summed');
  close(res.diceDs!.binary!, ds.diceBinaryDataset, 'dataset dice summed');
  for (let i = 0; i < 256; i++) close(res.dice!.dynamic![i]!, ds.diceCurve[i]!, `dataset dice[${i}]`);
});

test('per-metric classes give the suite values (PySOD-style step/getResults)', async () => {
  const sm = new Smeasure();
  const wfm = new WeightedFmeasure();
  const mae = new MAE();
  const em = new Emeasure();
  const fm = new Fmeasure();
  const iou = new IoU();
  for (const name of names) {
    const { pred, gt } = await load(name);
    sm.step(pred, gt);
    wfm.step(pred, gt);
    mae.step(pred, gt);
    em.step(pred, gt);
    fm.step(pred, gt);
    iou.step(pred, gt);
  }
  assert.ok(Number.isNaN(sm.getResults().sm));
  close(wfm.getResults().wfm, ref.dataset.wFmeasure as Num, 'wfm');
  close(mae.getResults().mae, ref.dataset.MAE as Num, 'mae');
  close(em.getResults().adp, ref.dataset.adpEm as Num, 'adpEm');
  close(fm.getResults().adp, ref.dataset.adpFm as Num, 'adpFm');
  close(iou.getResults().cIoU, ref.dataset.cIoU as Num, 'cIoU');
});

test('shape mismatch is an error, as in PySODMetrics', () => {
  const a: GrayImage = { width: 4, height: 3, data: new Uint8Array(12) };
  const b: GrayImage = { width: 3, height: 4, data: new Uint8Array(12) };
  assert.throws(() => imageMetrics(a, b), ShapeMismatchError);
});
