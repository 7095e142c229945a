import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedAnswer } from '../../../src/core/completion/types';
import { promptsFromAnswer } from '../../../src/core/geometry/prompts';
import { decodeRle } from '../../../src/core/image/rle';
import type { BinaryMask, GrayImage } from '../../../src/core/image/types';
import type { CocoRle } from '../../../src/core/logs/rollout';
import type { SegmentPrompt } from '../../../src/core/segment/segmenter';
import { getRewardSet, listRewardSets, registerRewardSet } from '../../../src/core/rewards/registry';
import { MissingMaskError } from '../../../src/core/rewards/segr1';
import { segr1GtMask } from '../../../src/core/rewards/masks';
import { segzeroSolutionFromMask } from '../../../src/core/rewards/segzero';

const ref = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/reference.json'), 'utf8')) as {
  segr1: Array<{ name: string; completion: string; gt: CocoRle; gt768: CocoRle; format: number; segment: number; intended_segment: number; sam_calls: Array<{ box: number[]; points: number[][] | null; labels: number[] | null }> }>;
  segzero: Array<{ name: string; completion: string; gt: CocoRle; solution: string; gt_box: number[]; gt_points: number[][]; thinking_format: number; segmentation_format: number; box_iou: number; point_l1: number; box_l1: number; total: number }>;
};

const SIDE = 768;
const frame768 = { width: SIDE, height: SIDE };

/** The generator's FakeSam rule: box interior (inclusive), + radius-16 disks at label 1, − radius-12 disks at label 0. */
function fakeMask(p: SegmentPrompt): Uint8Array {
  const m = new Uint8Array(SIDE * SIDE);
  if (p.box) {
    const { x1, y1, x2, y2 } = p.box;
    for (let y = Math.max(0, y1); y <= Math.min(SIDE - 1, y2); y++) for (let x = Math.max(0, x1); x <= Math.min(SIDE - 1, x2); x++) m[y * SIDE + x] = 1;
  }
  for (const q of p.points) if (q.label === 1) disk(m, q.x, q.y, 16, 1);
  for (const q of p.points) if (q.label === 0) disk(m, q.x, q.y, 12, 0);
  return m;
}

function disk(m: Uint8Array, cx: number, cy: number, r: number, v: number): void {
  for (let y = Math.max(0, cy - r); y <= Math.min(SIDE - 1, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x <= Math.min(SIDE - 1, cx + r); x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) m[y * SIDE + x] = v;
  }
}

/** Segment callback: one fake SAM2 call per prompt, OR-ed, recording the calls. */
function fakeSegment(calls: SegmentPrompt[]) {
  return async (answer: ParsedAnswer): Promise<BinaryMask> => {
    const out = new Uint8Array(SIDE * SIDE);
    for (const p of promptsFromAnswer(answer, frame768, frame768)) {
      calls.push(p);
      const m = fakeMask(p);
      for (let i = 0; i < out.length; i++) if (m[i]) out[i] = 1;
    }
    return { width: SIDE, height: SIDE, data: out };
  };
}

function gray(rle: CocoRle): GrayImage {
  const m = decodeRle(rle);
  return { width: m.width, height: m.height, data: m.data.map((v) => v * 255) };
}

test('registry lists the five sets and refuses duplicates', () => {
  assert.deepEqual(listRewardSets().map((s) => s.id), ['segr1-reference', 'segr1-intended', 'segzero', 'segzero-strict', 'visionreasoner']);
  assert.throws(() => registerRewardSet(getRewardSet('segzero')!), /already registered/);
});

test(`segr1-reference and segr1-intended equal the real grpo.py rewards on ${ref.segr1.length} cases (1e-6)`, async () => {
  const reference = getRewardSet('segr1-reference')!;
  const intended = getRewardSet('segr1-intended')!;
  for (const c of ref.segr1) {
    const calls: SegmentPrompt[] = [];
    const input = { completion: c.completion, gt: gray(c.gt), modelFrame: { kind: 'square', size: SIDE } as const, segment: fakeSegment(calls) };
    const r = await reference.score(input);
    assert.equal(r.components.format, c.format, `${c.name} format`);
    assert.ok(Math.abs(r.components.segment! - c.segment) <= 1e-6, `${c.name} segment ${r.components.segment} vs ${c.segment}`);
    // Same SAM2 calls as the reference: per box, only the in-box points, box alone when none are inside.
    assert.deepEqual(calls.map((p) => ({ box: p.box ? [p.box.x1, p.box.y1, p.box.x2, p.box.y2] : null, points: p.points.length ? p.points.map((q) => [q.x, q.y]) : null, labels: p.points.length ? p.points.map((q) => q.label) : null })), c.sam_calls, `${c.name} SAM2 calls`);
    const i = await intended.score({ ...input, segment: fakeSegment([]) });
    assert.ok(Math.abs(i.components.segment! - c.intended_segment) <= 1e-6, `${c.name} intended ${i.components.segment} vs ${c.intended_segment}`);
    assert.equal(r.total, Math.fround(Math.fround(r.components.segment!) + r.components.format!));
  }
});

