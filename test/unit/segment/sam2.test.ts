import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectFamily, UnknownExportError, FAMILIES } from '../../../src/core/segment/sam2/families';
import { aaBilinearWeights, sam2PixelTensor, SAM2_MEAN, SAM2_STD, type ChannelOrder } from '../../../src/core/segment/sam2/preprocess';
import { chooseMask, thresholdLogits, upsampleBilinear, upsampleMask } from '../../../src/core/segment/sam2/postprocess';
import { promptFeeds, samPoints, PromptError } from '../../../src/core/segment/sam2/prompt';
import { loadSam2 } from '../../../src/core/segment/sam2/load';
import { createOrtBackend } from '../../../src/core/segment/sam2/ortBackend';
import { Sam2Segmenter, type EncodeProgress } from '../../../src/core/segment/sam2/sam2Segmenter';
import type { ModelIo } from '../../../src/core/segment/sam2/tensor';
import type { RgbImage } from '../../../src/core/image/types';
import type { SegmentPrompt } from '../../../src/core/segment/segmenter';
import { writeFixture, type FixtureFamily } from './sam2Fixtures';

const ROOT = mkdtempSync(join(tmpdir(), 'segr1-sam2-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));
const FAMS: FixtureFamily[] = ['A', 'B', 'C', 'D', 'E'];
const paths = Object.fromEntries(FAMS.map((f) => [f, writeFixture(f, join(ROOT, f))])) as Record<FixtureFamily, { encoder: string; decoder: string }>;

/** A W×H image of one colour. */
function solid(w: number, h: number, rgb: readonly [number, number, number]): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < w * h; i++) data.set(rgb, i * 3);
  return { width: w, height: h, data };
}

/** Pixels of a mask inside [x0,x1]×[y0,y1] (inclusive) must be 1, all others 0. */
function assertRect(mask: { width: number; height: number; data: Uint8Array }, x0: number, y0: number, x1: number, y1: number, what: string): void {
  let wrong = 0;
  for (let y = 0; y < mask.height; y++) for (let x = 0; x < mask.width; x++) {
    const want = x >= x0 && x <= x1 && y >= y0 && y <= y1 ? 1 : 0;
    if (mask.data[y * mask.width + x] !== want) wrong++;
  }
  assert.equal(wrong, 0, `${what}: ${wrong} pixels differ from [${x0},${x1}]×[${y0},${y1}]`);
}

const segs = new Map<string, Promise<Sam2Segmenter>>();
function seg(f: FixtureFamily, channels: ChannelOrder = 'rgb'): Promise<Sam2Segmenter> {
  const k = f + channels;
  if (!segs.has(k)) segs.set(k, loadSam2(paths[f], { channels, threads: 1 }));
  return segs.get(k)!;
}

test('every fixture family is detected from its I/O', async () => {
  for (const f of FAMS) assert.equal((await seg(f)).family.id, f);
});

test('unknown or mixed exports fail with what was found and what each family expects', async () => {
  const a = await seg('A'), d = await seg('D');
  const io = (s: Sam2Segmenter, which: 'encoder' | 'decoder'): ModelIo => (s as unknown as { opts: Record<string, { io: ModelIo }> }).opts[which]!.io;
  assert.throws(() => detectFamily(io(a, 'encoder'), io(d, 'decoder')), (e: unknown) => {
    assert.ok(e instanceof UnknownExportError);
    assert.match(e.message, /encoder looks like A\/B but decoder like D/);
    assert.match(e.message, /image_features_0 float32\[1,32,256,256\]/);
    for (const fam of FAMILIES) assert.match(e.message, new RegExp(`^  ${fam.id} \\(`, 'm'));
    return true;
  });
  const badEnc: ModelIo = { inputs: [{ name: 'image', type: 'float32', shape: [1, 3, 512, 512] }], outputs: io(a, 'encoder').outputs };
  assert.throws(() => detectFamily(badEnc, io(a, 'decoder')), /dim 2 should be 1024/);
  const badDec: ModelIo = { inputs: io(a, 'decoder').inputs.map((v) => (v.name === 'point_coords' ? { ...v, type: 'int64' } : v)), outputs: io(a, 'decoder').outputs };
  assert.throws(() => detectFamily(io(a, 'encoder'), badDec), /point_coords int64.*expected float32/);
  assert.throws(() => detectFamily({ inputs: [], outputs: [] }, io(a, 'decoder')), /the encoder matches no family/);
});

