import type { CocoRle } from '../logs/rollout';
import type { BinaryMask } from './types';

/**
 * COCO run-length encoding with pycocotools semantics: runs over the column-major (Fortran-order) pixel
 * sequence, starting with a run of zeros (possibly empty), `size` = [height, width]; `counts` either the raw run
 * lengths or pycocotools' compressed string (`rleToString`: 5-bit groups + 48, continuation bit 0x20, sign bit 0x10,
 * and from the fourth run on the difference to the run two before).
 */

/** Decode RLE into a row-major 0/1 mask. Throws on counts that do not cover exactly height·width pixels. */
export function decodeRle(rle: CocoRle): BinaryMask {
  const [height, width] = rle.size;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) throw new Error(`bad RLE size ${JSON.stringify(rle.size)}`);
  const counts = typeof rle.counts === 'string' ? countsFromString(rle.counts) : rle.counts;
  const n = height * width;
  const data = new Uint8Array(n);
  let j = 0;
  let v = 0;
  for (const c of counts) {
    if (!Number.isInteger(c) || c < 0) throw new Error(`bad RLE run ${c}`);
    if (j + c > n) throw new Error(`RLE runs cover more than ${width}×${height} pixels`);
    if (v === 1) {
      for (let k = j; k < j + c; k++) {
        // Column-major index k → row-major y·width + x.
        const x = Math.floor(k / height);
        const y = k - x * height;
        data[y * width + x] = 1;
      }
    }
    j += c;
    v ^= 1;
  }
  if (j !== n) throw new Error(`RLE runs cover ${j} of ${n} pixels`);
  return { width, height, data };
}

/** Encode a row-major mask (any non-zero is foreground) as RLE; compressed string by default, as pycocotools does. */
export function encodeRle(mask: BinaryMask, compressed = true): CocoRle {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let prev = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x] ? 1 : 0;
      if (v !== prev) {
        counts.push(run);
        run = 0;
        prev = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts: compressed ? countsToString(counts) : counts };
}

/** pycocotools `rleToString`. */
export function countsToString(counts: readonly number[]): string {
  let s = '';
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]!;
    if (i > 2) x -= counts[i - 2]!;
    let more = true;
    while (more) {
      // Arithmetic shift on doubles so runs beyond 2^31 stay correct.
      let c = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  }
  return s;
}

/** pycocotools `rleFrString`. Throws on characters outside the alphabet or a truncated final group. */
export function countsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new Error('truncated RLE string');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`bad RLE character '${s[p]}'`);
      x += (c & 0x1f) * Math.pow(32, k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x -= Math.pow(32, k);
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    counts.push(x);
  }
  return counts;
}
