import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GrayImage } from '../../../src/core/image/types';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { scipyEdt2, segzeroSolutionFromMask, twoRepresentativePoints } from '../../../src/core/rewards/segzero';

interface Case {
  name: string;
  width: number;
  height: number;
  rows: string[];
  box: number[] | null;
  box_error: string | null;
  points: number[][] | null;
  edt_max: number;
}

// Made by test/fixtures/gen/rewards_gt_from_mask.py: Seg-Zero's notebook code run unchanged with SciPy 1.10.1.
const ref = JSON.parse(readFileSync(join(__dirname, '../../../../test/fixtures/rewards/gt_from_mask.json'), 'utf8')) as { cases: Case[] };

function mask01(c: Case): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(c.width * c.height);
  c.rows.forEach((r, y) => {
    for (let x = 0; x < c.width; x++) data[y * c.width + x] = r[x] === '1' ? 1 : 0;
  });
  return { width: c.width, height: c.height, data };
}

function gray(c: Case): GrayImage {
  const m = mask01(c);
  return { width: m.width, height: m.height, data: m.data.map((v) => v * 255) };
}

test(`GT box and points equal Seg-Zero's data preparation on ${ref.cases.length} masks (all-foreground, all-background, ties, blobs)`, () => {
  assert.ok(ref.cases.some((c) => c.name.startsWith('full-')) && ref.cases.some((c) => c.box_error !== null));
  for (const c of ref.cases) {
    const pts = twoRepresentativePoints(mask01(c));
    assert.deepEqual(pts, c.points, `${c.name} points`);
    const sol = segzeroSolutionFromMask(gray(c), { width: c.width, height: c.height });
    if (c.box === null) {
      // np.where(m == 1)[1].min() of an empty array raises ValueError: the reference makes no GT of this mask.
      assert.match(c.box_error ?? '', /^ValueError/);
      assert.equal(sol, undefined, c.name);
    } else {
      assert.deepEqual(sol?.box, c.box, `${c.name} box`);
      assert.deepEqual(sol?.points, c.points, `${c.name} scaled points (factor 1)`);
    }
  }
});

test('the EDT maximum equals scipy distance_transform_edt, including a mask with no background', () => {
  for (const c of ref.cases) {
    const m = mask01(c);
    const d2 = scipyEdt2(m.data, m.width, m.height);
    let best = 0;
    for (let i = 0; i < d2.length; i++) best = Math.max(best, d2[i]!);
    assert.ok(Math.abs(Math.sqrt(best) - c.edt_max) <= 1e-12, `${c.name}: ${Math.sqrt(best)} vs ${c.edt_max}`);
  }
});

test('an all-foreground GT scores against the corner points scipy gives, not the first pixel', async () => {
  const c = ref.cases.find((k) => k.name === 'full-40x23')!;
  assert.deepEqual(c.points, [[39, 22], [29, 0]]);
  const gt = gray(c);
  // Model frame 4000×2300: factor 100. The answer hits the reference's points; points near the first pixel
  // (0,0) would be thousands of pixels off and fail point_l1 (mean distance < 100).
  const completion = '<think>all of it</think> <answer>{"bbox": [0,0,3900,2200], "points_1": [3900,2200], "points_2": [2900,0]}</answer>';
  const r = await getRewardSet('segzero')!.score({ completion, gt, modelFrame: { kind: 'fixed', width: 4000, height: 2300 } });
  assert.equal(r.components.point_l1, 1);
  assert.equal(r.components.box_l1, 1);
});
