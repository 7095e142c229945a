import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dilateCross, dilateCrossWithin, erodeCross } from '../../../src/core/image/morphology/crossMorph';
import { Rng } from '../../../src/core/sample/random';

// The multi-pass operations grow breadth-first; the oracle here is the definition: one-pixel passes one after another
// (cv2.dilate / cv2.erode with iterations=1, itself checked against OpenCV in morphology.test.ts), AND-ed with `allow`.

function blobs(width: number, height: number, seed: number, density: number): Uint8Array {
  const r = new Rng(seed);
  const m = new Uint8Array(width * height);
  // Random rectangles plus salt, so masks have thick parts, thin parts, holes and frame contact.
  for (let k = 0; k < 4; k++) {
    const x0 = Math.floor(r.next() * width);
    const y0 = Math.floor(r.next() * height);
    const x1 = Math.min(width, x0 + 1 + Math.floor(r.next() * width * 0.6));
    const y1 = Math.min(height, y0 + 1 + Math.floor(r.next() * height * 0.6));
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * width + x] = 1;
  }
  for (let i = 0; i < m.length; i++) if (r.next() < density) m[i] = m[i]! ^ 1;
  return m;
}

function byPasses(mask: Uint8Array, width: number, height: number, passes: number, allow?: Uint8Array): Uint8Array {
  let m: Uint8Array = mask.slice();
  for (let k = 0; k < passes; k++) {
    m = dilateCross(m, width, height, 1);
    if (allow) for (let i = 0; i < m.length; i++) m[i] = m[i]! & allow[i]!;
  }
  return m;
}

test('multi-pass cross dilation / erosion / dilation within a mask equal single passes repeated (sizes 1×1 to 41×29)', () => {
  const sizes: Array<[number, number]> = [[1, 1], [1, 7], [9, 1], [2, 3], [13, 11], [41, 29], [29, 41]];
  for (const [w, h] of sizes) {
    for (let seed = 1; seed <= 6; seed++) {
      const m = blobs(w, h, seed * 97 + w, 0.05);
      const allow = blobs(w, h, seed * 131 + h, 0.1);
      for (const passes of [0, 1, 2, 5, 7]) {
        const what = `${w}x${h} seed ${seed} passes ${passes}`;
        assert.deepEqual(Array.from(dilateCross(m, w, h, passes)), Array.from(byPasses(m, w, h, passes)), `dilate ${what}`);
        assert.deepEqual(Array.from(dilateCrossWithin(m, allow, { width: w, height: h }, passes)), Array.from(byPasses(m, w, h, passes, allow)), `within ${what}`);
        let e: Uint8Array = m.slice();
        for (let k = 0; k < passes; k++) e = erodeCross(e, w, h, 1);
        assert.deepEqual(Array.from(erodeCross(m, w, h, passes)), Array.from(e), `erode ${what}`);
      }
    }
  }
});
