import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClassicalSegmenter, CLASSICAL_SEGMENTER_INFO } from '../../../src/core/segment/classical';
import type { PromptBox, PromptPoint, SegmentPrompt } from '../../../src/core/segment/segmenter';
import type { BinaryMask, GrayImage } from '../../../src/core/image/types';
import { paintScene, type Scene } from '../../../src/core/sample/scene';

const SIZES: ReadonlyArray<readonly [number, number]> = [[640, 480], [480, 640], [512, 512], [500, 375], [800, 600], [600, 450]];

/** Single-object scenes painted by the sample generator (seed 11; the sample workspace uses another seed). */
const scenes: Scene[] = SIZES.map(([w, h], i) => paintScene(11, i, w, h, 1));

function iou(mask: BinaryMask, gt: GrayImage): number {
  let inter = 0, union = 0;
  for (let i = 0; i < mask.data.length; i++) {
    const a = mask.data[i] === 1, b = gt.data[i]! > 127;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return union ? inter / union : 0;
}

function tightBox(s: Scene): PromptBox {
  const [x1, y1, x2, y2] = s.objects[0]!.bbox;
  return { x1, y1, x2, y2 };
}

function grow(b: PromptBox, f: number): PromptBox {
  const w = b.x2 - b.x1, h = b.y2 - b.y1;
  return { x1: b.x1 - f * w, y1: b.y1 - f * h, x2: b.x2 + f * w, y2: b.y2 + f * h };
}

function centroid(s: Scene): PromptPoint {
  const [x, y] = s.objects[0]!.centroid;
  return { x, y, label: 1 };
}

async function meanIou(prompt: (s: Scene) => SegmentPrompt): Promise<number> {
  const seg = createClassicalSegmenter();
  let sum = 0;
  for (const s of scenes) {
    const enc = await seg.encode(s.image);
    sum += iou((await seg.decode(enc, prompt(s))).mask, s.gt);
  }
  return sum / scenes.length;
}

test('identifies itself as the classical fallback, not SAM2', () => {
  const seg = createClassicalSegmenter();
  assert.deepEqual(seg.info, { id: 'classical', label: 'classical fallback — not SAM2', kind: 'classical' });
  assert.equal(CLASSICAL_SEGMENTER_INFO.kind, 'classical');
});

// Measured on these six scenes: tight box 0.924 mean IoU against 0.846 for the ellipse inscribed in the same
// box (what a segmenter that ignored the pixels would give). 0.85 leaves room for tuning changes while still
// failing if the colour/texture model stops contributing.
test('a tight box gives a good mask on camouflage scenes, better than the box ellipse alone', async () => {
  const tight = await meanIou((s) => ({ box: tightBox(s), points: [] }));
  let ellipse = 0;
  for (const s of scenes) {
    const b = tightBox(s);
    const data = new Uint8Array(s.gt.width * s.gt.height);
    const cx = (b.x1 + b.x2) / 2, cy = (b.y1 + b.y2) / 2, rx = (b.x2 - b.x1) / 2, ry = (b.y2 - b.y1) / 2;
    for (let y = 0; y < s.gt.height; y++) for (let x = 0; x < s.gt.width; x++) if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) data[y * s.gt.width + x] = 1;
    ellipse += iou({ width: s.gt.width, height: s.gt.height, data }, s.gt) / scenes.length;
  }
  assert.ok(tight >= 0.85, `tight-box mean IoU ${tight.toFixed(3)}`);
  assert.ok(tight > ellipse + 0.03, `segmenter ${tight.toFixed(3)} vs ellipse ${ellipse.toFixed(3)}`);
});