test('antialiased bilinear weights match torch by hand: 2× shrink = [1,3,3,1]/8, identity at scale 1', () => {
  const w = aaBilinearWeights(2048, 1024);
  assert.equal(w.start[5], 9);
  assert.equal(w.taps[5], 4);
  assert.deepEqual(Array.from(w.weights.subarray(5 * w.maxTaps, 5 * w.maxTaps + 4)), [0.125, 0.375, 0.375, 0.125]);
  assert.equal(w.start[0], 0);
  assert.equal(w.taps[0], 3); // clipped at the border, renormalised
  assert.deepEqual(Array.from(w.weights.subarray(0, 3)).map((v) => +v.toFixed(6)), [0.428571, 0.428571, 0.142857]);
  const id = aaBilinearWeights(1024, 1024);
  assert.equal(id.start[300], 300);
  assert.deepEqual(Array.from(id.weights.subarray(300 * id.maxTaps, 300 * id.maxTaps + id.taps[300]!)), [1, 0]);
});

test('pixel tensor: uniform image normalises to (v/255 − mean)/std per channel; BGR swaps planes 0 and 2', () => {
  const img = solid(30, 20, [200, 100, 50]);
  const side = 8, plane = side * side;
  const rgb = sam2PixelTensor(img, 'rgb', side);
  const bgr = sam2PixelTensor(img, 'bgr', side);
  const norm = (v: number, c: number): number => (v / 255 - SAM2_MEAN[c]!) / SAM2_STD[c]!;
  for (const i of [0, 17, plane - 1]) {
    assert.ok(Math.abs(rgb[i]! - norm(200, 0)) < 1e-5);
    assert.ok(Math.abs(rgb[plane + i]! - norm(100, 1)) < 1e-5);
    assert.ok(Math.abs(rgb[2 * plane + i]! - norm(50, 2)) < 1e-5);
    assert.ok(Math.abs(bgr[i]! - norm(50, 0)) < 1e-5);
    assert.ok(Math.abs(bgr[2 * plane + i]! - norm(200, 2)) < 1e-5);
  }
});

interface ResizeCase { width: number; height: number; channels: ChannelOrder; size: number; rgb: number[]; tensor: number[] }
interface UpCase { inW: number; inH: number; outW: number; outH: number; low: number[]; up: number[] }
const REF = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/onnx/preprocess_reference.json'), 'utf8')) as { resize: ResizeCase[]; upsample: UpCase[] };

test('pixel tensor matches torch (ToTensor → interpolate bilinear antialias → Normalize) on 10 reference images', () => {
  for (const c of REF.resize) {
    const t = sam2PixelTensor({ width: c.width, height: c.height, data: Uint8Array.from(c.rgb) }, c.channels, c.size);
    let worst = 0;
    c.tensor.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - t[i]!))));
    assert.ok(worst < 2e-5, `${c.width}×${c.height} ${c.channels}: max error ${worst}`);
  }
});

test('logit upsampling matches torch F.interpolate(bilinear, align_corners=False)', () => {
  for (const c of REF.upsample) {
    const up = upsampleBilinear(c.low, 0, c.inW, c.inH, c.outW, c.outH);
    let worst = 0;
    c.up.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - up[i]!))));
    assert.ok(worst < 1e-5, `${c.outW}×${c.outH}: max error ${worst}`);
  }
});

