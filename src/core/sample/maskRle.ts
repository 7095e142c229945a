import type { BinaryMask } from '../image/types';
import type { CocoRle } from '../logs/rollout';

/**
 * COCO run-length encoding with raw (uncompressed) counts: column-major runs starting with a zero run,
 * `size` = [height, width] as pycocotools writes it.
 */
export function encodeRawRle(mask: BinaryMask): CocoRle {
  const { width, height, data } = mask;
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) {
      const v = data[y * width + x] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}
