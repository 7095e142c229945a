import { readRaw } from './io';
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
 * Load a mask file as the 8-bit gray plane PySODMetrics users get from cv2.imread(path, IMREAD_GRAYSCALE).
 * Bit-exact for 8-bit PNG (gray, gray+alpha, RGB, RGBA, palette); JPEGs go through the same RGB rule, which differs from
 * libjpeg's luma-only decode by the codec's rounding.
 */
export async function loadMaskGray(path: string | Buffer): Promise<GrayImage> {
  return toGrayLikeCv2(await readRaw(path));
}
