/**
 * On-disk cache of SAM2 image embeddings, one file per (image content, encoder model, channel order).
 *
 * File layout: magic "SEGR1EMB", u32 header length, JSON header {tensors:[{name,type,dims,byteLength}], sha256},
 * then the raw tensor bytes. The header's sha256 covers the payload, so a truncated or corrupt file is
 * detected, deleted and reported as a miss (the caller recomputes). Writes go to a unique temp file then
 * rename(), which is atomic on one filesystem: concurrent writers of the same key each publish a complete
 * file and the last rename wins. Size is bounded; least-recently-used entries (by mtime, touched on hit)
 * are evicted after each write.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { TensorData, TensorType } from './sam2/tensor';

const MAGIC = Buffer.from('SEGR1EMB');
const SUFFIX = '.emb';

/** Options of an embedding cache. */
export interface EmbeddingCacheOptions {
  /** Directory holding the entries (created on first write). */
  readonly dir: string;
  /** Upper bound on the total size of entries, bytes (default 2 GiB). */
  readonly maxBytes?: number;
}

/** Cache key: content hash of the image pixels + model file hash + channel order. */
export function embeddingKey(imageHash: string, modelHash: string, channels: string): string {
  return createHash('sha256').update(`${imageHash}\0${modelHash}\0${channels}`).digest('hex');
}

/** SHA-256 of an RGB raster's size and pixels (the image half of the cache key). */
export function imageContentHash(img: { width: number; height: number; data: Uint8Array }): string {
  const h = createHash('sha256');
  h.update(`${img.width}x${img.height}x3\0`);
  h.update(img.data);
  return h.digest('hex');
}

interface HeaderTensor {
  name: string;
  type: TensorType;
  dims: number[];
  byteLength: number;
}

function storageFor(type: TensorType, bytes: Buffer): TensorData['data'] {
  // Copy into a fresh, aligned ArrayBuffer so the tensors are transferable and properly aligned.
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  switch (type) {
    case 'float32': return new Float32Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'bool': return new Uint8Array(buf);
  }
}

/** Disk cache of named tensors keyed by embeddingKey(). */
export class EmbeddingCache {
  readonly dir: string;
  readonly maxBytes: number;
  /** Counters, for tests and the benchmark. */
  readonly stats = { hits: 0, misses: 0, corrupt: 0, writes: 0, evictions: 0 };

  constructor(options: EmbeddingCacheOptions) {
    this.dir = options.dir;
    this.maxBytes = options.maxBytes ?? 2 * 1024 ** 3;
  }

  /** Path of an entry. */
  pathOf(key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new RangeError(`invalid cache key '${key}'`);
    return join(this.dir, key + SUFFIX);
  }

  /** The tensors stored under key, or undefined on a miss; a corrupt entry is deleted and counted as a miss. */
  async get(key: string): Promise<Record<string, TensorData> | undefined> {
    const path = this.pathOf(key);
    let file: Buffer;
    try {
      file = await fs.readFile(path);
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const parsed = decodeEntry(file);
    if (!parsed) {
      this.stats.corrupt++;
      this.stats.misses++;
      await fs.rm(path, { force: true });
      return undefined;
    }
    this.stats.hits++;
    const now = new Date();
    await fs.utimes(path, now, now).catch(() => undefined);
    return parsed;
  }

  /** Store tensors under key (atomic: temp file + rename), then evict down to the size bound. */
  async put(key: string, tensors: Readonly<Record<string, TensorData>>): Promise<void> {
    const path = this.pathOf(key);
    await fs.mkdir(this.dir, { recursive: true });
    const tmp = join(this.dir, `.${key}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      // Header and tensor bytes written in turn: no 16 MB concatenation copy.
      const fh = await fs.open(tmp, 'w');
      try {
        for (const part of entryParts(tensors)) await fh.write(part);
      } finally {
        await fh.close();
      }
      await fs.rename(tmp, path);
    } catch (e) {
      await fs.rm(tmp, { force: true });
      throw e;
    }
    this.stats.writes++;
    await this.evict(path);
  }

  /** Remove least-recently-used entries until the total fits maxBytes (never the entry just written). */
  async evict(keep?: string): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch {
      return;
    }
    const entries: { path: string; size: number; mtime: number }[] = [];
    for (const n of names) {
      if (!n.endsWith(SUFFIX)) continue;
      const p = join(this.dir, n);
      try {
        const st = await fs.stat(p);
        entries.push({ path: p, size: st.size, mtime: st.mtimeMs });
      } catch {
        // Removed by a concurrent evictor.
      }
    }
    let total = entries.reduce((s, e) => s + e.size, 0);
    entries.sort((a, b) => a.mtime - b.mtime);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.path === keep) continue;
      await fs.rm(e.path, { force: true });
      total -= e.size;
      this.stats.evictions++;
    }
  }
}

/** Serialize tensors into the cache file format. */
export function encodeEntry(tensors: Readonly<Record<string, TensorData>>): Buffer {
  return Buffer.concat(entryParts(tensors));
}

/** The cache file as consecutive parts: magic + header length + header, then each tensor's bytes (views, not copies). */
function entryParts(tensors: Readonly<Record<string, TensorData>>): Buffer[] {
  const header: { tensors: HeaderTensor[]; sha256: string } = { tensors: [], sha256: '' };
  const parts: Buffer[] = [];
  const hash = createHash('sha256');
  for (const [name, t] of Object.entries(tensors)) {
    const bytes = Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header.tensors.push({ name, type: t.type, dims: [...t.dims], byteLength: bytes.length });
    hash.update(bytes);
    parts.push(bytes);
  }
  header.sha256 = hash.digest('hex');
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(h.length);
  return [Buffer.concat([MAGIC, len, h]), ...parts];
}

/** Parse a cache file; undefined when it is truncated, has a bad header or fails its checksum. */
export function decodeEntry(file: Buffer): Record<string, TensorData> | undefined {
  if (file.length < MAGIC.length + 4 || !file.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const hlen = file.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4 + hlen;
  if (start > file.length) return undefined;
  let header: { tensors: HeaderTensor[]; sha256: string };
  try {
    header = JSON.parse(file.subarray(MAGIC.length + 4, start).toString('utf8')) as typeof header;
  } catch {
    return undefined;
  }
  if (!Array.isArray(header.tensors) || typeof header.sha256 !== 'string') return undefined;
  const total = header.tensors.reduce((s, t) => s + t.byteLength, 0);
  if (start + total !== file.length) return undefined;
  if (createHash('sha256').update(file.subarray(start)).digest('hex') !== header.sha256) return undefined;
  const out: Record<string, TensorData> = {};
  let o = start;
  for (const t of header.tensors) {
    out[t.name] = { type: t.type, dims: t.dims, data: storageFor(t.type, file.subarray(o, o + t.byteLength)) };
    o += t.byteLength;
  }
  return out;
}
