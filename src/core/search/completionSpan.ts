/**
 * The completion of a canonical record straight from its bytes: the top-level `"completion"` string is located
 * without building the record (strings are skipped with memchr-speed indexOf), then decoded. Pure over a Buffer.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const KEY = Buffer.from('completion', 'latin1');

/** A string's bytes between its quotes, and whether it holds an escape. */
export interface StringSpan {
  readonly start: number;
  readonly end: number;
  readonly escaped: boolean;
}

/** The offset of the quote that closes the string whose opening quote is at `open`, or -1 (unterminated). */
function stringEnd(buf: Buffer, open: number, stop: number): number {
  let q = buf.indexOf(QUOTE, open + 1);
  while (q >= 0 && q < stop) {
    let bs = 0;
    while (buf[q - 1 - bs] === BACKSLASH) bs++;
    if (bs % 2 === 0) return q;
    q = buf.indexOf(QUOTE, q + 1);
  }
  return -1;
}

function isWs(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Skip a nested object or array starting at `p`; returns the offset after it, or -1. */
function skipNested(buf: Buffer, p: number, stop: number): number {
  let depth = 0;
  while (p < stop) {
    const c = buf[p]!;
    if (c === QUOTE) {
      const q = stringEnd(buf, p, stop);
      if (q < 0) return -1;
      p = q + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return p + 1;
    }
    p++;
  }
  return -1;
}

/**
 * The span of the top-level `completion` string of the JSON object in buf[start, stop), or undefined when the bytes
 * are not such an object. When the key repeats, the last one wins, as JSON.parse and Python's json.loads decide.
 */
export function completionSpan(buf: Buffer, start: number, stop: number): StringSpan | undefined {
  let p = start;
  if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf) p += 3;
  while (isWs(buf[p])) p++;
  if (buf[p] !== 0x7b) return undefined;
  p++;
  let found: StringSpan | undefined;
  for (;;) {
    while (isWs(buf[p])) p++;
    if (buf[p] !== QUOTE) return undefined;
    const keyEnd = stringEnd(buf, p, stop);
    if (keyEnd < 0) return undefined;
    const isCompletion = keyEnd - p - 1 === KEY.length && buf.compare(KEY, 0, KEY.length, p + 1, keyEnd) === 0;
    p = keyEnd + 1;
    while (isWs(buf[p])) p++;
    if (buf[p] !== 0x3a) return undefined;
    p++;
    while (isWs(buf[p])) p++;
    const c = buf[p];
    if (c === QUOTE) {
      const q = stringEnd(buf, p, stop);
      if (q < 0) return undefined;
      if (isCompletion) {
        const bs = buf.indexOf(BACKSLASH, p + 1);
        found = { start: p + 1, end: q, escaped: bs >= 0 && bs < q };
      }
      p = q + 1;
    } else if (c === 0x7b || c === 0x5b) {
      if (isCompletion) found = undefined;
      p = skipNested(buf, p, stop);
      if (p < 0) return undefined;
    } else {
      // A number or a literal: up to the next separator.
      if (isCompletion) found = undefined;
      while (p < stop && buf[p] !== 0x2c && buf[p] !== 0x7d) p++;
    }
    while (isWs(buf[p])) p++;
    if (buf[p] === 0x2c) {
      p++;
      continue;
    }
    if (buf[p] === 0x7d) return found;
    return undefined;
  }
}

/** What each one-character JSON escape stands for. */
const SIMPLE_ESCAPES: Readonly<Record<number, string>> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

const HEX4 = /^[0-9a-fA-F]{4}$/;

/**
 * The decoded text of a JSON string span (escapes resolved; `\uXXXX` pairs make astral characters, lone surrogates
 * stay as JSON.parse leaves them), or undefined when an escape is invalid. The text between escapes is decoded as
 * UTF-8 in one piece each (a record's completion has a few escapes, mostly `\n`), about twice as fast as
 * JSON.parse on the quoted span; raw control characters, which the index accepts with a warning, are kept.
 */
export function decodeSpan(buf: Buffer, span: StringSpan): string | undefined {
  if (!span.escaped) return buf.toString('utf8', span.start, span.end);
  let out = '';
  let p = span.start;
  for (let bs = buf.indexOf(BACKSLASH, p); bs >= 0 && bs < span.end; bs = buf.indexOf(BACKSLASH, p)) {
    out += buf.toString('utf8', p, bs);
    const c = buf[bs + 1]!;
    if (c === 0x75) {
      const hex = buf.toString('latin1', bs + 2, Math.min(bs + 6, span.end));
      if (!HEX4.test(hex)) return undefined;
      out += String.fromCharCode(parseInt(hex, 16));
      p = bs + 6;
    } else {
      const e = SIMPLE_ESCAPES[c];
      if (e === undefined || bs + 1 >= span.end) return undefined;
      out += e;
      p = bs + 2;
    }
  }
  return out + buf.toString('utf8', p, span.end);
}
