/**
 * Text into the report's HTML. Everything a log or a model wrote (reasoning, answers, file names, run names) goes
 * through `text()`: it can only ever become character data, never markup, whatever it holds.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '\u2028': '&#x2028;', '\u2029': '&#x2029;' };

/**
 * Escape text for an element body or a quoted attribute value. U+2028/U+2029 become references too: inert in HTML
 * already, but a line terminator inside any script context a later change might add.
 */
export function text(s: string): string {
  // C0 controls other than tab/newline have no business in a report and some break XML-minded viewers of the SVG.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[&<>"'\u2028\u2029]/g, (c) => ENTITIES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Escape a double-quoted attribute value that may keep single quotes readable (the CSP's `'none'`). */
export function attr(s: string): string {
  return text(s).replace(/&#39;/g, "'");
}

/** A number as the report prints it: fixed digits, NaN and infinities spelt out, absent as an em dash. */
export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined) return '—';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  return v.toFixed(digits);
}

/** An SVG coordinate: two decimals, no trailing noise, so the output is stable and small. */
export function coord(v: number): string {
  return String(Math.round(v * 100) / 100);
}
