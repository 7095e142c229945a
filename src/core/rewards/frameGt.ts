import type { BinaryMask, GrayImage } from '../image/types';
import { binarySmeasureGt, type BinaryQuadrantCounts, type BinarySmeasureGt } from '../metrics/smeasure';
import { SEGR1_REWARD_SIDE, segr1GtMask, type Overlap } from './masks';

/**
 * A GT in Seg-R1's reward frame with everything the segment reward reads of it: the `> 127` mask, its area and the
 * S-measure's centroid cut and per-quadrant foreground. A run scores every rollout of a group, and every step, against
 * the same GT, so this is derived once per GT image instead of once per rollout.
 */
export interface FrameGt {
  /** The GT mask in the reward frame (0/1). */
  readonly mask: BinaryMask;
  /** Foreground pixels of {@link mask}. */
  readonly area: number;
  /** What the S-measure needs of the GT (computed on first read). */
  readonly sm: BinarySmeasureGt;
}

/** A rollout's mask against a {@link FrameGt}: the IoU's counts and the S-measure's quadrant counts, from one pass. */
export interface FrameOverlap {
  readonly overlap: Overlap;
  readonly quadrants: BinaryQuadrantCounts;
}

/**
 * Derived GTs by the GrayImage they came from. Weak: an entry lives as long as its GT does (replay's byte-bounded GT
 * cache, a panel's current rollout), so this adds no bound of its own. GTs are never written after decoding.
 */
const derived = new WeakMap<GrayImage, FrameGt>();

/** The reward-frame GT of `gt` (any size; resized as grpo.py does), derived on first use and then reused. */
export function frameGt(gt: GrayImage, side = SEGR1_REWARD_SIDE): FrameGt {
  const hit = derived.get(gt);
  if (hit && hit.mask.width === side && hit.mask.height === side) return hit;
  const mask = segr1GtMask(gt, side);
  let area = 0;
  for (let i = 0; i < mask.data.length; i++) area += mask.data[i]!;
  let sm: BinarySmeasureGt | undefined;
  // The S-measure statistics only when a set asks for them (the as-trained set never does).
  const d: FrameGt = {
    mask,
    area,
    get sm() {
      return (sm ??= binarySmeasureGt(mask.data, side, side));
    },
  };
  derived.set(gt, d);
  return d;
}

/**
 * Overlap of a predicted mask (non-zero is foreground) with a reward-frame GT, split at the GT's S-measure centroid:
 * the same counts as `overlap()`, plus per-quadrant pred and pred ∧ GT pixels. `split` false: the IoU's counts only
 * (every pixel in the first quadrant; the centroid is never derived). Throws when sizes differ.
 */
export function frameOverlap(pred: BinaryMask, gt: FrameGt, split = true): FrameOverlap {
  const { width: w, height: h } = gt.mask;
  if (pred.width !== w || pred.height !== h) throw new Error(`mask is ${pred.width}×${pred.height} but the reward frame is ${w}×${h}`);
  const p = pred.data;
  const g = gt.mask.data;
  // An empty GT has no centroid: everything counts in the first quadrant, which nothing reads then.
  const cut = split && gt.area > 0 ? gt.sm : undefined;
  const xSplit = cut ? Math.min(cut.cx, w) : w;
  const cy = cut ? cut.cy : h;
  const pred4 = [0, 0, 0, 0];
  const inter4 = [0, 0, 0, 0];
  // Masks are 0/1 bytes, so four pixels at a time: bytes of a word summed by a multiply. Any other non-zero byte
  // (a 0/255 mask) takes the byte-wise path, which reads non-zero as foreground.
  const words = wordsOf(p);
  const gw = wordsOf(g);
  const quick = words !== undefined && gw !== undefined;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const q = y < cy ? 0 : 2;
    const left = quick ? countWords(p, g, words, gw, row, row + xSplit) : countBytes(p, g, row, row + xSplit);
    const right = quick ? countWords(p, g, words, gw, row + xSplit, row + w) : countBytes(p, g, row + xSplit, row + w);
    if (left < 0 || right < 0) return frameOverlapBytes(pred, gt, xSplit, cy);
    addPacked(pred4, inter4, q, left);
    addPacked(pred4, inter4, q + 1, right);
  }
  return finishOverlap(gt, pred4, inter4);
}

