/**
 * The panel's image view as a standalone SVG: the image embedded as a `data:` URL at its own pixel size, the mask and
 * error map as embedded raster layers, the GT outline as vector paths traced from the GT mask, the prompt glyphs as
 * vectors, and a caption band below with the run, step, group, rollout and a legend of what each colour means. The
 * PNG export is this SVG rasterised at 1 SVG unit = 1 image pixel, so both files show the same thing.
 */
import { contourPath, maskContours } from './maskContour';
import { PALETTE } from './palette';
import type { Glyph } from './protocol';

/** Which overlays were toggled on in the panel when exporting. */
export interface ExportToggles {
  readonly gt: boolean;
  readonly mask: boolean;
  readonly errors: boolean;
  readonly glyphs: boolean;
}

/** Everything the SVG shows; all coordinates are in original-image pixels. */
export interface ViewSvgInput {
  readonly width: number;
  readonly height: number;
  /** The image file as a `data:image/...;base64,` URL (absent: a neutral background). */
  readonly imageUrl?: string;
  /** Mask fill as a `data:image/png` URL of an opaque layer; drawn at `opacity`. */
  readonly maskUrl?: string;
  /** Error map (TP/FP/FN) as a `data:image/png` URL. */
  readonly errorsUrl?: string;
  /** GT mask at the image's size (0/1), traced into vector outlines. */
  readonly gt?: Uint8Array;
  readonly glyphs: readonly Glyph[];
  readonly toggles: ExportToggles;
  readonly opacity: number;
  /** Caption lines: the view title (`run · step · group · rollout`) and details; text from the log, escaped here. */
  readonly title: string;
  readonly details?: readonly string[];
}

/** One legend entry: a colour, how it is drawn, and its meaning. */
export interface LegendEntry {
  readonly label: string;
  readonly colour: string;
  readonly kind: 'fill' | 'outline' | 'point' | 'box';
}

const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;
const DATA_IMAGE = /^data:image\/(png|jpeg|webp|gif|bmp);base64,[A-Za-z0-9+/]*={0,2}$/;

/** Escape text for SVG/XML character data and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Only base64 image data URLs are embedded: anything else (a remote URL, `javascript:`) is refused. */
function imageHref(url: string | undefined, what: string): string | undefined {
  if (url === undefined) return undefined;
  if (!DATA_IMAGE.test(url)) throw new Error(`${what}: expected a base64 data:image URL`);
  return url;
}

/** What the colours on the exported image mean, for the overlays that are on and present. */
export function legendEntries(input: Pick<ViewSvgInput, 'toggles' | 'glyphs' | 'maskUrl' | 'errorsUrl' | 'gt'>): LegendEntry[] {
  const out: LegendEntry[] = [];
  const t = input.toggles;
  if (t.glyphs && input.glyphs.some((g) => g.kind === 'point' && !g.unlabelled && g.label === 1)) out.push({ label: '+ point', colour: PALETTE.positive, kind: 'point' });
  if (t.glyphs && input.glyphs.some((g) => g.kind === 'point' && !g.unlabelled && g.label === 0)) out.push({ label: '− point', colour: PALETTE.negative, kind: 'point' });
  if (t.glyphs && input.glyphs.some((g) => g.kind === 'point' && g.unlabelled)) out.push({ label: '? point: no label', colour: PALETTE.unlabelled, kind: 'point' });
  if (t.glyphs && input.glyphs.some((g) => g.kind === 'box')) out.push({ label: 'box', colour: PALETTE.box, kind: 'box' });
  if (t.mask && input.maskUrl) out.push({ label: 'predicted mask', colour: rgb(PALETTE.mask), kind: 'fill' });
  if (t.gt && input.gt) out.push({ label: 'GT outline', colour: rgb(PALETTE.gt), kind: 'outline' });
  if (t.errors && input.errorsUrl) {
    out.push({ label: 'TP', colour: rgb(PALETTE.tp), kind: 'fill' }, { label: 'FP', colour: rgb(PALETTE.fp), kind: 'fill' }, { label: 'FN', colour: rgb(PALETTE.fn), kind: 'fill' });
  }
  return out;
}

