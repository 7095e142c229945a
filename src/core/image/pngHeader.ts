import { checkPixels } from './limits';

/** The PNG file signature. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** What a PNG's IHDR declares. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlace: number;
}

/** Whether the bytes start with the PNG signature. */
export function isPng(buf: Uint8Array): boolean {
  return buf.length >= 8 && PNG_SIGNATURE.every((b, i) => buf[i] === b);
}

/**
 * Read a PNG's IHDR (the first chunk, by the spec) without decoding anything. Returns undefined when the bytes are
 * not a PNG or the IHDR is malformed (sharp reports those); throws a DeclaredSizeError naming `field` when the declared
 * width × height is zero or exceeds `maxPixels`, so no decoder allocates for it.
 */
export function readPngHeader(buf: Uint8Array, field = 'IHDR', maxPixels?: number): PngHeader | undefined {
  if (!isPng(buf) || buf.length < 33) return undefined;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (view.getUint32(8) !== 13 || String.fromCharCode(buf[12]!, buf[13]!, buf[14]!, buf[15]!) !== 'IHDR') return undefined;
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  checkPixels(field, width, height, maxPixels);
  return { width, height, bitDepth: buf[24]!, colorType: buf[25]!, interlace: buf[28]! };
}
