import { open, stat, type FileHandle } from 'node:fs/promises';
import { fastSummary, summaryOf } from './fastRecord';
import { detectLogFormat } from './formats';
import { IndexBuilder, type RolloutIndex } from './indexBuilder';
import type { LogIssue } from './issues';
import { parseJsonLine } from './jsonParse';
import { abortError, DEFAULT_MAX_LINE_BYTES, scanLines, type ScanOptions, type ScanResult } from './lineScanner';
import type { RolloutRecord } from './rollout';
import { validateRolloutJson } from './validateRecord';

export type { LogIssue } from './issues';
export type { RolloutIndex } from './indexBuilder';
export { validateRolloutJson, unsafePathReason } from './validateRecord';

/** Options of indexing: cancellation, progress, and the cap on one line. */
export interface IndexOptions extends ScanOptions {
  /** Parse every line with JSON.parse + validation (the reference path), skipping the byte-level fast path. */
  readonly exact?: boolean;
}

function isBlank(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Parse + validate one line's bytes into the builder; issues go to the builder's list. */
function indexLine(b: IndexBuilder, buf: Buffer, start: number, end: number, lineNo: number, offset: number, exact = false): void {
  // A UTF-8 BOM opens files written by some Windows tools; it is not part of the JSON.
  let s = start;
  if (offset === 0 && buf[s] === 0xef && buf[s + 1] === 0xbb && buf[s + 2] === 0xbf) s += 3;
  if (isBlank(buf, s, end)) return;
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

function looksBinary(head: Buffer): boolean {
  return head.includes(0);
}

/** Scan [from, EOF) of a canonical JSONL log into `b` and finish the index. */
async function scanInto(path: string, b: IndexBuilder, from: { offset: number; lineNo: number }, opts: IndexOptions): Promise<RolloutIndex> {
  const st = await stat(path);
  const extra: LogIssue[] = [];
  let binary = false;
  let sniffed = from.offset > 0;
  const res: ScanResult = await scanLines(
    path,
    from,
    {
      line(buf, start, end, lineNo, offset) {
        if (!sniffed) {
          sniffed = true;
          binary = looksBinary(buf.subarray(start, Math.min(end, start + 8192)));
        }
        if (!binary) indexLine(b, buf, start, end, lineNo, offset, opts.exact);
      },
      overlong(lineNo, _offset, bytes) {
        if (!binary) b.issues.add({ line: lineNo, severity: 'error', message: `line of ${bytes} bytes exceeds the ${opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES}-byte cap on one line; skipped` });
      },
    },
    opts,
  );
  if (!sniffed && res.head.length > 0 && looksBinary(res.head)) binary = true;
  if (binary) extra.push({ line: 0, severity: 'error', message: 'binary data (NUL bytes) where JSON Lines text was expected; not a rollout log' });
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
  const index = b.finish({ path, size: res.size, mtimeMs: st.mtimeMs, scanned: res.end, nextLine: res.nextLineNo }, extra);
  const errors = index.issues.filter((i) => i.severity === 'error');
  if (from.offset === 0 && index.count === 0 && errors.length > 0 && errors.every((i) => i.field === 'completion')) {
    // Every line is a JSON object without a completion: another kind of JSON Lines, not a broken rollout log.
    const d = await detectLogFormat(path);
    const why = d.kind === 'metrics' ? `trainer metrics (${d.format})` : d.kind === 'rollouts' && d.format !== 'canonical' ? `a ${d.format} log: open it through openRolloutLog` : 'JSON Lines without completion fields';
    return { ...index, issues: [], notRollouts: why };
  }
  return index;
}

/**
 * Index a canonical JSONL rollout log by streaming it in chunks: byte range and summary columns per valid
 * record; malformed, truncated or incomplete lines become issues with their line numbers and never hide the rest.
 */
export async function indexRolloutLog(path: string, opts: IndexOptions = {}): Promise<RolloutIndex> {
  return scanInto(path, new IndexBuilder(), { offset: 0, lineNo: 1 }, opts);
}

/** The index without what it read past `scanned` (an unterminated last line), so that line can be read again whole. */
function withoutTail(index: RolloutIndex): RolloutIndex {
  let n = index.count;
  while (n > 0 && index.line[n - 1]! >= index.nextLine) n--;
  const issues = index.issues.filter((i) => i.line < index.nextLine && i.line !== 0);
  if (n === index.count && issues.length === index.issues.length) return index;
  const components = new Map<string, Float64Array>();
  for (const [k, v] of index.components) components.set(k, v.subarray(0, n));
  return {
    ...index,
    count: n,
    line: index.line.subarray(0, n),
    offset: index.offset.subarray(0, n),
    length: index.length.subarray(0, n),
    step: index.step.subarray(0, n),
    run: index.run.subarray(0, n),
    group: index.group.subarray(0, n),
    sample: index.sample.subarray(0, n),
    image: index.image.subarray(0, n),
    reward: index.reward.subarray(0, n),
    advantage: index.advantage.subarray(0, n),
    completionLength: index.completionLength.subarray(0, n),
    components,
    issues,
  };
}

/** How an index was brought up to date. */
export type FollowMode = 'unchanged' | 'appended' | 'reindexed';

/**
 * Bring an index up to date with a log that has grown: only bytes after the last complete line are read
 * (a partially written last line is read again once complete). A log that shrank or was rewritten in
 * place (same size, new mtime, or a changed last record) is indexed again from the start.
 */
export async function updateRolloutLog(index: RolloutIndex, opts: IndexOptions = {}): Promise<{ index: RolloutIndex; mode: FollowMode }> {
  const st = await stat(index.path);
  if (st.size === index.size && st.mtimeMs === index.mtimeMs) return { index, mode: 'unchanged' };
  if (st.size < index.scanned || st.size === index.size || !(await sameHead(index))) return { index: await indexRolloutLog(index.path, opts), mode: 'reindexed' };
  const base = withoutTail(index);
  return { index: await scanInto(index.path, new IndexBuilder(base), { offset: base.scanned, lineNo: base.nextLine }, opts), mode: 'appended' };
}

/** The index of a log that may have grown since `index` was made (see updateRolloutLog). */
export async function followRolloutLog(index: RolloutIndex, opts: IndexOptions = {}): Promise<RolloutIndex> {
  return (await updateRolloutLog(index, opts)).index;
}

/** Whether the last indexed record still reads as it did: a cheap check that the log was appended to, not replaced. */
async function sameHead(index: RolloutIndex): Promise<boolean> {
  if (index.count === 0) return true;
  const i = index.count - 1;
  try {
    const r = recordFromBytes(index, i, await readRecordBytes(index, i));
    // The same line still sits at the same place if it reads back to the same summary columns.
    const same = (a: number, b: number | undefined) => (Number.isNaN(a) ? b === undefined : a === b);
    return r.completion.length === index.completionLength[i] && same(index.step[i]!, r.step) && same(index.reward[i]!, r.reward) && same(index.advantage[i]!, r.advantage);
  } catch {
    return false;
  }
}

async function readRecordBytes(index: RolloutIndex, i: number): Promise<Buffer> {
  const offset = index.offset[i];
  const length = index.length[i];
  if (offset === undefined || length === undefined) throw new RangeError(`record ${i} out of range (log has ${index.count})`);
  const fh = await open(index.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await fh.read(buf, 0, length, offset);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Parse the bytes of record i; throws when they no longer read as a rollout (the log changed under the index). */
function recordFromBytes(index: RolloutIndex, i: number, bytes: Buffer): RolloutRecord {
  const line = index.line[i]!;
  let s = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) s = 3;
  const parsed = parseJsonLine(bytes.toString('utf8', s), line);
  const v = parsed.value === undefined ? undefined : validateRolloutJson(parsed.value, line);
  if (!v?.record) {
    const why = [...parsed.issues, ...(v?.issues ?? [])].find((x) => x.severity === 'error')?.message ?? 'unreadable';
    throw new Error(`${index.path}:${line}: record ${i} no longer reads as a rollout (${why}); the log changed since it was indexed`);
  }
  return v.record;
}

/** Read record i of an indexed log: only its byte range is read. Throws when the log changed under the index. */
export async function readRollout(index: RolloutIndex, i: number): Promise<RolloutRecord> {
  return recordFromBytes(index, i, await readRecordBytes(index, i));
}

/** Bytes read at once by forEachRollout. */
const BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Visit records [from, to) in log order with one file handle and few large reads (neighbouring byte ranges
 * are read together): for passes over a whole log, where readRollout per record would open the file each time.
 */
export async function forEachRollout(index: RolloutIndex, fn: (record: RolloutRecord, i: number) => void, opts: { signal?: AbortSignal; from?: number; to?: number } = {}): Promise<void> {
  const to = Math.min(opts.to ?? index.count, index.count);
  const fh = await open(index.path, 'r');
  try {
    let i = Math.max(0, opts.from ?? 0);
    while (i < to) {
      if (opts.signal?.aborted) throw abortError();
      const start = index.offset[i]!;
      let j = i + 1;
      while (j < to && index.offset[j]! + index.length[j]! - start <= BLOCK_BYTES && index.offset[j]! >= start) j++;
      const endByte = index.offset[j - 1]! + index.length[j - 1]!;
      const buf = Buffer.allocUnsafe(Math.max(endByte - start, index.length[i]!));
      const { bytesRead } = await fh.read(buf, 0, buf.length, start);
      for (let k = i; k < j; k++) {
        const s = index.offset[k]! - start;
        fn(recordFromBytes(index, k, buf.subarray(s, Math.min(bytesRead, s + index.length[k]!))), k);
      }
      i = j;
    }
  } finally {
    await fh.close();
  }
}

/** Reads records by index through one open handle (for a panel that reads many records); close() when done. */
export class RolloutReader {
  private fh: Promise<FileHandle> | undefined;

  constructor(readonly index: RolloutIndex) {}

  /** Record i, reading only its byte range. */
  async read(i: number): Promise<RolloutRecord> {
    const offset = this.index.offset[i];
    const length = this.index.length[i];
    if (offset === undefined || length === undefined) throw new RangeError(`record ${i} out of range (log has ${this.index.count})`);
    this.fh ??= open(this.index.path, 'r');
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await (await this.fh).read(buf, 0, length, offset);
    return recordFromBytes(this.index, i, buf.subarray(0, bytesRead));
  }

  /** Release the file handle. */
  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    if (fh) await (await fh).close();
  }
}
