import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureTransform } from '../../../src/core/metrics/edt';
import { GAUSSIAN_7_SIGMA5, GAUSSIAN_7x7_SIGMA5 } from '../../../src/core/metrics/weightedFmeasure';

/**
 * scipy's choice among equidistant features, as the Maurer passes produce it: the smallest squared distance, then the
 * leftmost column (pass 2 keeps the earlier site), then the upper row (pass 1 keeps the earlier row).
 */
function bruteForce(feature: Uint8Array, w: number, h: number): { nearest: Int32Array; dist2: Int32Array } {
  const nearest = new Int32Array(w * h).fill(-1);
  const dist2 = new Int32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let best = Infinity;
      let bi = -1;
      for (let fx = 0; fx < w; fx++) {
        for (let fy = 0; fy < h; fy++) {
          if (!feature[fy * w + fx]) continue;
          const d = (fy - y) ** 2 + (fx - x) ** 2;
          if (d < best) {
            best = d;
            bi = fy * w + fx;
          }
        }
      }
      nearest[y * w + x] = bi;
      dist2[y * w + x] = bi < 0 ? 0 : best;
    }
  }
  return { nearest, dist2 };
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
}

test('featureTransform: exact distances and scipy tie-breaking on random and symmetric masks', () => {
  const r = rng(7);
  const cases: Array<{ w: number; h: number; f: Uint8Array }> = [];
  for (let k = 0; k < 60; k++) {
    const w = 1 + Math.floor(r() * 23);
    const h = 1 + Math.floor(r() * 19);
    const density = [0.02, 0.1, 0.4][k % 3]!;
    cases.push({ w, h, f: Uint8Array.from({ length: w * h }, () => (r() < density ? 1 : 0)) });
  }
  // Symmetric layouts maximise ties.
  const sym = new Uint8Array(11 * 11);
  for (const [x, y] of [[2, 2], [8, 2], [2, 8], [8, 8], [5, 0], [0, 5], [10, 5], [5, 10]] as const) sym[y * 11 + x] = 1;
  cases.push({ w: 11, h: 11, f: sym });
  cases.push({ w: 5, h: 4, f: new Uint8Array(20) });
  for (const { w, h, f } of cases) {
    const got = featureTransform(f, w, h);
    const want = bruteForce(f, w, h);
    assert.deepEqual(Array.from(got.dist2), Array.from(want.dist2), `dist2 ${w}x${h}`);
    assert.deepEqual(Array.from(got.nearest), Array.from(want.nearest), `nearest ${w}x${h}`);
  }
});

test('featureTransform with a column window equals the full transform', () => {
  const w = 30;
  const h = 20;
  const f = new Uint8Array(w * h);
  for (let y = 5; y < 12; y++) for (let x = 9; x < 17; x++) if ((x + y) % 3 !== 0) f[y * w + x] = 1;
  const full = featureTransform(f, w, h);
  const windowed = featureTransform(f, w, h, true, 9, 16);
  assert.deepEqual(Array.from(windowed.nearest), Array.from(full.nearest));
  assert.deepEqual(Array.from(windowed.dist2), Array.from(full.dist2));
});

test('the separable blur factor reproduces fspecial(gaussian, 7, 5) to the last bits', () => {
  let worst = 0;
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    for (let j = 0; j < 7; j++) {
      const k = GAUSSIAN_7x7_SIGMA5[i * 7 + j]!;
      sum += k;
      worst = Math.max(worst, Math.abs(GAUSSIAN_7_SIGMA5[i]! * GAUSSIAN_7_SIGMA5[j]! - k));
    }
  }
  assert.ok(worst < 1e-17, `outer product vs 2-D kernel: ${worst}`);
  assert.ok(Math.abs(sum - 1) < 1e-15);
  // Corner/centre ratio is exp(-18/50): the kernel is the wide σ = 5 Gaussian, not a narrow one.
  assert.ok(Math.abs(GAUSSIAN_7x7_SIGMA5[0]! / GAUSSIAN_7x7_SIGMA5[24]! - Math.exp(-18 / 50)) < 1e-15);
});
