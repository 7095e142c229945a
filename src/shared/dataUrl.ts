/**
 * Longest `data:` URL the notebook renderer shows. The host inlines images as ≤ 384 px JPEGs (tens of kB); a notebook
 * from elsewhere may carry anything, and the webview would decode it. 4 MiB is 100× what the host writes.
 */
export const MAX_DATA_URL_CHARS = 4 * 1024 * 1024;

/** The value as an image `data:` URL the renderer may show (PNG, JPEG or WebP, base64, within the cap), else undefined. */
export function acceptedDataUrl(v: unknown): string | undefined {
  // The length is checked first: the pattern test and the decode both cost time proportional to it.
  if (typeof v !== 'string' || v.length > MAX_DATA_URL_CHARS) return undefined;
  return /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=]+$/.test(v) ? v : undefined;
}
