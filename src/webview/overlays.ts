import type { MaskPayload } from '../shared/protocol';
import { PALETTE } from './palette';

/** A mask resampled to the image raster (nearest neighbour: masks stay binary). */
export function resampleMask(m: MaskPayload, width: number, height: number): Uint8Array {
  if (m.width === width && m.height === height) return m.data;
  const out = new Uint8Array(width * height);
  const sx = m.width / width;
  const sy = m.height / height;
  for (let y = 0; y < height; y++) {
    const row = Math.min(m.height - 1, Math.floor((y + 0.5) * sy)) * m.width;
    for (let x = 0; x < width; x++) out[y * width + x] = m.data[row + Math.min(m.width - 1, Math.floor((x + 0.5) * sx))]!;
  }
  return out;
}

/** Pixel counts of the error map, shown beside the toggle. */
export interface ErrorCounts {
  readonly tp: number;
  readonly fp: number;
  readonly fn: number;
}

/** Paint a binary mask as an opaque RGBA layer (alpha applied at draw time). */
function layer(width: number, height: number, paint: (i: number, px: Uint8ClampedArray) => void): OffscreenCanvas | HTMLCanvasElement {
  const c = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(width, height) : Object.assign(document.createElement('canvas'), { width, height });
  const ctx = c.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;
  const img = ctx.createImageData(width, height);
  const px = img.data;
  for (let i = 0; i < width * height; i++) paint(i, px);
  ctx.putImageData(img, 0, 0);
  return c;
}

/** Fill layer for a mask. */
export function fillLayer(mask: Uint8Array, width: number, height: number, rgb: readonly [number, number, number]) {
  return layer(width, height, (i, px) => {
    if (!mask[i]) return;
    px[4 * i] = rgb[0];
    px[4 * i + 1] = rgb[1];
    px[4 * i + 2] = rgb[2];
    px[4 * i + 3] = 255;
  });
}

/**
 * Contour layer: mask pixels with a 4-neighbour outside the mask, thickened so it survives zooming out; with `halo`,
 * a one-pixel band of that colour around the line so it reads on any image.
 */
export function contourLayer(mask: Uint8Array, width: number, height: number, rgb: readonly [number, number, number], halo?: readonly [number, number, number]) {
  const edge = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (!mask[i]) continue;
      if (x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width]) edge[i] = 1;
    }
  }
  const core = Math.max(1, Math.round(Math.max(width, height) / 400));
  // With a halo the band is one pixel wider: 2 = line, 1 = halo (the line wins where both reach).
  const r = halo ? core + 1 : core;
  const thick = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!edge[y * width + x]) continue;
      for (let dy = -r; dy <= r; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= height) continue;
        for (let dx = -r; dx <= r; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= width) continue;
          const inner = !halo || (Math.abs(dx) <= core && Math.abs(dy) <= core);
          const k = yy * width + xx;
          thick[k] = Math.max(thick[k]!, inner ? 2 : 1);
        }
      }
    }
  }
  if (!halo) return fillLayer(thick, width, height, rgb);
  return layer(width, height, (i, px) => {
    const v = thick[i]!;
    if (!v) return;
    const c = v === 2 ? rgb : halo;
    px[4 * i] = c[0];
    px[4 * i + 1] = c[1];
    px[4 * i + 2] = c[2];
    px[4 * i + 3] = 255;
  });
}

/** TP / FP / FN layer and its counts; true negatives stay transparent. */
export function errorLayer(pred: Uint8Array, gt: Uint8Array, width: number, height: number) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const canvas = layer(width, height, (i, px) => {
    const p = pred[i];
    const g = gt[i];
    let rgb: readonly [number, number, number] | undefined;
    if (p && g) {
      tp++;
      rgb = PALETTE.tp;
    } else if (p) {
      fp++;
      rgb = PALETTE.fp;
    } else if (g) {
      fn++;
      rgb = PALETTE.fn;
    }
    if (!rgb) return;
    px[4 * i] = rgb[0];
    px[4 * i + 1] = rgb[1];
    px[4 * i + 2] = rgb[2];
    px[4 * i + 3] = 255;
  });
  return { canvas, counts: { tp, fp, fn } as ErrorCounts };
}
