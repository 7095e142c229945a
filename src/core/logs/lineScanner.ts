import { open } from 'node:fs/promises';

/** Receives the lines of a file as byte ranges; `buf` is only valid during the call. */
export interface LineSink {
  /** One complete line (newline excluded) at byte `offset` of the file. */
  line(buf: Buffer, start: number, end: number, lineNo: number, offset: number): void;
  /** A line longer than the cap: skipped without ever being held whole. */
  overlong(lineNo: number, offset: number, bytes: number): void;
  /**
   * Optional: every complete line of buf[start, end) at once (end just past a newline), numbered from lineNo at
   * file offset `offset`; returns how many lines it held. Lines that span chunks still come one by one to `line`.
   */
  block?(buf: Buffer, start: number, end: number, lineNo: number, offset: number): number;
  /** Optional: the two buffers to read chunks into (at least the chunk size each), e.g. a WebAssembly memory's. */
  readonly buffers?: readonly [Buffer, Buffer];
}

/** Where a scan starts: a byte offset at a line start and that line's 1-based number. */
export interface ScanStart {
  readonly offset: number;
  readonly lineNo: number;
}

/** What a scan saw. */
export interface ScanResult {
  /** File size when the scan started (bytes beyond it are left for the next scan). */
  readonly size: number;
  /** Offset just past the last newline: where a follow-up scan resumes. */
  readonly end: number;
  /** Number of the line starting at `end`. */
  readonly nextLineNo: number;
  /** The unterminated last line, when it fits the cap (a writer may still be writing it). */
  readonly tail?: { readonly offset: number; readonly bytes: Buffer };
  /** Bytes of an unterminated last line too long to hold. */
  readonly overlongTail?: number;
}

/** Options of a scan. */
export interface ScanOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number, total: number) => void;
  /** Lines longer than this are reported, not read (default 64 MiB). */
  readonly maxLineBytes?: number;
  /** Read size (default 4 MiB). */
  readonly chunkBytes?: number;
  /** Stop at this byte offset instead of the end of the file (a line start: ranges scanned by parallel workers). */
  readonly until?: number;
}

/** Default cap on one line: far above any real completion, far below what V8 can hold as one string. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** An AbortError as DOM APIs throw it, so callers can tell cancellation from failure. */
export function abortError(): Error {
  const e = new Error('indexing aborted');
  e.name = 'AbortError';
  return e;
}

/**
 * Stream a file in chunks and hand every newline-terminated line to `sink` as a byte range. Only a line
 * that spans chunks is copied; a line over the cap is counted, never buffered.
 */
export async function scanLines(path: string, from: ScanStart, sink: LineSink, opts: ScanOptions = {}): Promise<ScanResult> {
  const max = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunk = opts.chunkBytes ?? 4 * 1024 * 1024;
  const fh = await open(path, 'r');
  try {
    const fileSize = (await fh.stat()).size;
    const size = opts.until === undefined ? fileSize : Math.min(fileSize, opts.until);
    // Two buffers: the next chunk is read while this one is scanned, so the disk and the parser overlap.
    const own = sink.buffers && sink.buffers[0].length >= chunk && sink.buffers[1].length >= chunk;
    let buf = own ? sink.buffers![0].subarray(0, chunk) : Buffer.allocUnsafe(chunk);
    let spare = own ? sink.buffers![1].subarray(0, chunk) : Buffer.allocUnsafe(chunk);
    let pos = from.offset;
    let lineNo = from.lineNo;
    let lineStart = pos;
    let carry: Buffer[] = [];
    let carryLen = 0;
    let skipping = false;
    let pending = pos < size ? fh.read(buf, 0, Math.min(chunk, size - pos), pos) : undefined;
    while (pending) {
      const { bytesRead } = await pending;
      if (bytesRead === 0) break;
      if (opts.signal?.aborted) throw abortError();
      const next = pos + bytesRead;
      pending = next < size ? fh.read(spare, 0, Math.min(chunk, size - next), next) : undefined;
      const view = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      let s = 0;
      let blocked = !sink.block;
      while (s < bytesRead) {
        if (!blocked && carryLen === 0 && !skipping) {
          // The chunk's complete lines in one call; what follows the last newline is carried as before.
          blocked = true;
          const last = view.lastIndexOf(10, bytesRead - 1);
          if (last >= s) {
            lineNo += sink.block!(view, s, last + 1, lineNo, pos + s);
            s = last + 1;
            lineStart = pos + s;
            continue;
          }
        }
        const nl = view.indexOf(10, s);
        if (nl < 0) {
          carryLen += bytesRead - s;
          if (!skipping && carryLen > max) {
            skipping = true;
            carry = [];
          }
          if (!skipping) carry.push(Buffer.from(view.subarray(s, bytesRead)));
          break;
        }
        const total = carryLen + nl - s;
        if (skipping || total > max) sink.overlong(lineNo, lineStart, total);
        else if (carryLen === 0) sink.line(view, s, nl, lineNo, lineStart);
        else {
          const joined = Buffer.concat([...carry, view.subarray(s, nl)]);
          sink.line(joined, 0, joined.length, lineNo, lineStart);
        }
        carry = [];
        carryLen = 0;
        skipping = false;
        lineNo++;
        s = nl + 1;
        lineStart = pos + s;
      }
      pos = next;
      [buf, spare] = [spare, buf];
      opts.onProgress?.(pos, size);
    }
    if (pending) await pending.catch(() => undefined);
    const base = { size, end: lineStart, nextLineNo: lineNo };
    if (carryLen === 0) return base;
    if (skipping) return { ...base, overlongTail: carryLen };
    return { ...base, tail: { offset: lineStart, bytes: Buffer.concat(carry) } };
  } finally {
    await fh.close();
  }
}
