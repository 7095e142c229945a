/**
 * Control characters a terminal acts on instead of showing: C0 (ESC starts colour, cursor and title sequences;
 * CR overwrites a line), DEL, C1 (U+009B is a one-character CSI) and the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069) that make text display in another order than it reads.
 */
function isControl(c: number, keepLines: boolean): boolean {
  if (c < 0x20) return !(keepLines && (c === 0x0a || c === 0x09));
  return (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

const NAMED: Readonly<Record<number, string>> = { 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t' };

/**
 * Text safe to print to a terminal: every control character shown as a JSON-style escape (`\u001b`, `\n`), so a
 * value from a log can neither drive the terminal nor fake output lines. With `keepLines`, newlines and tabs
 * (the printer's own layout) stay as they are.
 */
export function escapeControls(text: string, keepLines = false): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isControl(c, keepLines)) continue;
    out += text.slice(last, i) + (NAMED[c] ?? `\\u${c.toString(16).padStart(4, '0')}`);
    last = i + 1;
  }
  return last === 0 ? text : out + text.slice(last);
}
