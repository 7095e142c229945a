import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { readRaw } from './io';
import { pngLayout } from './pngRows';
import type { GrayImage } from './types';

/**
 * libpng's rgb_to_gray as cv2.imread(..., IMREAD_GRAYSCALE) applies it to colour PNGs (not cvtColor's rounding):
 * grey pixels pass through, others get (9797·R + 19234·G + 3737·B) >> 15. Alpha is stripped, never composited.
 */
export function rgbToGrayLibpng(r: number, g: number, b: number): number {
  return r === g && g === b ? r : (9797 * r + 19234 * g + 3737 * b) >> 15;
}

/** A decoded raster as stored: 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) interleaved 8-bit channels. */
export interface RawRaster {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Interleaved channels per pixel. */
  readonly channels: number;
  /** width · height · channels bytes. */
  readonly data: Uint8Array;
}

/** Reduce a decoded 8-bit raster to one gray plane exactly as OpenCV's PNG reader does for IMREAD_GRAYSCALE. */
export function toGrayLikeCv2(raw: RawRaster): GrayImage {
  const { width, height, channels, data } = raw;
  const n = width * height;
  if (channels < 1 || channels > 4) throw new RangeError(`unsupported channel count ${channels}`);
  if (data.length !== n * channels) throw new RangeError(`expected ${n * channels} bytes of 8-bit data, got ${data.length} (16-bit images are not supported)`);
  if (channels === 1) return { width, height, data };
  const out = new Uint8Array(n);
  if (channels === 2) {
    for (let i = 0; i < n; i++) out[i] = data[2 * i]!;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += channels) out[i] = rgbToGrayLibpng(data[j]!, data[j + 1]!, data[j + 2]!);
  }
  return { width, height, data: out };
}


/**
 * Decode an 8-bit, non-interlaced PNG straight to the cv2 IMREAD_GRAYSCALE plane: inflate, unfilter, then libpng's
 * palette expansion / alpha strip / rgb_to_gray. Returns undefined for anything else (other bit depths, interlacing,
 * not a PNG), which the caller hands to sharp. Masks are small and numerous, and sharp's per-call pipeline set-up
 * costs more than the decode itself.
 */
export function decodePngGray(buf: Uint8Array): GrayImage | undefined {
  // The chunk walk shared with the row-streaming decoder; it checks the declared size against the pixel cap before
  // anything is inflated or allocated.
  const layout = pngLayout(buf);
  if (!layout) return undefined;
  const { width, height, colorType } = layout.header;
  const { channels, palette } = layout;
  if (width === 0 || height === 0) return undefined;
  const idat = layout.idat;
  const stride = width * channels;
  let raw: Buffer;
  try {
    // Inflate no further than the declared rows need: a deflate bomb stops there.
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat), { maxOutputLength: height * (stride + 1) });
  } catch {
    return undefined;
  }
  if (raw.length < height * (stride + 1)) return undefined;
  const px = unfilter(raw, width, height, channels);
  if (!px) return undefined;
  const n = width * height;
  if (channels === 1 && colorType === 0) return { width, height, data: px };
  const out = new Uint8Array(n);
  if (colorType === 3) {
    const pal = palette!;
    for (let i = 0; i < n; i++) {
      const k = px[i]! * 3;
      // An index past the palette reads as black, as libpng does after its warning.
      out[i] = k + 2 < pal.length ? rgbToGrayLibpng(pal[k]!, pal[k + 1]!, pal[k + 2]!) : 0;
    }
  } else if (channels === 2) {
    for (let i = 0; i < n; i++) out[i] = px[2 * i]!;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += channels) out[i] = rgbToGrayLibpng(px[j]!, px[j + 1]!, px[j + 2]!);
  }
  return { width, height, data: out };
}

/** Undo PNG's per-row filters (None, Sub, Up, Average, Paeth) for 8-bit samples; undefined on a bad filter byte. */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array | undefined {
  const stride = width * bpp;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const up = dst - stride;
    switch (f) {
      case 0:
        out.set(raw.subarray(src, src + stride), dst);
        break;
      case 1:
        for (let x = 0; x < stride; x++) out[dst + x] = (raw[src + x]! + (x >= bpp ? out[dst + x - bpp]! : 0)) & 255;
        break;
      case 2:
        for (let x = 0; x < stride; x++) out[dst + x] = (raw[src + x]! + (y > 0 ? out[up + x]! : 0)) & 255;
        break;
      case 3:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[dst + x - bpp]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          out[dst + x] = (raw[src + x]! + ((a + b) >> 1)) & 255;
        }
        break;
      case 4:
        for (let x = 0; x < stride; x++) {
          const a = x >= bpp ? out[dst + x - bpp]! : 0;
          const b = y > 0 ? out[up + x]! : 0;
          const c = x >= bpp && y > 0 ? out[up + x - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          out[dst + x] = (raw[src + x]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
        }
        break;
      default:
        return undefined;
    }
  }
  return out;
}

/**
 * Load a mask file as the 8-bit gray plane PySODMetrics users get from cv2.imread(path, IMREAD_GRAYSCALE).
 * Bit-exact for 8-bit PNG (gray, gray+alpha, RGB, RGBA, palette); JPEGs go through the same RGB rule, which differs from
 * libjpeg's luma-only decode by the codec's rounding.
 */
export async function loadMaskGray(path: string | Buffer): Promise<GrayImage> {
  // A synchronous read: masks are tens of kilobytes, read by the thousand in the CLI and its workers (never on the
  // extension host), and an asynchronous one costs ~0.2 ms of CPU in thread-pool round trips, 5× the read itself.
  const bytes = typeof path === 'string' ? readFileSync(path) : path;
  try {
    return decodePngGray(bytes) ?? toGrayLikeCv2(await readRaw(bytes));
  } catch (e) {
    if (typeof path === 'string' && e instanceof Error && !e.message.startsWith(path)) e.message = `${path}: ${e.message}`;
    throw e;
  }
}
