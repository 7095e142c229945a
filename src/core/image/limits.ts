/**
 * Size caps every decoder checks a declared size against *before* it allocates. Logs, masks and images come from
 * training clusters and strangers' workspaces: a 148-byte line or a 300 KB PNG can declare gigabytes of pixels.
 */

/**
 * Most pixels any decoder accepts: 16383 × 16383, sharp's (libvips') own default `limitInputPixels`, so the project's
 * PNG path, its RLE decoder and sharp agree on one limit. The largest images in the supported datasets are DIS5K's
 * (about 6000 × 4000 = 24 MP), so this leaves an 11× margin for higher-resolution GTs, while one 8-bit plane at the
 * cap is 268 MB, the most any single input may cost (decoders that keep the image stream it into its frame instead).
 */
export const MAX_IMAGE_PIXELS = 0x3fff * 0x3fff;

/**
 * Largest image file the notebook inlines (bytes read before sharp decodes it). Datasets ship JPEG/PNG photos of a
 * few MB (DIS5K's largest are ~10 MB); 64 MB leaves room for uncompressed TIFF/BMP scans without reading a huge file.
 */
export const MAX_INLINE_IMAGE_BYTES = 64 * 1024 * 1024;

/** A declared size (image, mask, page) that exceeds its frame or a cap; thrown before anything is allocated. */
export class DeclaredSizeError extends Error {
  /** The field whose declared value was refused, e.g. `mask.size` or `IHDR`. */
  readonly field: string;

  /** `field` names what was declared; `message` says what it exceeds. */
  constructor(field: string, message: string) {
    super(`${field} ${message}`);
    this.name = 'DeclaredSizeError';
    this.field = field;
  }
}

/** Throw unless width × height are positive integers within `maxPixels`. */
export function checkPixels(field: string, width: number, height: number, maxPixels = MAX_IMAGE_PIXELS): void {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width <= 0 || height <= 0) throw new DeclaredSizeError(field, `${width}×${height} is not a positive integer size`);
  if (width * height > maxPixels) throw new DeclaredSizeError(field, `${width}×${height} exceeds the cap of ${maxPixels} pixels`);
}
