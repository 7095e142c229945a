/**
 * WCAG 2.x contrast: relative luminance of sRGB colours and the ratio (L1 + 0.05) / (L2 + 0.05), with alpha
 * compositing so a translucent text colour, or text under `opacity`, is measured as it is seen. Pure: the e2e
 * contrast checks and the palette unit tests share it.
 */

/** An sRGB colour, channels 0–255, alpha 0–1. */
export interface Rgba {
  readonly r: number;
  readonly g: number;
  readonly b: number;
  readonly a: number;
}

/** WCAG minimum for body text (1.4.3, AA). */
export const TEXT_MIN_CONTRAST = 4.5;
/** WCAG minimum for graphical objects such as chart marks (1.4.11, AA). */
export const MARK_MIN_CONTRAST = 3;

/**
 * Parse a CSS colour as getComputedStyle reports it (`rgb(…)`, `rgba(…)`, `color(srgb …)`) or as written in a
 * palette (`#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `transparent`); undefined for anything else.
 */
export function parseColor(css: string): Rgba | undefined {
  const s = css.trim().toLowerCase();
  if (s === 'transparent') return { r: 0, g: 0, b: 0, a: 0 };
  const hex = /^#([0-9a-f]{3,8})$/.exec(s)?.[1];
  if (hex && [3, 4, 6, 8].includes(hex.length)) {
    const short = hex.length <= 4;
    const part = (k: number) => (short ? parseInt(hex[k]! + hex[k]!, 16) : parseInt(hex.slice(2 * k, 2 * k + 2), 16));
    const n = short ? hex.length : hex.length / 2;
    return { r: part(0), g: part(1), b: part(2), a: n === 4 ? part(3) / 255 : 1 };
  }
  const fn = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (fn) return { r: Number(fn[1]), g: Number(fn[2]), b: Number(fn[3]), a: alpha(fn[4]) };
  const srgb = /^color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(s);
  if (srgb) return { r: Number(srgb[1]) * 255, g: Number(srgb[2]) * 255, b: Number(srgb[3]) * 255, a: alpha(srgb[4]) };
  return undefined;
}

function alpha(v: string | undefined): number {
  if (v === undefined) return 1;
  return v.endsWith('%') ? Number(v.slice(0, -1)) / 100 : Number(v);
}

/** `top` seen over an opaque `bottom` (source-over); the result is opaque. */
export function composite(top: Rgba, bottom: Rgba): Rgba {
  const a = Math.min(1, Math.max(0, top.a));
  const mix = (t: number, b: number) => t * a + b * (1 - a);
  return { r: mix(top.r, bottom.r), g: mix(top.g, bottom.g), b: mix(top.b, bottom.b), a: 1 };
}

/**
 * The opaque colour seen behind an element: its backgrounds from the element outwards (`layers[0]` nearest),
 * stacked over `base` (the page's canvas, white when nothing is opaque).
 */
export function flatten(layers: readonly Rgba[], base: Rgba = { r: 255, g: 255, b: 255, a: 1 }): Rgba {
  let out = base;
  for (let k = layers.length - 1; k >= 0; k--) out = composite(layers[k]!, out);
  return out;
}

/** WCAG relative luminance (0 black … 1 white) of an sRGB colour; alpha is ignored (composite first). */
export function luminance(c: Rgba): number {
  const lin = (v: number) => {
    const x = v / 255;
    return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
}

/** WCAG contrast ratio of two opaque colours, 1 … 21, symmetric. */
export function contrastRatio(a: Rgba, b: Rgba): number {
  const la = luminance(a);
  const lb = luminance(b);
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/**
 * Contrast of a foreground (text colour or mark colour) drawn at `opacity` (the product of the element's and its
 * ancestors' CSS opacity) over an opaque background.
 */
export function seenContrast(foreground: Rgba, background: Rgba, opacity = 1): number {
  const fg = composite({ ...foreground, a: foreground.a * opacity }, background);
  return contrastRatio(fg, background);
}
