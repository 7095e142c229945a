/**
 * Messages between the extension host and the segmentation worker (dist/segmentWorker.js), carried by
 * RpcEndpoint. Pixels, masks and logits are typed arrays whose buffers are transferred, never serialised.
 */
import type { EncodedImage, SegmenterInfo, SegmentPrompt } from '../core/segment/segmenter';

/** Channel order fed to the SAM2 encoder. */
export type WorkerChannelOrder = 'rgb' | 'bgr';

/** `model/load`: open a local SAM2 export in the worker (one warm session pair per model id). */
export interface LoadModelParams {
  readonly encoder: string;
  readonly decoder: string;
  readonly channels: WorkerChannelOrder;
  /** Embedding cache directory; none → memory only. */
  readonly cacheDir?: string;
  /** Cache size bound in bytes. */
  readonly cacheMaxBytes?: number;
  /** ORT intra-op threads (0: ORT default). */
  readonly threads?: number;
  readonly multimask?: boolean;
}

/** `model/loadRemote`: SAM2 on a KServe v2 / Triton server, driven from the worker (HTTP and tensor parsing stay off the host thread). */
export interface LoadRemoteModelParams {
  /** Server base URL, e.g. http://gpu-box:8000 */
  readonly url: string;
  readonly encoderModel: string;
  /** Served decoder model; or `localDecoder` to decode on this machine. */
  readonly decoderModel?: string;
  readonly localDecoder?: string;
  readonly version?: string;
  readonly channels: WorkerChannelOrder;
  readonly cacheDir?: string;
  readonly cacheMaxBytes?: number;
  /** Per-attempt HTTP timeout, ms. */
  readonly timeoutMs?: number;
  /** Extra attempts on network errors, 429 and 5xx. */
  readonly retries?: number;
  /** Triton binary tensor extension (default true). */
  readonly binary?: boolean;
  readonly headers?: Readonly<Record<string, string>>;
  readonly multimask?: boolean;
}

/** Reply to `model/load`. */
export interface LoadModelResult {
  /** Handle for later requests. */
  readonly modelId: string;
  readonly info: SegmenterInfo;
  /** Export family A–E. */
  readonly family: string;
  /** Whether the decoder takes low-res mask feedback. */
  readonly acceptsMaskInput: boolean;
}

/** An RGB raster crossing the thread boundary (buffer transferred). */
export interface RgbPayload {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** `image/encode`: pixels (transferred) or a file the worker decodes with sharp. */
export interface EncodeParams {
  readonly modelId: string;
  readonly image?: RgbPayload;
  readonly path?: string;
  /** Echoed in `encode/progress` notifications so the host can route them. */
  readonly progressToken?: string;
}

/** Reply to `image/encode`. */
export interface EncodeResult extends EncodedImage {
  /** True when the embedding came from a cache rather than the encoder. */
  readonly cached: boolean;
}

/** `mask/decode`: one prompt against an encoded image. */
export interface DecodeParams {
  readonly modelId: string;
  readonly encoded: EncodedImage;
  readonly prompt: SegmentPrompt;
}

/** Reply to `mask/decode` (mask and logits buffers transferred). */
export interface DecodeResult {
  readonly mask: { readonly width: number; readonly height: number; readonly data: Uint8Array };
  readonly score?: number;
  readonly lowResLogits?: Float32Array;
}

/** Requests the host sends to the worker. */
export type HostToWorker = {
  'model/load': { params: LoadModelParams; result: LoadModelResult };
  'model/loadRemote': { params: LoadRemoteModelParams; result: LoadModelResult };
  'image/encode': { params: EncodeParams; result: EncodeResult };
  'mask/decode': { params: DecodeParams; result: DecodeResult };
  'model/dispose': { params: { readonly modelId: string }; result: null };
  /** Counters for the encode-once check: encoder and decoder runs per model. */
  'model/stats': { params: { readonly modelId: string }; result: { readonly encoderRuns: number; readonly decoderRuns: number } };
};

/** Encoder progress, per request. */
export interface EncodeProgressNote {
  readonly progressToken: string;
  readonly phase: 'queued' | 'decode' | 'hash' | 'cache' | 'preprocess' | 'encoder' | 'cacheWrite' | 'done';
  /** 0..1 over the whole encode. */
  readonly fraction: number;
}

/** Notifications the worker sends to the host. */
export type WorkerToHost = {
  'encode/progress': EncodeProgressNote;
};
