import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveOraclePrompts, hasOracle, oraclePrompt, tightBox, type OraclePrompts } from '../../../src/core/attribution/oraclePrompts';
import type { GrayImage } from '../../../src/core/image/types';

/** A W×H GT whose foreground is where `inside(x, y)` holds (255), else 0. */
function gt(width: number, height: number, inside: (x: number, y: number) => boolean, fg = 255): GrayImage {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (inside(x, y)) data[y * width + x] = fg;
  return { width, height, data };
}

function oracle(g: GrayImage): OraclePrompts {
  const o = deriveOraclePrompts(g);
  assert.ok(hasOracle(o), 'expected an oracle');
  return o;
}

test('rectangle: inclusive tight box, centre as the interior point, the farthest background corner as negative', () => {
  // Foreground x 10..29 (20 wide), y 5..14 (10 high) in a 40×30 image; the box has no background.
  const o = oracle(gt(40, 30, (x, y) => x >= 10 && x <= 29 && y >= 5 && y <= 14));
  assert.deepEqual(o.box, { x1: 10, y1: 5, x2: 29, y2: 14 });
  // EDT (distance to the nearest background pixel) peaks at 5 on rows 9 and 10, columns 14..25: first row-major.
  assert.deepEqual(o.interior, { x: 14, y: 9, label: 1 });
  assert.equal(o.interiorDistance, 5);
  // diag/8 = √(20²+10²)/8 ≈ 2.795: the next EDT-5 pixel in row-major order at ≥ that distance is (17, 9).
  assert.deepEqual(o.positives, [{ x: 14, y: 9, label: 1 }, { x: 17, y: 9, label: 1 }]);
  assert.equal(o.negative, undefined, 'a filled rectangle leaves no background in its box');
  assert.deepEqual(oraclePrompt(o, 'box+points').points.map((p) => p.label), [1, 1]);
});

test('GT binarised at > 127: 127 is background, 128 foreground', () => {
  assert.equal(tightBox(gt(8, 8, () => true, 127)), undefined);
  assert.deepEqual(tightBox(gt(8, 8, (x, y) => x === 3 && y === 6, 128)), { x1: 3, y1: 6, x2: 3, y2: 6 });
});

test('L-shape: the interior point lies in the thick part; the negative point is the empty corner farthest from the GT', () => {
  // Vertical bar x 0..9, y 0..39, and a horizontal foot x 0..39, y 30..39, in a 40×40 image.
  const o = oracle(gt(40, 40, (x, y) => x <= 9 || y >= 30));
  assert.deepEqual(o.box, { x1: 0, y1: 0, x2: 39, y2: 39 });
  // The image border counts as background; the EDT maximum (checked against a brute-force EDT) is where bar and foot meet.
  const brute = bruteInterior(gt(40, 40, (x, y) => x <= 9 || y >= 30));
  assert.deepEqual(o.interior, { x: brute.x, y: brute.y, label: 1 });
  assert.equal(o.interiorDistance, Math.sqrt(brute.d2));
  // In the empty quadrant x 10..39, y 0..29 a pixel's distance to the GT is min(x − 9, 30 − y): 30 only at (39, 0).
  assert.deepEqual(o.negative, { x: 39, y: 0, label: 0 });
  assert.equal(o.positives.length, 2);
  const p1 = o.positives[0]!;
  const p2 = o.positives[1]!;
  assert.ok(Math.hypot(p2.x - p1.x, p2.y - p1.y) >= Math.hypot(40, 40) / 8);
});

test('ring with a hole: the negative point is the centre of the hole; the interior point is on the ring', () => {
  // Disc of radius 15 minus a disc of radius 9, centred at (20, 20) in a 41×41 image. The hole centre is √82 from
  // the ring ((29, 21)); the box corners outside the disc only √41 ((5, 5) to (9, 10)).
  const ring = gt(41, 41, (x, y) => {
    const r2 = (x - 20) ** 2 + (y - 20) ** 2;
    return r2 <= 15 * 15 && r2 > 9 * 9;
  });
  const o = oracle(ring);
  assert.deepEqual(o.box, { x1: 5, y1: 5, x2: 35, y2: 35 });
  assert.deepEqual(o.negative, { x: 20, y: 20, label: 0 }, 'the hole centre is the background pixel farthest from the GT inside the box');
  assert.equal(ring.data[o.interior.y * 41 + o.interior.x], 255, 'the interior point is on the GT');
  const brute = bruteInterior(ring);
  assert.deepEqual([o.interior.x, o.interior.y], [brute.x, brute.y]);
});

