import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeGrayPng } from '../../../src/core/image/io';
import { encodeRle } from '../../../src/core/image/rle';
import { tempDir } from '../tempDir';

/** A four-record workspace for the signal readers: a 768² GT, logged masks, one hostile GT path, one bad line. */

const SIDE = 768;

/** A 768² 0/255 image (or 0/1 mask) with the rectangle [x0, x1) × [y0, y1) set. */
function rect(x0: number, y0: number, x1: number, y1: number, on: number): { width: number; height: number; data: Uint8Array } {
  const data = new Uint8Array(SIDE * SIDE);
  for (let y = y0; y < y1; y++) data.fill(on, y * SIDE + x0, y * SIDE + x1);
  return { width: SIDE, height: SIDE, data };
}

const completion = (box: string, points: string, labels: string) => `<think>t</think> <bbox>${box}</bbox>, <points>${points}</points>, <labels>${labels}</labels>`;

/** A fresh copy of the workspace: its root and its log. */
export async function workspace(): Promise<{ root: string; log: string }> {
  const root = tempDir('segr1-signal-log-');
  // GT: the square [100, 300)²: tight box 200 × 200.
  writeFileSync(join(root, 'gt.png'), await encodeGrayPng(rect(100, 100, 300, 300, 255)));
  const base = { run: 'r', step: 1, model_frame: { width: SIDE, height: SIDE }, gt: 'gt.png', image: 'img.jpg' };
  const lines = [
    // The GT itself as the logged mask (IoU 1), a box of 200 × 200 (ratio 1), two points.
    JSON.stringify({ ...base, group: 'g', sample: 0, reward: 1, completion: completion('[100,100,300,300]', '[[150,150],[200,200]]', '[1,0]'), mask: encodeRle(rect(100, 100, 300, 300, 1)) }),
    // Half the GT (IoU 0.5), a box of 400 × 200 (ratio 2), three points.
    JSON.stringify({ ...base, group: 'g', sample: 1, reward: 0.5, completion: completion('[100,100,500,300]', '[[150,150],[200,200],[250,250]]', '[1,1,0]'), mask: encodeRle(rect(100, 100, 300, 200, 1)) }),
    'this line is not JSON',
    // A GT path that leaves the workspace: refused, named with its line and field; the rollout keeps its prompts.
    JSON.stringify({ ...base, group: 'h', sample: 0, reward: 0, gt: '../outside.png', completion: completion('[0,0,10,10]', '[[5,5]]', '[1]'), mask: encodeRle(rect(0, 0, 10, 10, 1)) }),
    // No answer the parser accepts: no points; no mask: no IoU.
    JSON.stringify({ ...base, group: 'h', sample: 1, reward: 0.2, completion: 'I cannot see anything.' }),
  ];
  const log = join(root, 'rollouts.jsonl');
  writeFileSync(log, lines.join('\n') + '\n');
  return { root, log };
}

