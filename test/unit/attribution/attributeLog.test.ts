import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributeLog, type AttributionReport } from '../../../src/core/attribution/attributeLog';
import { segmentOracle } from '../../../src/core/attribution/oracle';
import { encodeGrayPng, encodeRgb } from '../../../src/core/image/io';
import { encodeRle } from '../../../src/core/image/rle';
import type { BinaryMask, GrayImage } from '../../../src/core/image/types';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { createClassicalSegmenter } from '../../../src/core/segment/classical';
import { loadSam2 } from '../../../src/core/segment/sam2/load';
import type { Segmenter } from '../../../src/core/segment/segmenter';
import { tempDir } from '../tempDir';
import { writeBoxInteriorSam2 } from './boxInteriorSam2';

// Images and GTs are 768² (the reward frame), so every IoU below is exact by construction.
const S = 768;
const RECT = { x1: 200, y1: 240, x2: 519, y2: 479 }; // 320 × 240 = 76 800 px
const inRect = (x: number, y: number, r = RECT): boolean => x >= r.x1 && x <= r.x2 && y >= r.y1 && y <= r.y2;
const inRing = (x: number, y: number): boolean => {
  const r2 = (x - 384) ** 2 + (y - 384) ** 2;
  return r2 <= 160 * 160 && r2 > 150 * 150;
};

function raster(inside: (x: number, y: number) => boolean): Uint8Array {
  const d = new Uint8Array(S * S);
  for (let y = 0; y < S; y++) for (let x = 0; x < S; x++) if (inside(x, y)) d[y * S + x] = 1;
  return d;
}
const gray = (inside: (x: number, y: number) => boolean): GrayImage => ({ width: S, height: S, data: raster(inside).map((v) => v * 255) });
const mask = (inside: (x: number, y: number) => boolean): BinaryMask => ({ width: S, height: S, data: raster(inside) });

const GOOD = `<think> the object is the bright rectangle </think> <bbox>[${RECT.x1},${RECT.y1},${RECT.x2},${RECT.y2}]</bbox>, <points>[[360,360]]</points>, <labels>[1]</labels>`;
const NO_THINK = `<bbox>[${RECT.x1},${RECT.y1},${RECT.x2},${RECT.y2}]</bbox>, <points>[[360,360]]</points>, <labels>[1]</labels>`;
const RING_ANSWER = '<think> a ring </think> <bbox>[224,224,544,544]</bbox>, <points>[[384,230]]</points>, <labels>[1]</labels>';

