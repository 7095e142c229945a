import { readRgb } from './io';
import { resizeBilinearPil } from './resize';
import type { RgbImage } from './types';

/** Channel order of the pixels a segmenter receives. */
export type ChannelOrder = 'rgb' | 'bgr';

/**
 * An image as Seg-R1's trainer hands it to SAM2: squashed to side×side ignoring aspect with PIL bilinear
 * (`TF.resize(image, (768, 768))`), per channel, then written in `channels` order. Seg-R1 calls
 * `cv2.cvtColor(RGB, COLOR_BGR2RGB)` on an RGB array, so what SAM2 saw in training is `bgr`.
 */
export function squashToFrame(img: RgbImage, side: number, channels: ChannelOrder = 'bgr'): RgbImage {
  const n = img.width * img.height;
  const out = new Uint8Array(side * side * 3);
  const plane = new Uint8Array(n);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < n; i++) plane[i] = img.data[i * 3 + c]!;
    const r = resizeBilinearPil({ width: img.width, height: img.height, data: plane }, side, side);
    const dst = channels === 'bgr' ? 2 - c : c;
    for (let i = 0; i < side * side; i++) out[i * 3 + dst] = r.data[i]!;
  }
  return { width: side, height: side, data: out };
}

/** Read an image file and squash it to the model frame (see {@link squashToFrame}). */
export async function loadFrameImage(file: string, side: number, channels: ChannelOrder = 'bgr'): Promise<RgbImage> {
  return squashToFrame(await readRgb(file), side, channels);
}
