import { deflateSync } from 'node:zlib';
import { countsToString } from '../../../src/core/image/rle';
import type { BinaryMask, GrayImage } from '../../../src/core/image/types';
import { Rng } from '../../../src/core/sample/random';

/**
 * Deterministic fuzz inputs for the size-checking decoders (RLE, PNG header and gray PNG path, record validator),
 * shared by the unit test's fast sample and bench/fuzz.bench.ts. Input i of a seed is the same on every machine.
 */

/** Pixel cap the fuzz passes to the decoders: small, so a decoder that allocates past it is caught at once. */
export const FUZZ_MAX_PIXELS = 1 << 16;

/** A random small mask (blobs of runs), the seed of round trips. */
export function randomMask(rng: Rng): BinaryMask {
  const width = rng.int(1, 40);
  const height = rng.int(1, 40);
  const data = new Uint8Array(width * height);
  const p = rng.next();
  for (let i = 0; i < data.length; i++) data[i] = rng.chance(p) ? 1 : 0;
  return { width, height, data };
}

/** Column-major runs of a mask, the uncompressed COCO counts (written here from the definition, not the decoder). */
export function runsOf(m: BinaryMask): number[] {
  const runs: number[] = [];
  let v = 0;
  let run = 0;
  for (let x = 0; x < m.width; x++) {
    for (let y = 0; y < m.height; y++) {
      const p = m.data[y * m.width + x]!;
      if (p !== v) {
        runs.push(run);
        run = 0;
        v = p;
      }
      run++;
    }
  }
  runs.push(run);
  return runs;
}

const HOSTILE_SIDES = [0, 1, -1, 2.5, 46341, 0x3fff, 0x4000, 65536, 2 ** 31, 2 ** 53, Number.NaN, Infinity, '768', null];

/**
 * One RLE input: either a valid mask (`mask` set, the round trip must give it back) or a mutated/hostile RLE;
 * `source` is the valid RLE it was derived from (the bench's anchor).
 */
export function rleFuzzInput(seed: number, i: number): { rle: unknown; mask?: BinaryMask; source: { size: [number, number]; counts: number[] } } {
  const rng = Rng.derive(seed, 1, i);
  const mask = randomMask(rng);
  const runs = runsOf(mask);
  const size: [number, number] = [mask.height, mask.width];
  return { ...mutateRle(rng, mask, runs, size), source: { size, counts: runs } };
}