test('masks respond to the box: the closer the box to the object, the better the mask', async () => {
  const shift = (f: number) => (s: Scene): SegmentPrompt => {
    const b = tightBox(s);
    const dx = f * (b.x2 - b.x1);
    return { box: { x1: b.x1 + dx, y1: b.y1, x2: b.x2 + dx, y2: b.y2 }, points: [] };
  };
  const tight = await meanIou((s) => ({ box: tightBox(s), points: [] }));
  const loose15 = await meanIou((s) => ({ box: grow(tightBox(s), 0.15), points: [] }));
  const loose30 = await meanIou((s) => ({ box: grow(tightBox(s), 0.3), points: [] }));
  const shift20 = await meanIou(shift(0.2));
  const shift40 = await meanIou(shift(0.4));
  const report = `tight ${tight.toFixed(3)}, loose 15%/30% ${loose15.toFixed(3)}/${loose30.toFixed(3)}, shifted 20%/40% ${shift20.toFixed(3)}/${shift40.toFixed(3)}`;
  assert.ok(tight > loose15 + 0.03 && loose15 > loose30 + 0.03, report);
  assert.ok(tight > shift20 + 0.05 && shift20 > shift40 + 0.05, report);
});

test('a positive point on the object pulls a misplaced box\'s mask onto it', async () => {
  const shifted = (s: Scene): PromptBox => {
    const b = tightBox(s);
    const dx = 0.25 * (b.x2 - b.x1), dy = 0.15 * (b.y2 - b.y1);
    return { x1: b.x1 + dx, y1: b.y1 + dy, x2: b.x2 + dx, y2: b.y2 + dy };
  };
  const alone = await meanIou((s) => ({ box: shifted(s), points: [] }));
  const withPoint = await meanIou((s) => ({ box: shifted(s), points: [centroid(s)] }));
  // Measured 0.645 → 0.658: the box clips what a point can recover, so the gain is small but systematic.
  assert.ok(withPoint > alone + 0.01, `shifted box ${alone.toFixed(3)}, + centroid point ${withPoint.toFixed(3)}`);
});

test('a positive point selects what it is on: object vs background', async () => {
  const onObject = await meanIou((s) => ({ points: [centroid(s)] }));
  // A point near the image corner farthest from the object: background in these scenes (checked below).
  const offObject = await meanIou((s) => {
    const c = centroid(s);
    const p = { x: c.x < s.gt.width / 2 ? 0.9 * s.gt.width : 0.1 * s.gt.width, y: c.y < s.gt.height / 2 ? 0.9 * s.gt.height : 0.1 * s.gt.height, label: 1 as const };
    assert.equal(s.gt.data[Math.round(p.y) * s.gt.width + Math.round(p.x)], 0);
    return { points: [p] };
  });
  assert.ok(onObject > 0.5 && offObject < 0.15, `point on object ${onObject.toFixed(3)}, on background ${offObject.toFixed(3)}`);
});

test('without a box, the mask grows from positive points', async () => {
  const fromPoint = await meanIou((s) => ({ points: [centroid(s)] }));
  assert.ok(fromPoint > 0.5, `point-only mean IoU ${fromPoint.toFixed(3)}`);
  const seg = createClassicalSegmenter();
  const s = scenes[0]!;
  const enc = await seg.encode(s.image);
  const none = await seg.decode(enc, { points: [] });
  assert.equal(none.mask.data.reduce((a, v) => a + v, 0), 0, 'no box and no positive point: empty mask');
  const negOnly = await seg.decode(enc, { points: [{ ...centroid(s), label: 0 }] });
  assert.equal(negOnly.mask.data.reduce((a, v) => a + v, 0), 0, 'a negative point alone selects nothing');
});

test('a negative point removes the region around it', async () => {
  const seg = createClassicalSegmenter();
  let before = 0, after = 0;
  for (const s of scenes) {
    const enc = await seg.encode(s.image);
    const box = grow(tightBox(s), 0.3);
    const m0 = (await seg.decode(enc, { box, points: [] })).mask;
    // The negative point goes on a mask pixel in the box's top-left quadrant that is outside the object.
    const qx = (box.x1 + box.x2) / 2, qy = (box.y1 + box.y2) / 2;
    let target: PromptPoint | undefined;
    for (let y = Math.max(0, Math.ceil(box.y1)); y < qy && !target; y++) {
      for (let x = Math.max(0, Math.ceil(box.x1)); x < qx; x++) {
        const i = y * s.gt.width + x;
        if (m0.data[i] === 1 && s.gt.data[i] === 0) { target = { x, y, label: 0 }; break; }
      }
    }
    if (!target) continue;
    const m1 = (await seg.decode(enc, { box, points: [target] })).mask;
    const near = (m: BinaryMask): number => {
      let c = 0;
      const r = 0.1 * (box.x2 - box.x1);
      for (let y = Math.round(target.y - r); y <= target.y + r; y++) for (let x = Math.round(target.x - r); x <= target.x + r; x++) if (x >= 0 && y >= 0 && x < m.width && y < m.height) c += m.data[y * m.width + x]!;
      return c;
    };
    before += near(m0);
    after += near(m1);
    assert.equal(m1.data[target.y * m1.width + target.x], 0, 'the negative point itself is background');
  }
  assert.ok(before > 0, 'loose boxes leak into background somewhere');
  assert.ok(after < 0.6 * before, `mask pixels near negative points: ${before} → ${after}`);
});

