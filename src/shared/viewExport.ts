/**
 * Host-side checks of an exported view: the webview only renders, it never writes, and what it sends is treated like
 * any other input: a bounded size, the declared type's signature, the image's own dimensions, and for SVG nothing
 * that runs or reaches out (no script, no event attribute, no foreignObject, no external reference).
 */

/** Formats the panel exports. */
export type ViewExportFormat = 'png' | 'svg';

/** Largest export accepted (a 50-megapixel PNG with its caption stays well under this). */
export const MAX_EXPORT_BYTES = 256 * 1024 * 1024;

/** Result of {@link checkViewExport}. */
export type ExportCheck = { readonly ok: true; readonly width: number; readonly height: number } | { readonly ok: false; readonly reason: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Width and height from a PNG's IHDR chunk, or why the bytes are not a PNG. */
export function pngSize(data: Uint8Array): { width: number; height: number } | string {
  if (data.length < 33) return `${data.length} bytes is too short for a PNG`;
  if (PNG_SIGNATURE.some((b, k) => data[k] !== b)) return 'no PNG signature';
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (dv.getUint32(8) !== 13 || String.fromCharCode(data[12]!, data[13]!, data[14]!, data[15]!) !== 'IHDR') return 'first chunk is not IHDR';
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** The size an export of a view must have: the image's width, its height plus a caption band of bounded height. */
export interface ExpectedSize {
  readonly width: number;
  readonly minHeight: number;
  readonly maxHeight: number;
}

/**
 * Check an export before it is written against the size the host knows the view has: a PNG of another width, or an
 * SVG declaring one, is not the view at the image's own resolution.
 */
export function checkViewExport(format: unknown, data: unknown, expected: ExpectedSize): ExportCheck {
  if (format !== 'png' && format !== 'svg') return { ok: false, reason: `format: expected png or svg, got ${JSON.stringify(String(format)).slice(0, 40)}` };
  if (!(data instanceof Uint8Array)) return { ok: false, reason: 'data: expected bytes' };
  if (data.length === 0) return { ok: false, reason: 'data: empty' };
  if (data.length > MAX_EXPORT_BYTES) return { ok: false, reason: `data: ${data.length} bytes exceeds the ${MAX_EXPORT_BYTES}-byte limit` };
  if (format === 'png') {
    const size = pngSize(data);
    if (typeof size === 'string') return { ok: false, reason: `PNG: ${size}` };
    if (!fits(size, expected)) return { ok: false, reason: `PNG: ${size.width}×${size.height}, expected ${describe(expected)}` };
    return { ok: true, ...size };
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return { ok: false, reason: 'SVG: not UTF-8 text' };
  }
  const root = /^(?:<\?xml[^>]*\?>\s*)?<svg\b([^>]*)>/.exec(text);
  if (!root) return { ok: false, reason: 'SVG: does not start with an <svg> element' };
  const attr = (name: string) => new RegExp(`\\s${name}="(\\d+)"`).exec(root[1]!)?.[1];
  const width = Number(attr('width'));
  const height = Number(attr('height'));
  if (!fits({ width, height }, expected)) return { ok: false, reason: `SVG: declares ${attr('width') ?? '?'}×${attr('height') ?? '?'}, expected ${describe(expected)}` };
  if (/<\s*(script|foreignObject|iframe|object|embed)\b/i.test(text)) return { ok: false, reason: 'SVG: holds an active element (script, foreignObject, …)' };
  if (/<[^>]*\son[a-z]+\s*=/i.test(text)) return { ok: false, reason: 'SVG: holds an event attribute' };
  for (const m of text.matchAll(/\s(?:xlink:)?href\s*=\s*"([^"]*)"/gi)) {
    if (!/^data:image\/(png|jpeg|webp|gif|bmp);base64,/.test(m[1]!)) return { ok: false, reason: `SVG: references ${JSON.stringify(m[1]!.slice(0, 60))}: only embedded data:image URLs are allowed` };
  }
  return { ok: true, width, height };
}

function fits(size: { width: number; height: number }, e: ExpectedSize): boolean {
  return size.width === e.width && size.height >= e.minHeight && size.height <= e.maxHeight;
}

function describe(e: ExpectedSize): string {
  return `${e.width}×${e.minHeight === e.maxHeight ? e.minHeight : `${e.minHeight}…${e.maxHeight}`}`;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/**
 * A file name from a view title (`run · step 7 · group g3 · rollout 2`): runs of anything but letters, digits, `.`,
 * `-` and `_` become one `_`, no leading dot, at most 120 characters, never a device name; `view` when nothing is left.
 */
export function exportFileName(title: string, ext: string): string {
  let base = title
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}._-]+/gu, '_')
    .replace(/^[._]+|[._]+$/g, '')
    .slice(0, 120)
    .replace(/[._]+$/g, '');
  if (!base || WINDOWS_RESERVED.test(base.split('.')[0]!)) base = `view_${base}`.replace(/_+$/, '');
  return `${base}.${ext}`;
}
