import { readRaw } from '../image/io';
import type { GrayImage } from '../image/types';

/**
 * A GT mask file as grpo.py reads it: `PIL.Image.open(path).convert("L")`. Grey stays as is (alpha dropped);
 * colour goes through PIL's ITU-R 601-2 luma in its fixed-point form (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16.
 */
export async function loadGtPilL(path: string | Buffer): Promise<GrayImage> {
  const raw = await readRaw(path);
  const n = raw.width * raw.height;
  const data = new Uint8Array(n);
  const c = raw.channels;
  const d = raw.data;
  if (c <= 2) for (let i = 0; i < n; i++) data[i] = d[i * c]!;
  else for (let i = 0; i < n; i++) data[i] = (d[i * c]! * 19595 + d[i * c + 1]! * 38470 + d[i * c + 2]! * 7471 + 0x8000) >> 16;
  return { width: raw.width, height: raw.height, data };
}
