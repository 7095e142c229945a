/**
 * SAM2 as a Segmenter over any pair of inference backends (local ORT, remote KServe): encode once per
 * (image, encoder model, channel order) — memory first, then the disk cache, then the encoder — and decode
 * every prompt against the cached features.
 */
import type { RgbImage, Size } from '../../image/types';
import { embeddingKey, imageContentHash, type EmbeddingCache } from '../embeddingCache';
import type { EncodedImage, SegmentPrompt, SegmentResult, Segmenter, SegmenterInfo } from '../segmenter';
import { declaredMaskCount, detectFamily, type FamilySpec } from './families';
import { chooseMask, maskFromBool, thresholdLogits, upsampleMask } from './postprocess';
import { sam2PixelTensor, SAM2_INPUT, type ChannelOrder } from './preprocess';
import { LOW_RES, promptFeeds, takesMaskInput } from './prompt';
import { abortError } from './ortBackend';
import { elementCount, numberAt, type InferenceBackend, type TensorData } from './tensor';

/** The three encoder outputs, under role names. */
export interface Sam2Features {
  readonly embed: TensorData;
  readonly feat0: TensorData;
  readonly feat1: TensorData;
}

/** Encoder progress, reported by phase. */
export interface EncodeProgress {
  readonly phase: 'hash' | 'cache' | 'preprocess' | 'encoder' | 'cacheWrite' | 'done';
  /** 0..1 over the whole encode. */
  readonly fraction: number;
}

/** How to build a SAM2 segmenter. */
export interface Sam2SegmenterOptions {
  readonly encoder: InferenceBackend;
  readonly decoder: InferenceBackend;
  /** Content hash of the encoder model (and its weights sidecar): half of the embedding cache key. */
  readonly modelHash: string;
  /** Short model name for the label, e.g. "sam2.1_hiera_tiny". */
  readonly modelName: string;
  /** Channel order fed to the encoder; 'bgr' reproduces Seg-R1 training (cv2 BGR array treated as RGB). */
  readonly channels: ChannelOrder;
  readonly cache?: EmbeddingCache;
  /** Pick among the multimask outputs by predicted IoU (default true, as Seg-R1 evaluates). */
  readonly multimask?: boolean;
  /** Label kind: 'remote' when the backends are a server. */
  readonly kind?: 'sam2' | 'remote';
  /** Where the engine lives, for the id of remote engines. */
  readonly location?: string;
  /** Encoded images kept in memory (default 4; each ≈16 MB). */
  readonly memoryEntries?: number;
  readonly onProgress?: (key: string, p: EncodeProgress) => void;
}

/** What encode returns: the features live in the segmenter's memory LRU under `key`. */
export interface Sam2Encoded extends EncodedImage {
  /** True when the features came from the disk or memory cache instead of the encoder. */
  readonly cached: boolean;
}

/** A SAM2 engine; `encoderRuns` counts real encoder invocations (the encode-once check). */
export class Sam2Segmenter implements Segmenter {
  readonly info: SegmenterInfo;
  readonly family: FamilySpec;
  readonly channels: ChannelOrder;
  /** Real encoder invocations (the encode-once check). */
  encoderRuns = 0;
  /** Decoder invocations. */
  decoderRuns = 0;
  /** Duration of the last encoder run (first guess: SAM2-tiny on 2 CPU threads), for progress ticks. */
  private encoderMsEstimate = 2500;
  private readonly memory = new Map<string, Sam2Features>();
  private readonly inflight = new Map<string, Promise<{ feats: Sam2Features; fromEncoder: boolean }>>();
  /** Masks per prompt the decoder returns (3, or 4 with a single-mask output first). */
  readonly maskCount: number;

