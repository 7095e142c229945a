import type { GrayImage } from '../image/types';
import { foregroundBox } from '../geometry/foregroundBox';
import { IOU_GT_THRESHOLD } from '../metrics/iou';
import { featureTransform } from '../metrics/edt';
import type { PromptBox, PromptPoint, SegmentPrompt } from '../segment/segmenter';

/**
 * Oracle prompts of one GT mask: the prompts an ideal policy would write, so that segmenting them shows the
 * segmenter's ceiling on that image. Everything is in original pixels, as integer pixel indices (x = column,
 * y = row), and derived from the GT binarised as the project's IoU binarises it (> 127).
 *
 * Conventions (chosen, documented, tested):
 * - `box` is inclusive: x1/y1 the first GT column/row, x2/y2 the last (what `np.where`-derived GT boxes hold).
 * - The distance transform (EDT) of the GT is the Euclidean distance of each GT pixel to the nearest background
 *   pixel, the outside of the image counting as background (as RITM/SAM click simulation pads the mask with
 *   zeros), so a GT touching the border has its interior point away from the border and a full-image GT has one.
 * - Ties are broken by the first pixel in row-major order.
 */

/** The three oracle prompt sets, by name. */
export const ORACLE_KINDS = ['box', 'box+point', 'box+points'] as const;

/** Name of one oracle prompt set. */
export type OracleKind = (typeof ORACLE_KINDS)[number];

/** Largest GT box (pixels) the oracle is derived for: the EDTs hold 12 bytes per box pixel (32 MP ≈ 400 MB). */
export const ORACLE_MAX_BOX_PIXELS = 32 * 1024 * 1024;

/** What the oracle prompts are built from. */
export interface OraclePrompts {
  /** Tight inclusive box of the GT. */
  readonly box: PromptBox;
  /** The GT's most interior pixel (EDT maximum). */
  readonly interior: PromptPoint;
  /** Positive points of `box+points`: the interior pixel, then the highest-EDT GT pixel ≥ diag/8 from it (when one exists). */
  readonly positives: readonly PromptPoint[];
  /** Negative point of `box+points`: the background pixel in the box farthest from the GT; absent when the box has no background. */
  readonly negative?: PromptPoint;
  /** EDT (distance to background) at `interior`, pixels. */
  readonly interiorDistance: number;
}

/** Why no oracle was derived for a GT. */
export type NoOracle = { readonly reason: 'empty' } | { readonly reason: 'too-large'; readonly boxPixels: number };

/** The oracle prompts of a GT mask, or why there are none (an empty GT has no oracle: there is nothing to prompt). */
export function deriveOraclePrompts(gt: GrayImage): OraclePrompts | NoOracle {
  const box = tightBox(gt);
  if (!box) return { reason: 'empty' };
  const bw = box.x2 - box.x1 + 1;
  const bh = box.y2 - box.y1 + 1;
  const boxPixels = bw * bh;
  if (boxPixels > ORACLE_MAX_BOX_PIXELS) return { reason: 'too-large', boxPixels };

  // Interior distances on the box plus a one-pixel ring. The ring is all background (outside the tight box, or
  // outside the image, which counts as background), and any background pixel beyond it is at least as far from a
  // box pixel as the ring pixel on the way, so the cropped transform is the full image's, exactly.
  const cw = bw + 2;
  const ch = bh + 2;
  const background = new Uint8Array(cw * ch).fill(1);
  const inGt = new Uint8Array(bw * bh);
  for (let y = 0; y < bh; y++) {
    const src = (box.y1 + y) * gt.width + box.x1;
    for (let x = 0; x < bw; x++) {
      if (gt.data[src + x]! > IOU_GT_THRESHOLD) {
        inGt[y * bw + x] = 1;
        background[(y + 1) * cw + x + 1] = 0;
      }
    }
  }
  const toBg = featureTransform(background, cw, ch).dist2;
  const d2At = (x: number, y: number): number => toBg[(y + 1) * cw + x + 1]!;

  // First point: highest EDT, first in row-major order (strict > keeps the first).
  let best = -1;
  let bx = 0;
  let by = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      if (!inGt[y * bw + x]) continue;
      const d = d2At(x, y);
      if (d > best) {
        best = d;
        bx = x;
        by = y;
      }
    }
  }
  // Second point: highest EDT among GT pixels at distance ≥ diag/8 from the first; squared and scaled by 64 to
  // stay in integers: 64·d² ≥ diag² with diag² = bw² + bh² (the box's pixel extent).
  const diag2 = bw * bw + bh * bh;
  let second = -1;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      if (!inGt[y * bw + x]) continue;
      const dx = x - bx;
      const dy = y - by;
      if (64 * (dx * dx + dy * dy) < diag2) continue;
      const d = d2At(x, y);
      if (d > second) {
        second = d;
        sx = x;
        sy = y;
      }
    }
  }
  const interior: PromptPoint = { x: box.x1 + bx, y: box.y1 + by, label: 1 };
  const positives: PromptPoint[] = [interior];
  if (second > 0) positives.push({ x: box.x1 + sx, y: box.y1 + sy, label: 1 });

  // Negative point: the background pixel inside the box with the largest distance to the GT. The nearest GT
  // pixel always lies inside the box, so the transform on the box alone is exact.
  let far = -1;
  let nx = 0;
  let ny = 0;
  if (inGt.some((v) => v === 0)) {
    const toGt = featureTransform(inGt, bw, bh).dist2;
    for (let i = 0; i < inGt.length; i++) {
      if (inGt[i] || toGt[i]! <= far) continue;
      far = toGt[i]!;
      nx = i % bw;
      ny = (i - nx) / bw;
    }
  }
  return {
    box,
    interior,
    positives,
    ...(far > 0 ? { negative: { x: box.x1 + nx, y: box.y1 + ny, label: 0 as const } } : {}),
    interiorDistance: Math.sqrt(best),
  };
}

/** True when {@link deriveOraclePrompts} found prompts. */
export function hasOracle(r: OraclePrompts | NoOracle): r is OraclePrompts {
  return !('reason' in r);
}

/** The decoder prompt of one oracle prompt set (original pixels). */
export function oraclePrompt(p: OraclePrompts, kind: OracleKind): SegmentPrompt {
  switch (kind) {
    case 'box':
      return { box: p.box, points: [] };
    case 'box+point':
      return { box: p.box, points: [p.interior] };
    case 'box+points':
      return { box: p.box, points: p.negative ? [...p.positives, p.negative] : [...p.positives] };
  }
}

/** The tight inclusive box of the GT's foreground (> 127), or undefined when it has none. */
export function tightBox(gt: GrayImage): PromptBox | undefined {
  return foregroundBox(gt, IOU_GT_THRESHOLD);
}