test('the GT reaches the reward frame through PIL bilinear + > 127 (cases with non-768 GTs)', async () => {

  let resized = 0;
  for (const c of ref.segr1) {
    const g = gray(c.gt);
    if (g.width === SIDE && g.height === SIDE) continue;
    resized++;
    assert.deepEqual(segr1GtMask(g).data, decodeRle(c.gt768).data, c.name);
  }
  assert.ok(resized >= 10);
});

test('the reference quirk: the Sm term is 1 − predicted area, whatever the GT', async () => {
  const set = getRewardSet('segr1-reference')!;
  const gt: GrayImage = { width: SIDE, height: SIDE, data: new Uint8Array(SIDE * SIDE).fill(255) };
  const mask: BinaryMask = { width: SIDE, height: SIDE, data: new Uint8Array(SIDE * SIDE).fill(1) };
  const r = await set.score({ completion: '<think>a</think><bbox>[0,0,767,767]</bbox><points>[[1,1]]</points><labels>[1]</labels>', gt, modelFrame: { kind: 'square', size: SIDE }, loggedMask: mask });
  // A perfect mask of a full-frame object: IoU 1, but Sm term 1 − 1 = 0.
  assert.equal(r.components.segment, 0.7);
  assert.equal(r.details.smTerm, 0);
});

test('no mask source when one is needed is a typed error; format-only failures need none', async () => {
  const set = getRewardSet('segr1-reference')!;
  const gt: GrayImage = { width: SIDE, height: SIDE, data: new Uint8Array(SIDE * SIDE) };
  await assert.rejects(set.score({ completion: '<think>a</think><bbox>[0,0,7,7]</bbox><points>[[1,1]]</points><labels>[1]</labels>', gt, modelFrame: { kind: 'square', size: SIDE } }), MissingMaskError);
  const r = await set.score({ completion: '<think>a</think><points>[[1,1]]</points>', gt, modelFrame: { kind: 'square', size: SIDE } });
  assert.deepEqual(r.components, { segment: 0, format: 0 });
});

test(`segzero equals Seg-Zero seg.py on ${ref.segzero.length} cases, GT derived from the mask as Seg-Zero prepares it`, async () => {
  const set = getRewardSet('segzero')!;
  for (const c of ref.segzero) {
    const gt = gray(c.gt);
    const sol = segzeroSolutionFromMask(gt, { width: 840, height: 840 });
    assert.ok(sol, c.name);
    const r = await set.score({ completion: c.completion, gt, modelFrame: { kind: 'square', size: 840 } });
    const want = { box_iou: c.box_iou, thinking_format: c.thinking_format, segmentation_format: c.segmentation_format, point_l1: c.point_l1, box_l1: c.box_l1 };
    assert.deepEqual(r.components, want, `${c.name}: ${c.completion}`);
    assert.equal(r.total, c.total);
    const s = await set.score({ completion: c.completion, solution: c.solution, modelFrame: { kind: 'square', size: 840 } });
    assert.deepEqual(s.components, want, `${c.name} from solution text`);
  }
});

test('Seg-Zero GT points equal get_two_representative_points on the original masks', () => {
  for (const c of ref.segzero) {
    const m = decodeRle(c.gt);
    const sol = segzeroSolutionFromMask(gray(c.gt), { width: m.width, height: m.height });
    assert.deepEqual(sol!.points, c.gt_points, c.name);
    assert.deepEqual(sol!.box, c.gt_box, c.name);
  }
});

test('segzero components equal seg.py on 3000 generated completions (floats, bools, strings, broken JSON, odd keys)', async () => {
  const corpus = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/segzero_corpus.json'), 'utf8')) as {
    cases: Array<{ completion: string; solution: string; box_iou: number; thinking_format: number; segmentation_format: number; point_l1: number; box_l1: number }>;
  };
  const set = getRewardSet('segzero')!;
  for (const c of corpus.cases) {
    const r = await set.score({ completion: c.completion, solution: c.solution, modelFrame: { kind: 'square', size: 840 } });
    const want = { box_iou: c.box_iou, thinking_format: c.thinking_format, segmentation_format: c.segmentation_format, point_l1: c.point_l1, box_l1: c.box_l1 };
    assert.deepEqual(r.components, want, `${JSON.stringify(c.completion)} | ${c.solution}`);
  }
});
