/**
 * Read an ONNX file's declared graph inputs and outputs without onnxruntime and without loading its
 * weights: a small protobuf walker with positional reads that skips nodes and initializer payloads, so
 * discovery over a models/ folder of 100 MB encoders takes milliseconds.
 * Field numbers are onnx.proto's: ModelProto.graph = 7; GraphProto.initializer = 5, input = 11, output = 12.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ModelIo, ValueInfo } from './tensor';

const ELEM: Record<number, string> = { 1: 'float32', 2: 'uint8', 3: 'int8', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 16: 'bfloat16' };

/** Thrown when the bytes are not a parseable ONNX model. */
export class OnnxParseError extends Error {
  override readonly name = 'OnnxParseError';
}

/** Positional reader over a file with a small window cache. */
class FileBytes {
  private window = Buffer.alloc(0);
  private windowStart = 0;
  constructor(private readonly fd: number, readonly size: number) {}

  byte(pos: number): number {
    if (pos < this.windowStart || pos >= this.windowStart + this.window.length) {
      if (pos >= this.size) throw new OnnxParseError('unexpected end of file');
      const len = Math.min(1 << 16, this.size - pos);
      const buf = Buffer.alloc(len);
      readSync(this.fd, buf, 0, len, pos);
      this.window = buf;
      this.windowStart = pos;
    }
    return this.window[pos - this.windowStart]!;
  }

  slice(pos: number, len: number): Buffer {
    if (pos + len > this.size) throw new OnnxParseError('field runs past end of file');
    const buf = Buffer.alloc(len);
    readSync(this.fd, buf, 0, len, pos);
    return buf;
  }
}

interface Src {
  byte(pos: number): number;
}

function varint(src: Src, pos: number): [number, number] {
  let v = 0, mul = 1, p = pos;
  for (let i = 0; i < 10; i++) {
    const b = src.byte(p++);
    v += (b & 0x7f) * mul;
    if (!(b & 0x80)) return [v, p];
    mul *= 128;
  }
  throw new OnnxParseError('bad varint');
}

/** Visit each field in [start, end); `onField` gets the field number, wire type, payload start and length. */
function fields(src: Src, start: number, end: number, onField: (field: number, wire: number, at: number, len: number) => void): void {
  let p = start;
  while (p < end) {
    const [key, q] = varint(src, p);
    const field = Math.floor(key / 8), wire = key & 7;
    p = q;
    let len = 0, at = p;
    switch (wire) {
      case 0: p = varint(src, p)[1]; break;
      case 1: p += 8; break;
      case 2: { const [l, r] = varint(src, p); len = l; at = r; p = r + l; break; }
      case 5: p += 4; break;
      default: throw new OnnxParseError(`unsupported wire type ${wire}`);
    }
    if (p > end) throw new OnnxParseError('field runs past its message');
    onField(field, wire, at, len);
  }
}

function bufSrc(b: Buffer): Src {
  return { byte: (pos: number) => { if (pos >= b.length) throw new OnnxParseError('truncated message'); return b[pos]!; } };
}

function parseValueInfo(b: Buffer): ValueInfo {
  const src = bufSrc(b);
  let name = '', type = 'unknown';
  const shape: (number | string)[] = [];
  fields(src, 0, b.length, (f, w, at, len) => {
    if (f === 1 && w === 2) name = b.subarray(at, at + len).toString('utf8');
    if (f === 2 && w === 2) {
      fields(src, at, at + len, (tf, tw, tat, tlen) => {
        if (tf !== 1 || tw !== 2) return; // tensor_type only
        fields(src, tat, tat + tlen, (ef, ew, eat, elen) => {
          if (ef === 1 && ew === 0) type = ELEM[varint(src, eat)[0]] ?? `elem${varint(src, eat)[0]}`;
          if (ef === 2 && ew === 2) {
            fields(src, eat, eat + elen, (df, dw, dat, dlen) => {
              if (df !== 1 || dw !== 2) return;
              let dim: number | string = -1;
              fields(src, dat, dat + dlen, (vf, vw, vat, vlen) => {
                if (vf === 1 && vw === 0) dim = varint(src, vat)[0];
                if (vf === 2 && vw === 2) dim = b.subarray(vat, vat + vlen).toString('utf8');
              });
              shape.push(dim);
            });
          }
        });
      });
    }
  });
  return { name, type, shape };
}

/** Name of an initializer, read without its payload (name is field 8, written before raw_data = 9). */
function initializerName(file: FileBytes, at: number, len: number): string | undefined {
  let name: string | undefined;
  try {
    fields(file, at, at + len, (f, w, fat, flen) => {
      if (f === 8 && w === 2 && name === undefined) name = file.slice(fat, flen).toString('utf8');
    });
  } catch {
    return undefined;
  }
  return name;
}

/** The graph inputs (minus initializers, for old IR versions that list them) and outputs of an ONNX file. */
export function readOnnxIo(path: string): ModelIo {
  const fd = openSync(path, 'r');
  try {
    const file = new FileBytes(fd, fstatSync(fd).size);
    let graph: [number, number] | undefined;
    fields(file, 0, file.size, (f, w, at, len) => {
      if (f === 7 && w === 2) graph = [at, len];
    });
    if (!graph) throw new OnnxParseError(`${path}: no graph in file`);
    const inputs: ValueInfo[] = [], outputs: ValueInfo[] = [];
    const inits = new Set<string>();
    const [gat, glen] = graph;
    fields(file, gat, gat + glen, (f, w, at, len) => {
      if (w !== 2) return;
      if (f === 11) inputs.push(parseValueInfo(file.slice(at, len)));
      else if (f === 12) outputs.push(parseValueInfo(file.slice(at, len)));
      else if (f === 5) {
        const n = initializerName(file, at, len);
        if (n !== undefined) inits.add(n);
      }
    });
    return { inputs: inputs.filter((v) => !inits.has(v.name)), outputs };
  } finally {
    closeSync(fd);
  }
}
