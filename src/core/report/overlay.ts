import sharp from 'sharp';
import type { ParsedAnswer } from '../completion/types';
import { modelToImage } from '../geometry/frames';
import { MAX_IMAGE_PIXELS } from '../image/limits';
import { resizeNearest } from '../image/resize';
import type { BinaryMask, GrayImage } from '../image/types';
import { loadGtPilL } from '../rewards/groundTruth';
import { PALETTE } from '../../shared/palette';
import { coord } from './html';

/**
 * A rollout's image for the report: downscaled so its longest side is at most `maxSide`, the logged mask tinted and
 * the GT outlined into the pixels (the panel's colours), JPEG-encoded as a `data:` URL; the prompt glyphs are drawn
 * as SVG over it (vectors stay sharp at any zoom). Coordinates go model frame → image pixels through the panel's
 * `modelToImage`, then × the downscale.
 */
export interface OverlayImage {
  readonly width: number;
  readonly height: number;
  readonly dataUrl: string;
  /** Glyph elements in the thumbnail's pixel space. */
  readonly glyphs: string;
}

/** Mask tint strength over the photo (the panel's mask layer alpha). */
const MASK_ALPHA = 0.45;

/** Build the overlay image; `mask` is in the reward frame (any size: stretched to the image, as the trainer squashed it). */
export async function overlayImage(o: { imagePath: string; gtPath?: string; mask?: BinaryMask; answer: ParsedAnswer; frame: { width: number; height: number }; maxSide: number }): Promise<OverlayImage> {
  const meta = await sharp(o.imagePath, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  if (!meta.width || !meta.height) throw new Error(`${o.imagePath}: not a readable image`);
  const original = { width: meta.width, height: meta.height };
  const s = Math.min(1, o.maxSide / Math.max(original.width, original.height));
  const width = Math.max(1, Math.round(original.width * s));
  const height = Math.max(1, Math.round(original.height * s));
  const rgb = await sharp(o.imagePath, { limitInputPixels: MAX_IMAGE_PIXELS }).rotate().resize(width, height, { fit: 'fill' }).removeAlpha().toColourspace('srgb').raw().toBuffer();
  const px = new Uint8Array(rgb.buffer, rgb.byteOffset, rgb.length);
  const n = width * height;
  if (o.mask) {
    const m = resizeNearest(o.mask as GrayImage, width, height);
    for (let i = 0; i < n; i++) {
      if (!m.data[i]) continue;
      for (let c = 0; c < 3; c++) px[i * 3 + c] = Math.round(px[i * 3 + c]! * (1 - MASK_ALPHA) + PALETTE.mask[c]! * MASK_ALPHA);
    }
  }
  if (o.gtPath) drawOutline(px, width, height, resizeNearest(await loadGtPilL(o.gtPath), width, height));
  const jpeg = await sharp(Buffer.from(px.buffer, px.byteOffset, px.length), { raw: { width, height, channels: 3 } }).jpeg({ quality: 82 }).toBuffer();
  return { width, height, dataUrl: `data:image/jpeg;base64,${jpeg.toString('base64')}`, glyphs: glyphSvg(o.answer, o.frame, original, { width, height }) };
}

/** GT boundary (a foreground pixel with a background 4-neighbour) in white on a black halo, as the panel draws it. */
function drawOutline(px: Uint8Array, w: number, h: number, gt: GrayImage): void {
  const fg = (x: number, y: number) => x >= 0 && y >= 0 && x < w && y < h && gt.data[y * w + x]! > 127;
  const edge = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (fg(x, y) && (!fg(x - 1, y) || !fg(x + 1, y) || !fg(x, y - 1) || !fg(x, y + 1))) edge[y * w + x] = 1;
  const put = (i: number, c: readonly number[]) => {
    px[i * 3] = c[0]!;
    px[i * 3 + 1] = c[1]!;
    px[i * 3 + 2] = c[2]!;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!edge[y * w + x]) continue;
      for (const [dx, dy] of [[-1, 0], [1, 0], [0, -1], [0, 1]] as const) {
        const xx = x + dx;
        const yy = y + dy;
        if (xx >= 0 && yy >= 0 && xx < w && yy < h && !edge[yy * w + xx]) put(yy * w + xx, PALETTE.gtHalo);
      }
    }
  }
  for (let i = 0; i < w * h; i++) if (edge[i]) put(i, PALETTE.gt);
}

/** Boxes (dashed orange on a dark halo) and points (+ sky blue, − reddish purple, numbered), in thumbnail pixels. */
function glyphSvg(answer: ParsedAnswer, frame: { width: number; height: number }, original: { width: number; height: number }, thumb: { width: number; height: number }): string {
  const { width } = thumb;
  const at = (p: { x: number; y: number }) => {
    const q = modelToImage(p, frame, original);
    return { x: (q.x * thumb.width) / original.width, y: (q.y * thumb.height) / original.height };
  };
  const out: string[] = [];
  for (const b of answer.boxes) {
    const p1 = at({ x: b.x1, y: b.y1 });
    const p2 = at({ x: b.x2, y: b.y2 });
    const r = `x="${coord(Math.min(p1.x, p2.x))}" y="${coord(Math.min(p1.y, p2.y))}" width="${coord(Math.abs(p2.x - p1.x))}" height="${coord(Math.abs(p2.y - p1.y))}"`;
    out.push(`<rect class="glyph box" ${r} fill="none" stroke="rgba(0,0,0,0.7)" stroke-width="4" stroke-dasharray="6 3"/><rect ${r} fill="none" stroke="${PALETTE.box}" stroke-width="2" stroke-dasharray="6 3"/>`);
  }
  answer.points.forEach((p, k) => {
    const q = at(p);
    const x = coord(q.x);
    const y = coord(q.y);
    const label = p.unlabelled ? 'unlabelled' : p.label === 1 ? 'positive' : 'negative';
    const fill = p.unlabelled ? 'rgba(0,0,0,0.55)' : p.label === 1 ? PALETTE.positive : PALETTE.negative;
    const stroke = p.unlabelled ? PALETTE.unlabelled : '#ffffff';
    const sign = p.unlabelled ? `<text x="${x}" y="${y}" dy="3.5" text-anchor="middle" font-size="10" fill="#ffffff">?</text>` : `<path d="M${coord(q.x - 4)} ${y}H${coord(q.x + 4)}${p.label === 1 ? `M${x} ${coord(q.y - 4)}V${coord(q.y + 4)}` : ''}" stroke="#ffffff" stroke-width="2"/>`;
    out.push(`<g class="glyph point ${label}"><circle cx="${x}" cy="${y}" r="7" fill="${fill}" stroke="${stroke}" stroke-width="2"/>${sign}<text x="${coord(q.x + (q.x + 22 > width ? -13 : 13))}" y="${coord(Math.max(10, q.y - 6))}" text-anchor="middle" font-size="11" font-weight="600" fill="#ffffff" stroke="#000000" stroke-width="2.5" paint-order="stroke">${k + 1}</text></g>`);
  });
  return out.join('');
}
