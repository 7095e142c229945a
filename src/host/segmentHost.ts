/**
 * Host side of the segmentation worker: starts dist/segmentWorker.js, and exposes each loaded SAM2 model
 * as a `Segmenter` whose calls travel over RpcEndpoint. No vscode import, so it runs (and is tested) in
 * plain Node; the extension wires `onProgress` into its progress UI and passes AbortSignals from
 * CancellationTokens.
 */
import { Worker } from 'node:worker_threads';
import type { RgbImage } from '../core/image/types';
import { discoverSam2Models, type DiscoveryProblem, type Sam2Candidate } from '../core/segment/modelDiscovery';
import type { EncodedImage, SegmentPrompt, SegmentResult, Segmenter, SegmenterInfo } from '../core/segment/segmenter';
import { RpcEndpoint } from '../shared/rpc';
import type { EncodeProgressNote, EncodeResult, HostToWorker, LoadModelParams, LoadRemoteModelParams, WorkerToHost } from '../shared/workerProtocol';

/** Timeouts per request kind, ms. */
export interface SegmentHostTimeouts {
  readonly load: number;
  readonly encode: number;
  readonly decode: number;
}

const DEFAULT_TIMEOUTS: SegmentHostTimeouts = { load: 120_000, encode: 120_000, decode: 30_000 };

/** Progress callback of one encode. */
export type EncodeProgressListener = (p: Omit<EncodeProgressNote, 'progressToken'>) => void;

/** The worker thread and its RPC channel; load models through it. */
export class SegmentWorkerHost {
  private readonly worker: Worker;
  private readonly rpc: RpcEndpoint<HostToWorker, Record<never, never>, Record<never, never>, WorkerToHost>;
  private readonly progress = new Map<string, EncodeProgressListener>();
  private tokens = 0;
  private exited: Error | undefined;
  readonly timeouts: SegmentHostTimeouts;

  /** `workerPath`: the bundled dist/segmentWorker.js (extensionUri-relative in the extension). */
  constructor(workerPath: string, timeouts: Partial<SegmentHostTimeouts> = {}) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...timeouts };
    this.worker = new Worker(workerPath);
    this.rpc = new RpcEndpoint((m, t) => this.worker.postMessage(m, t ?? []), { timeoutMs: this.timeouts.decode });
    this.worker.on('message', (m) => this.rpc.receive(m));
    // A crashed worker fails everything pending at once instead of by timeout.
    const fail = (e: Error): void => {
      this.exited = e;
      this.rpc.dispose();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`segmentation worker exited (${code})`)));
    this.rpc.on('encode/progress', (p) => this.progress.get(p.progressToken)?.({ phase: p.phase, fraction: p.fraction }));
    this.worker.unref();
  }

  /** Load a local SAM2 export in the worker (family detection and errors happen there). */
  async loadSam2(params: LoadModelParams): Promise<WorkerSam2Segmenter> {
    this.check();
    const r = await this.rpc.request('model/load', params, { timeoutMs: this.timeouts.load });
    return new WorkerSam2Segmenter(this, r.modelId, r.info, r.family, r.acceptsMaskInput);
  }

  /** Connect the worker to a SAM2 on a KServe v2 / Triton server. */
  async loadRemoteSam2(params: LoadRemoteModelParams, signal?: AbortSignal): Promise<WorkerSam2Segmenter> {
    this.check();
    const r = await this.rpc.request('model/loadRemote', params, { timeoutMs: this.timeouts.load, signal });
    return new WorkerSam2Segmenter(this, r.modelId, r.info, r.family, r.acceptsMaskInput);
  }

  /** Send a request (used by WorkerSam2Segmenter). */
  request<M extends keyof HostToWorker & string>(method: M, params: HostToWorker[M]['params'], opts: { signal?: AbortSignal; timeoutMs?: number; transfer?: ArrayBuffer[] } = {}): Promise<HostToWorker[M]['result']> {
    this.check();
    return this.rpc.request(method, params, opts);
  }

  /** Register a progress listener under a fresh token. */
  progressToken(listener: EncodeProgressListener): { token: string; dispose(): void } {
    const token = `p${++this.tokens}`;
    this.progress.set(token, listener);
    return { token, dispose: () => void this.progress.delete(token) };
  }

  private check(): void {
    if (this.exited) throw this.exited;
  }

  /** Stop the worker; pending requests reject. */
  async dispose(): Promise<void> {
    this.rpc.dispose();
    this.progress.clear();
    await this.worker.terminate();
  }
}

