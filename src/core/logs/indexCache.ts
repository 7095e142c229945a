import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RolloutIndex } from './indexBuilder';
import { columnBytes, COLUMNS_SIGNATURE, INDEX_COLUMNS, viewColumn, type IndexColumns } from './indexColumns';
import { MAX_ISSUES } from './issues';
import { indexRolloutLog, updateRolloutLog, type IndexOptions } from './jsonlIndex';

/** Version 04 added `columns` to the header; an 03 cache (same columns, no signature) is rebuilt once. */
const MAGIC = 'SR1IDX04';
/** Fixed prefix: magic (8 bytes), header length (u32), checksum of every byte after the prefix (u32). */
const PREFIX = 16;
/** Bytes of the log's start and of its end hashed into the header: a cache hit reads these, never the whole log. */
export const SAMPLE_BYTES = 64 * 1024;
/**
 * A cache larger than this many times its log (plus HEADER_SLACK) is not read: a real one holds ~64 bytes of columns
 * per record of at least 17 bytes, plus 8 per reward component; a hostile `.segr1/` in a cloned workspace could hold gigabytes.
 */
export const MAX_CACHE_RATIO = 16;
const HEADER_SLACK = 16 * 1024 * 1024;

interface Header {
  version: string;
  size: number;
  mtimeMs: number;
  scanned: number;
  nextLine: number;
  count: number;
  /** The column table the cache was written under (COLUMNS_SIGNATURE): the columns follow in that order. */
  columns: string;
  /** sha1 of the log's first and last SAMPLE_BYTES (of `size` bytes) when it was indexed. */
  sample: string;
  runs: string[];
  groups: string[];
  images: string[];
  components: string[];
  issues: RolloutIndex['issues'];
  notRollouts?: string;
}

/** Where the cache of a log lives: `<dir>/.segr1/<name>.<hash>.idx`, or in `cacheDir`; the hash keeps same-named logs apart. */
export function indexCachePath(logPath: string, cacheDir?: string): string {
  const abs = resolve(logPath);
  const h = createHash('sha1').update(abs).digest('hex').slice(0, 10);
  return join(cacheDir ?? join(dirname(abs), '.segr1'), `${basename(abs)}.${h}.idx`);
}

const pad8 = (n: number) => (n + 7) & ~7;

/**
 * sha1 of the first and last SAMPLE_BYTES of the log's first `size` bytes (the size it was indexed at): a log that
 * was only appended to still matches; one rewritten at its start or end does not, whatever its size and mtime say.
 */
export async function logSample(path: string, size: number): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const headLen = Math.min(size, SAMPLE_BYTES);
    const tailStart = Math.max(headLen, size - SAMPLE_BYTES);
    const buf = Buffer.alloc(headLen + (size - tailStart));
    const a = await fh.read(buf, 0, headLen, 0);
    const b = size > tailStart ? await fh.read(buf, headLen, size - tailStart, tailStart) : { bytesRead: 0 };
    return createHash('sha1').update(`${size}:${a.bytesRead + b.bytesRead}:`).update(buf).digest('hex');
  } finally {
    await fh.close();
  }
}

/**
 * FNV-1a over 32-bit little-endian words in four interleaved lanes (so the multiplies overlap), folded into one u32:
 * catches flipped bits and torn writes in a cache at ~1 GB/s, 2-3x what sha1 does in Node on the same bytes.
 */
export function checksum32(bytes: Uint8Array): number {
  // Callers hand an 8-byte aligned copy whose length is a multiple of 8 (every part of a cache is padded to 8).
  const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  const P = 0x01000193;
  let a = 0x811c9dc5 | 0;
  let b = 0x9e3779b1 | 0;
  let c = 0x85ebca77 | 0;
  let d = 0xc2b2ae3d | 0;
  const n = w.length & ~3;
  for (let i = 0; i < n; i += 4) {
    a = Math.imul(a ^ w[i]!, P);
    b = Math.imul(b ^ w[i + 1]!, P);
    c = Math.imul(c ^ w[i + 2]!, P);
    d = Math.imul(d ^ w[i + 3]!, P);
  }
  for (let i = n; i < w.length; i++) a = Math.imul(a ^ w[i]!, P);
  return (Math.imul(a ^ (b >>> 15), P) ^ Math.imul(c ^ (d >>> 15), 0x5bd1e995) ^ w.length) >>> 0;
}

