import { open } from 'node:fs/promises';
import { parseJsonLine } from './jsonParse';
import type { LogIssue } from './issues';
import { DEFAULT_MAX_LINE_BYTES, scanLines, type ScanOptions } from './lineScanner';
import { lineBytesProblem } from './textBytes';

/** A line's text (CR stripped), or undefined after reporting why it is not text (NUL bytes, invalid UTF-8). */
function lineText(buf: Buffer, s: number, e: number, lineNo: number, onIssue: (i: LogIssue) => void): string | undefined {
  if (e > s && buf[e - 1] === 13) e--;
  const bad = lineBytesProblem(buf, s, e);
  if (bad === undefined) return buf.toString('utf8', s, e);
  onIssue({ line: lineNo, severity: 'error', message: bad });
  return undefined;
}

/**
 * Call `fn` with every line of a text log as a string (CR stripped), streaming, plus an unterminated last
 * line. Lines over the cap, and lines that are not text (NUL bytes, invalid UTF-8), are reported through
 * `onIssue` and skipped: the other lines still come.
 */
export async function forEachTextLine(path: string, fn: (text: string, lineNo: number) => void, onIssue: (i: LogIssue) => void, opts: ScanOptions = {}): Promise<void> {
  const each = (buf: Buffer, s: number, e: number, lineNo: number) => {
    const text = lineText(buf, s, e, lineNo, onIssue);
    if (text !== undefined) fn(text, lineNo);
  };
  const res = await scanLines(
    path,
    { offset: 0, lineNo: 1 },
    {
      line: each,
      overlong: (lineNo, _o, bytes) => onIssue({ line: lineNo, severity: 'error', message: `line of ${bytes} bytes exceeds the cap on one line; skipped` }),
    },
    opts,
  );
  if (res.tail) each(res.tail.bytes, 0, res.tail.bytes.length, res.nextLineNo);
  if (res.overlongTail !== undefined) onIssue({ line: res.nextLineNo, severity: 'error', message: `last line of ${res.overlongTail} bytes exceeds the cap on one line; skipped` });
}

/** One line as readTextLines yields it: its text (CR stripped), or why it was skipped. */
export type TextLine = { readonly lineNo: number; readonly text: string; readonly problem?: undefined } | { readonly lineNo: number; readonly problem: string; readonly text?: undefined };

/**
 * The lines of a text file, pulled one at a time (for a reader that awaits per line, e.g. replay), streaming in
 * 1 MiB reads: a line over the cap is counted, never held; a line that is not text (NUL bytes, invalid UTF-8)
 * comes as a problem of its own, and the other lines still come.
 */
export async function* readTextLines(path: string, opts: { maxLineBytes?: number; chunkBytes?: number } = {}): AsyncGenerator<TextLine> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(opts.chunkBytes ?? 1 << 20);
    let carry: Buffer[] = [];
    let carryLen = 0;
    let lineNo = 1;
    const emit = (bytes: Buffer, total: number): TextLine => {
      if (total > max) return { lineNo, problem: `line of ${total} bytes exceeds the cap of ${max} bytes on one line; skipped` };
      let problem: string | undefined;
      const text = lineText(bytes, 0, bytes.length, lineNo, (i) => (problem = i.message));
      return text === undefined ? { lineNo, problem: problem! } : { lineNo, text };
    };
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const view = buf.subarray(0, bytesRead);
      let s = 0;
      for (let nl = view.indexOf(10); nl >= 0; nl = view.indexOf(10, s)) {
        const total = carryLen + nl - s;
        const line = total > max ? view.subarray(0, 0) : carryLen === 0 ? view.subarray(s, nl) : Buffer.concat([...carry, view.subarray(s, nl)]);
        yield emit(line, total);
        carry = [];
        carryLen = 0;
        lineNo++;
        s = nl + 1;
      }
      carryLen += bytesRead - s;
      // Past the cap, the line's bytes are only counted.
      carry = carryLen > max ? [] : [...carry, Buffer.from(view.subarray(s))];
    }
    if (carryLen > 0) yield emit(Buffer.concat(carry), carryLen);
  } finally {
    await fh.close();
  }
}

/** Call `fn` with every parsed JSON object line of a JSON Lines file; bad lines become issues. */
export async function forEachJsonLine(path: string, fn: (value: unknown, lineNo: number) => void, onIssue: (i: LogIssue) => void, opts: ScanOptions = {}): Promise<void> {
  await forEachTextLine(
    path,
    (text, lineNo) => {
      if (text.trim() === '') return;
      const p = parseJsonLine(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, lineNo);
      for (const i of p.issues) onIssue(i);
      if (p.value !== undefined) fn(p.value, lineNo);
    },
    onIssue,
    opts,
  );
}

/** A number from a log's text rendering of one (Python float repr, `nan`, `tensor(0.5)`); undefined when none. */
export function parseLoggedNumber(text: string): number | undefined {
  const t = text.trim();
  const m = /^(?:tensor\()?\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|-?inf|nan)/i.exec(t);
  if (!m) return undefined;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : undefined;
}
