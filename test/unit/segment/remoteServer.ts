/**
 * A minimal KServe v2 / Triton HTTP server for tests: serves ONNX files through onnxruntime-node on
 * 127.0.0.1, speaking JSON tensors and Triton's binary tensor extension, with fault injection (failures,
 * delays) to exercise the client's retries and timeouts. Written from the protocol, independent of the client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as ort from 'onnxruntime-node';

const DT: Record<string, string> = { float32: 'FP32', int32: 'INT32', int64: 'INT64', bool: 'BOOL' };
const TD: Record<string, ort.Tensor.Type> = { FP32: 'float32', INT32: 'int32', INT64: 'int64', BOOL: 'bool' };

/** Knobs a test turns. */
export interface ServerControl {
  /** Answer the next N infer requests with HTTP 503. */
  failNext: number;
  /** Delay every infer response by this many ms. */
  delayMs: number;
  /** Infer requests seen, per model. */
  readonly infers: Map<string, number>;
  /** Whether each infer request used the binary extension. */
  readonly binaryRequests: boolean[];
}

/** A running test server. */
export interface TestKserve {
  readonly url: string;
  readonly control: ServerControl;
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c)).on('end', () => resolve(Buffer.concat(parts))).on('error', reject);
  });
}

function typedFromBytes(type: ort.Tensor.Type, b: Buffer): ort.Tensor.DataType {
  const copy = new Uint8Array(b.length);
  copy.set(b);
  switch (type) {
    case 'float32': return new Float32Array(copy.buffer);
    case 'int32': return new Int32Array(copy.buffer);
    case 'int64': return new BigInt64Array(copy.buffer);
    default: return copy;
  }
}

function typedFromJson(type: ort.Tensor.Type, data: unknown[]): ort.Tensor.DataType {
  switch (type) {
    case 'float32': return Float32Array.from(data as number[]);
    case 'int32': return Int32Array.from(data as number[]);
    case 'int64': return BigInt64Array.from(data as number[], (v) => BigInt(v));
    default: return Uint8Array.from(data as boolean[], (v) => (v ? 1 : 0));
  }
}

/** Start serving `models` (name → ONNX path) on an ephemeral port. */
export async function startTestKserve(models: Record<string, string>): Promise<TestKserve> {
  const sessions = new Map<string, ort.InferenceSession>();
  for (const [name, path] of Object.entries(models)) sessions.set(name, await ort.InferenceSession.create(path));
  const control: ServerControl = { failNext: 0, delayMs: 0, infers: new Map(), binaryRequests: [] };

  const send = (res: ServerResponse, status: number, obj: unknown): void => {
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(obj));
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?(\/infer)?$/.exec(req.url ?? '');
    const session = m ? sessions.get(decodeURIComponent(m[1]!)) : undefined;
    if (!m || !session) return send(res, 404, { error: `unknown path ${req.url}` });
    const name = decodeURIComponent(m[1]!);
    if (!m[2]) {
      if (req.method !== 'GET') return send(res, 405, { error: 'GET only' });
      const meta = (list: readonly ort.InferenceSession.ValueMetadata[]) => list.map((v) => (v.isTensor ? { name: v.name, datatype: DT[v.type], shape: v.shape.map((d) => (typeof d === 'number' ? d : -1)) } : { name: v.name }));
      return send(res, 200, { name, versions: ['1'], platform: 'onnxruntime_onnx', inputs: meta(session.inputMetadata), outputs: meta(session.outputMetadata) });
    }
    control.infers.set(name, (control.infers.get(name) ?? 0) + 1);
    const raw = await body(req);
    if (control.failNext > 0) {
      control.failNext--;
      return send(res, 503, { error: 'injected failure' });
    }
    if (control.delayMs) await new Promise((r) => setTimeout(r, control.delayMs));
    const hlenHeader = req.headers['inference-header-content-length'];
    control.binaryRequests.push(hlenHeader !== undefined);
    const hlen = hlenHeader !== undefined ? Number(hlenHeader) : raw.length;
    const request = JSON.parse(raw.subarray(0, hlen).toString('utf8')) as {
      inputs: { name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }[];
      outputs?: { name: string; parameters?: { binary_data?: boolean } }[];
    };
    const feeds: Record<string, ort.Tensor> = {};
    let o = hlen;
    for (const t of request.inputs) {
      const type = TD[t.datatype]!;
      const size = t.parameters?.binary_data_size;
      const data = size !== undefined ? typedFromBytes(type, raw.subarray(o, (o += size))) : typedFromJson(type, t.data ?? []);
      feeds[t.name] = new ort.Tensor(type, data as Float32Array, t.shape);
    }
    let result: ort.InferenceSession.ReturnType;
    try {
      result = await session.run(feeds);
    } catch (e) {
      return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
    const wantBinary = new Map((request.outputs ?? []).map((x) => [x.name, x.parameters?.binary_data === true]));
    const outputs: unknown[] = [];
    const chunks: Buffer[] = [];
    for (const [oname, t] of Object.entries(result)) {
      const entry: Record<string, unknown> = { name: oname, datatype: DT[t.type], shape: t.dims };
      if (wantBinary.get(oname)) {
        const d = t.data as Float32Array;
        const b = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
        entry.parameters = { binary_data_size: b.length };
        chunks.push(b);
      } else {
        entry.data = t.type === 'int64' ? Array.from(t.data as BigInt64Array, Number) : t.type === 'bool' ? Array.from(t.data as Uint8Array, (v) => v !== 0) : Array.from(t.data as Float32Array);
      }
      outputs.push(entry);
    }
    const header = Buffer.from(JSON.stringify({ model_name: name, model_version: '1', outputs }));
    if (!chunks.length) return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(header);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Inference-Header-Content-Length': String(header.length) });
    res.end(Buffer.concat([header, ...chunks]));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { error: String(e) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    control,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all([...sessions.values()].map((s) => s.release()));
    },
  };
}
