/**
 * A hand-written ONNX protobuf writer, just large enough to build the tiny SAM2 fixture graphs: no npm
 * dependency, and the field numbers below are the ONNX spec's (onnx/onnx.proto), so ORT reads the result.
 */

/** ONNX TensorProto.DataType values used by the fixtures. */
export const DT = { float32: 1, int32: 6, int64: 7, bool: 9 } as const;
/** A fixture element type. */
export type ElemType = keyof typeof DT;

/** Protobuf byte builder: varints, tags and length-delimited fields. */
class Pb {
  private readonly parts: Uint8Array[] = [];
  private len = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }

  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    do {
      let byte = Number(n & 0x7fn);
      n >>= 7n;
      if (n) byte |= 0x80;
      out.push(byte);
    } while (n);
    this.push(Uint8Array.from(out));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint((field << 3) | wire);
  }

  int(field: number, v: number | bigint): this {
    return this.tag(field, 0).varint(v);
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, 2).varint(b.length);
    this.push(b);
    return this;
  }

  str(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  msg(field: number, m: Pb): this {
    return this.bytes(field, m.finish());
  }

  float(field: number, v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.tag(field, 5);
    this.push(b);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** An attribute value: tagged so ints and floats never get confused. */
export type Attr = { f: number } | { i: number } | { s: string } | { ints: readonly number[] } | { floats: readonly number[] };

/** Raw little-endian bytes of a typed array, for TensorProto.raw_data. */
function rawBytes(values: Float32Array | Int32Array | BigInt64Array | Uint8Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

/** Where an initializer's bytes go: inline, or appended to an external-data sidecar. */
export interface ExternalSink {
  /** Sidecar file name, relative to the model (what TensorProto.external_data `location` holds). */
  readonly location: string;
  /** Bytes appended so far, in order. */
  readonly chunks: Uint8Array[];
  offset: number;
}

/** Builds one ONNX graph node by node; every helper returns the name of the value it produced. */
export class GraphBuilder {
  private readonly nodes: Pb[] = [];
  private readonly inits: Pb[] = [];
  private readonly inputs: Pb[] = [];
  private readonly outputs: Pb[] = [];
  private n = 0;

  constructor(private readonly external?: ExternalSink) {}

  private valueInfo(name: string, type: ElemType, dims: readonly (number | string)[]): Pb {
    const shape = new Pb();
    for (const d of dims) shape.msg(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().str(2, d));
    const tensor = new Pb().int(1, DT[type]).msg(2, shape);
    return new Pb().str(1, name).msg(2, new Pb().msg(1, tensor));
  }

  /** Declare a graph input. */
  input(name: string, type: ElemType, dims: readonly (number | string)[]): string {
    this.inputs.push(this.valueInfo(name, type, dims));
    return name;
  }

  /** Declare a graph output (the value must be produced under that name). */
  output(name: string, type: ElemType, dims: readonly (number | string)[]): void {
    this.outputs.push(this.valueInfo(name, type, dims));
  }

  /** An initializer; large float initializers go to the external sink when one is set. */
  tensor(values: Float32Array | Int32Array | BigInt64Array | Uint8Array, dims: readonly number[], type: ElemType, name = `c${this.n++}`): string {
    const t = new Pb();
    for (const d of dims) t.int(1, d);
    t.int(2, DT[type]).str(8, name);
    const raw = rawBytes(values);
    if (this.external && raw.length >= 256) {
      const copy = raw.slice();
      this.external.chunks.push(copy);
      const entry = (k: string, v: string): Pb => new Pb().str(1, k).str(2, v);
      t.msg(13, entry('location', this.external.location)).msg(13, entry('offset', String(this.external.offset))).msg(13, entry('length', String(copy.length)));
      t.int(14, 1);
      this.external.offset += copy.length;
    } else {
      t.bytes(9, raw);
    }
    this.inits.push(t);
    return name;
  }

  /** A float constant. */
  f32(values: readonly number[] | Float32Array, dims: readonly number[]): string {
    return this.tensor(values instanceof Float32Array ? values : Float32Array.from(values), dims, 'float32');
  }

  /** An int64 constant (shapes, axes, slice bounds). */
  i64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.tensor(BigInt64Array.from(values.map((v) => BigInt(v))), dims, 'int64');
  }

  /** Add a node; returns its (first) output name, or `out` when given. */
  op(type: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, out?: string): string {
    const name = out ?? `v${this.n++}`;
    const node = new Pb();
    for (const i of inputs) node.str(1, i);
    node.str(2, name).str(3, `n${this.n++}`).str(4, type);
    for (const [k, a] of Object.entries(attrs)) {
      const at = new Pb().str(1, k);
      if ('f' in a) at.float(2, a.f).int(20, 1);
      else if ('i' in a) at.int(3, a.i).int(20, 2);
      else if ('s' in a) at.str(4, a.s).int(20, 3);
      else if ('floats' in a) {
        for (const v of a.floats) at.float(7, v);
        at.int(20, 6);
      } else {
        for (const v of a.ints) at.int(8, v);
        at.int(20, 7);
      }
      node.msg(5, at);
    }
    this.nodes.push(node);
    return name;
  }

  /** Serialize as a ModelProto (IR 8, default-domain opset 17). */
  model(graphName: string): Uint8Array {
    const g = new Pb();
    for (const n of this.nodes) g.msg(1, n);
    g.str(2, graphName);
    for (const t of this.inits) g.msg(5, t);
    for (const i of this.inputs) g.msg(11, i);
    for (const o of this.outputs) g.msg(12, o);
    return new Pb().int(1, 8).str(2, 'segr1-fixtures').msg(7, g).msg(8, new Pb().str(1, '').int(2, 17)).finish();
  }
}
