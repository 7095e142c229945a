/** Open a local SAM2 export (encoder + decoder files) as a Segmenter over onnxruntime-node. */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { EmbeddingCache } from '../embeddingCache';
import { createLazyOrtBackend, createOrtBackend } from './ortBackend';
import type { ChannelOrder } from './preprocess';
import { Sam2Segmenter, type EncodeProgress } from './sam2Segmenter';

/** Where a SAM2 export lives. */
export interface Sam2Paths {
  readonly encoder: string;
  readonly decoder: string;
}

/** Options for loadSam2(). */
export interface LoadSam2Options {
  readonly channels: ChannelOrder;
  readonly cache?: EmbeddingCache;
  readonly threads?: number;
  readonly multimask?: boolean;
  /** Create the encoder session on first use (a cache hit then never loads it); default false: warm at load. */
  readonly lazyEncoder?: boolean;
  /** Label name; default derived from the file names. */
  readonly modelName?: string;
  readonly onProgress?: (key: string, p: EncodeProgress) => void;
}

/** External-data files next to a model that belong to it (`x.onnx_data`, `x.onnx.data`, `x.onnx_data_1`, …). */
export async function sidecarsOf(modelPath: string): Promise<string[]> {
  const dir = dirname(modelPath), base = basename(modelPath);
  const stem = base.replace(/\.onnx$/i, '');
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  return names.filter((n) => n !== base && (n.startsWith(`${base}_data`) || n.startsWith(`${base}.data`) || n.startsWith(`${stem}.onnx_data`))).sort().map((n) => join(dir, n));
}

/** SHA-256 over a model file and its external-data sidecars, streamed (encoders are ≈100 MB). */
export async function hashModel(modelPath: string): Promise<string> {
  const h = createHash('sha256');
  for (const p of [modelPath, ...(await sidecarsOf(modelPath))]) {
    h.update(`${basename(p)}\0`);
    await new Promise<void>((resolve, reject) => {
      createReadStream(p, { highWaterMark: 1 << 22 }).on('data', (c) => h.update(c)).on('end', resolve).on('error', reject);
    });
  }
  return h.digest('hex');
}

/**
 * hashModel, remembered in `<cacheDir>/model-hashes.json` by path, size and mtime of the model and its
 * sidecars, so reopening an unchanged 100 MB export does not re-read it. Without a cache dir: plain hashModel.
 */
export async function hashModelMemo(modelPath: string, cacheDir?: string): Promise<string> {
  if (!cacheDir) return hashModel(modelPath);
  const files = [modelPath, ...(await sidecarsOf(modelPath))];
  const stamp = (await Promise.all(files.map(async (f) => {
    const st = await fs.stat(f);
    return `${resolve(f)}:${st.size}:${st.mtimeMs}`;
  }))).join('|');
  const memoPath = join(cacheDir, 'model-hashes.json');
  let memo: Record<string, string> = {};
  try {
    memo = JSON.parse(await fs.readFile(memoPath, 'utf8')) as Record<string, string>;
  } catch {
    // First use or unreadable: rebuilt below.
  }
  const known = memo[stamp];
  if (typeof known === 'string' && /^[0-9a-f]{64}$/.test(known)) return known;
  const hash = await hashModel(modelPath);
  memo[stamp] = hash;
  try {
    await fs.mkdir(cacheDir, { recursive: true });
    const tmp = `${memoPath}.${process.pid}.${Date.now()}.tmp`;
    await fs.writeFile(tmp, JSON.stringify(memo));
    await fs.rename(tmp, memoPath);
  } catch {
    // A memo that cannot be written only costs a re-hash next time.
  }
  return hash;
}

/** A readable model name from the file names, e.g. "sam2_hiera_tiny" or the folder of a family E export. */
export function modelNameOf(paths: Sam2Paths): string {
  const enc = basename(paths.encoder).replace(/\.onnx$/i, '');
  if (/^(vision_encoder|encoder|image_encoder)(_\w+)?$/i.test(enc)) {
    const dir = basename(dirname(paths.encoder));
    return dir === 'onnx' ? basename(dirname(dirname(paths.encoder))) : dir;
  }
  return enc.replace(/[._-]?(image_)?encoder$/i, '').replace(/[._-]preprocess$/i, '') || enc;
}

/** Load a local export: detect its family, hash the encoder (cache key) and warm both sessions. */
export async function loadSam2(paths: Sam2Paths, options: LoadSam2Options): Promise<Sam2Segmenter> {
  const [encoder, decoder, modelHash] = await Promise.all([
    options.lazyEncoder ? createLazyOrtBackend(paths.encoder, { threads: options.threads }) : createOrtBackend(paths.encoder, { threads: options.threads }),
    createOrtBackend(paths.decoder, { threads: options.threads }),
    hashModelMemo(paths.encoder, options.cache?.dir),
  ]);
  try {
    return new Sam2Segmenter({
      encoder, decoder, modelHash,
      modelName: options.modelName ?? modelNameOf(paths),
      channels: options.channels,
      cache: options.cache,
      multimask: options.multimask,
      onProgress: options.onProgress,
    });
  } catch (e) {
    await Promise.all([encoder.dispose(), decoder.dispose()]);
    throw e;
  }
}