  constructor(private readonly opts: Sam2SegmenterOptions) {
    this.family = detectFamily(opts.encoder.io, opts.decoder.io);
    this.channels = opts.channels;
    this.maskCount = declaredMaskCount(opts.decoder.io, this.family);
    const kind = opts.kind ?? 'sam2';
    const where = kind === 'remote' ? `remote:${opts.location ?? '?'}` : 'sam2';
    this.info = {
      id: `${where}:${opts.modelHash.slice(0, 16)}:${opts.channels}`,
      label: `SAM2 (${opts.modelName}, family ${this.family.id}, ${opts.channels.toUpperCase()} input${kind === 'remote' ? `, ${opts.location ?? 'remote'}` : ''})`,
      kind,
    };
  }

  /** True when the decoder accepts low-res mask feedback. */
  get acceptsMaskInput(): boolean {
    return takesMaskInput(this.family, this.opts.decoder.io);
  }

  /** Encode (or fetch from cache); `onProgress` reports this call's phases in addition to the constructor's listener. */
  async encode(image: RgbImage, signal?: AbortSignal, onProgress?: (p: EncodeProgress) => void): Promise<Sam2Encoded> {
    const key = embeddingKey(imageContentHash(image), this.opts.modelHash, this.channels);
    const base = { key, width: image.width, height: image.height };
    if (this.memory.has(key)) {
      this.touch(key);
      return { ...base, cached: true };
    }
    let job = this.inflight.get(key);
    if (!job) {
      job = this.compute(key, image, signal, onProgress);
      this.inflight.set(key, job);
      const drop = (): void => void this.inflight.delete(key);
      job.then(drop, drop);
    }
    let result: { feats: Sam2Features; fromEncoder: boolean };
    try {
      result = await job;
    } catch (e) {
      // Joined someone else's encode and they cancelled: start our own.
      if (e instanceof Error && e.name === 'AbortError' && !signal?.aborted) return this.encode(image, signal, onProgress);
      throw e;
    }
    const { feats, fromEncoder } = result;
    this.remember(key, feats);
    return { ...base, cached: !fromEncoder };
  }

  private async compute(key: string, image: RgbImage, signal?: AbortSignal, onProgress?: (p: EncodeProgress) => void): Promise<{ feats: Sam2Features; fromEncoder: boolean }> {
    const progress = (phase: EncodeProgress['phase'], fraction: number): void => {
      this.opts.onProgress?.(key, { phase, fraction });
      onProgress?.({ phase, fraction });
    };
    progress('cache', 0.02);
    const hit = await this.opts.cache?.get(key);
    if (hit?.embed && hit.feat0 && hit.feat1) {
      progress('done', 1);
      return { feats: { embed: hit.embed, feat0: hit.feat0, feat1: hit.feat1 }, fromEncoder: false };
    }
    if (signal?.aborted) throw abortError(signal);
    progress('preprocess', 0.05);
    const pixels = sam2PixelTensor(image, this.channels);
    if (signal?.aborted) throw abortError(signal);
    progress('encoder', 0.1);
    const e = this.family.encoder;
    this.encoderRuns++;
    // The encoder is one opaque call of seconds: tick progress against the last run's duration so the UI moves.
    const started = Date.now();
    const ticker = setInterval(() => progress('encoder', 0.1 + 0.85 * Math.min((Date.now() - started) / this.encoderMsEstimate, 0.95)), 250);
    let out: Record<string, TensorData>;
    try {
      out = await this.opts.encoder.run({ [e.input]: { type: 'float32', dims: [1, 3, SAM2_INPUT, SAM2_INPUT], data: pixels } }, signal);
    } finally {
      clearInterval(ticker);
    }
    this.encoderMsEstimate = Date.now() - started;
    const feats = { embed: must(out, e.embed), feat0: must(out, e.feat0), feat1: must(out, e.feat1) };
    progress('cacheWrite', 0.95);
    // A failed cache write costs a future re-encode, never this result.
    await this.opts.cache?.put(key, feats).catch(() => undefined);
    progress('done', 1);
    return { feats, fromEncoder: true };
  }

  private touch(key: string): void {
    const v = this.memory.get(key);
    if (v) {
      this.memory.delete(key);
      this.memory.set(key, v);
    }
  }