/** A workspace whose labels are known: image a (a bright rectangle, GT = the rectangle), image b (a flat image, GT a thin ring). */
async function workspace(): Promise<{ root: string; log: string }> {
  const root = tempDir('segr1-attr-');
  mkdirSync(join(root, 'img'));
  mkdirSync(join(root, 'gt'));
  const rgb = (inside: (x: number, y: number) => boolean) => {
    const d = new Uint8Array(S * S * 3);
    for (let i = 0; i < S * S; i++) {
      const on = inside(i % S, Math.floor(i / S));
      d[i * 3] = on ? 230 : 40;
      d[i * 3 + 1] = on ? 220 : 60;
      d[i * 3 + 2] = on ? 40 : 50;
    }
    return { width: S, height: S, data: d };
  };
  writeFileSync(join(root, 'img/a.png'), await encodeRgb(rgb(inRect)));
  writeFileSync(join(root, 'gt/a.png'), await encodeGrayPng(gray(inRect)));
  writeFileSync(join(root, 'img/b.png'), await encodeRgb(rgb(() => false)));
  writeFileSync(join(root, 'gt/b.png'), await encodeGrayPng(gray(inRing)));
  writeFileSync(join(root, 'img/e.png'), await encodeRgb(rgb((x) => x < 16)));
  writeFileSync(join(root, 'gt/e.png'), await encodeGrayPng(gray(() => false)));
  const rec = (group: string, image: string, completion: string, reward: number, m?: BinaryMask) =>
    JSON.stringify({ run: 'r', step: 1, group, image: `img/${image}.png`, gt: `gt/${image}.png`, completion, model_frame: { width: S, height: S }, reward, ...(m ? { mask: encodeRle(m) } : {}) });
  const lines = [
    rec('g1', 'a', '<think> I see nothing </think>', 0.2), // 1 format (no prompt parsed: no mask was made, IoU 0)
    rec('g1', 'a', GOOD, 1.95, mask(inRect)), // 2 ok (IoU 1)
    rec('g1', 'a', GOOD, 1.2, mask((x, y) => inRect(x, y) && y < 280)), // 3 policy (IoU 40/240)
    rec('g2', 'a', GOOD, 1.9, mask((x, y) => inRect(x, y) && y < 444)), // 4 reward (IoU 204/240 = 0.85, total +0.4 over line 5)
    rec('g2', 'a', GOOD, 1.5, mask(inRect)), // 5 ok
    rec('g3', 'b', RING_ANSWER, 1.0, mask(inRing)), // 6 segmenter (the oracle fails on the ring, whatever this rollout did)
    rec('g3', 'b', NO_THINK, 0.1), // 7 format, flagged segmenter too
    '{"run": "r", "group": "g4", "completion": 5}', // 8 bad: completion not a string
    rec('g4', 'a', GOOD, 1.7), // 9 no logged mask: segmented by the segmenter in use
    rec('g5', 'e', GOOD, 1.0, mask(inRect)), // 10 empty GT: no oracle, IoU 0 → not segmenter/policy
    JSON.stringify({ run: 'r', group: 'g6', image: '../outside.png', gt: 'gt/a.png', completion: GOOD }), // 11 bad: path escapes
  ];
  const log = join(root, 'rollouts.jsonl');
  writeFileSync(log, lines.join('\n') + '\n');
  return { root, log };
}

async function run(segmenter: Segmenter): Promise<{ report: AttributionReport; bad: string[]; notes: string[] }> {
  const { root, log } = await workspace();
  const bad: string[] = [];
  const notes: string[] = [];
  const { report, badLines } = await attributeLog(log, { rewardSet: getRewardSet('segr1-reference')!, root, segmenter, onBadLine: (l, m) => bad.push(`${l}: ${m}`), onNote: (m) => notes.push(m) });
  assert.equal(badLines, bad.length);
  return { report, bad, notes };
}

function checkKnownLabels(report: AttributionReport, bad: string[]): void {
  const byLine = new Map(report.rollouts.map((r) => [r.line, r]));
  const label = (l: number): string => byLine.get(l)!.label;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(label), ['format', 'ok', 'policy', 'reward', 'ok', 'segmenter', 'format', 'ok']);
  assert.deepEqual(byLine.get(7)!.flags, ['format', 'segmenter']);
  assert.equal(byLine.get(1)!.iou, 0);
  assert.match(byLine.get(1)!.explanation, /format component = 0/);
  // Without a think block the format is 0, but the trainer still segmented the prompts (line 7's IoU is a number).
  assert.equal(typeof byLine.get(7)!.iou, 'number');
  assert.equal(byLine.get(2)!.iou, 1);
  assert.ok(Math.abs(byLine.get(3)!.iou! - 40 / 240) < 1e-12);
  assert.ok(Math.abs(byLine.get(4)!.iou! - 204 / 240) < 1e-12);
  assert.match(byLine.get(4)!.explanation, /line 5/);
  assert.equal(byLine.get(10)!.oracleIou, null);
  // Hostile lines are reported with their line and field, and the others still attributed.
  assert.equal(bad.length, 2);
  assert.match(bad[0]!, /^8: .*completion/);
  assert.match(bad[1]!, /^11: .*image.*outside/);
  assert.equal(report.rollouts.length, 9);
  assert.deepEqual(Object.keys(report.images), ['img/a.png', 'img/b.png'], 'an empty GT has no oracle');
  assert.equal(report.summary.format + report.summary.segmenter + report.summary.policy + report.summary.reward + report.summary.ok, 9);
}

