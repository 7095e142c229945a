import { open } from 'node:fs/promises';
import { completionSpan, decodeSpan } from './completionSpan';
import { compileMatcher, rawNeedle, type Matcher, type SearchSpec } from './spec';

/**
 * The search loop both the search worker and the calling thread run: read the selected records' bytes in large
 * blocks (the next block is read while this one is searched), find each record's completion, match the decoded text.
 */

/** The records to search, in file order: byte ranges taken from the index (position k = k-th selected record). */
export interface Selection {
  readonly offsets: Float64Array;
  readonly lengths: Uint32Array;
}

/** A completion with matches, by position in the selection. */
export interface RawHit {
  readonly k: number;
  /** [start, end) pairs in UTF-16 units of the decoded completion (at most MAX_OFFSETS_PER_COMPLETION pairs). */
  readonly offsets: number[];
  /** Every match, also those past the offsets kept. */
  readonly count: number;
  /** The completion around the first match, and where that excerpt starts in the completion. */
  readonly snippet: string;
  readonly snippetStart: number;
}

/** What one block of records gave. */
export interface ScanBatch {
  readonly hits: RawHit[];
  /** Records whose bytes no longer read as a record with a completion (the log changed under the index). */
  readonly skipped: Array<{ k: number; reason: string }>;
  /** Every position below this one is finished. */
  readonly done: number;
  /** Bytes of records finished in this batch. */
  readonly bytes: number;
}

/** Options of one scan. */
export interface ScanOptions {
  /** First position to search. */
  readonly from: number;
  /** Position to stop before (default: the end of the selection). */
  readonly to?: number;
  /** Positions not to search (completions a previous worker timed out on). */
  readonly skip?: ReadonlySet<number>;
  readonly signal?: AbortSignal;
  /** Watchdog cell: [0] = k + 1 while record k's text is matched, 0 otherwise (reading, posting). */
  readonly progress?: Int32Array;
  readonly emit: (batch: ScanBatch) => void;
}

/** Bytes read at once; one record longer than this is read alone. */
export const BLOCK_BYTES = 4 * 1024 * 1024;

/** Characters of context each side of the first match in a hit's snippet. */
export const SNIPPET_CONTEXT = 40;

const BS_U00 = Buffer.from('\\u00', 'latin1');
const BS_SLASH = Buffer.from('\\/', 'latin1');

/** Where a record of a block starts and ends, relative to the block. */
interface Block {
  readonly from: number;
  readonly to: number;
  readonly start: number;
  readonly length: number;
}

function nextBlock(sel: Selection, from: number, n: number): Block {
  const start = sel.offsets[from]!;
  let to = from + 1;
  while (to < n && sel.offsets[to]! >= start && sel.offsets[to]! + sel.lengths[to]! - start <= BLOCK_BYTES) to++;
  const last = to - 1;
  return { from, to, start, length: Math.max(sel.offsets[last]! + sel.lengths[last]! - start, sel.lengths[from]!) };
}

/**
 * Positions of the block whose completion may hold the raw needle: those whose bytes contain it, or contain an
 * escape that decodes to printable ASCII (`\/`, `\u0020`–`\u007f`) and so could spell it only once decoded.
 * Every other record cannot match: the needle has no character a JSON writer must escape.
 */
function candidates(buf: Buffer, sel: Selection, b: Block, needle: Buffer): Set<number> {
  const out = new Set<number>();
  let k = b.from;
  /** Mark the record holding `at`; returns where to look next (past that record: one mark per record is enough). */
  const mark = (at: number): number => {
    while (k < b.to && sel.offsets[k]! - b.start + sel.lengths[k]! <= at) k++;
    if (k >= b.to || sel.offsets[k]! - b.start > at) return at + 1;
    out.add(k);
    return sel.offsets[k]! - b.start + sel.lengths[k]!;
  };
  const scan = (what: Buffer, accept: (at: number) => boolean): void => {
    k = b.from;
    for (let at = buf.indexOf(what, 0); at >= 0 && at < b.length; at = buf.indexOf(what, accept(at) ? mark(at) : at + 1));
  };
  scan(needle, () => true);
  scan(BS_U00, (at) => {
    const h = buf[at + 4];
    return h !== undefined && h >= 0x32 && h <= 0x37;
  });
  if (needle.includes(0x2f)) scan(BS_SLASH, () => true);
  return out;
}

function hitOf(k: number, text: string, m: { offsets: number[]; count: number }): RawHit {
  const s = Math.max(0, m.offsets[0]! - SNIPPET_CONTEXT);
  const e = Math.min(text.length, m.offsets[1]! + SNIPPET_CONTEXT);
  return { k, offsets: m.offsets, count: m.count, snippet: text.slice(s, e), snippetStart: s };
}

function searchBlock(buf: Buffer, sel: Selection, b: Block, matcher: Matcher, opts: ScanOptions, needle: Buffer | undefined): ScanBatch {
  const hits: RawHit[] = [];
  const skipped: Array<{ k: number; reason: string }> = [];
  const cand = needle ? candidates(buf, sel, b, needle) : undefined;
  let bytes = 0;
  for (let k = b.from; k < b.to; k++) {
    bytes += sel.lengths[k]!;
    if (opts.skip?.has(k) || (cand && !cand.has(k))) continue;
    const s = sel.offsets[k]! - b.start;
    const e = s + sel.lengths[k]!;
    if (e > b.length) {
      skipped.push({ k, reason: 'the record ends past the end of the file (the log shrank since it was indexed)' });
      continue;
    }
    const span = completionSpan(buf, s, e);
    const text = span && decodeSpan(buf, span);
    if (text === undefined) {
      skipped.push({ k, reason: span ? 'the completion string has an invalid escape' : 'no longer a JSON object with a completion string (the log changed since it was indexed)' });
      continue;
    }
    if (opts.progress) Atomics.store(opts.progress, 0, k + 1);
    const m = matcher.match(text);
    if (opts.progress) Atomics.store(opts.progress, 0, 0);
    if (m) hits.push(hitOf(k, text, m));
  }
  return { hits, skipped, done: b.to, bytes };
}

function abortError(): Error {
  const e = new Error('search aborted');
  e.name = 'AbortError';
  return e;
}

/** Search the selected records from `opts.from` on, emitting one batch per block read. */
export async function scanSelection(path: string, spec: SearchSpec, sel: Selection, opts: ScanOptions): Promise<void> {
  const matcher = compileMatcher(spec);
  const raw = rawNeedle(spec);
  const needle = raw === undefined ? undefined : Buffer.from(raw, 'latin1');
  const n = Math.min(opts.to ?? sel.offsets.length, sel.offsets.length);
  if (opts.from >= n) return;
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.allocUnsafe(BLOCK_BYTES);
    let spare = Buffer.allocUnsafe(BLOCK_BYTES);
    const read = async (b: Block, into: Buffer): Promise<Buffer> => {
      const target = into.length >= b.length ? into : Buffer.allocUnsafe(b.length);
      const { bytesRead } = await fh.read(target, 0, b.length, b.start);
      return target.subarray(0, bytesRead);
    };
    let block = nextBlock(sel, opts.from, n);
    let pending = read(block, buf);
    for (;;) {
      const data = await pending;
      if (opts.signal?.aborted) throw abortError();
      const next = block.to < n ? nextBlock(sel, block.to, n) : undefined;
      if (next) pending = read(next, spare);
      opts.emit(searchBlock(data, sel, { ...block, length: data.length }, matcher, opts, needle));
      if (!next) break;
      [buf, spare] = [spare, buf];
      block = next;
    }
  } finally {
    await fh.close();
  }
}
