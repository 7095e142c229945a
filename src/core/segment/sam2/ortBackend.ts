/**
 * onnxruntime-node as an InferenceBackend. Sessions are created from the file path (not a buffer) so ORT
 * resolves `.onnx_data` external-data sidecars relative to the model, as family E exports need.
 */
import * as ort from 'onnxruntime-node';
import { readOnnxIo } from './onnxIo';
import type { InferenceBackend, ModelIo, TensorData, TensorType, ValueInfo } from './tensor';

/** Options for one ORT session. */
export interface OrtOptions {
  /** Intra-op threads; 0 lets ORT decide. */
  readonly threads?: number;
}

/** An AbortError as fetch and node:timers throw it. */
export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  const e = new Error(reason instanceof Error ? reason.message : 'operation cancelled');
  e.name = 'AbortError';
  return e;
}

function toValueInfo(m: ort.InferenceSession.ValueMetadata): ValueInfo {
  return m.isTensor ? { name: m.name, type: m.type, shape: m.shape } : { name: m.name, type: 'non-tensor', shape: [] };
}

/** Convert an engine-neutral tensor to an ORT tensor (no copy). */
export function toOrt(t: TensorData): ort.Tensor {
  return new ort.Tensor(t.type, t.data, t.dims);
}

/** Convert an ORT output to an engine-neutral tensor (no copy). */
export function fromOrt(t: ort.Tensor): TensorData {
  return { type: t.type as TensorType, dims: [...t.dims], data: t.data as TensorData['data'] };
}

/**
 * The session options every SAM2 session here uses. Intra-op threads do not spin-wait for the next run: in an editor
 * the next run is a user's click away, and a spinning pool keeps cores busy that the encoder and decoder sessions
 * (and the editor itself) need. Measured on 2 cores with a SAM2.1-tiny decoder: two sessions run in turn took
 * 74 ms a run spinning and 39 ms not, and 5 runs with a pause after each used 565 vs 402 ms of CPU.
 */
export function ortSessionOptions(options: OrtOptions = {}): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads ?? 0,
    executionProviders: ['cpu'],
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

/** Open one ONNX file with onnxruntime-node. */
export async function createOrtBackend(path: string, options: OrtOptions = {}): Promise<InferenceBackend> {
  const session = await ort.InferenceSession.create(path, ortSessionOptions(options));
  const io: ModelIo = { inputs: session.inputMetadata.map(toValueInfo), outputs: session.outputMetadata.map(toValueInfo) };
  // ORT cannot interrupt a running graph: runs are serialised, a cancelled run's result is dropped.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    io,
    run(feeds, signal) {
      const job = chain.then(async () => {
        if (signal?.aborted) throw abortError(signal);
        const ortFeeds: Record<string, ort.Tensor> = {};
        for (const [k, v] of Object.entries(feeds)) ortFeeds[k] = toOrt(v);
        const out = await session.run(ortFeeds);
        if (signal?.aborted) throw abortError(signal);
        const res: Record<string, TensorData> = {};
        for (const [k, v] of Object.entries(out)) res[k] = fromOrt(v);
        return res;
      });
      chain = job.catch(() => undefined);
      return job;
    },
    dispose: () => session.release(),
  };
}

/**
 * An ORT backend whose session is created on first run: its I/O comes from the file itself (readOnnxIo),
 * so family detection and a cache hit never pay for loading a 100 MB encoder.
 */
export function createLazyOrtBackend(path: string, options: OrtOptions = {}): InferenceBackend & { readonly loaded: boolean } {
  const io = readOnnxIo(path);
  let backend: Promise<InferenceBackend> | undefined;
  const get = (): Promise<InferenceBackend> => (backend ??= createOrtBackend(path, options));
  return {
    io,
    get loaded() {
      return backend !== undefined;
    },
    run: async (feeds, signal) => (await get()).run(feeds, signal),
    dispose: async () => {
      if (backend) await (await backend).dispose();
    },
  };
}