/** Serialise an index: prefix, JSON header (tables, issues, the log's sample hash), then the typed columns 8-byte aligned. */
export function encodeIndex(index: RolloutIndex, sample: string): Buffer {
  const header: Header = {
    version: MAGIC,
    size: index.size,
    mtimeMs: index.mtimeMs,
    scanned: index.scanned,
    nextLine: index.nextLine,
    count: index.count,
    columns: COLUMNS_SIGNATURE,
    sample,
    runs: index.runs,
    groups: index.groups,
    images: index.images,
    components: [...index.components.keys()],
    issues: index.issues,
    ...(index.notRollouts !== undefined ? { notRollouts: index.notRollouts } : {}),
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const start = pad8(PREFIX + h.length);
  const arrays: ArrayBufferView[] = [...INDEX_COLUMNS.map((c) => index[c.name]), ...header.components.map((c) => index.components.get(c)!)];
  let total = start;
  for (const a of arrays) total += pad8(a.byteLength);
  // A fresh ArrayBuffer (not a pooled slice): 8-byte aligned, so the checksum reads it as words.
  const out = Buffer.from(new ArrayBuffer(total));
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(h.length, 8);
  h.copy(out, PREFIX);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += pad8(a.byteLength);
  }
  out.writeUInt32LE(checksum32(out.subarray(PREFIX)), 12);
  return out;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** What is wrong with a decoded header (every field typed, sizes consistent), or undefined when nothing is. */
function headerProblem(h: unknown): string | undefined {
  if (typeof h !== 'object' || h === null || Array.isArray(h)) return 'header is not an object';
  const o = h as Record<string, unknown>;
  if (o.version !== MAGIC) return `header version ${JSON.stringify(o.version)} is not ${MAGIC}`;
  if (o.columns !== COLUMNS_SIGNATURE) return `header field 'columns' (${JSON.stringify(o.columns)}) is not this version's column table (${COLUMNS_SIGNATURE})`;
  for (const k of ['size', 'scanned', 'count'] as const) if (!isCount(o[k])) return `header field '${k}' is not a non-negative integer`;
  if (typeof o.mtimeMs !== 'number' || !Number.isFinite(o.mtimeMs)) return "header field 'mtimeMs' is not a finite number";
  if (!isCount(o.nextLine) || o.nextLine < 1) return "header field 'nextLine' is not a positive integer";
  if ((o.scanned as number) > (o.size as number)) return `header field 'scanned' (${String(o.scanned)}) is past the log's size (${String(o.size)})`;
  if ((o.count as number) > (o.size as number)) return `header field 'count' (${String(o.count)}) exceeds the log's ${String(o.size)} bytes`;
  if (typeof o.sample !== 'string' || !/^[0-9a-f]{40}$/.test(o.sample)) return "header field 'sample' is not a sha1 hex digest";
  for (const k of ['runs', 'groups', 'images', 'components'] as const) if (!isStrings(o[k])) return `header field '${k}' is not a list of strings`;
  if (new Set(o.components as string[]).size !== (o.components as string[]).length) return "header field 'components' names a component twice";
  if (!Array.isArray(o.issues) || o.issues.length > MAX_ISSUES + 1) return "header field 'issues' is not a list of at most the issue cap";
  for (const [k, i] of (o.issues as unknown[]).entries()) {
    const x = i as Record<string, unknown> | null;
    const ok = typeof x === 'object' && x !== null && isCount(x.line) && (x.severity === 'error' || x.severity === 'warning') && typeof x.message === 'string' && (x.field === undefined || typeof x.field === 'string') && (x.file === undefined || typeof x.file === 'string');
    if (!ok) return `header field 'issues[${k}]' is not a log issue`;
  }
  if (o.notRollouts !== undefined && typeof o.notRollouts !== 'string') return "header field 'notRollouts' is not a string";
  return undefined;
}

/** What is wrong with the columns (ids in their tables, lines and byte ranges in order and inside the log), or undefined. */
function columnsProblem(ix: RolloutIndex): string | undefined {
  // Columns and bounds in locals: the index object is built by spreads, and its property loads would dominate the loops.
  const { count: n, nextLine, size, line, offset, length, sample } = ix;
  let prevLine = 0;
  let prevEnd = 0;
  for (let i = 0; i < n; i++) {
    const l = line[i]!;
    if (l <= prevLine || l > nextLine) return `record ${i}: line ${l} out of order or past line ${nextLine}`;
    prevLine = l;
    const off = offset[i]!;
    const end = off + length[i]!;
    if (!(off >= prevEnd && end <= size && Math.floor(off) === off)) return `record ${i}: byte range [${off}, ${end}) overlaps the previous record or leaves the log's ${size} bytes`;
    prevEnd = end;
  }
  // Every id column indexes its table; a sample is an index or -1.
  const tables: Array<readonly [string, ArrayLike<number>, number]> = [];
  for (const c of INDEX_COLUMNS) if ('table' in c) tables.push([c.name, ix[c.name], ix[c.table].length]);
  tables.push(['sample', sample, 0x7fffffff]);
  for (const [k, col, m] of tables) {
    for (let i = 0; i < n; i++) {
      const v = col[i]!;
      if (v < -1 || v >= m) return `record ${i}: ${k} ${k === 'sample' ? v : `id ${v}`} is not ${k === 'sample' ? 'an index or -1' : `in its table of ${m}`}`;
    }
  }
  return undefined;
}

/** A decoded cache, or why the bytes are not a trustworthy one. */
export type DecodedCache = { readonly index: RolloutIndex; readonly sample: string } | { readonly reason: string };

/**
 * Inverse of encodeIndex, trusting nothing: the checksum, the header's schema, the exact length its counts imply,
 * and the columns' ranges are all checked before the index is returned; else why not.
 */
export function decodeIndex(buf: Uint8Array, path: string): DecodedCache {
  if (buf.length < PREFIX || Buffer.from(buf.buffer, buf.byteOffset, 8).toString('latin1') !== MAGIC) return { reason: `not an index cache of version ${MAGIC}` };
  if (buf.length % 8 !== 0) return { reason: `cache of ${buf.length} bytes is not 8-byte padded (truncated?)` };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hLen = view.getUint32(8, true);
  if (hLen > buf.length - PREFIX) return { reason: `header of ${hLen} bytes declared in a cache of ${buf.length}` };
  // Copy into a fresh aligned ArrayBuffer: Buffer pools do not guarantee 8-byte alignment.
  const body = new Uint8Array(buf.length);
  body.set(buf);
  const sum = checksum32(body.subarray(PREFIX));
  if (sum !== view.getUint32(12, true)) return { reason: 'checksum mismatch (the cache file is corrupt)' };
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(body.buffer, PREFIX, hLen).toString('utf8')) as Header;
  } catch (e) {
    return { reason: `header is not JSON (${e instanceof Error ? e.message : String(e)})` };
  }
  const bad = headerProblem(header);
  if (bad) return { reason: bad };
  const n = header.count;
  let expected = pad8(PREFIX + hLen);
  for (const c of INDEX_COLUMNS) expected += pad8(n * columnBytes(c));
  expected += header.components.length * pad8(n * 8);
  if (expected !== body.length) return { reason: `${n} records and ${header.components.length} components make ${expected} bytes, the cache has ${body.length}` };
  let at = pad8(PREFIX + hLen);
  const cols: Record<string, unknown> = {};
  for (const c of INDEX_COLUMNS) {
    cols[c.name] = viewColumn(c, body.buffer, at, n);
    at += pad8(n * columnBytes(c));
  }
  const components = new Map<string, Float64Array>();
  for (const name of header.components) {
    components.set(name, new Float64Array(body.buffer, at, n));
    at += pad8(n * 8);
  }
  const index: RolloutIndex = {
    path,
    size: header.size,
    mtimeMs: header.mtimeMs,
    scanned: header.scanned,
    nextLine: header.nextLine,
    count: n,
    runs: header.runs,
    groups: header.groups,
    images: header.images,
    issues: header.issues,
    ...(header.notRollouts !== undefined ? { notRollouts: header.notRollouts } : {}),
    components,
    ...(cols as unknown as IndexColumns),
  };
  const colBad = columnsProblem(index);
  return colBad ? { reason: colBad } : { index, sample: header.sample };
}