  private remember(key: string, feats: Sam2Features): void {
    this.memory.delete(key);
    this.memory.set(key, feats);
    const max = this.opts.memoryEntries ?? 4;
    while (this.memory.size > max) this.memory.delete(this.memory.keys().next().value!);
  }

  /** The cached features of an encoded image (for the worker, which ships them nowhere but keeps them warm). */
  features(key: string): Sam2Features | undefined {
    return this.memory.get(key);
  }

  async decode(encoded: EncodedImage, prompt: SegmentPrompt, signal?: AbortSignal): Promise<SegmentResult> {
    let feats = this.memory.get(encoded.key);
    if (!feats) {
      // Evicted from memory: the disk cache usually still has it.
      const hit = await this.opts.cache?.get(encoded.key);
      if (!hit?.embed || !hit.feat0 || !hit.feat1) throw new Error(`image ${encoded.key.slice(0, 12)} is not encoded any more; call encode() again`);
      feats = { embed: hit.embed, feat0: hit.feat0, feat1: hit.feat1 };
      this.remember(encoded.key, feats);
    }
    return this.decodeWith(feats, { width: encoded.width, height: encoded.height }, prompt, signal);
  }

  /** Decode one prompt against explicit features. */
  async decodeWith(feats: Sam2Features, orig: Size, prompt: SegmentPrompt, signal?: AbortSignal): Promise<SegmentResult> {
    const d = this.family.decoder;
    const feeds = promptFeeds(this.family, this.opts.decoder.io, prompt, orig);
    feeds[d.embed] = feats.embed;
    feeds[d.feat0] = feats.feat0;
    feeds[d.feat1] = feats.feat1;
    this.decoderRuns++;
    const out = await this.opts.decoder.run(feeds, signal);
    const iouT = must(out, d.outIou);
    const n = iouT.data.length;
    const iou = Array.from({ length: n }, (_, i) => numberAt(iouT, i));
    const k = chooseMask(iou, this.opts.multimask ?? true);
    const masks = must(out, d.outMasks);
    const res: { mask: SegmentResult['mask']; score?: number; lowResLogits?: Float32Array } = { mask: { width: 0, height: 0, data: new Uint8Array(0) } };
    res.score = iou[k];
    const lowPlane = LOW_RES * LOW_RES;
    const lowRes = d.masksAt === 'lowres' ? masks : d.outLowRes ? out[d.outLowRes] : undefined;
    if (lowRes && lowRes.type === 'float32') {
      const per = elementCount(lowRes.dims) / n;
      if (per === lowPlane) {
        // SAM2's predictor clamps the logits it hands back for feedback to ±32 (after upsampling the unclamped ones).
        const low = (lowRes.data as Float32Array).slice(k * lowPlane, (k + 1) * lowPlane);
        for (let i = 0; i < low.length; i++) low[i] = Math.min(32, Math.max(-32, low[i]!));
        res.lowResLogits = low;
      }
    }
    if (d.masksAt === 'lowres') {
      res.mask = upsampleMask(masks.data as Float32Array, k * lowPlane, LOW_RES, LOW_RES, orig.width, orig.height);
    } else {
      const plane = orig.width * orig.height;
      if (elementCount(masks.dims) !== plane * n) throw new Error(`decoder ${d.outMasks} has shape [${masks.dims.join(',')}], expected ${n} masks of ${orig.height}×${orig.width}`);
      res.mask = masks.type === 'bool' ? maskFromBool(masks.data as Uint8Array, orig.width, orig.height, k * plane) : thresholdLogits(masks.data as ArrayLike<number>, orig.width, orig.height, k * plane);
    }
    return res;
  }

  async dispose(): Promise<void> {
    this.memory.clear();
    await Promise.all([this.opts.encoder.dispose(), this.opts.decoder.dispose()]);
  }
}

function must(out: Record<string, TensorData>, name: string): TensorData {
  const t = out[name];
  if (!t) throw new Error(`model output '${name}' missing (got ${Object.keys(out).join(', ')})`);
  return t;
}
