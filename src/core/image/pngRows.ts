import { createInflate } from 'node:zlib';
import { readPngHeader, type PngHeader } from './pngHeader';

/** Channels per PNG colour type (8-bit): gray, RGB, palette index, gray+alpha, RGBA. */
export const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A PNG laid out for row streaming: its header, palette and compressed data. */
export interface PngLayout {
  readonly header: PngHeader;
  /** Interleaved 8-bit channels per pixel. */
  readonly channels: number;
  /** PLTE entries (RGB triples) for colour type 3. */
  readonly palette?: Uint8Array;
  /** Whether the file embeds an ICC profile (sharp would colour-manage it). */
  readonly iccProfile: boolean;
  readonly idat: readonly Uint8Array[];
}

/**
 * Walk the chunks of an 8-bit, non-interlaced PNG. Undefined for anything else (other depths, interlacing, broken
 * chunks, not a PNG); a declared size beyond the pixel cap throws (see {@link readPngHeader}).
 */
export function pngLayout(buf: Uint8Array, field = 'IHDR'): PngLayout | undefined {
  const header = readPngHeader(buf, field);
  if (!header) return undefined;
  const channels = PNG_CHANNELS[header.colorType];
  if (header.bitDepth !== 8 || header.interlace !== 0 || channels === undefined) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let palette: Uint8Array | undefined;
  let iccProfile = false;
  const idat: Uint8Array[] = [];
  for (let off = 8; off + 8 <= buf.length; ) {
    const len = view.getUint32(off);
    const type = String.fromCharCode(buf[off + 4]!, buf[off + 5]!, buf[off + 6]!, buf[off + 7]!);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (data.length !== len) return undefined;
    if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'iCCP') iccProfile = true;
    else if (type === 'IEND') break;
    off += 12 + len;
  }
  if (idat.length === 0 || (header.colorType === 3 && !palette)) return undefined;
  return { header, channels, ...(palette ? { palette } : {}), iccProfile, idat };
}

/**
 * Inflate and unfilter a PNG row by row: memory is two rows, whatever the declared size. `onRow` gets each row's
 * interleaved 8-bit samples (a view reused for the next row). Resolves false when the data is short or a filter byte
 * is bad (the caller falls back to a full decoder, which reports the error); inflated bytes past the last row are ignored.
 */
export async function streamPngRows(layout: PngLayout, onRow: (row: Uint8Array, y: number) => void): Promise<boolean> {
  const { width, height } = layout.header;
  const bpp = layout.channels;
  const stride = width * bpp;
  let prev = new Uint8Array(stride);
  let cur = new Uint8Array(stride);
  let y = 0;
  let x = -1; // -1: the filter byte comes next
  let filter = 0;
  let bad = false;
  const inflater = createInflate({ chunkSize: 1 << 20 });
  const done = new Promise<void>((resolve, reject) => {
    inflater.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length && y < height && !bad; ) {
        if (x < 0) {
          filter = chunk[i++]!;
          if (filter > 4) bad = true;
          x = 0;
          continue;
        }
        const n = Math.min(stride - x, chunk.length - i);
        unfilterSpan(chunk, i, n, { cur, prev, x, bpp, filter, first: y === 0 });
        i += n;
        x += n;
        if (x === stride) {
          onRow(cur, y);
          [prev, cur] = [cur, prev];
          y++;
          x = -1;
        }
      }
      if (bad || y >= height) inflater.destroy();
    });
    inflater.on('close', resolve);
    inflater.on('end', resolve);
    inflater.on('error', (e) => (y >= height || bad ? resolve() : reject(e)));
  });
  for (const part of layout.idat) {
    if (inflater.destroyed) break;
    inflater.write(part);
  }
  if (!inflater.destroyed) inflater.end();
  try {
    await done;
  } catch {
    return false;
  }
  return !bad && y === height;
}

/** Where a span of filtered bytes goes. */
interface Span {
  readonly cur: Uint8Array;
  readonly prev: Uint8Array;
  readonly x: number;
  readonly bpp: number;
  readonly filter: number;
  readonly first: boolean;
}

/** Undo one PNG filter (None, Sub, Up, Average, Paeth) over `n` bytes of a row starting at column byte `s.x`. */
function unfilterSpan(src: Uint8Array, at: number, n: number, s: Span): void {
  const { cur, prev, bpp, filter, first } = s;
  const x0 = s.x;
  const end = x0 + n;
  // One tight loop per filter: this runs once per byte of the image.
  switch (filter) {
    case 0:
      cur.set(src.subarray(at, at + n), x0);
      return;
    case 1:
      for (let x = x0; x < end; x++) cur[x] = (src[at + x - x0]! + (x >= bpp ? cur[x - bpp]! : 0)) & 255;
      return;
    case 2:
      if (first) cur.set(src.subarray(at, at + n), x0);
      else for (let x = x0; x < end; x++) cur[x] = (src[at + x - x0]! + prev[x]!) & 255;
      return;
    case 3:
      for (let x = x0; x < end; x++) cur[x] = (src[at + x - x0]! + (((x >= bpp ? cur[x - bpp]! : 0) + (first ? 0 : prev[x]!)) >> 1)) & 255;
      return;
    default:
      for (let x = x0; x < end; x++) {
        const a = x >= bpp ? cur[x - bpp]! : 0;
        const b = first ? 0 : prev[x]!;
        const c = x >= bpp && !first ? prev[x - bpp]! : 0;
        const p = a + b - c;
        const pa = p > a ? p - a : a - p;
        const pb = p > b ? p - b : b - p;
        const pc = p > c ? p - c : c - p;
        cur[x] = (src[at + x - x0]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
  }
}