test('two blobs: the two positive points land one in each blob', () => {
  // A big square (x 2..21, y 2..21) and a smaller one (x 40..51, y 30..41) in a 60×50 image.
  const o = oracle(gt(60, 50, (x, y) => (x >= 2 && x <= 21 && y >= 2 && y <= 21) || (x >= 40 && x <= 51 && y >= 30 && y <= 41)));
  assert.deepEqual(o.box, { x1: 2, y1: 2, x2: 51, y2: 41 });
  const p1 = o.positives[0]!;
  const p2 = o.positives[1]!;
  // Big square EDT peaks at 10 on its centre 2×2 (x 11..12, y 11..12); first row-major = (11, 11).
  assert.deepEqual([p1.x, p1.y], [11, 11]);
  // diag/8 = √(50²+40²)/8 ≈ 8.0: every big-square pixel with EDT ≥ 7 is within 8 of (11, 11) except… the
  // brute force below decides; the point must be the highest-EDT pixel at distance ≥ diag/8 from p1.
  const brute = bruteSecond(gt(60, 50, (x, y) => (x >= 2 && x <= 21 && y >= 2 && y <= 21) || (x >= 40 && x <= 51 && y >= 30 && y <= 41)), p1, 50, 40);
  assert.deepEqual([p2.x, p2.y], [brute.x, brute.y]);
  assert.ok(o.negative !== undefined);
});

test('two equal far-apart blobs: the second point is the other blob centre', () => {
  // Two 9×9 squares: x 0..8 and x 30..38, y 0..8, in a 39×9 image. EDT peak 5 at each centre, (4,4) and (34,4).
  const o = oracle(gt(39, 9, (x) => x <= 8 || x >= 30));
  assert.deepEqual(o.positives.map((p) => [p.x, p.y]), [[4, 4], [34, 4]]);
  assert.equal(o.negative?.y, 0, 'ties among the gap column pixels go to the first row');
  assert.equal(o.negative?.x, 19);
});

test('single pixel: box of zero extent, one positive point, no background in the box', () => {
  const o = oracle(gt(10, 10, (x, y) => x === 7 && y === 2));
  assert.deepEqual(o.box, { x1: 7, y1: 2, x2: 7, y2: 2 });
  assert.deepEqual(o.interior, { x: 7, y: 2, label: 1 });
  assert.deepEqual(o.positives, [{ x: 7, y: 2, label: 1 }]);
  assert.equal(o.negative, undefined);
  assert.deepEqual(oraclePrompt(o, 'box+points'), { box: o.box, points: [{ x: 7, y: 2, label: 1 }] });
});

test('full image: the border counts as background, so the centre is the most interior point', () => {
  const o = oracle(gt(9, 9, () => true));
  assert.deepEqual(o.box, { x1: 0, y1: 0, x2: 8, y2: 8 });
  assert.deepEqual(o.interior, { x: 4, y: 4, label: 1 });
  assert.equal(o.interiorDistance, 5);
  // 9 wide × 7 high: EDT 4 on row 3 for x 3..5 (min(x + 1, 9 − x, y + 1, 7 − y)); the first in row-major order wins.
  assert.deepEqual(oracle(gt(9, 7, () => true)).interior, { x: 3, y: 3, label: 1 });
  assert.equal(o.negative, undefined);
});

test('empty GT: no oracle, with the reason', () => {
  assert.deepEqual(deriveOraclePrompts(gt(5, 5, () => false)), { reason: 'empty' });
  assert.deepEqual(deriveOraclePrompts({ width: 0, height: 0, data: new Uint8Array(0) }), { reason: 'empty' });
});

test('prompt sets: box alone, box + interior point, box + positives + negative', () => {
  const o = oracle(gt(40, 40, (x, y) => x <= 9 || y >= 30));
  assert.deepEqual(oraclePrompt(o, 'box'), { box: o.box, points: [] });
  assert.deepEqual(oraclePrompt(o, 'box+point'), { box: o.box, points: [o.interior] });
  assert.deepEqual(oraclePrompt(o, 'box+points').points, [...o.positives, o.negative]);
});

/** Brute-force EDT maximum with the outside counting as background (O(n²), for small test images). */
function bruteInterior(g: GrayImage): { x: number; y: number; d2: number } {
  const d2 = bruteEdt(g);
  let best = { x: -1, y: -1, d2: -1 };
  for (let y = 0; y < g.height; y++) for (let x = 0; x < g.width; x++) if (g.data[y * g.width + x]! > 127 && d2[y * g.width + x]! > best.d2) best = { x, y, d2: d2[y * g.width + x]! };
  return best;
}

function bruteSecond(g: GrayImage, p1: { x: number; y: number }, bw: number, bh: number): { x: number; y: number } {
  const d2 = bruteEdt(g);
  let best = { x: -1, y: -1, d: -1 };
  for (let y = 0; y < g.height; y++) {
    for (let x = 0; x < g.width; x++) {
      if (g.data[y * g.width + x]! <= 127 || Math.hypot(x - p1.x, y - p1.y) < Math.hypot(bw, bh) / 8) continue;
      if (d2[y * g.width + x]! > best.d) best = { x, y, d: d2[y * g.width + x]! };
    }
  }
  return best;
}

function bruteEdt(g: GrayImage): Int32Array {
  const { width: w, height: h } = g;
  const out = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (g.data[y * w + x]! <= 127) continue;
      let best = Infinity;
      for (let yy = -1; yy <= h; yy++) {
        for (let xx = -1; xx <= w; xx++) {
          const outside = xx < 0 || yy < 0 || xx >= w || yy >= h;
          if (!outside && g.data[yy * w + xx]! > 127) continue;
          best = Math.min(best, (xx - x) ** 2 + (yy - y) ** 2);
        }
      }
      out[y * w + x] = best;
    }
  }
  return out;
}
