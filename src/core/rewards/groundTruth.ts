import { readFile } from 'node:fs/promises';
import { readRaw } from '../image/io';
import { pngLayout, streamPngRows, type PngLayout } from '../image/pngRows';
import { PilBilinearRows, resizeBilinearPil } from '../image/resize';
import type { GrayImage } from '../image/types';

/**
 * A GT mask file as grpo.py reads it: `PIL.Image.open(path).convert("L")`. Grey stays as is (alpha dropped);
 * colour goes through PIL's ITU-R 601-2 luma in its fixed-point form (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16.
 */
export async function loadGtPilL(path: string | Buffer): Promise<GrayImage> {
  const raw = await readRaw(path);
  const n = raw.width * raw.height;
  const data = new Uint8Array(n);
  toPilL(raw.data, raw.channels, n, data);
  return { width: raw.width, height: raw.height, data };
}

/** PIL's convert("L") over `n` interleaved pixels of `c` channels (palette already expanded). */
function toPilL(d: Uint8Array, c: number, n: number, out: Uint8Array): void {
  if (c <= 2) for (let i = 0; i < n; i++) out[i] = d[i * c]!;
  else for (let i = 0; i < n; i++) out[i] = (d[i * c]! * 19595 + d[i * c + 1]! * 38470 + d[i * c + 2]! * 7471 + 0x8000) >> 16;
}

/**
 * The GT as {@link loadGtPilL} reads it, resized to side×side with PIL bilinear (`TF.resize`, grpo.py's reward frame):
 * bit-identical to `resizeBilinearPil(await loadGtPilL(path), side, side)`, but an 8-bit PNG is streamed row by row
 * into the frame, so a 16000² GT costs the 768² result, not 256 MB. Other files are decoded whole (under the pixel cap).
 * Errors (a DeclaredSizeError for a size over the cap) do not repeat the path: the caller names the record's field.
 */
export async function loadGtInFrame(path: string, side: number): Promise<GrayImage> {
  const bytes = await readFile(path);
  const layout = pngLayout(bytes);
  // sharp colour-manages an embedded ICC profile; those files keep its decode so the values stay the same.
  if (layout && !layout.iccProfile) {
    const streamed = await streamGt(layout, side);
    if (streamed) return streamed;
  }
  const gt = await loadGtPilL(bytes);
  return gt.width === side && gt.height === side ? gt : resizeBilinearPil(gt, side, side);
}

/** Stream a PNG's rows through PIL's "L" conversion into the frame; undefined when the PNG needs the full decoder. */
async function streamGt(layout: PngLayout, side: number): Promise<GrayImage | undefined> {
  const { width, height, colorType } = layout.header;
  const resizer = new PilBilinearRows(width, height, side, side);
  const gray = new Uint8Array(width);
  const pal = layout.palette;
  let badIndex = false;
  const ok = await streamPngRows(layout, (row, y) => {
    if (colorType === 3) {
      // sharp expands the palette to RGB; an index past it is an error there, so leave those files to sharp.
      for (let i = 0; i < width; i++) {
        const k = row[i]! * 3;
        if (k + 2 >= pal!.length) {
          badIndex = true;
          return;
        }
        gray[i] = (pal![k]! * 19595 + pal![k + 1]! * 38470 + pal![k + 2]! * 7471 + 0x8000) >> 16;
      }
    } else toPilL(row, layout.channels, width, gray);
    if (!badIndex) resizer.push(gray, y);
  });
  return ok && !badIndex ? resizer.finish() : undefined;
}