test('fused upsample+threshold equals threshold(upsample) pixel for pixel', () => {
  const low = new Float32Array(2 * 256 * 256).map((_, i) => Math.sin(i / 97) * 5 + Math.cos(i / 13));
  // Mask-like logits too: large one-sign regions, a boundary, exact zeros, NaN and tiny magnitudes at the edges.
  const blob = new Float32Array(2 * 256 * 256).map((_, i) => {
    const x = i % 256, y = Math.floor(i / 256) % 256;
    const d = 60 - Math.hypot(x - 128, y - 100) + Math.sin(x / 7) * 4;
    return x === 3 ? 0 : y === 250 && x % 5 === 0 ? Number.NaN : x === 250 ? d * 1e-40 : d;
  });
  for (const [name, plane] of [['waves', low], ['blob', blob]] as const) {
    for (const [w, h] of [[1280, 960], [37, 511], [256, 256], [100, 3], [1024, 1024]] as const) {
      const fused = upsampleMask(plane, 65536, 256, 256, w, h);
      const ref = thresholdLogits(upsampleBilinear(plane, 65536, 256, 256, w, h), w, h);
      assert.deepEqual(fused, ref, `${name} ${w}×${h}`);
    }
  }
});

test('multimask choice: highest IoU; with 4 masks index 0 is the single-mask output', () => {
  assert.equal(chooseMask([0.1, 0.7, 0.3], true), 1);
  assert.equal(chooseMask([0.95, 0.2, 0.8, 0.4], true), 2);
  assert.equal(chooseMask([0.1, 0.2, 0.8, 0.4], false), 0);
  assert.equal(chooseMask([0.4], true), 0);
});

test('prompt encoding: box corners first (labels 2,3), points scaled x·1024/W, y·1024/H, padding only where asked', () => {
  const p: SegmentPrompt = { box: { x1: 64, y1: 32, x2: 448, y2: 224 }, points: [{ x: 256, y: 128, label: 1 }, { x: 10, y: 20, label: 0 }] };
  const s = samPoints(p, { width: 512, height: 256 }, false);
  assert.deepEqual(Array.from(s.coords), [128, 128, 896, 896, 512, 512, 20, 80]);
  assert.deepEqual(Array.from(s.labels), [2, 3, 1, 0]);
  const padded = samPoints({ points: [{ x: 256, y: 128, label: 1 }] }, { width: 512, height: 256 }, true);
  assert.deepEqual(Array.from(padded.coords), [512, 512, 0, 0]);
  assert.deepEqual(Array.from(padded.labels), [1, -1]);
});

test('prompt feeds per family: dtypes, layouts, padding, original size', async () => {
  const orig = { width: 512, height: 256 };
  const pointOnly: SegmentPrompt = { points: [{ x: 256, y: 128, label: 1 }] };
  const boxed: SegmentPrompt = { box: { x1: 64, y1: 32, x2: 448, y2: 224 }, points: [] };
  const io = async (f: FixtureFamily): Promise<[Sam2Segmenter, ModelIo]> => {
    const s = await seg(f);
    return [s, (s as unknown as { opts: { decoder: { io: ModelIo } } }).opts.decoder.io];
  };
  const [a, aIo] = await io('A');
  const fa = promptFeeds(a.family, aIo, pointOnly, orig);
  assert.deepEqual(fa.point_labels!.dims, [1, 1]); // A pads in-graph
  assert.ok(fa.point_labels!.data instanceof Float32Array);
  assert.deepEqual(Array.from(fa.has_mask_input!.data as Float32Array), [0]);
  const [c, cIo] = await io('C');
  const fc = promptFeeds(c.family, cIo, pointOnly, orig);
  assert.deepEqual(Array.from(fc.point_labels!.data as Float32Array), [1, -1]); // C: caller pads without a box
  assert.deepEqual(Array.from(promptFeeds(c.family, cIo, boxed, orig).point_labels!.data as Float32Array), [2, 3]);
  assert.deepEqual(Array.from(fc.orig_im_size!.data as BigInt64Array), [256n, 512n]);
  const [d, dIo] = await io('D');
  const fd = promptFeeds(d.family, dIo, boxed, orig);
  assert.ok(fd.point_labels!.data instanceof Int32Array);
  assert.deepEqual(Array.from(fd.original_image_size!.data as Int32Array), [256, 512]);
  assert.ok('input_masks' in fd && 'has_input_masks' in fd);
  const [e, eIo] = await io('E');
  const fe = promptFeeds(e.family, eIo, { ...boxed, points: [{ x: 0, y: 256, label: 0 }] }, orig);
  assert.deepEqual(fe.input_points!.dims, [1, 1, 1, 2]);
  assert.deepEqual(Array.from(fe.input_points!.data as Float32Array), [0, 1024]);
  assert.deepEqual(Array.from(fe.input_labels!.data as BigInt64Array), [0n]);
  assert.deepEqual(Array.from(fe.input_boxes!.data as Float32Array), [128, 128, 896, 896]);
  assert.deepEqual(promptFeeds(e.family, eIo, pointOnly, orig).input_boxes!.dims, [1, 0, 4]);
  assert.deepEqual(promptFeeds(e.family, eIo, boxed, orig).input_points!.dims, [1, 1, 0, 2]);
  assert.throws(() => promptFeeds(a.family, aIo, { points: [] }, orig), PromptError);
});

