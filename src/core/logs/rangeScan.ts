import { detectLogFormat } from './formats';
import { fastSummary, summaryOf } from './fastRecord';
import type { IndexBuilder, RolloutIndex } from './indexBuilder';
import type { LogIssue } from './issues';
import { parseJsonLine } from './jsonParse';
import { DEFAULT_MAX_LINE_BYTES, scanLines, type LineSink, type ScanOptions, type ScanResult } from './lineScanner';
import { acquireRecordScanner, releaseRecordScanner } from './recordScanner';
import { binaryReason, lineBytesProblem, readHead } from './textBytes';
import { validateRolloutJson } from './validateRecord';

/** Options of indexing: cancellation, progress, and the cap on one line. */
export interface IndexOptions extends ScanOptions {
  /** Parse every line with JSON.parse + validation (the reference path), skipping the byte-level fast paths. */
  readonly exact?: boolean;
  /** Leave the WebAssembly record scanner out (the JavaScript fast path takes every line): for comparisons. */
  readonly noWasm?: boolean;
}

function hasBom(buf: Buffer, start: number): boolean {
  return buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
}

function countLines(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = buf.indexOf(10, start); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) n++;
  return n;
}

export function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Parse + validate one line's bytes into the builder; issues go to the builder's list. */
export function indexLine(b: IndexBuilder, buf: Buffer, start: number, end: number, lineNo: number, offset: number, exact = false): void {
  // A UTF-8 BOM opens files written by some Windows tools; it is not part of the JSON.
  let s = start;
  if (offset === 0 && hasBom(buf, s)) s += 3;
  if (isBlank(buf, s, end)) return;
  // NUL or invalid UTF-8 makes this line an error, not the file. The record scanner never passes such a line (it
  // checks every string's bytes), so this native check runs only on the lines it leaves to the JavaScript paths.
  const bad = lineBytesProblem(buf, s, end);
  if (bad !== undefined) {
    b.issues.add({ line: lineNo, severity: 'error', message: bad });
    return;
  }
  const fast = exact ? undefined : fastSummary(buf, s, end);
  if (fast) {
    b.add(fast, lineNo, offset, end - start);
    return;
  }
  const parsed = parseJsonLine(buf.toString('utf8', s, end), lineNo);
  b.issues.addAll(parsed.issues);
  if (parsed.value === undefined) return;
  const v = validateRolloutJson(parsed.value, lineNo);
  b.issues.addAll(v.issues);
  if (v.record) b.add(summaryOf(v.record), lineNo, offset, end - start);
}

/** What scanning one byte range gave, before the index is finished. */
export interface RangeScan {
  readonly res: ScanResult;
  /** The file is mostly not text (textBytes.ts binaryReason): not JSON Lines (only checked by a range starting the file). */
  readonly binary: boolean;
  /** Whole-file issues found at the end of the range (unterminated or over-long last line, binary, empty). */
  readonly extra: LogIssue[];
}

/**
 * Scan [from, opts.until ?? EOF) of a canonical JSONL log into `b`. Only a range that starts the file samples its
 * first 64 KiB for binary data; only a range that runs to the end of the file can have an unterminated last line.
 */
export async function scanRange(path: string, b: IndexBuilder, from: { offset: number; lineNo: number }, opts: IndexOptions, sniff = from.offset === 0): Promise<RangeScan> {
  const extra: LogIssue[] = [];
  const binaryWhy = sniff ? binaryReason(await readHead(path)) : undefined;
  const binary = binaryWhy !== undefined;
  const line = (buf: Buffer, start: number, end: number, lineNo: number, offset: number) => {
    if (!binary) indexLine(b, buf, start, end, lineNo, offset, opts.exact);
  };
  const overlong = (lineNo: number, _offset: number, bytes: number) => {
    if (!binary) b.issues.add({ line: lineNo, severity: 'error', message: `line of ${bytes} bytes exceeds the ${opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES}-byte cap on one line; skipped` });
  };
  const chunk = opts.chunkBytes ?? 4 * 1024 * 1024;
  const scanner = opts.exact || opts.noWasm ? undefined : acquireRecordScanner(chunk);
  const sink: LineSink = !scanner
    ? { line, overlong }
    : {
        line,
        overlong,
        buffers: scanner.buffers,
        block(buf, start, end, lineNo, offset) {
          if (binary) return countLines(buf, start, end);
          let s = start;
          let n = 0;
          // The first line may open with a BOM: the line path's.
          if (offset === 0 && hasBom(buf, start)) {
            const nl = buf.indexOf(10, start);
            line(buf, start, nl, lineNo, offset);
            s = nl + 1;
            n = 1;
          }
          return n + scanner.block(b, buf, s, end, lineNo + n, offset + (s - start), line);
        },
      };
  let res: ScanResult;
  try {
    res = await scanLines(path, from, sink, { ...opts, chunkBytes: chunk });
  } finally {
    if (scanner) releaseRecordScanner(scanner);
  }
  if (binaryWhy !== undefined) extra.push({ line: 0, severity: 'error', message: `${binaryWhy}, where JSON Lines text was expected; not a rollout log` });
  else if (res.size === 0) extra.push({ line: 0, severity: 'warning', message: 'empty file' });
  else if (res.overlongTail !== undefined) extra.push({ line: res.nextLineNo, severity: 'error', message: `unterminated last line of ${res.overlongTail} bytes exceeds the cap on one line; skipped` });
  else if (res.tail) {
    // The last line has no newline yet: keep it if it is already a whole record, else say it is cut off.
    const text = res.tail.bytes;
    if (!isBlank(text, 0, text.length)) {
      const parsed = parseJsonLine(text.toString('utf8'), res.nextLineNo);
      if (parsed.value === undefined) extra.push({ line: res.nextLineNo, severity: 'error', message: `unterminated last line of ${text.length} bytes is not complete JSON (truncated, or still being written)` });
      else indexLine(b, text, 0, text.length, res.nextLineNo, res.tail.offset, opts.exact);
    }
  }
  return { res, binary, extra };
}

/** Finish an index whose records are all in `b`; a JSON Lines file of something other than rollouts says so once. */
export async function finishIndex(path: string, b: IndexBuilder, scan: { size: number; mtimeMs: number; scanned: number; nextLine: number; fromStart: boolean }, extra: readonly LogIssue[]): Promise<RolloutIndex> {
  const index = b.finish({ path, size: scan.size, mtimeMs: scan.mtimeMs, scanned: scan.scanned, nextLine: scan.nextLine }, extra);
  const errors = index.issues.filter((i) => i.severity === 'error');
  if (scan.fromStart && index.count === 0 && errors.length > 0 && errors.every((i) => i.field === 'completion')) {
    // Every line is a JSON object without a completion: another kind of JSON Lines, not a broken rollout log.
    const d = await detectLogFormat(path);
    const why = d.kind === 'metrics' ? `trainer metrics (${d.format})` : d.kind === 'rollouts' && d.format !== 'canonical' ? `a ${d.format} log: open it through openRolloutLog` : 'JSON Lines without completion fields';
    return { ...index, issues: [], notRollouts: why };
  }
  return index;
}

