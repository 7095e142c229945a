import type { CocoRle } from '../logs/rollout';
import { DeclaredSizeError, MAX_IMAGE_PIXELS } from './limits';
import type { BinaryMask, Size } from './types';

/**
 * COCO run-length encoding with pycocotools semantics: runs over the column-major (Fortran-order) pixel
 * sequence, starting with a run of zeros (possibly empty), `size` = [height, width]; `counts` either the raw run
 * lengths or pycocotools' compressed string (`rleToString`: 5-bit groups + 48, continuation bit 0x20, sign bit 0x10,
 * and from the fourth run on the difference to the run two before).
 */

/** A malformed RLE (bad run, bad character, runs not covering the mask); `field` names the part at fault. */
export class RleError extends Error {
  /** The field at fault, e.g. `mask.counts`. */
  readonly field: string;

  /** `field` prefixes the message. */
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'RleError';
    this.field = field;
  }
}

/** Options for {@link decodeRle}. */
export interface RleDecodeOptions {
  /** The record field the RLE came from, for messages (default `mask`). */
  readonly field?: string;
  /** The image or frame the mask belongs to: a different `size` is refused before anything is allocated. */
  readonly frame?: Size;
  /** Pixel cap (default {@link MAX_IMAGE_PIXELS}). */
  readonly maxPixels?: number;
  /**
   * A buffer to decode into (a caller's scratch, reused across masks) when it holds at least height·width bytes;
   * the mask returned then views it and is valid until the caller reuses it. Else a new one is allocated.
   */
  readonly into?: Uint8Array;
}

/** Check an RLE's declared `size` against the frame and the cap; returns [height, width]. Throws DeclaredSizeError / RleError. */
export function checkRleSize(rle: unknown, opts: RleDecodeOptions = {}): [number, number] {
  const field = opts.field ?? 'mask';
  const size = rle !== null && typeof rle === 'object' ? (rle as { size?: unknown }).size : undefined;
  if (!Array.isArray(size) || size.length !== 2) throw new RleError(`${field}.size`, `expected [height, width], got ${short(size)}`);
  const [height, width] = size as unknown[];
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || (height as number) < 0 || (width as number) < 0) throw new RleError(`${field}.size`, `bad RLE size ${short(size)}`);
  const h = height as number;
  const w = width as number;
  const at = `${field}.size [${h},${w}]`;
  if (opts.frame && (w !== opts.frame.width || h !== opts.frame.height)) {
    const verb = w * h > opts.frame.width * opts.frame.height ? 'exceeds' : 'does not match';
    throw new DeclaredSizeError(at, `${verb} the image ${opts.frame.width}×${opts.frame.height}`);
  }
  const cap = opts.maxPixels ?? MAX_IMAGE_PIXELS;
  if (w * h > cap) throw new DeclaredSizeError(at, `exceeds the cap of ${cap} pixels`);
  return [h, w];
}

/**
 * Decode RLE into a row-major 0/1 mask. The declared size is checked against `opts.frame` and the pixel cap, and the
 * runs against height·width, before the mask is allocated; every failure is a RleError or a DeclaredSizeError.
 */
export function decodeRle(rle: CocoRle, opts: RleDecodeOptions = {}): BinaryMask {
  const field = opts.field ?? 'mask';
  const [height, width] = checkRleSize(rle, opts);
  const raw: unknown = (rle as { counts?: unknown }).counts;
  let counts: readonly unknown[];
  if (typeof raw === 'string') counts = countsFromString(raw, `${field}.counts`);
  else if (Array.isArray(raw)) counts = raw;
  else throw new RleError(`${field}.counts`, `expected a string or a list of runs, got ${short(raw)}`);
  const n = height * width;
  let total = 0;
  for (const c of counts) {
    if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 0) throw new RleError(`${field}.counts`, `bad RLE run ${short(c)}`);
    total += c;
    if (total > n) throw new RleError(`${field}.counts`, `RLE runs cover more than ${width}×${height} pixels`);
  }
  if (total !== n) throw new RleError(`${field}.counts`, `RLE runs cover ${total} of ${n} pixels`);
  const data = opts.into && opts.into.length >= n ? opts.into.subarray(0, n).fill(0) : new Uint8Array(n);
  let j = 0;
  let v = 0;
  for (const run of counts as readonly number[]) {
    if (v === 1 && run > 0) {
      // Column-major index j → (x, y): the run covers column pieces, each a stride-`width` walk down one column.
      let x = Math.floor(j / height);
      let y = j - x * height;
      for (let left = run; left > 0; x++, y = 0) {
        const len = Math.min(left, height - y);
        for (let o = y * width + x, end = o + len * width; o < end; o += width) data[o] = 1;
        left -= len;
      }
    }
    j += run;
    v ^= 1;
  }
  return { width, height, data };
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
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

/** pycocotools `rleFrString`. Throws a RleError on characters outside the alphabet or a truncated final group. */
export function countsFromString(s: string, field = 'mask.counts'): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length) throw new RleError(field, 'truncated RLE string');
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new RleError(field, `bad RLE character ${JSON.stringify(s[p])} at ${p}`);
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