const IMG = solid(512, 256, [120, 90, 60]);
const BOX = { x1: 64, y1: 32, x2: 448, y2: 224 };

test('box prompt on every family: best-IoU mask (grown by 32 in the 1024 frame) = x∈[48,463], y∈[24,231]', async () => {
  for (const f of FAMS) {
    const s = await seg(f);
    const enc = await s.encode(IMG);
    const r = await s.decode(enc, { box: BOX, points: [] });
    assert.equal(r.mask.width, 512);
    assert.equal(r.mask.height, 256);
    assertRect(r.mask, 48, 24, 463, 231, `family ${f}`);
  }
});

test('one positive point flips the IoU ranking: the shrunk mask x∈[80,431], y∈[40,215]', async () => {
  for (const f of FAMS) {
    const s = await seg(f);
    const r = await s.decode(await s.encode(IMG), { box: BOX, points: [{ x: 256, y: 128, label: 1 }] });
    assertRect(r.mask, 80, 40, 431, 215, `family ${f}`);
  }
});

test('negative point carves a hole; point-only prompt gives a disc', async () => {
  for (const f of FAMS) {
    const s = await seg(f);
    const enc = await s.encode(IMG);
    const neg = await s.decode(enc, { box: BOX, points: [{ x: 256, y: 128, label: 0 }] });
    const at = (m: typeof neg.mask, x: number, y: number): number => m.data[y * m.width + x]!;
    assert.equal(at(neg.mask, 256, 128), 0, `family ${f} hole centre`);
    assert.equal(at(neg.mask, 276, 128), 1, `family ${f} outside hole (x)`);
    assert.equal(at(neg.mask, 256, 122), 0, `family ${f} inside hole (y radius 8)`);
    assert.equal(at(neg.mask, 256, 138), 1, `family ${f} outside hole (y)`);
    const pt = await s.decode(enc, { points: [{ x: 256, y: 128, label: 1 }] });
    let n = 0;
    for (const v of pt.mask.data) n += v;
    // Disc of radius 32 (1024 frame) → ellipse with radii 16 × 8 px: area ≈ π·16·8 ≈ 402.
    assert.ok(n > 340 && n < 460, `family ${f}: disc area ${n}`);
    assert.equal(at(pt.mask, 256, 128), 1);
    assert.equal(at(pt.mask, 276, 128), 0);
  }
});

test('predicted IoU includes the fixture embedding term: 0.9 + 0.001·(mean embed + mean feat0 + mean feat1)', async () => {
  const n = [0, 1, 2].map((c) => (([120, 90, 60][c]! / 255) - SAM2_MEAN[c]!) / SAM2_STD[c]!);
  // Channel k copies input channel k % 3: 256 channels → 86/85/85, 32 → 11/11/10, 64 → 22/21/21.
  const mean = (counts: number[], total: number): number => counts.reduce((s, k, c) => s + k * n[c]!, 0) / total;
  const expected = 0.9 + 0.001 * (mean([86, 85, 85], 256) + mean([11, 11, 10], 32) + mean([22, 21, 21], 64));
  const s = await seg('A');
  const r = await s.decode(await s.encode(IMG), { box: BOX, points: [] });
  assert.ok(Math.abs(r.score! - expected) < 1e-5, `score ${r.score} vs ${expected}`);
  const sb = await seg('A', 'bgr');
  const rb = await sb.decode(await sb.encode(IMG), { box: BOX, points: [] });
  assert.ok(Math.abs(rb.score! - r.score!) > 1e-6, 'BGR input must reach the encoder');
});

