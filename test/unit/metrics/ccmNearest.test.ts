import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nearestBackground, type Patches } from '../../../src/core/metrics/camouflageContext';
import { Rng } from '../../../src/core/sample/random';

// nearestBackground dismisses candidates by lower bounds; the oracle is the definition: the smallest squared
// Euclidean distance over all 147 Lab bytes, lowest index on ties. λ = 0 leaves the colour part alone (the spatial
// part with λ = 20 is covered against sklearn in contextMeasure.test.ts).

const DIM = 7 * 7 * 3;

function patches(count: number, r: Rng, levels: number, dupOf?: Patches): Patches {
  const features = new Uint8Array(count * DIM);
  for (let p = 0; p < count; p++) {
    // A smooth patch (base colour per channel) plus a little texture; `levels` small = many exact ties.
    const base = [r.next() * 255, r.next() * 255, r.next() * 255];
    for (let k = 0; k < DIM; k++) features[p * DIM + k] = Math.min(255, Math.floor(base[k % 3]! / (256 / levels)) * (256 / levels) + Math.floor(r.next() * 3));
    // Some queries copy a background patch exactly (distance 0, and a tie when that patch is duplicated).
    if (dupOf && r.next() < 0.2) features.set(dupOf.features.subarray(((p * 7) % dupOf.count) * DIM, ((p * 7) % dupOf.count + 1) * DIM), p * DIM);
  }
  const at = new Int32Array(count * 2);
  for (let p = 0; p < count; p++) { at[2 * p] = 3 * Math.floor(p / 9); at[2 * p + 1] = 3 * (p % 9); }
  return { at, features, count };
}

function oracle(bg: Patches, fg: Patches): number[] {
  const out: number[] = [];
  for (let q = 0; q < fg.count; q++) {
    let best = Infinity;
    let bestJ = -1;
    for (let j = 0; j < bg.count; j++) {
      let d = 0;
      for (let k = 0; k < DIM; k++) {
        const e = bg.features[j * DIM + k]! - fg.features[q * DIM + k]!;
        d += e * e;
      }
      if (d < best) { best = d; bestJ = j; }
    }
    out.push(bestJ);
  }
  return out;
}

test('nearestBackground returns the exact nearest background patch, lowest index on ties (random patches, many ties)', () => {
  for (let seed = 1; seed <= 8; seed++) {
    const r = new Rng(seed);
    const levels = seed % 2 === 0 ? 4 : 64;
    const bg = patches(60 + seed * 13, r, levels);
    // Duplicate background patches, so an exact match has equal candidates at two indices.
    for (let j = 0; j < bg.count; j += 5) bg.features.copyWithin(((j + 3) % bg.count) * DIM, j * DIM, (j + 1) * DIM);
    const fg = patches(40 + seed * 7, r, levels, bg);
    assert.deepEqual(Array.from(nearestBackground(bg, fg, 0)), oracle(bg, fg), `seed ${seed}`);
  }
});

test('nearestBackground breaks a tie towards the lower index even when the higher one looks closer by the bounds', () => {
  const at = Int32Array.from([0, 0, 0, 3, 0, 6]);
  const bg: Patches = { at, features: new Uint8Array(3 * DIM).fill(100), count: 3 };
  // Index 0: far. Index 1: +1 on four bytes of one channel (distance 4, channel sums differ by 4).
  // Index 2: +2 on one byte (distance 4, channel sums differ by 2: the smaller bound, so it is tried first).
  bg.features.fill(200, 0, DIM);
  for (const k of [0, 3, 6, 9]) bg.features[DIM + k] = 101;
  bg.features[2 * DIM] = 102;
  const fg: Patches = { at: Int32Array.from([3, 0]), features: new Uint8Array(DIM).fill(100), count: 1 };
  assert.deepEqual(Array.from(nearestBackground(bg, fg, 0)), [1]);
});