/** Glyph and text sizes for an image: readable at 100 % zoom whatever the resolution. */
export function exportScale(width: number, height: number): { unit: number; font: number; pad: number; line: number } {
  const unit = Math.max(1, Math.max(width, height) / 512);
  const font = Math.round(12 * unit);
  return { unit, font, pad: Math.round(font * 0.6), line: Math.round(font * 1.4) };
}

/** Text width estimate (SVG has no text metrics without a renderer): generous, so text is cut rather than clipped. */
const textWidth = (s: string, font: number) => [...s].length * font * 0.6;

/** Rows one caption text may wrap to. */
const TEXT_ROWS = 3;
/** Most caption rows: two texts of up to three rows each, and one legend entry per row at worst. */
const MAX_ROWS = 2 * TEXT_ROWS + 9;

/** Largest caption band for an image size: the host accepts a PNG `width × (height + 1 … height + this)`. */
export function maxCaptionBand(width: number, height: number): number {
  const { pad, line } = exportScale(width, height);
  return 2 * pad + MAX_ROWS * line;
}

/**
 * Wrap a caption text at its ` · ` separators into rows of at most `max` characters, at most {@link TEXT_ROWS} rows;
 * a part longer than a row is shortened in the middle, and what does not fit in the last row is cut with an ellipsis.
 */
function wrap(text: string, max: number): string[] {
  const rows: string[] = [];
  for (const part of text.split(' · ').map((p) => ellipsize(p, max))) {
    const last = rows[rows.length - 1];
    if (last !== undefined && [...last].length + 3 + [...part].length <= max) rows[rows.length - 1] = `${last} · ${part}`;
    else rows.push(part);
  }
  if (rows.length > TEXT_ROWS) rows.splice(TEXT_ROWS - 1, rows.length, ellipsize(`${rows.slice(TEXT_ROWS - 1).join(' · ')}`, max).replace(/….*$/u, '…'));
  return rows;
}

