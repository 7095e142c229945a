import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RolloutIndex } from './indexBuilder';
import { indexRolloutLog, updateRolloutLog, type IndexOptions } from './jsonlIndex';

const MAGIC = 'SR1IDX02';
/** Columns stored, in order, with their element types. */
const COLUMNS = [
  ['line', Uint32Array],
  ['offset', Float64Array],
  ['length', Uint32Array],
  ['step', Float64Array],
  ['run', Int32Array],
  ['group', Int32Array],
  ['sample', Int32Array],
  ['image', Int32Array],
  ['reward', Float64Array],
  ['advantage', Float64Array],
  ['completionLength', Uint32Array],
] as const;

interface Header {
  version: string;
  size: number;
  mtimeMs: number;
  scanned: number;
  nextLine: number;
  count: number;
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

/** Serialise an index: magic, header length, JSON header (tables, issues), then the typed columns 8-byte aligned. */
export function encodeIndex(index: RolloutIndex): Buffer {
  const header: Header = {
    version: MAGIC,
    size: index.size,
    mtimeMs: index.mtimeMs,
    scanned: index.scanned,
    nextLine: index.nextLine,
    count: index.count,
    runs: index.runs,
    groups: index.groups,
    images: index.images,
    components: [...index.components.keys()],
    issues: index.issues,
    ...(index.notRollouts !== undefined ? { notRollouts: index.notRollouts } : {}),
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const start = pad8(12 + h.length);
  const arrays: ArrayBufferView[] = [...COLUMNS.map(([k]) => index[k]), ...header.components.map((c) => index.components.get(c)!)];
  let total = start;
  for (const a of arrays) total += pad8(a.byteLength);
  const out = Buffer.alloc(total);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(h.length, 8);
  h.copy(out, 12);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += pad8(a.byteLength);
  }
  return out;
}

/** Inverse of encodeIndex; undefined when the bytes are not a cache of this version. */
export function decodeIndex(buf: Buffer, path: string): RolloutIndex | undefined {
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) return undefined;
  const hLen = buf.readUInt32LE(8);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hLen)) as Header;
  } catch {
    return undefined;
  }
  // Copy into a fresh aligned ArrayBuffer: Buffer pools do not guarantee 8-byte alignment.
  const body = new Uint8Array(buf.length);
  body.set(buf);
  let at = pad8(12 + hLen);
  const n = header.count;
  const take = <T>(make: new (b: ArrayBuffer, o: number, l: number) => T, bytesPer: number): T => {
    const t = new make(body.buffer, at, n);
    at += pad8(n * bytesPer);
    if (at > body.length) throw new RangeError('index cache truncated');
    return t;
  };
  try {
    const cols: Record<string, unknown> = {};
    for (const [k, T] of COLUMNS) cols[k] = take(T as unknown as new (b: ArrayBuffer, o: number, l: number) => ArrayBufferView, T.BYTES_PER_ELEMENT);
    const components = new Map<string, Float64Array>();
    for (const c of header.components) components.set(c, take(Float64Array, 8));
    return {
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
      ...(cols as Pick<RolloutIndex, (typeof COLUMNS)[number][0]>),
    };
  } catch {
    return undefined;
  }
}

/** How an index was obtained, for progress messages and tests. */
export type CacheOutcome = 'hit' | 'followed' | 'rebuilt';

/** Options of a cached index. */
export interface CachedIndexOptions extends IndexOptions {
  /** Keep caches here instead of a `.segr1/` folder beside the log. */
  readonly cacheDir?: string;
}

/**
 * Index a canonical JSONL log through a binary cache: reused while the log's size and mtime are unchanged,
 * followed incrementally when the log only grew, rebuilt otherwise. A cache that cannot be written is not an error.
 */
export async function indexRolloutLogCached(path: string, opts: CachedIndexOptions = {}): Promise<{ index: RolloutIndex; outcome: CacheOutcome }> {
  const cachePath = indexCachePath(path, opts.cacheDir);
  const st = await stat(path);
  let cached: RolloutIndex | undefined;
  try {
    cached = decodeIndex(await readFile(cachePath), path);
  } catch {
    cached = undefined;
  }
  if (cached && cached.size === st.size && cached.mtimeMs === st.mtimeMs) return { index: cached, outcome: 'hit' };
  let index: RolloutIndex;
  let outcome: CacheOutcome;
  if (cached && st.size > cached.size) {
    const u = await updateRolloutLog(cached, opts);
    index = u.index;
    outcome = u.mode === 'appended' ? 'followed' : 'rebuilt';
  } else {
    index = await indexRolloutLog(path, opts);
    outcome = 'rebuilt';
  }
  try {
    await mkdir(dirname(cachePath), { recursive: true });
    const tmp = `${cachePath}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    await writeFile(tmp, encodeIndex(index));
    await rename(tmp, cachePath);
  } catch {
    // Read-only workspace or full disk: the index is still good, only not remembered.
  }
  return { index, outcome };
}