/** A SAM2 model living in the worker, as a Segmenter. */
export class WorkerSam2Segmenter implements Segmenter {
  /** Progress of every encode of this model (the extension shows it in a notification). */
  onProgress: EncodeProgressListener | undefined;

  constructor(private readonly host: SegmentWorkerHost, readonly modelId: string, readonly info: SegmenterInfo, readonly family: string, readonly acceptsMaskInput: boolean) {}

  /** Encode pixels: copied once and the copy transferred (the caller's buffer stays usable). */
  encode(image: RgbImage, signal?: AbortSignal, onProgress?: EncodeProgressListener): Promise<EncodeResult> {
    const data = image.data.slice();
    return this.run({ modelId: this.modelId, image: { width: image.width, height: image.height, data } }, [data.buffer], signal, onProgress);
  }

  /** Encode an image file: decoded by sharp inside the worker, so no pixels cross threads at all. */
  encodeFile(path: string, signal?: AbortSignal, onProgress?: EncodeProgressListener): Promise<EncodeResult> {
    return this.run({ modelId: this.modelId, path }, [], signal, onProgress);
  }

  private async run(params: { modelId: string; image?: { width: number; height: number; data: Uint8Array }; path?: string }, transfer: ArrayBuffer[], signal?: AbortSignal, onProgress?: EncodeProgressListener): Promise<EncodeResult> {
    const listener: EncodeProgressListener = (p) => {
      this.onProgress?.(p);
      onProgress?.(p);
    };
    const reg = this.host.progressToken(listener);
    try {
      return await this.host.request('image/encode', { ...params, progressToken: reg.token }, { signal, timeoutMs: this.host.timeouts.encode, transfer });
    } finally {
      reg.dispose();
    }
  }

  async decode(encoded: EncodedImage, prompt: SegmentPrompt, signal?: AbortSignal): Promise<SegmentResult> {
    const enc = { key: encoded.key, width: encoded.width, height: encoded.height };
    // maskInput is copied by structured clone (256² floats); the result's buffers come back transferred.
    return this.host.request('mask/decode', { modelId: this.modelId, encoded: enc, prompt }, { signal, timeoutMs: this.host.timeouts.decode });
  }

  /** Encoder/decoder run counters in the worker. */
  stats(): Promise<{ encoderRuns: number; decoderRuns: number }> {
    return this.host.request('model/stats', { modelId: this.modelId });
  }

  async dispose(): Promise<void> {
    await this.host.request('model/dispose', { modelId: this.modelId }).catch(() => undefined);
  }
}

/** What openDiscoveredSam2 found and opened. */
export interface DiscoveredSam2 {
  /** The loaded model, or undefined when no usable export was found (the caller keeps the classical fallback). */
  readonly segmenter: WorkerSam2Segmenter | undefined;
  /** Every usable pair (for a QuickPick to switch models). */
  readonly candidates: readonly Sam2Candidate[];
  /** Files that looked like SAM2 but could not be used, with the reason (for a warning). */
  readonly problems: readonly DiscoveryProblem[];
}

/**
 * Find SAM2 exports under `roots` (the workspace models/ folder, the `segr1.sam2.modelPath` setting) and load
 * one in the worker: the candidate whose encoder is `preferEncoder` when given, else the first.
 */
export async function openDiscoveredSam2(host: SegmentWorkerHost, roots: readonly string[], load: Omit<LoadModelParams, 'encoder' | 'decoder'> & { readonly preferEncoder?: string }): Promise<DiscoveredSam2> {
  const { candidates, problems } = await discoverSam2Models(roots);
  const pick = candidates.find((c) => c.encoder === load.preferEncoder) ?? candidates[0];
  if (!pick) return { segmenter: undefined, candidates, problems };
  const { preferEncoder: _prefer, ...params } = load;
  const segmenter = await host.loadSam2({ ...params, encoder: pick.encoder, decoder: pick.decoder });
  return { segmenter, candidates, problems };
}