/** Shorten to `max` characters with an ellipsis in the middle (the start and the end of a name both stay). */
function ellipsize(s: string, max: number): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  const keep = Math.max(1, max - 1);
  const head = Math.ceil(keep * 0.6);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (keep - head)).join('')}`;
}

/** The caption's text lines and legend rows (the legend wraps to the image width), and the band's height. */
export function captionLayout(input: ViewSvgInput): { lines: string[]; titleRows: number; legendRows: LegendEntry[][]; band: number } {
  const { font, pad, line } = exportScale(input.width, input.height);
  const room = Math.max(font, input.width - 2 * pad);
  const maxChars = Math.max(8, Math.floor(room / (font * 0.6)));
  const texts = [input.title, ...(input.details ?? [])].filter((l) => l.length > 0).slice(0, 2);
  // Rows of the title are bold (drawn first); `titleRows` says how many.
  const lines = texts.flatMap((t) => wrap(t, maxChars));
  const legendRows: LegendEntry[][] = [];
  let x = Infinity;
  for (const e of legendEntries(input)) {
    const w = legendItemWidth(e, font);
    if (x + w > room && x > 0) {
      legendRows.push([]);
      x = 0;
    }
    legendRows[legendRows.length - 1]!.push(e);
    x += w;
  }
  const titleRows = texts[0] === undefined ? 0 : wrap(texts[0], maxChars).length;
  return { lines, titleRows, legendRows, band: 2 * pad + (lines.length + legendRows.length) * line };
}

const legendItemWidth = (e: LegendEntry, font: number) => font * 2 + textWidth(e.label, font);

const n = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(2));

/** One SVG element as data: drawn as markup by the export and as DOM nodes (setAttribute, textContent) by the notebook. */
export interface SvgNode {
  readonly tag: 'g' | 'rect' | 'circle' | 'path' | 'text';
  /** Attributes in document order; values are plain text (escaped when serialised). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children?: readonly SvgNode[];
  readonly text?: string;
}

/** Serialise nodes as SVG markup, every attribute value and text escaped. */
export function svgMarkup(nodes: readonly SvgNode[]): string {
  return nodes
    .map((e) => {
      const attrs = Object.entries(e.attrs).map(([k, v]) => ` ${k}="${escapeXml(v)}"`).join('');
      const inner = e.text !== undefined ? escapeXml(e.text) : svgMarkup(e.children ?? []);
      return inner || e.children?.length || e.text !== undefined ? `<${e.tag}${attrs}>${inner}</${e.tag}>` : `<${e.tag}${attrs}/>`;
    })
    .join('');
}

/**
 * The prompt glyphs as the panel draws them: dashed orange boxes on a dark under-stroke, points as filled discs with a
 * white + or − (a grey ? when unlabelled) and their number. `unit`: the size of one screen pixel in image pixels.
 */
export function glyphNodes(glyphs: readonly Glyph[], unit: number): SvgNode[] {
  const parts: SvgNode[] = [];
  for (const g of glyphs) {
    if (g.kind !== 'box') continue;
    const [x, y, w, h] = [Math.min(g.x1, g.x2), Math.min(g.y1, g.y2), Math.abs(g.x2 - g.x1), Math.abs(g.y2 - g.y1)];
    const rect = (stroke: string, width: number): SvgNode => ({ tag: 'rect', attrs: { x: n(x), y: n(y), width: n(w), height: n(h), fill: 'none', stroke, 'stroke-width': n(width * unit), 'stroke-dasharray': `${n(6 * unit)} ${n(3 * unit)}` } });
    parts.push({ tag: 'g', attrs: { class: 'glyph box', 'data-index': String(g.index) }, children: [rect('rgba(0,0,0,0.7)', 4), rect(PALETTE.box, 2)] });
  }
  const r = 9 * unit;
  const arm = 4 * unit;
  for (const g of glyphs) {
    if (g.kind !== 'point') continue;
    const [x, y] = [g.x, g.y];
    const number: SvgNode = { tag: 'text', attrs: { x: n(x + r + 5 * unit), y: n(y - r), 'font-size': n(11 * unit), 'font-weight': '600', fill: '#ffffff', stroke: '#000000', 'stroke-width': n(2 * unit), 'paint-order': 'stroke', 'text-anchor': 'middle', 'dominant-baseline': 'central' }, text: String(g.index + 1) };
    if (g.unlabelled) {
      parts.push({
        tag: 'g',
        attrs: { class: 'glyph point unlabelled', 'data-index': String(g.index) },
        children: [
          { tag: 'circle', attrs: { cx: n(x), cy: n(y), r: n(r), fill: 'rgba(0,0,0,0.55)', stroke: PALETTE.unlabelled, 'stroke-width': n(3 * unit) } },
          { tag: 'text', attrs: { x: n(x), y: n(y), 'font-size': n(11 * unit), fill: '#ffffff', 'text-anchor': 'middle', 'dominant-baseline': 'central' }, text: '?' },
          number,
        ],
      });
      continue;
    }
    const positive = g.label === 1;
    const cross = `M${n(x - arm)} ${n(y)}H${n(x + arm)}${positive ? `M${n(x)} ${n(y - arm)}V${n(y + arm)}` : ''}`;
    parts.push({
      tag: 'g',
      attrs: { class: `glyph point ${positive ? 'positive' : 'negative'}`, 'data-index': String(g.index), 'data-label': String(g.label) },
      children: [
        { tag: 'circle', attrs: { cx: n(x), cy: n(y), r: n(r), fill: positive ? PALETTE.positive : PALETTE.negative, stroke: '#ffffff', 'stroke-width': n(2 * unit) } },
        { tag: 'path', attrs: { d: cross, stroke: '#ffffff', 'stroke-width': n(2 * unit), fill: 'none' } },
        number,
      ],
    });
  }
  return parts;
}

/** The GT outline of a 0/1 mask as the export draws it: white over a black halo, `width` units wide. */
export function gtOutlineNode(d: string, width: number): SvgNode {
  return {
    tag: 'g',
    attrs: { class: 'gt-outline', fill: 'none', 'stroke-linejoin': 'miter' },
    children: [
      { tag: 'path', attrs: { d, stroke: rgb(PALETTE.gtHalo), 'stroke-width': n(width + 2) } },
      { tag: 'path', attrs: { d, stroke: rgb(PALETTE.gt), 'stroke-width': n(width) } },
    ],
  };
}

function legendElements(entries: readonly LegendEntry[], x0: number, y: number, font: number): string {
  const parts: string[] = [];
  let x = x0;
  const s = font;
  for (const e of entries) {
    const c = escapeXml(e.colour);
    let swatch: string;
    if (e.kind === 'point') swatch = `<circle cx="${n(x + s / 2)}" cy="${n(y)}" r="${n(s / 2)}" fill="${c}"/>`;
    else if (e.kind === 'box') swatch = `<rect x="${n(x)}" y="${n(y - s / 2)}" width="${n(s)}" height="${n(s)}" fill="none" stroke="${c}" stroke-width="${n(s / 6)}" stroke-dasharray="${n(s / 3)} ${n(s / 6)}"/>`;
    else if (e.kind === 'outline') swatch = `<rect x="${n(x)}" y="${n(y - s / 2)}" width="${n(s)}" height="${n(s)}" fill="#000000" stroke="${c}" stroke-width="${n(s / 6)}"/>`;
    else swatch = `<rect x="${n(x)}" y="${n(y - s / 2)}" width="${n(s)}" height="${n(s)}" fill="${c}"/>`;
    parts.push(`<g class="legend-item">${swatch}<text x="${n(x + s * 1.4)}" y="${n(y)}" dominant-baseline="central">${escapeXml(e.label)}</text></g>`);
    x += legendItemWidth(e, font);
  }
  return parts.join('');
}

/** The standalone SVG text of the view (UTF-8, no script, no external reference). */
export function buildViewSvg(input: ViewSvgInput): string {
  const { width: w, height: h } = input;
  if (!Number.isInteger(w) || !Number.isInteger(h) || w < 1 || h < 1) throw new Error(`buildViewSvg: bad image size ${w}×${h}`);
  if (input.gt && input.gt.length !== w * h) throw new Error(`buildViewSvg: GT has ${input.gt.length} pixels, the image ${w * h}`);
  const { unit, font, pad, line } = exportScale(w, h);
  const { lines, titleRows, legendRows, band } = captionLayout(input);
  const image = imageHref(input.imageUrl, 'image');
  const mask = imageHref(input.maskUrl, 'mask layer');
  const errors = imageHref(input.errorsUrl, 'error layer');
  const t = input.toggles;
  const opacity = Math.min(1, Math.max(0, Number.isFinite(input.opacity) ? input.opacity : 0.45));
  const layers: string[] = [];
  layers.push(image ? `<image class="photo" href="${image}" x="0" y="0" width="${w}" height="${h}" preserveAspectRatio="none"/>` : `<rect class="photo" width="${w}" height="${h}" fill="#202020"/>`);
  const raster = (cls: string, href: string, alpha: number) => `<image class="${cls}" href="${href}" x="0" y="0" width="${w}" height="${h}" preserveAspectRatio="none" opacity="${n(alpha)}" style="image-rendering:pixelated"/>`;
  if (t.mask && mask) layers.push(raster('mask', mask, opacity));
  if (t.errors && errors) layers.push(raster('errors', errors, Math.min(1, opacity + 0.2)));
  if (t.gt && input.gt) {
    const d = contourPath(maskContours(input.gt, w, h));
    if (d) {
      const stroke = Math.max(1, Math.round(Math.max(w, h) / 400));
      layers.push(svgMarkup([gtOutlineNode(d, stroke)]));
    }
  }
  if (t.glyphs) layers.push(`<g class="glyphs">${svgMarkup(glyphNodes(input.glyphs, unit))}</g>`);
  const caption = lines.map((l, k) => `<text class="caption-line" x="${pad}" y="${n(h + pad + line * (k + 0.5))}" dominant-baseline="central"${k < titleRows ? ' font-weight="600"' : ''}>${escapeXml(l)}</text>`).join('');
  const legend = legendRows.map((row, k) => legendElements(row, pad, h + pad + line * (lines.length + k + 0.5), font)).join('');
  const total = h + band;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${total}" viewBox="0 0 ${w} ${total}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="${font}">` +
    `<title>${escapeXml(input.title)}</title>` +
    `<g class="view">${layers.join('')}</g>` +
    `<g class="caption"><rect x="0" y="${h}" width="${w}" height="${band}" fill="#ffffff"/><g fill="#1f1f1f">${caption}</g><g class="legend" fill="#1f1f1f">${legend}</g></g>` +
    `</svg>\n`
  );
}