test('classical fallback: each label on a workspace whose answer is known, the oracle labelled as the fallback', async () => {
  const { report, bad, notes } = await run(createClassicalSegmenter());
  checkKnownLabels(report, bad);
  assert.equal(report.segmenter.kind, 'classical');
  assert.match(report.segmenter.label, /classical fallback/);
  assert.equal(report.oracles.get('img/a.png')!.segmenter.kind, 'classical');
  assert.ok(report.images['img/a.png']!.oracle.best >= 0.5, `rectangle oracle ${report.images['img/a.png']!.oracle.best}`);
  assert.ok(report.images['img/b.png']!.oracle.best < 0.5);
  assert.ok(notes.some((n) => /empty GT have no oracle/.test(n)));
  assert.equal(typeof report.rollouts.find((r) => r.line === 9)!.iou, 'number');
});

test('SAM2 fixture that masks the box interior: oracle IoUs known by hand, encoder once per image', async () => {
  const dir = tempDir('segr1-attr-sam2-');
  const seg = await loadSam2(writeBoxInteriorSam2(dir), { channels: 'rgb' });
  try {
    const { report, bad } = await run(seg);
    checkKnownLabels(report, bad);
    assert.equal(report.segmenter.kind, 'sam2');
    const a = report.images['img/a.png']!.oracle;
    // The box of a rectangle GT is the rectangle: up to the low-res grid, every prompt set gives IoU ≈ 1.
    for (const k of ['box', 'box+point', 'box+points'] as const) assert.ok(a[k] > 0.97, `${k} ${a[k]}`);
    // The ring: box interior vs ring area, π(160² − 150²) / 321² ≈ 0.095 (the points are ignored).
    const b = report.images['img/b.png']!.oracle;
    assert.ok(Math.abs(b.best - 0.095) < 0.01, `ring ${b.best}`);
    assert.equal(b.box, b['box+points']);
    // Line 9 had no logged mask: its exact box gives the same mask as the oracle's box set.
    const l9 = report.rollouts.find((r) => r.line === 9)!;
    assert.ok(l9.iou! > 0.97 && l9.label === 'ok', `${l9.iou} ${l9.label}`);
    // Three images (a, b, e), one encoder run each, although image a's rollouts come back after image b's.
    assert.equal(seg.encoderRuns, 3);
    assert.ok(seg.decoderRuns >= 6, `decoder runs ${seg.decoderRuns}`);
  } finally {
    await seg.dispose();
  }
});

test('segmentOracle maps prompts from original pixels to the encoded frame and scores against the frame GT', async () => {
  const dir = tempDir('segr1-attr-sam2b-');
  const seg = await loadSam2(writeBoxInteriorSam2(dir), { channels: 'rgb' });
  try {
    // A 96×96 original whose GT is x 24..71, y 24..71, encoded and scored in a 768² frame (scale 8).
    const orig: GrayImage = { width: 96, height: 96, data: new Uint8Array(96 * 96).map((_, i) => (inRect(i % 96, Math.floor(i / 96), { x1: 24, y1: 24, x2: 71, y2: 71 }) ? 255 : 0)) };
    const encoded = await seg.encode({ width: S, height: S, data: new Uint8Array(S * S * 3) });
    const frameGt = gray((x, y) => inRect(x, y, { x1: 192, y1: 192, x2: 575, y2: 575 }));
    const o = await segmentOracle({ segmenter: seg, encoded, gt: orig, gtInFrame: frameGt });
    assert.ok(!('reason' in o));
    assert.deepEqual(o.prompts.box, { x1: 24, y1: 24, x2: 71, y2: 71 }, 'prompts stay in original pixels');
    // Inclusive box 24..71 maps to 192..568 in the frame: the mask misses the last 8 − 1 columns/rows of the GT.
    assert.ok(o.best > 0.95 && o.best < 1, `best ${o.best}`);
    assert.equal(o.bestKind, 'box');
  } finally {
    await seg.dispose();
  }
});
