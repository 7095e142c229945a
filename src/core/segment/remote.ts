/**
 * SAM2 on a KServe v2 / Triton server (the workbench stays a client: segmentation scales on a model server people already run). The encoder and decoder
 * are two served models; their metadata goes through the same family detection as local files. The
 * decoder can instead run locally (it is ≈50 ms on CPU), so only the encoder needs the GPU box.
 */
import { createHash } from 'node:crypto';
import type { EmbeddingCache } from './embeddingCache';
import { createKserveBackend, type KserveModelOptions } from './remoteKserve';
import { createOrtBackend } from './sam2/ortBackend';
import type { ChannelOrder } from './sam2/preprocess';
import { Sam2Segmenter } from './sam2/sam2Segmenter';
import type { InferenceBackend } from './sam2/tensor';

/** Where the remote SAM2 lives and how to talk to it. */
export interface RemoteSam2Options extends Omit<KserveModelOptions, 'model' | 'version'> {
  readonly encoderModel: string;
  readonly decoderModel?: string;
  readonly version?: string;
  /** Run the decoder locally from this ONNX file instead of on the server. */
  readonly localDecoder?: string;
  readonly channels: ChannelOrder;
  readonly cache?: EmbeddingCache;
  readonly multimask?: boolean;
}

/** Identity of a served model for the embedding cache: server, name, version and declared I/O. */
export function remoteModelHash(url: string, model: string, version: string | undefined, io: unknown): string {
  return createHash('sha256').update(JSON.stringify({ url, model, version: version ?? '', io })).digest('hex');
}

/** Connect to a remote SAM2 and return it as a Segmenter (label "… remote:<url>"). */
export async function createRemoteSam2(opts: RemoteSam2Options, signal?: AbortSignal): Promise<Sam2Segmenter> {
  const encoder = await createKserveBackend({ ...opts, model: opts.encoderModel }, signal);
  let decoder: InferenceBackend;
  if (opts.localDecoder) decoder = await createOrtBackend(opts.localDecoder);
  else if (opts.decoderModel) decoder = await createKserveBackend({ ...opts, model: opts.decoderModel }, signal);
  else throw new Error('remote SAM2 needs decoderModel (served) or localDecoder (ONNX file)');
  return new Sam2Segmenter({
    encoder, decoder,
    modelHash: remoteModelHash(opts.url, opts.encoderModel, opts.version, encoder.io),
    modelName: opts.encoderModel,
    channels: opts.channels,
    cache: opts.cache,
    multimask: opts.multimask,
    kind: 'remote',
    location: opts.url,
  });
}