function mutateRle(rng: Rng, mask: BinaryMask, runs: number[], size: [number, number]): { rle: unknown; mask?: BinaryMask } {
  switch (rng.int(0, 7)) {
    case 0:
      return { rle: { size, counts: runs }, mask };
    case 1:
      return { rle: { size, counts: countsToString(runs) }, mask };
    case 2: {
      // Hostile declared size with plausible runs.
      const h = rng.pick(HOSTILE_SIDES);
      const w = rng.pick(HOSTILE_SIDES);
      return { rle: { size: [h, w], counts: rng.chance(0.5) ? [0, rng.int(0, 2 ** 31)] : [typeof h === 'number' && typeof w === 'number' ? h * w : 1] } };
    }
    case 3: {
      // A run changed: sums no longer match, negative, fractional or huge.
      const c = [...runs];
      const k = rng.int(0, c.length - 1);
      c[k] = rng.pick([c[k]! + 1, -1, 0.5, 2 ** 53, Number.NaN, c[k]! - 1]);
      return { rle: { size, counts: c } };
    }
    case 4: {
      // The compressed string mutated: characters outside the alphabet, truncation, duplication.
      const s = countsToString(runs);
      const chars = [...s];
      const op = rng.int(0, 2);
      if (op === 0 && chars.length) chars[rng.int(0, chars.length - 1)] = String.fromCharCode(rng.int(0, 200));
      else if (op === 1) chars.length = rng.int(0, chars.length);
      else chars.push(...chars.slice(0, rng.int(0, chars.length)));
      return { rle: { size, counts: chars.join('') } };
    }
    case 5: {
      // A long run of continuation characters: one huge or non-finite run.
      return { rle: { size, counts: String.fromCharCode(48 + 0x20 + rng.int(0, 31)).repeat(rng.int(1, 30)) + String.fromCharCode(48 + rng.int(0, 31)) } };
    }
    case 6:
      return { rle: rng.pick<unknown>([null, {}, { size }, { size, counts: 5 }, { size: [1], counts: [1] }, { size: [1, 1, 1], counts: [1] }, { size: 'x', counts: '' }, [1, 2]]) };
    default:
      // Shape errors in size alone, counts valid.
      return { rle: { size: [mask.height + rng.int(-1, 1), mask.width + rng.int(-1, 1)], counts: runs } };
  }
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A minimal 8-bit gray PNG (filter None on every row), written from the PNG spec for the round trips. */
export function grayPng(img: GrayImage): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, img.width);
  v.setUint32(4, img.height);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const raw = new Uint8Array(img.height * (img.width + 1));
  for (let y = 0; y < img.height; y++) raw.set(img.data.subarray(y * img.width, (y + 1) * img.width), y * (img.width + 1) + 1);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * One PNG input: a valid small gray PNG (`image` set, decoding must give it back) or one with its header/bytes
 * mutated; `source` is the valid PNG it was derived from (the bench's anchor).
 */
export function pngFuzzInput(seed: number, i: number): { bytes: Uint8Array; image?: GrayImage; source: Uint8Array } {
  const rng = Rng.derive(seed, 2, i);
  const width = rng.int(1, 24);
  const height = rng.int(1, 24);
  const data = new Uint8Array(width * height);
  for (let k = 0; k < data.length; k++) data[k] = rng.int(0, 255);
  const image = { width, height, data };
  const bytes = grayPng(image);
  return { ...mutatePng(rng, bytes, image), source: bytes };
}

function mutatePng(rng: Rng, bytes: Uint8Array, image: GrayImage): { bytes: Uint8Array; image?: GrayImage } {
  const op = rng.int(0, 5);
  if (op === 0) return { bytes, image };
  const m = bytes.slice();
  const view = new DataView(m.buffer);
  if (op === 1) {
    // Declared width/height: hostile values, including ones just under and over the caps.
    view.setUint32(16, rng.pick([0, 1, 255, 0x3fff, 0x4000, 20000, 46341, 0x7fffffff, 0xffffffff, rng.int(0, 2 ** 32 - 1)]));
    view.setUint32(20, rng.pick([0, 1, 255, 0x3fff, 20000, 0xffffffff, rng.int(0, 2 ** 32 - 1)]));
  } else if (op === 2) {
    // Depth, colour type, interlace.
    m[24 + rng.int(0, 4)] = rng.int(0, 255);
  } else if (op === 3) {
    // Random byte flips anywhere.
    for (let k = rng.int(1, 8); k > 0; k--) m[rng.int(0, m.length - 1)] = rng.int(0, 255);
  } else if (op === 4) {
    // Truncated.
    return { bytes: m.subarray(0, rng.int(0, m.length)) };
  } else {
    // A chunk length lied about.
    view.setUint32(33, rng.pick([0, 0xffffffff, rng.int(0, 2 ** 32 - 1)]));
  }
  return { bytes: m };
}

/** One record value for the validator: canonical records with fields swapped for hostile values. */
export function recordFuzzInput(seed: number, i: number): unknown {
  const rng = Rng.derive(seed, 3, i);
  const rec: Record<string, unknown> = { run: 'r', step: rng.int(0, 9), group: 'g', sample: rng.int(0, 7), image: 'd/i.png', gt: 'd/g.png', completion: '<think>x</think>', rewards: { format: 1 }, reward: 1, advantage: 0.5, mask: { size: [768, 768], counts: [768 * 768] }, model_frame: { width: 768, height: 768 } };
  const keys = Object.keys(rec);
  const hostile: unknown[] = [null, -1, 2 ** 53, Number.NaN, '', '../../etc/passwd', '/abs', [], {}, [1, 2], { size: [46341, 46341], counts: [1] }, { size: [-1, 2], counts: 'zz' }, 'x'.repeat(rng.int(0, 300)), true];
  for (let k = rng.int(0, 4); k > 0; k--) rec[rng.pick(keys)] = rng.pick(hostile);
  return rng.chance(0.05) ? rng.pick(hostile) : rec;
}
