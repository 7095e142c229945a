import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMaskGray } from '../../../src/core/image/grayscale';
import type { GrayImage } from '../../../src/core/image/types';
import { HumanCorrectionEffortMeasure } from '../../../src/core/metrics/hce';
import { MSIoU, msiouImage } from '../../../src/core/metrics/msiou';
import { EdgeCounter, float16GridSum, gridPyramid, sobelEdge, toFloat16 } from '../../../src/core/metrics/msiouEdge';
import { preparePair } from '../../../src/core/metrics/prepare';

const ROOT = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'metrics-hce');
/** The tolerance; measured differences are 0 (HCE is an integer count, MSIoU sums in the same order). */
const TOL = 1e-6;

type Num = number | 'NaN' | 'Infinity';
interface RefImage {
  width: number; height: number; predGraySum: number; gtGraySum: number;
  HCE: Num; adpmsiou: Num; sample_bimsiou: Num; meanmsiou: Num; maxmsiou: Num; msiouCurve: Num[];
}
interface RefSet { dataset: Record<string, Num>; images: Record<string, RefImage> }
const ref = JSON.parse(readFileSync(join(ROOT, 'reference.json'), 'utf8')) as { keys: string[]; examples: RefSet; varied: RefSet };

/** PySODMetrics' examples/version_performance.json (v1_4_3 / v1_5_1 entries at ac5b1fc7) for the five keys. */
const PUBLISHED = { HCE: 73.66666666666667, adpmsiou: 0.8309076073697286, meanmsiou: 0.817192961609182, maxmsiou: 0.8362740728548873, sample_bimsiou: 0.8227620408962383 };

function num(v: Num): number {
  return v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v;
}

function close(actual: number, expected: Num, what: string): void {
  const e = num(expected);
  if (Number.isNaN(e)) return assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
  assert.ok(Math.abs(actual - e) <= TOL, `${what}: ${actual} vs ${e} (diff ${Math.abs(actual - e)})`);
}

function sum(img: GrayImage): number {
  let s = 0;
  for (const v of img.data) s += v;
  return s;
}

async function runSet(set: RefSet, predDir: string, gtDir: string): Promise<void> {
  const hce = new HumanCorrectionEffortMeasure();
  const ms = new MSIoU();
  for (const name of Object.keys(set.images).sort()) {
    const r = set.images[name]!;
    const pred = await loadMaskGray(join(predDir, `${name}.png`));
    const gt = await loadMaskGray(join(gtDir, `${name}.png`));
    assert.equal(sum(pred), r.predGraySum, `${name}: pred gray plane`);
    assert.equal(sum(gt), r.gtGraySum, `${name}: gt gray plane`);
    const h = hce.step(pred, gt);
    assert.equal(h.HCE, num(r.HCE), `${name}: HCE`);
    const m = ms.step(pred, gt);
    for (const k of ['adpmsiou', 'sample_bimsiou', 'meanmsiou', 'maxmsiou'] as const) close(m[k]!, r[k], `${name}: ${k}`);
    const curve = msiouImage(preparePair(pred, gt)).dynamic;
    r.msiouCurve.forEach((v, t) => close(curve[t]!, v, `${name}: msiou curve[${t}]`));
  }
  const got = { ...hce.results(), ...ms.results() };
  for (const k of ref.keys) close(got[k]!, set.dataset[k]!, `dataset ${k}`);
}

test('PySODMetrics examples/test_data: HCE and MSIoU per image and for the set', async () => {
  await runSet(ref.examples, join(ROOT, 'examples', 'preds'), join(ROOT, 'examples', 'masks'));
});

test('the generated reference for examples/test_data equals PySODMetrics\' published version_performance.json', () => {
  for (const [k, v] of Object.entries(PUBLISHED)) assert.equal(ref.examples.dataset[k], v, k);
});

test('varied masks (empty/full GT, thin lines, nested holes, odd sizes, dense edges): HCE and MSIoU', async () => {
  await runSet(ref.varied, join(ROOT, 'pred'), join(ROOT, 'gt'));
});

test('the varied set covers the required cases', () => {
  const names = Object.keys(ref.varied.images);
  for (const n of ['empty_gt', 'full_gt', 'thin_lines', 'nested_rings', 'size_1x1_fg', 'size_97x61_blobs', 'dense_noise']) assert.ok(names.includes(n), n);
});

