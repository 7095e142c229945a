// A two-element float Add model (y = x + x) written as ONNX protobuf bytes, so the packaged onnxruntime-node can be
// exercised for real inside the extension host without shipping a model file.

/** Protobuf varint. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/** Field with a varint value. */
const num = (field: number, v: number): number[] => [...varint(field << 3), ...varint(v)];
/** Length-delimited field (bytes, string or nested message). */
const msg = (field: number, body: number[] | string): number[] => {
  const bytes = typeof body === 'string' ? [...Buffer.from(body, 'utf8')] : body;
  return [...varint((field << 3) | 2), ...varint(bytes.length), ...bytes];
};

/** ValueInfoProto: a float tensor of shape [2]. */
const floatVector = (name: string): number[] => msg(1, name).concat(msg(2, msg(1, [...num(1, 1), ...msg(2, msg(1, num(1, 2)))])));

/** ModelProto bytes for y = Add(x, x), x: float[2], opset 13. */
export function addModel(): Uint8Array {
  const node = [...msg(1, 'x'), ...msg(1, 'x'), ...msg(2, 'y'), ...msg(4, 'Add')];
  const graph = [...msg(1, node), ...msg(2, 'g'), ...msg(11, floatVector('x')), ...msg(12, floatVector('y'))];
  return Uint8Array.from([...num(1, 7), ...msg(7, graph), ...msg(8, [...msg(1, ''), ...num(2, 13)])]);
}
