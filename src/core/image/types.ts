/** A single-channel 8-bit raster, row-major (index = y * width + x). */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** An 8-bit RGB raster, row-major, channels interleaved (length = width * height * 3). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** A binary mask: data holds 0 (background) or 1 (foreground), row-major. */
export interface BinaryMask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** Width and height of a raster or frame. */
export interface Size {
  readonly width: number;
  readonly height: number;
}
