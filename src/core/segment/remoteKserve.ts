/**
 * A model on a KServe v2 / Triton inference server as an InferenceBackend: metadata from
 * `GET /v2/models/{name}[/versions/{v}]`, inference by `POST …/infer` with JSON tensors, or with Triton's
 * binary tensor extension (JSON header + raw little-endian bytes, `Inference-Header-Content-Length`) so
 * 16 MB of SAM2 features never become JSON text. Requests time out and are retried with backoff on network
 * errors, 429 and 5xx; never on other 4xx or on cancellation.
 */
import type { InferenceBackend, ModelIo, TensorData, TensorType, ValueInfo } from './sam2/tensor';

/** How to reach one model. */
export interface KserveModelOptions {
  /** Server base URL, e.g. http://gpu-box:8000 */
  readonly url: string;
  readonly model: string;
  readonly version?: string;
  /** Use Triton's binary tensor extension (default true); false sends and asks for JSON only. */
  readonly binary?: boolean;
  /** Per-attempt timeout, ms (default 60 s). */
  readonly timeoutMs?: number;
  /** Extra attempts after the first (default 2). */
  readonly retries?: number;
  /** First backoff, ms, doubled per retry (default 200). */
  readonly backoffMs?: number;
  /** Extra request headers (auth tokens, …). */
  readonly headers?: Readonly<Record<string, string>>;
}

const TO_KSERVE: Record<TensorType, string> = { float32: 'FP32', int32: 'INT32', int64: 'INT64', bool: 'BOOL' };
const FROM_KSERVE: Record<string, TensorType> = { FP32: 'float32', INT32: 'int32', INT64: 'int64', BOOL: 'bool' };

/** KServe datatype name of a tensor type. */
export function kserveType(t: TensorType): string {
  return TO_KSERVE[t];
}

/** Tensor type of a KServe datatype name (throws for types SAM2 never uses). */
export function tensorTypeOf(datatype: string): TensorType {
  const t = FROM_KSERVE[datatype];
  if (!t) throw new Error(`unsupported KServe datatype ${datatype}`);
  return t;
}

/** An HTTP failure with its status (0 for network errors). */
export class KserveError extends Error {
  override readonly name = 'KserveError';
  constructor(message: string, readonly status: number) {
    super(message);
  }
}

interface MetaTensor {
  name: string;
  datatype: string;
  shape: (number | string)[];
}

interface WireTensor {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

function retryable(e: unknown): boolean {
  if (e instanceof KserveError) return e.status === 0 || e.status === 429 || e.status >= 500;
  return !(e instanceof Error && (e.name === 'AbortError' || e.name === 'TimeoutError'));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    }, { once: true });
  });
}

/** JSON value list of a tensor (KServe's flat row-major `data`). */
function jsonData(t: TensorData): unknown[] {
  if (t.type === 'bool') return Array.from(t.data as Uint8Array, (v) => v !== 0);
  if (t.type === 'int64') return Array.from(t.data as BigInt64Array, (v) => Number(v));
  return Array.from(t.data as Float32Array | Int32Array);
}

function fromJson(type: TensorType, data: unknown[]): TensorData['data'] {
  switch (type) {
    case 'float32': return Float32Array.from(data as number[]);
    case 'int32': return Int32Array.from(data as number[]);
    case 'int64': return BigInt64Array.from(data as number[], (v) => BigInt(v));
    case 'bool': return Uint8Array.from(data as (boolean | number)[], (v) => (v ? 1 : 0));
  }
}

function fromBytes(type: TensorType, bytes: Uint8Array): TensorData['data'] {
  // Copy into an aligned buffer of its own (the response body is one shared, unaligned buffer).
  const buf = new ArrayBuffer(bytes.length);
  new Uint8Array(buf).set(bytes);
  switch (type) {
    case 'float32': return new Float32Array(buf);
    case 'int32': return new Int32Array(buf);
    case 'int64': return new BigInt64Array(buf);
    case 'bool': return new Uint8Array(buf);
  }
}

