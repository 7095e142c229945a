/** Open a local SAM2 export (encoder + decoder files) as a Segmenter over onnxruntime-node. */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EmbeddingCache } from '../embeddingCache';
import { createOrtBackend } from './ortBackend';
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
  /** Label name; default derived from the file names. */
  readonly modelName?: string;
  readonly onProgress?: (key: string, p: EncodeProgress) => void;
}

/** External-data files next to a model that belong to it (`x.onnx_data`, `x.onnx.data`, `x.onnx_data_1`, …). */
export async function sidecarsOf(modelPath: string): Promise<string[]> {
  const dir = dirname(modelPath), base = basename(modelPath);
  const stem = base.replace(/\.onnx$/i, '');
  let names: string[] = [];
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
    createOrtBackend(paths.encoder, { threads: options.threads }),
    createOrtBackend(paths.decoder, { threads: options.threads }),
    hashModel(paths.encoder),
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