test('low-res logits come back and feed back as mask_input', async () => {
  for (const f of ['A', 'C', 'D'] as const) {
    const s = await seg(f);
    const enc = await s.encode(IMG);
    const r = await s.decode(enc, { box: BOX, points: [] });
    assert.equal(r.lowResLogits?.length, 256 * 256, `family ${f}`);
    // Cell (128,128): centre 514 in the 1024 frame, distance to the box edge 382, +32 → 414, clamped to 32 as SAM2 returns it.
    assert.equal(r.lowResLogits![128 * 256 + 128], 32, `family ${f}`);
    // Cell (128,23): centre x 94, 34 outside the box edge at 128, +32 → −2 (inside the clamp range).
    assert.equal(r.lowResLogits![128 * 256 + 23], -2, `family ${f}`);
    const off = await s.decode(enc, { box: BOX, points: [], maskInput: new Float32Array(256 * 256).fill(-5000) });
    assert.equal(off.mask.data.reduce((a, b) => a + b, 0), 0, `family ${f}: strongly negative feedback erases the mask`);
  }
  const b = await seg('B');
  assert.equal((await b.decode(await b.encode(IMG), { box: BOX, points: [] })).lowResLogits, undefined, 'B has no low-res output');
});

test('SegmenterInfo labels name model, family and channel order', async () => {
  const a = await seg('A'), e = await seg('E'), ab = await seg('A', 'bgr');
  assert.equal(a.info.kind, 'sam2');
  assert.match(a.info.id, /^sam2:[0-9a-f]{16}:rgb$/);
  assert.equal(a.info.label, 'SAM2 (sam2_hiera_tiny, family A, RGB input)');
  assert.equal(ab.info.label, 'SAM2 (sam2_hiera_tiny, family A, BGR input)');
  assert.match(e.info.label, /^SAM2 \(E, family E, RGB input\)$/);
  assert.notEqual(a.info.id, ab.info.id);
});

test('encode runs the encoder once per image; a pre-aborted encode never runs it', async () => {
  const s = await loadSam2(paths.A, { channels: 'rgb', threads: 1 });
  const img = solid(40, 30, [1, 2, 3]);
  const [x, y] = await Promise.all([s.encode(img), s.encode(img)]);
  assert.equal(x.key, y.key);
  await s.encode(img);
  assert.equal(s.encoderRuns, 1);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(s.encode(solid(41, 30, [1, 2, 3]), ac.signal), { name: 'AbortError' });
  assert.equal(s.encoderRuns, 1);
  await s.dispose();
});

test('a slow encoder ticks progress; cancelling mid-run rejects and leaves nothing cached', async () => {
  const inner = await createOrtBackend(paths.A.encoder);
  const slow = { ...inner, run: async (...a: Parameters<typeof inner.run>) => { await new Promise((r) => setTimeout(r, 1200)); return inner.run(...a); } };
  const s = new Sam2Segmenter({ encoder: slow, decoder: await createOrtBackend(paths.A.decoder), modelHash: 'f'.repeat(64), modelName: 'slow', channels: 'rgb' });
  const seen: EncodeProgress[] = [];
  await s.encode(solid(64, 64, [9, 9, 9]), undefined, (p) => seen.push(p));
  const ticks = seen.filter((p) => p.phase === 'encoder').map((p) => p.fraction);
  assert.ok(ticks.length >= 2, `encoder ticks ${ticks.join(',')}`);
  assert.ok(ticks.every((f, i) => i === 0 || f >= ticks[i - 1]!) && ticks.at(-1)! < 0.95);
  assert.deepEqual(seen.at(-1), { phase: 'done', fraction: 1 });
  const ac = new AbortController();
  const img = solid(64, 64, [1, 1, 1]);
  // Cancel while the encoder is running (not before it starts).
  await assert.rejects(s.encode(img, ac.signal, (p) => p.phase === 'encoder' && ac.abort()), { name: 'AbortError' });
  assert.equal(s.features((await s.encode(img)).key) !== undefined, true, 'a later encode recomputes');
  assert.equal(s.encoderRuns, 3);
  await s.dispose();
});