test('masks stay inside the box', async () => {
  const seg = createClassicalSegmenter();
  for (const s of scenes.slice(0, 3)) {
    const enc = await seg.encode(s.image);
    const box = grow(tightBox(s), 0.15);
    const { mask } = await seg.decode(enc, { box, points: [centroid(s)] });
    let outside = 0, total = 0;
    for (let y = 0; y < mask.height; y++) {
      for (let x = 0; x < mask.width; x++) {
        if (mask.data[y * mask.width + x] !== 1) continue;
        total++;
        if (x < box.x1 - 1 || x > box.x2 + 1 || y < box.y1 - 1 || y > box.y2 + 1) outside++;
      }
    }
    assert.ok(total > 0);
    assert.equal(outside, 0);
  }
});

test('inverted box corners mean the same box', async () => {
  const seg = createClassicalSegmenter();
  const s = scenes[1]!;
  const enc = await seg.encode(s.image);
  const b = tightBox(s);
  const a = await seg.decode(enc, { box: b, points: [] });
  const inv = await seg.decode(enc, { box: { x1: b.x2, y1: b.y2, x2: b.x1, y2: b.y1 }, points: [] });
  assert.deepEqual(inv.mask.data, a.mask.data);
});

test('deterministic: same image and prompt give identical masks across encodes and engines', async () => {
  const s = scenes[2]!;
  const prompt: SegmentPrompt = { box: grow(tightBox(s), 0.1), points: [centroid(s), { x: 5, y: 5, label: 0 }] };
  const a = createClassicalSegmenter(), b = createClassicalSegmenter();
  const ea = await a.encode(s.image), eb = await b.encode(s.image);
  assert.equal(ea.key, eb.key);
  const ma = await a.decode(ea, prompt), mb = await b.decode(eb, prompt), mc = await a.decode(ea, prompt);
  assert.deepEqual(ma.mask.data, mb.mask.data);
  assert.deepEqual(ma.mask.data, mc.mask.data);
});

test('rejects encodings from another engine', async () => {
  const seg = createClassicalSegmenter();
  await assert.rejects(seg.decode({ key: 'x', width: 4, height: 4 }, { points: [] }), /another engine/);
});

test('degenerate inputs give empty or tiny masks, never a throw', async () => {
  const seg = createClassicalSegmenter();
  const sum = (m: BinaryMask): number => m.data.reduce((a, v) => a + v, 0);
  for (const [w, h] of [[1, 1], [3, 2], [5, 400], [2000, 100]] as const) {
    const data = new Uint8Array(w * h * 3).map((_, i) => (i * 37) % 251);
    const enc = await seg.encode({ width: w, height: h, data });
    const full = await seg.decode(enc, { box: { x1: 0, y1: 0, x2: w - 1, y2: h - 1 }, points: [] });
    assert.deepEqual([full.mask.width, full.mask.height], [w, h]);
    assert.equal(sum((await seg.decode(enc, { box: { x1: -50, y1: -50, x2: -10, y2: -10 }, points: [] })).mask), 0, 'box left of and above the image');
    assert.equal(sum((await seg.decode(enc, { box: { x1: w + 5, y1: 0, x2: w + 50, y2: h }, points: [] })).mask), 0, 'box right of the image');
    assert.ok(sum((await seg.decode(enc, { points: [{ x: 0, y: 0, label: 1 }] })).mask) >= 1, 'a positive point keeps at least its own pixel');
  }
});
