import { existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { IndexBuilder, type RolloutIndex } from './indexBuilder';
import type { LogIssue } from './issues';
import { abortError } from './lineScanner';
import { finishIndex, type IndexOptions } from './rangeScan';
import { workerChannel } from '../workers/workerRpc';

/** Options of the parallel index: the serial options plus how many threads and where their script is. */
export interface ParallelIndexOptions extends IndexOptions {
  /** Worker threads; default one per core while each gets at least `minRangeBytes`; 0 or 1 indexes on the calling thread. */
  readonly workers?: number;
  /** Smallest range worth a thread (default 32 MiB): below it, starting a thread costs more than it saves. */
  readonly minRangeBytes?: number;
  /** Worker script; default indexWorker.js beside this module (dist/ in the bundles, dist-test/… in tests). */
  readonly workerScript?: string;
}

/** Asks an index worker to index one line-aligned byte range, numbering its lines from 1. */
export interface IndexRangeRequest {
  /** The log. */
  readonly path: string;
  /** First byte of the range: 0 or just past a newline. */
  readonly start: number;
  /** Byte the range ends at (just past a newline); undefined: the end of the file, as it is when the worker reads it. */
  readonly until?: number;
  /** Options the serial scan takes. */
  readonly exact?: boolean;
  readonly maxLineBytes?: number;
  readonly chunkBytes?: number;
}

/** One range's records and issues, lines numbered from 1 within the range. */
export interface IndexedPart {
  /** Records of the range (sequence checks left to the merge). */
  readonly index: RolloutIndex;
  /** Issues kept (up to the cap) and how many more were only counted. */
  readonly issues: LogIssue[];
  readonly dropped: number;
  /** Whole-file issues the range's edges found (binary start, unterminated end). */
  readonly extra: LogIssue[];
  /** The first range found the file mostly not text (textBytes.ts binaryReason): not a text log at all. */
  readonly binary: boolean;
}

/** Requests an index worker handles (RpcEndpoint): `index/range` replies with the range's part, columns transferred. */
export type IndexWorkerRequests = { 'index/range': { params: IndexRangeRequest; result: IndexedPart } };
/** Notifications an index worker sends: bytes of its range read so far. */
export type IndexWorkerNotifications = { 'index/progress': { readonly bytes: number } };

const DEFAULT_MIN_RANGE = 32 * 1024 * 1024;

/** Offset just past the first newline at or after `from`, or `size` when none follows (one long last line). */
async function lineStartAfter(path: string, from: number, size: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let pos = from; pos < size; ) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
      if (bytesRead === 0) break;
      const nl = buf.subarray(0, bytesRead).indexOf(10);
      if (nl >= 0) return pos + nl + 1;
      pos += bytesRead;
    }
    return size;
  } finally {
    await fh.close();
  }
}

/** Line-aligned ranges [start, until) covering the file; ranges that a long line swallowed are merged away. */
async function splitRanges(path: string, size: number, n: number): Promise<Array<{ start: number; until: number }>> {
  const starts = [0];
  for (let k = 1; k < n; k++) {
    const s = await lineStartAfter(path, Math.floor((size * k) / n) - 1, size);
    if (s > starts[starts.length - 1]! && s < size) starts.push(s);
  }
  return starts.map((start, k) => ({ start, until: starts[k + 1] ?? size }));
}

async function runWorker(script: string, req: IndexRangeRequest, onBytes: (bytes: number) => void, signal: AbortSignal | undefined): Promise<IndexedPart> {
  const ch = workerChannel<IndexWorkerRequests, IndexWorkerNotifications>(new Worker(script), `index worker for ${req.path} [${req.start}, ${req.until ?? 'end'})`);
  ch.rpc.on('index/progress', (p) => onBytes(p.bytes));
  try {
    return await Promise.race([ch.rpc.request('index/range', req, signal ? { signal } : {}), ch.died]);
  } catch (e) {
    // Cancelled: the caller sees the serial scan's abort error, whatever the channel said.
    throw signal?.aborted ? abortError() : e;
  } finally {
    ch.close();
  }
}

/** Lines [1, n] of a part moved to after `shift` lines; whole-file issues (line 0) stay put. */
function shifted(issues: readonly LogIssue[], shift: number): LogIssue[] {
  return shift === 0 ? [...issues] : issues.map((i) => (i.line > 0 ? { ...i, line: i.line + shift } : i));
}

/**
 * Index a large canonical JSONL log with worker threads, one line-aligned range each, then merge the ranges in file
 * order into the same index the serial scan builds (string ids remapped, lines renumbered, duplicate and step-order
 * checks run across the seams, issues in line order under the same cap). Undefined when the log is too small to
 * split or no worker script is available: the caller scans it on its own thread.
 */
export async function indexRolloutLogParallel(path: string, opts: ParallelIndexOptions = {}): Promise<RolloutIndex | undefined> {
  const script = opts.workerScript ?? join(__dirname, 'indexWorker.js');
  if (opts.workers !== undefined && opts.workers <= 1) return undefined;
  const st = await stat(path);
  const minRange = opts.minRangeBytes ?? DEFAULT_MIN_RANGE;
  const wanted = opts.workers ?? Math.min(availableParallelism(), Math.floor(st.size / minRange));
  if (wanted < 2 || !existsSync(script)) return undefined;
  if (opts.signal?.aborted) throw abortError();
  const ranges = await splitRanges(path, st.size, wanted);
  if (ranges.length < 2) return undefined;

  const done = ranges.map(() => 0);
  const report = () => opts.onProgress?.(done.reduce((a, b) => a + b, 0), st.size);
  const parts = await Promise.all(
    ranges.map((r, k) => {
      const last = k === ranges.length - 1;
      // The last range runs to the end as the worker finds it, so a log still being written is read as the serial scan would.
      const req: IndexRangeRequest = { path, start: r.start, ...(last ? {} : { until: r.until }), exact: opts.exact, maxLineBytes: opts.maxLineBytes, chunkBytes: opts.chunkBytes };
      const part = runWorker(
        script,
        req,
        (bytes) => {
          done[k] = bytes;
          report();
        },
        opts.signal,
      );
      return part.then((p) => {
        done[k] = p.index.scanned - r.start;
        report();
        return p;
      });
    }),
  );

  const b = new IndexBuilder();
  // A binary first range means a binary file: the other ranges' "records" are noise, only the line count is kept.
  const binary = parts[0]!.binary;
  const issues: LogIssue[] = [];
  const extra: LogIssue[] = binary ? parts[0]!.extra : [];
  let dropped = 0;
  let shift = 0;
  if (!binary) b.reserve(parts.reduce((sum, p) => sum + p.index.count, 0));
  for (const part of parts) {
    if (!binary) {
      b.appendPart(part.index, shift);
      issues.push(...shifted(part.issues, shift));
      extra.push(...shifted(part.extra, shift));
      dropped += part.dropped;
    }
    shift += part.index.nextLine - 1;
  }
  // Each list is in line order and capped at its own first issues, so the merged first issues are the serial scan's.
  b.issues.replace([...issues, ...b.issues.items].sort((x, y) => x.line - y.line), dropped + b.issues.droppedCount);
  const lastPart = parts[parts.length - 1]!;
  return finishIndex(path, b, { size: lastPart.index.size, mtimeMs: st.mtimeMs, scanned: lastPart.index.scanned, nextLine: shift + 1, fromStart: true }, extra);
}
