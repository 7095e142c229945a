import { open, stat, type FileHandle } from 'node:fs/promises';
import { IndexBuilder, type RolloutIndex } from './indexBuilder';
import { parseJsonLine } from './jsonParse';
import { abortError } from './lineScanner';
import { indexRolloutLogParallel, type ParallelIndexOptions } from './parallelIndex';
import { finishIndex, scanRange, type IndexOptions } from './rangeScan';
import type { RolloutRecord } from './rollout';
import { validateRolloutJson } from './validateRecord';

export type { LogIssue } from './issues';
export type { RolloutIndex } from './indexBuilder';
export type { IndexOptions } from './rangeScan';
export type { ParallelIndexOptions } from './parallelIndex';
export { validateRolloutJson, unsafePathReason } from './validateRecord';

/** Scan [from, EOF) of a canonical JSONL log into `b` and finish the index. */
async function scanInto(path: string, b: IndexBuilder, from: { offset: number; lineNo: number }, opts: IndexOptions): Promise<RolloutIndex> {
  const st = await stat(path);
  const { res, extra } = await scanRange(path, b, from, opts);
  return finishIndex(path, b, { size: res.size, mtimeMs: st.mtimeMs, scanned: res.end, nextLine: res.nextLineNo, fromStart: from.offset === 0 }, extra);
}

/**
 * Index a canonical JSONL rollout log by streaming it in chunks: byte range and summary columns per valid
 * record; malformed, truncated or incomplete lines become issues with their line numbers and never hide the rest.
 * A large log is split into line-aligned ranges indexed by worker threads at once (parallelIndex.ts); the
 * result is the same index the one-thread scan builds.
 */
export async function indexRolloutLog(path: string, opts: ParallelIndexOptions = {}): Promise<RolloutIndex> {
  return (await indexRolloutLogParallel(path, opts)) ?? indexRolloutLogSerial(path, opts);
}

/** The one-thread scan of a whole log (what each worker does for its range). */
export async function indexRolloutLogSerial(path: string, opts: IndexOptions = {}): Promise<RolloutIndex> {
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
