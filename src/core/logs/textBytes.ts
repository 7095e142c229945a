import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';

/**
 * Text or not, line by line and file by file. A crashed append leaves NUL padding or torn bytes on a line or two
 * of an otherwise good log: those lines are errors of their own, and only a file that is mostly not text is
 * refused as binary (see binaryReason for the rule).
 */

/** How much of a file's start is sampled to call it binary. */
export const SNIFF_BYTES = 64 * 1024;
/** A sample with more than this fraction of non-text bytes may be binary (if no clean text line vouches for it). */
export const BINARY_FRACTION = 0.3;
/** A clean line this long (bytes, newline excluded) proves the sample is text; random binary data has none. */
export const MIN_TEXT_LINE = 16;

/** The first `bytes` of a file (fewer when it is shorter). */
export async function readHead(path: string, bytes = SNIFF_BYTES): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Length of the valid UTF-8 sequence at buf[i] (Unicode table 3-7), 0 when invalid, -1 when cut off by `end`. */
function utf8Length(buf: Uint8Array, i: number, end: number): number {
  const c = buf[i]!;
  if (c < 0x80) return 1;
  const n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (n === 0) return 0;
  const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
  const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
  for (let k = 1; k < n; k++) {
    if (i + k >= end) return -1;
    const d = buf[i + k]!;
    if (k === 1 ? d < lo || d > hi : (d & 0xc0) !== 0x80) return 0;
  }
  return n;
}

/** Offset (from `start`) of the first byte that breaks UTF-8 in buf[start, end), or -1 when it is all valid. */
export function firstInvalidUtf8(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; ) {
    const n = utf8Length(buf, i, end);
    if (n <= 0) return i - start;
    i += n;
  }
  return -1;
}

/**
 * Why the bytes of one line (newline excluded) are not a text line, or undefined when they are valid UTF-8
 * without NUL. Python's json.loads raises on both (UnicodeDecodeError on the bytes; NUL is a control character),
 * so the line is an error; Node would silently read U+FFFD instead. Native scans (memchr, simdutf): no JavaScript
 * loop over a good line.
 */
export function lineBytesProblem(buf: Buffer, start: number, end: number): string | undefined {
  const line = buf.subarray(start, end);
  const nul = line.indexOf(0);
  if (nul >= 0) {
    let n = 0;
    for (let i = nul; i >= 0; i = line.indexOf(0, i + 1)) n++;
    return `${n} NUL byte${n === 1 ? '' : 's'} from byte ${nul + 1} of the line: binary junk (what a crashed or interrupted append leaves), not JSON text; line skipped`;
  }
  if (isUtf8(line)) return undefined;
  const at = firstInvalidUtf8(line, 0, line.length);
  return `invalid UTF-8 at byte ${at + 1} of the line (0x${line[at]!.toString(16).padStart(2, '0')}): not text (Python's json.loads raises UnicodeDecodeError); line skipped`;
}

/** Control bytes that text logs do hold: backspace, tab, newline, form feed, carriage return, escape (ANSI colours). */
function textControl(c: number): boolean {
  return c === 8 || c === 9 || c === 10 || c === 12 || c === 13 || c === 27;
}

/**
 * Why a file whose first bytes are `head` is binary, not text; undefined when it is text (possibly with bad lines).
 * The rule: more than 30% of the sample is non-text (NUL and other control bytes, bytes of invalid UTF-8) AND no
 * newline-terminated line of at least 16 bytes in it is clean text. So a log with a torn line, however long its NUL
 * run, still opens (its good lines vouch for it), and one huge first line of text is not refused for having no newline.
 */
export function binaryReason(head: Uint8Array): string | undefined {
  const end = head.length;
  if (end === 0) return undefined;
  let bad = 0;
  let lineStart = 0;
  let lineClean = true;
  let cleanLine = false;
  for (let i = 0; i < end; ) {
    const c = head[i]!;
    if (c === 10) {
      const len = i - lineStart - (i > lineStart && head[i - 1] === 13 ? 1 : 0);
      if (lineClean && len >= MIN_TEXT_LINE) cleanLine = true;
      lineStart = i + 1;
      lineClean = true;
      i++;
      continue;
    }
    if (c < 0x20) {
      if (!textControl(c)) {
        bad++;
        lineClean = false;
      }
      i++;
      continue;
    }
    const n = utf8Length(head, i, end);
    if (n < 0) break; // a character cut by the end of the sample
    if (n === 0) {
      bad++;
      lineClean = false;
      i++;
    } else i += n;
  }
  if (bad <= BINARY_FRACTION * end || cleanLine) return undefined;
  const kib = Math.round(end / 1024);
  return `binary data: ${Math.round((100 * bad) / end)}% of the first ${kib > 0 ? `${kib} KiB` : `${end} bytes`} is not text (NUL, control bytes or invalid UTF-8) and no line in it is clean text`;
}