/** Counts of one span packed as pred + SHIFT · (pred ∧ GT); a row holds far fewer than SHIFT pixels. */
const SHIFT = 2 ** 26;

/** Add a packed span count to quadrant q. */
function addPacked(pred4: number[], inter4: number[], q: number, packed: number): void {
  pred4[q] = pred4[q]! + (packed % SHIFT);
  inter4[q] = inter4[q]! + Math.floor(packed / SHIFT);
}

/** A Uint32Array over a byte array's whole words, or undefined when its offset is not word-aligned. */
function wordsOf(a: Uint8Array): Uint32Array | undefined {
  return a.byteOffset % 4 === 0 ? new Uint32Array(a.buffer, a.byteOffset, a.length >>> 2) : undefined;
}

/** Span [from, to) counted byte by byte (non-zero pred is foreground), packed as in {@link SHIFT}. */
function countBytes(p: Uint8Array, g: Uint8Array, from: number, to: number): number {
  let pc = 0;
  let ic = 0;
  for (let i = from; i < to; i++) {
    // Branch-free: (-v) >>> 31 is 1 for any non-zero byte; the GT is 0/1.
    const v = -p[i]! >>> 31;
    pc += v;
    ic += v & g[i]!;
  }
  return pc + SHIFT * ic;
}

/** Span [from, to) four bytes at a time between its unaligned ends (counted bytewise); −1 when a pred byte there is not 0/1. */
function countWords(p: Uint8Array, g: Uint8Array, pw: Uint32Array, gw: Uint32Array, from: number, to: number): number {
  const a = Math.min(to, (from + 3) & ~3);
  const b = Math.max(a, to & ~3);
  const packed = countBytes(p, g, from, a) + countBytes(p, g, b, to);
  let pc = 0;
  let ic = 0;
  let seen = 0;
  for (let k = a >>> 2, end = b >>> 2; k < end; k++) {
    const x = pw[k]!;
    seen |= x;
    pc += Math.imul(x, 0x01010101) >>> 24;
    ic += Math.imul(x & gw[k]!, 0x01010101) >>> 24;
  }
  if ((seen & 0xfefefefe) !== 0) return -1;
  return packed + pc + SHIFT * ic;
}

/** {@link frameOverlap} byte by byte, for masks with bytes other than 0/1. */
function frameOverlapBytes(pred: BinaryMask, gt: FrameGt, xSplit: number, cy: number): FrameOverlap {
  const { width: w, height: h } = gt.mask;
  const pred4 = [0, 0, 0, 0];
  const inter4 = [0, 0, 0, 0];
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const q = y < cy ? 0 : 2;
    addPacked(pred4, inter4, q, countBytes(pred.data, gt.mask.data, row, row + xSplit));
    addPacked(pred4, inter4, q + 1, countBytes(pred.data, gt.mask.data, row + xSplit, row + w));
  }
  return finishOverlap(gt, pred4, inter4);
}

function finishOverlap(gt: FrameGt, pred4: readonly number[], inter4: readonly number[]): FrameOverlap {
  const [p0 = 0, p1 = 0, p2 = 0, p3 = 0] = pred4;
  const [i0 = 0, i1 = 0, i2 = 0, i3 = 0] = inter4;
  const predArea = p0 + p1 + p2 + p3;
  const intersection = i0 + i1 + i2 + i3;
  return {
    overlap: { intersection, union: predArea + gt.area - intersection, predArea, gtArea: gt.area },
    quadrants: { pred: [p0, p1, p2, p3], inter: [i0, i1, i2, i3] },
  };
}