/** Connect to one model: reads its metadata (so family detection works as for local files). */
export async function createKserveBackend(opts: KserveModelOptions, signal?: AbortSignal): Promise<InferenceBackend & { readonly platform?: string; readonly versions?: string[] }> {
  const base = `${opts.url.replace(/\/+$/, '')}/v2/models/${encodeURIComponent(opts.model)}${opts.version ? `/versions/${encodeURIComponent(opts.version)}` : ''}`;
  const binary = opts.binary ?? true;
  const attempts = 1 + (opts.retries ?? 2);
  const timeoutMs = opts.timeoutMs ?? 60_000;

  async function send(path: string, init: { method: string; headers?: Record<string, string>; body?: Uint8Array | string }, sig?: AbortSignal): Promise<Response> {
    let last: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt > 0) await sleep((opts.backoffMs ?? 200) * 2 ** (attempt - 1), sig);
      const timeout = AbortSignal.timeout(timeoutMs);
      const combined = sig ? AbortSignal.any([sig, timeout]) : timeout;
      try {
        const res = await fetch(base + path, { method: init.method, headers: { ...opts.headers, ...init.headers }, body: init.body, signal: combined });
        if (res.ok) return res;
        const text = await res.text().catch(() => '');
        throw new KserveError(`${init.method} ${base + path}: HTTP ${res.status} ${text.slice(0, 300)}`, res.status);
      } catch (e) {
        if (sig?.aborted) throw sig.reason instanceof Error ? sig.reason : Object.assign(new Error('request cancelled'), { name: 'AbortError' });
        const err = e instanceof KserveError ? e : timeout.aborted
          ? new KserveError(`${init.method} ${base + path}: timed out after ${timeoutMs} ms`, 0)
          : new KserveError(`${init.method} ${base + path}: ${e instanceof Error ? e.message : String(e)}`, 0);
        last = err;
        if (!retryable(err)) throw err;
      }
    }
    throw last;
  }

  const meta = (await (await send('', { method: 'GET' }, signal)).json()) as { inputs?: MetaTensor[]; outputs?: MetaTensor[]; platform?: string; versions?: string[] };
  const toInfo = (m: MetaTensor): ValueInfo => ({ name: m.name, type: FROM_KSERVE[m.datatype] ?? m.datatype, shape: m.shape.map((d) => (typeof d === 'number' && d < 0 ? 'dynamic' : d)) });
  const io: ModelIo = { inputs: (meta.inputs ?? []).map(toInfo), outputs: (meta.outputs ?? []).map(toInfo) };

  async function run(feeds: Readonly<Record<string, TensorData>>, sig?: AbortSignal): Promise<Record<string, TensorData>> {
    const inputs: WireTensor[] = [];
    const chunks: Uint8Array[] = [];
    for (const [name, t] of Object.entries(feeds)) {
      const w: WireTensor = { name, datatype: kserveType(t.type), shape: [...t.dims] };
      if (binary) {
        const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
        w.parameters = { binary_data_size: bytes.length };
        chunks.push(bytes);
      } else {
        w.data = jsonData(t);
      }
      inputs.push(w);
    }
    const header = JSON.stringify({ inputs, outputs: io.outputs.map((o) => ({ name: o.name, parameters: { binary_data: binary } })) });
    let body: Uint8Array | string = header;
    const headers: Record<string, string> = { 'Content-Type': binary ? 'application/octet-stream' : 'application/json' };
    if (binary) {
      const h = new TextEncoder().encode(header);
      const total = h.length + chunks.reduce((s, c) => s + c.length, 0);
      const buf = new Uint8Array(total);
      buf.set(h, 0);
      let o = h.length;
      for (const c of chunks) {
        buf.set(c, o);
        o += c.length;
      }
      body = buf;
      headers['Inference-Header-Content-Length'] = String(h.length);
    }
    const res = await send('/infer', { method: 'POST', headers, body }, sig);
    const raw = new Uint8Array(await res.arrayBuffer());
    const hlen = Number(res.headers.get('inference-header-content-length') ?? raw.length);
    const parsed = JSON.parse(new TextDecoder().decode(raw.subarray(0, hlen))) as { outputs?: WireTensor[]; error?: string };
    if (parsed.error) throw new KserveError(parsed.error, 200);
    const out: Record<string, TensorData> = {};
    let o = hlen;
    for (const w of parsed.outputs ?? []) {
      const type = tensorTypeOf(w.datatype);
      const size = w.parameters?.binary_data_size;
      let data: TensorData['data'];
      if (size !== undefined) {
        if (o + size > raw.length) throw new KserveError(`response for ${w.name} truncated`, 200);
        data = fromBytes(type, raw.subarray(o, o + size));
        o += size;
      } else {
        data = fromJson(type, w.data ?? []);
      }
      out[w.name] = { type, dims: w.shape, data };
    }
    return out;
  }

  return { io, run, dispose: async () => undefined, platform: meta.platform, versions: meta.versions };
}
