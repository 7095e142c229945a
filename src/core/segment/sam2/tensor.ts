/**
 * Engine-neutral tensors and model I/O descriptions, so the same SAM2 logic runs over onnxruntime-node,
 * a KServe v2 server or a worker thread (whose messages carry these objects with their buffers transferred).
 */

/** Element types SAM2 exports use. */
export type TensorType = 'float32' | 'int32' | 'int64' | 'bool';

/** Typed storage per element type (bool as one byte per element, as onnxruntime does). */
export type TensorStorage = Float32Array | Int32Array | BigInt64Array | Uint8Array;

/** A dense row-major tensor. */
export interface TensorData {
  readonly type: TensorType;
  readonly dims: readonly number[];
  readonly data: TensorStorage;
}

/** One declared input or output: symbolic dimensions are strings, unknown ones -1. */
export interface ValueInfo {
  readonly name: string;
  readonly type: TensorType | string;
  readonly shape: readonly (number | string)[];
}

/** The declared inputs and outputs of one model file. */
export interface ModelIo {
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

/** Something that runs one model: onnxruntime session, remote server, … */
export interface InferenceBackend {
  readonly io: ModelIo;
  /** Run with the given feeds; returns every output by name. Rejects with an AbortError when the signal fires first. */
  run(feeds: Readonly<Record<string, TensorData>>, signal?: AbortSignal): Promise<Record<string, TensorData>>;
  dispose(): Promise<void>;
}

/** Number of elements of a shape. */
export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A float32 tensor. */
export function f32(data: Float32Array, dims: readonly number[]): TensorData {
  return { type: 'float32', dims, data };
}

/** The buffers of a set of tensors, for postMessage transfer lists (each buffer once). */
export function tensorBuffers(tensors: Iterable<TensorData>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of tensors) if (t.data.buffer instanceof ArrayBuffer) out.add(t.data.buffer);
  return [...out];
}

/** Read element i of any tensor as a number (int64 via Number; SAM2 values are small). */
export function numberAt(t: TensorData, i: number): number {
  const v = t.data[i];
  if (v === undefined) throw new RangeError(`index ${i} outside tensor of ${t.data.length}`);
  return typeof v === 'bigint' ? Number(v) : v;
}

/** Build integer or float storage for a target element type from plain numbers. */
export function makeStorage(type: TensorType, values: ArrayLike<number>): TensorStorage {
  switch (type) {
    case 'float32': return Float32Array.from(values);
    case 'int32': return Int32Array.from(values);
    case 'int64': return BigInt64Array.from(Array.from(values, (v) => BigInt(Math.round(v))));
    case 'bool': return Uint8Array.from(values, (v) => (v ? 1 : 0));
  }
}