/** How an index was obtained, for progress messages and tests. */
export type CacheOutcome = 'hit' | 'followed' | 'rebuilt';

/** Options of a cached index. */
export interface CachedIndexOptions extends IndexOptions {
  /** Keep caches here instead of a `.segr1/` folder beside the log. */
  readonly cacheDir?: string;
}

/** A cached index: how it was obtained and, when a cache was there but not used, why (for the log channel). */
export interface CachedIndex {
  readonly index: RolloutIndex;
  readonly outcome: CacheOutcome;
  readonly reason?: string;
}

/** The cache at `cachePath` for a log of `logSize` bytes, or why it cannot be used; undefined when there is none yet. */
async function readCache(cachePath: string, path: string, logSize: number): Promise<DecodedCache | undefined> {
  let size: number;
  try {
    size = (await stat(cachePath)).size;
  } catch {
    return undefined;
  }
  const cap = MAX_CACHE_RATIO * logSize + HEADER_SLACK;
  if (size > cap) return { reason: `cache of ${size} bytes exceeds the ${cap}-byte cap for a log of ${logSize} bytes` };
  try {
    return decodeIndex(await readFile(cachePath), path);
  } catch (e) {
    return { reason: `cache unreadable (${e instanceof Error ? e.message : String(e)})` };
  }
}

