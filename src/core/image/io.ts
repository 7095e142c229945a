import sharp from 'sharp';
import { MAX_IMAGE_PIXELS } from './limits';
import { readPngHeader } from './pngHeader';
import type { GrayImage, RgbImage } from './types';

/**
 * sharp over a file or buffer with the project's pixel cap. A PNG's IHDR is checked first, so the error names the
 * declared size (sharp's own "Input image exceeds pixel limit" names neither the file nor the size).
 */
function openImage(path: string | Buffer): ReturnType<typeof sharp> {
  if (typeof path !== 'string') readPngHeader(path);
  return sharp(path, { limitInputPixels: MAX_IMAGE_PIXELS });
}

/** Prefix an error with the file it came from. */
function named(path: string | Buffer): (e: unknown) => never {
  return (e: unknown) => {
    if (typeof path === 'string' && e instanceof Error && !e.message.startsWith(path)) e.message = `${path}: ${e.message}`;
    throw e;
  };
}

/** Decode any image sharp reads into 8-bit RGB (alpha dropped, EXIF orientation not applied: pixels as stored). */
export async function readRgb(path: string | Buffer): Promise<RgbImage> {
  const { data, info } = await openImage(path).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true }).catch(named(path));
  if (info.channels === 3) return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // Greyscale sources come back with one channel: spread it.
  const n = info.width * info.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = data[i * info.channels]!;
  return { width: info.width, height: info.height, data: out };
}

/** Decode an image as stored into its raw channels (1, 2, 3 or 4) without colour conversion. */
export async function readRaw(path: string | Buffer): Promise<{ width: number; height: number; channels: number; data: Uint8Array }> {
  const { data, info } = await openImage(path).raw().toBuffer({ resolveWithObject: true }).catch(named(path));
  return { width: info.width, height: info.height, channels: info.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** Encode a single-channel raster as PNG. */
export async function encodeGrayPng(img: GrayImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** Encode an RGB raster as PNG or JPEG. */
export async function encodeRgb(img: RgbImage, format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const s = sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 3 } });
  return format === 'png' ? s.png({ compressionLevel: 6 }).toBuffer() : s.jpeg({ quality: 90 }).toBuffer();
}
