import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  imageToModel, imageToSam, mapPoint, modelFrameSize, modelToImage, modelToSam, parseFrameSpec, roundHalfEven, samToImage, samToModel, smartResize,
} from '../../../src/core/geometry/frames';
import { groupPointsByBox, promptsFromAnswer } from '../../../src/core/geometry/prompts';
import { parseCompletion } from '../../../src/core/completion/parse';

interface SrCase { height: number; width: number; factor: number; min_pixels: number; max_pixels: number; out?: [number, number]; error?: string }
const fixture = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/smart_resize.json'), 'utf8')) as { cases: SrCase[] };

test('smartResize equals transformers smart_resize on every committed shape and parameter set', () => {
  let errors = 0;
  for (const c of fixture.cases) {
    if (c.error) {
      assert.throws(() => smartResize(c.height, c.width, c.factor, c.min_pixels, c.max_pixels), /aspect ratio/);
      errors++;
      continue;
    }
    const r = smartResize(c.height, c.width, c.factor, c.min_pixels, c.max_pixels);
    assert.deepEqual([r.height, r.width], c.out, JSON.stringify(c));
  }
  assert.ok(fixture.cases.length > 4000 && errors > 0);
});

test('a side under factor/2 rounds to 0 first and takes the min-pixels branch (no clamp, as in transformers)', () => {
  assert.deepEqual(smartResize(10, 1000), { width: 560, height: 28 });
});

test('roundHalfEven is Python round()', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, 2.4999, 2.5001].map(roundHalfEven), [0, 2, 2, 0, 2, 3]);
});

test('frame specs: squares ignore aspect, smart_resize defaults to Qwen2.5-VL shipped config', () => {
  assert.deepEqual(modelFrameSize({ kind: 'square', size: 768 }, { width: 1200, height: 300 }), { width: 768, height: 768 });
  assert.deepEqual(modelFrameSize({ kind: 'smart_resize' }, { width: 4000, height: 3000 }), smartResize(3000, 4000, 28, 3136, 12845056));
  assert.deepEqual(parseFrameSpec('square:840'), { kind: 'square', size: 840 });
  assert.deepEqual(parseFrameSpec('fixed:640x480'), { kind: 'fixed', width: 640, height: 480 });
  assert.equal(parseFrameSpec('nonsense'), undefined);
});

test('model ↔ image ↔ SAM2 mappings agree both ways', () => {
  const original = { width: 1200, height: 900 };
  const frame = { width: 768, height: 768 };
  // 768 → 1200 is ×25/16 and 768 → 900 is ×75/64: integer grid points land exactly.
  assert.deepEqual(modelToImage({ x: 16, y: 64 }, frame, original), { x: 25, y: 75 });
  assert.deepEqual(imageToModel({ x: 25, y: 75 }, frame, original), { x: 16, y: 64 });
  assert.deepEqual(imageToSam({ x: 600, y: 450 }, original), { x: 512, y: 512 });
  assert.deepEqual(samToImage({ x: 512, y: 512 }, original), { x: 600, y: 450 });
  assert.deepEqual(modelToSam({ x: 384, y: 384 }, frame, original), { x: 512, y: 512 });
  for (let i = 0; i < 2000; i++) {
    const p = { x: (i * 37) % 768, y: (i * 91) % 768 };
    const o = { width: 1 + ((i * 7919) % 4000), height: 1 + ((i * 104729) % 3000) };
    const back = samToModel(modelToSam(p, frame, o), frame, o);
    assert.ok(Math.abs(back.x - p.x) < 1e-9 && Math.abs(back.y - p.y) < 1e-9);
    const q = imageToModel(modelToImage(p, frame, o), frame, o);
    assert.ok(Math.abs(q.x - p.x) < 1e-9 && Math.abs(q.y - p.y) < 1e-9);
  }
  assert.deepEqual(mapPoint({ x: 0, y: 0 }, frame, original), { x: 0, y: 0 });
});

test('Seg-R1 grouping: inclusive bounds, a point may go with several boxes or none', () => {
  const g = groupPointsByBox([{ x1: 10, y1: 10, x2: 20, y2: 20 }, { x1: 20, y1: 20, x2: 30, y2: 30 }], [{ x: 10, y: 20 }, { x: 20, y: 20 }, { x: 31, y: 25 }]);
  assert.deepEqual(g.map((x) => x.points), [[{ x: 10, y: 20 }, { x: 20, y: 20 }], [{ x: 20, y: 20 }]]);
});

test('promptsFromAnswer maps to original pixels per box, per format', () => {
  const frame = { width: 768, height: 768 };
  const original = { width: 1536, height: 768 };
  const a = parseCompletion('<think>t</think><bbox>[0,0,100,100]</bbox><bbox>[200,200,300,300]</bbox><points>[[50,50],[250,260],[500,500]]</points><labels>[1,0,1]</labels>');
  const p = promptsFromAnswer(a, frame, original);
  assert.deepEqual(p, [
    { box: { x1: 0, y1: 0, x2: 200, y2: 100 }, points: [{ x: 100, y: 50, label: 1 }] },
    { box: { x1: 400, y1: 200, x2: 600, y2: 300 }, points: [{ x: 500, y: 260, label: 0 }] },
  ]);
  const z = parseCompletion('<think>t</think><answer>{"bbox":[0,0,100,100],"points_1":[1,2],"points_2":[300,4]}</answer>');
  assert.equal(promptsFromAnswer(z, frame, original)[0]!.points.length, 2);
  const v = parseCompletion('<think>t</think><answer>[{"bbox_2d":[0,0,10,10],"point_2d":[5,5]},{"bbox_2d":[20,20,30,30],"point_2d":[25,25]}]</answer>');
  assert.deepEqual(promptsFromAnswer(v, frame, frame).map((x) => x.points.map((q) => q.x)), [[5], [25]]);
});