/**
 * Index a canonical JSONL log through a binary cache that proves itself: reused while the log's size, mtime and the
 * hash of its first and last 64 KiB match (and the cache's checksum, header schema and columns check out), followed
 * incrementally when the log only grew, rebuilt otherwise, with the reason. A cache that cannot be written is not an error.
 */
export async function indexRolloutLogCached(path: string, opts: CachedIndexOptions = {}): Promise<CachedIndex> {
  const cachePath = indexCachePath(path, opts.cacheDir);
  const st = await stat(path);
  const decoded = await readCache(cachePath, path, st.size);
  let reason = decoded && 'reason' in decoded ? decoded.reason : undefined;
  const cached = decoded && 'index' in decoded ? decoded : undefined;
  if (cached) {
    const c = cached.index;
    // A hit and a follow both need the log's bytes up to the cached size unchanged: hash its start and end again.
    if (st.size < c.size) reason = `the log shrank from ${c.size} to ${st.size} bytes`;
    else if ((await logSample(path, c.size)) !== cached.sample) reason = `the log's first or last ${SAMPLE_BYTES / 1024} KiB changed since it was indexed (rewritten in place)`;
    else if (st.size === c.size && st.mtimeMs === c.mtimeMs) return { index: c, outcome: 'hit' };
    else if (st.size === c.size) reason = 'the log was rewritten (same size, new mtime)';
  }
  let index: RolloutIndex;
  let outcome: CacheOutcome;
  if (cached && reason === undefined) {
    const u = await updateRolloutLog(cached.index, opts);
    index = u.index;
    outcome = u.mode === 'appended' ? 'followed' : 'rebuilt';
    if (outcome === 'rebuilt') reason = 'the log changed before its old end, not only appended to';
  } else {
    index = await indexRolloutLog(path, opts);
    outcome = 'rebuilt';
  }
  try {
    const sample = await logSample(path, index.size);
    await mkdir(dirname(cachePath), { recursive: true });
    const tmp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, encodeIndex(index, sample));
    await rename(tmp, cachePath);
  } catch {
    // Read-only workspace or full disk: the index is still good, only not remembered.
  }
  return { index, outcome, ...(reason !== undefined ? { reason } : {}) };
}