test('float16: NumPy rounding (ties to even, overflow to Infinity) and 8192-element chunks', () => {
  assert.equal(toFloat16(2049), 2048);
  assert.equal(toFloat16(2051), 2052);
  assert.equal(toFloat16(4098), 4096);
  assert.equal(toFloat16(65504), 65504);
  assert.equal(toFloat16(65519), 65504);
  assert.equal(toFloat16(65520), Infinity);
  // Three full chunks of ones: 8192, 16384, 24576, all exact in float16.
  const cells = new Uint8Array(3 * 8192).fill(1);
  assert.equal(float16GridSum({ rows: 3, cols: 8192, cells }), 24576);
  const three = new Uint8Array(3 * 8192);
  three.fill(1, 0, 2049);
  three.fill(1, 8192, 8192 + 2049);
  three.fill(1, 16384, 16384 + 2049);
  // Per chunk: 2048 → 4096 → half(6145) = 6144; a single rounding of 6147 would give 6148.
  assert.equal(float16GridSum({ rows: 3, cols: 8192, cells: three }), 6144);
});

test('classes without any step give NaN, like np.mean of an empty list', () => {
  assert.ok(Number.isNaN(new HumanCorrectionEffortMeasure().results().HCE!));
  const r = new MSIoU().results();
  for (const k of ['adpmsiou', 'meanmsiou', 'maxmsiou', 'sample_bimsiou']) assert.ok(Number.isNaN(r[k]!), k);
});

test('EdgeCounter gives, at every cut, the counts of the Sobel edge map + grid pyramid built in full', () => {
  // Deterministic pseudo-random preds: a smooth ramp plus speckle, odd sizes so the bottom-right-aligned cells are ragged.
  let seed = 12345;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (const [w, h] of [[1, 1], [7, 3], [33, 20], [65, 47]] as const) {
    const pred = new Uint8Array(w * h);
    for (let i = 0; i < pred.length; i++) pred[i] = rand() < 0.15 ? Math.floor(rand() * 256) : ((i % w) * 255) / Math.max(1, w - 1);
    const gtMask = Uint8Array.from(pred, (v, i) => (v > 100 || i % 5 === 0 ? 1 : 0));
    const gtLevels = gridPyramid(sobelEdge(gtMask, w, h), w, h, 10);
    const counter = new EdgeCounter(pred, w, h, gtLevels);
    for (const cut of [0, 1, 37, 128, 200, 255, 256]) {
      const mask = Uint8Array.from(pred, (v) => (v >= cut ? 1 : 0));
      const full = gridPyramid(sobelEdge(mask, w, h), w, h, 10);
      const expected = full.map((l, k) => l.cells.reduce((s, c, i) => s + (c & gtLevels[k]!.cells[i]!), 0));
      assert.deepEqual(Array.from(counter.counts(cut)), expected, `${w}x${h} cut ${cut}`);
    }
  }
});

test('sobelEdge: opposite differences around a zero cancel, as scipy.ndimage.sobel on a bool array gives', () => {
  // scipy: get_edge of this 6x7 mask (a 2x3 block) marks the 4x5 box around it, corners included.
  const m = new Uint8Array(42);
  for (let y = 2; y < 4; y++) for (let x = 2; x < 5; x++) m[y * 7 + x] = 1;
  const e = sobelEdge(m, 7, 6);
  const rows = Array.from({ length: 6 }, (_, y) => Array.from(e.slice(y * 7, y * 7 + 7)).join(''));
  assert.deepEqual(rows, ['0000000', '0111110', '0111110', '0111110', '0111110', '0000000']);
  // The centre of an anti-diagonal 3-pixel line: row differences +1 (left) and -1 (right), column differences +1
  // (above) and -1 (below) cancel in the [1, 2, 1] smoothing, so it is no edge; "any difference nearby" would mark it.
  const diag = new Uint8Array(25);
  diag[3 * 5 + 1] = diag[2 * 5 + 2] = diag[1 * 5 + 3] = 1;
  const de = sobelEdge(diag, 5, 5);
  const drows = Array.from({ length: 5 }, (_, y) => Array.from(de.slice(y * 5, y * 5 + 5)).join(''));
  assert.deepEqual(drows, ['00111', '01111', '11011', '11110', '11100']);
});
