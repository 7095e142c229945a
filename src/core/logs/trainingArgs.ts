import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { LogIssue } from './issues';
import { readRewardWeights } from './rewardWeights';

/**
 * A TRL run's `training_args.bin`: transformers' Trainer saves its TrainingArguments (TRL: GRPOConfig) with
 * `torch.save(self.args, join(output_dir, "training_args.bin"))` in the output_dir and every checkpoint-N. It is the
 * only file of a TRL 1.13 run holding `reward_weights` besides W&B's config. torch.save writes a zip (entries
 * stored, not compressed) whose `<name>/data.pkl` is a protocol-2 pickle of the config: GLOBAL class, NEWOBJ, then
 * BUILD with the field dict. The pickle is interpreted here without running anything: classes and callables stay
 * names, and only the plain data (dicts, lists, tuples, numbers, strings) is kept.
 */

/** Largest training_args.bin read: a GRPOConfig pickles to ~10 KB; anything far bigger is not one. */
export const MAX_TRAINING_ARGS_BYTES = 16 * 1024 * 1024;

/** An object the pickle builds by calling a class (NEWOBJ/REDUCE), with the state BUILD gave it. */
export class PickledObject {
  /** `module qualname` of the class or callable. */
  constructor(
    readonly cls: string,
    readonly args: readonly unknown[],
    public state: unknown = undefined,
  ) {}
}

/** A class or function a pickle names (GLOBAL / STACK_GLOBAL); never imported. */
export class PickledGlobal {
  /** `module qualname`. */
  constructor(readonly name: string) {}
}

/** A pickle this reader cannot follow, with the byte offset of the opcode. */
export class PickleError extends Error {
  /** Offset in the pickle of the opcode at fault. */
  readonly offset: number;

  /** `offset`: where in the pickle. */
  constructor(message: string, offset: number) {
    super(`${message} (pickle byte ${offset})`);
    this.name = 'PickleError';
    this.offset = offset;
  }
}

const MARK = Symbol('mark');

/** Interpret a pickle (protocols 0–5, binary opcodes) into plain values; nothing is imported or called. */
export function unpickle(b: Uint8Array): unknown {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let i = 0;
  let op = 0;
  const need = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0 || i + n > b.length) throw new PickleError(`a length of ${n} runs past the end of the ${b.length}-byte pickle`, op);
  };
  const take = (n: number) => {
    need(n);
    const s = b.subarray(i, i + n);
    i += n;
    return s;
  };
  const u8 = () => take(1)[0]!;
  const u32 = () => {
    need(4);
    i += 4;
    return dv.getUint32(i - 4, true);
  };
  const u64 = () => {
    need(8);
    i += 8;
    return Number(dv.getBigUint64(i - 8, true));
  };
  const line = () => {
    const end = b.indexOf(10, i);
    if (end < 0) throw new PickleError('unterminated text argument', op);
    const s = latin1.decode(b.subarray(i, end));
    i = end + 1;
    return s;
  };
  const pop = () => {
    if (stack.length === 0) throw new PickleError('pop from an empty stack', op);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0) throw new PickleError('empty stack', op);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const k = stack.lastIndexOf(MARK);
    if (k < 0) throw new PickleError('no MARK on the stack', op);
    return stack.splice(k).slice(1);
  };
  const long = (bytes: Uint8Array) => {
    let v = 0n;
    for (let k = bytes.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
    if (bytes.length > 0 && bytes[bytes.length - 1]! & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return Number(v);
  };
  const setItems = (d: unknown, items: unknown[]) => {
    if (!(d instanceof Map)) throw new PickleError('SETITEM(S) on a non-dict', op);
    for (let k = 0; k + 1 < items.length; k += 2) d.set(items[k], items[k + 1]);
  };
  const append = (l: unknown, items: unknown[]) => {
    if (!Array.isArray(l)) throw new PickleError('APPEND(S) on a non-list', op);
    for (const x of items) l.push(x);
  };
  while (i < b.length) {
    op = i;
    const c = b[i++]!;
    switch (c) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME
      case 0x63: { const mod = line(); stack.push(new PickledGlobal(`${mod} ${line()}`)); break; } // GLOBAL
      case 0x93: { const name = pop(); stack.push(new PickledGlobal(`${String(pop())} ${String(name)}`)); break; } // STACK_GLOBAL
      case 0x28: stack.push(MARK); break;
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(Object.freeze([])); break; // EMPTY_TUPLE
      case 0x85: stack.push(Object.freeze([pop()])); break;
      case 0x86: { const y = pop(); stack.push(Object.freeze([pop(), y])); break; }
      case 0x87: { const z = pop(); const y = pop(); stack.push(Object.freeze([pop(), y, z])); break; }
      case 0x74: stack.push(Object.freeze(popMark())); break; // TUPLE
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { const m = new Map(); setItems(m, popMark()); stack.push(m); break; } // DICT
      case 0x61: { const x = pop(); append(top(), [x]); break; } // APPEND
      case 0x65: { const xs = popMark(); append(top(), xs); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const xs = popMark(); setItems(top(), xs); break; } // SETITEMS
      case 0x8f: stack.push([]); break; // EMPTY_SET (kept as a list)
      case 0x90: { const xs = popMark(); append(top(), xs); break; } // ADDITEMS
      case 0x91: stack.push(Object.freeze(popMark())); break; // FROZENSET
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: { const k = c === 0x68 ? u8() : u32(); if (!memo.has(k)) throw new PickleError(`memo ${k} was never stored`, op); stack.push(memo.get(k)); break; } // BINGET / LONG_BINGET
      case 0x4a: need(4); i += 4; stack.push(dv.getInt32(i - 4, true)); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: need(2); i += 2; stack.push(dv.getUint16(i - 2, true)); break; // BININT2
      case 0x8a: stack.push(long(take(u8()))); break; // LONG1
      case 0x8b: stack.push(long(take(u32()))); break; // LONG4
      case 0x47: need(8); i += 8; stack.push(dv.getFloat64(i - 8, false)); break; // BINFLOAT (big-endian)
      case 0x58: stack.push(utf8.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: stack.push(utf8.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8.decode(take(u64()))); break; // BINUNICODE8
      case 0x54: case 0x42: stack.push(latin1.decode(take(u32()))); break; // BINSTRING / BINBYTES (kept as text)
      case 0x55: case 0x43: stack.push(latin1.decode(take(u8()))); break; // SHORT_BINSTRING / SHORT_BINBYTES
      case 0x8e: stack.push(latin1.decode(take(u64()))); break; // BINBYTES8
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x81: { const args = pop(); const cls = pop(); stack.push(new PickledObject(nameOf(cls), Array.isArray(args) ? args : [])); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(new PickledObject(nameOf(cls), Array.isArray(args) ? args : [])); break; } // NEWOBJ_EX
      case 0x52: { const args = pop(); const fn = pop(); stack.push(new PickledObject(nameOf(fn), Array.isArray(args) ? args : [])); break; } // REDUCE
      case 0x62: { const state = pop(); const o = top(); if (o instanceof PickledObject) o.state = state; break; } // BUILD
      case 0x51: stack.push(new PickledObject('persistent_id', [pop()])); break; // BINPERSID (torch storages: not data here)
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x2e: return pop(); // STOP
      default:
        throw new PickleError(`opcode 0x${c.toString(16).padStart(2, '0')} is not one a saved config uses`, op);
    }
  }
  throw new PickleError('no STOP before the end', op);
}

function nameOf(v: unknown): string {
  if (v instanceof PickledGlobal) return v.name;
  if (v instanceof PickledObject) return v.cls;
  return String(v);
}

/** The bytes of the first stored zip entry whose name ends with `suffix`; throws naming what is wrong. */
export function storedZipEntry(zip: Uint8Array, suffix: string): Uint8Array {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: 22 bytes plus a comment of at most 65535, at the end of the file.
  let eocd = -1;
  for (let p = zip.length - 22; p >= Math.max(0, zip.length - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === 0x06054b50) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file (no end of central directory): not written by torch.save');
  let entries = dv.getUint16(eocd + 10, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if ((entries === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && dv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64 = Number(dv.getBigUint64(eocd - 12, true));
    if (z64 + 56 > zip.length || dv.getUint32(z64, true) !== 0x06064b50) throw new Error('zip64 end of central directory is missing');
    entries = Number(dv.getBigUint64(z64 + 32, true));
    cdOffset = Number(dv.getBigUint64(z64 + 48, true));
  }
  let p = cdOffset;
  for (let k = 0; k < entries; k++) {
    if (p + 46 > zip.length || dv.getUint32(p, true) !== 0x02014b50) throw new Error(`zip central directory entry ${k + 1} is not where the directory says`);
    const method = dv.getUint16(p + 10, true);
    let size = dv.getUint32(p + 20, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    const name = new TextDecoder().decode(zip.subarray(p + 46, p + 46 + nameLen));
    if (name.endsWith(suffix)) {
      // Zip64 extra field: sizes and offset that did not fit, in this order, only for the saturated ones.
      for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (id === 1) {
          let f = e + 4;
          if (dv.getUint32(p + 24, true) === 0xffffffff) f += 8;
          if (size === 0xffffffff) {
            size = Number(dv.getBigUint64(f, true));
            f += 8;
          }
          if (local === 0xffffffff) local = Number(dv.getBigUint64(f, true));
        }
        e += 4 + len;
      }
      if (method !== 0) throw new Error(`zip entry ${name} is compressed (method ${method}); torch.save stores entries uncompressed`);
      if (local + 30 > zip.length || dv.getUint32(local, true) !== 0x04034b50) throw new Error(`zip entry ${name} has no local header at offset ${local}`);
      const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
      if (start + size > zip.length) throw new Error(`zip entry ${name} declares ${size} bytes, past the end of the ${zip.length}-byte file`);
      return zip.subarray(start, start + size);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`no ${suffix} entry: not a torch.save file`);
}

/** What a training_args.bin says: its class and fields (the pickled state), or why it cannot be read. */
export type TrainingArgsRead = { readonly cls: string; readonly fields: ReadonlyMap<unknown, unknown> } | { readonly error: string };

/** Read the TrainingArguments a `training_args.bin` holds. */
export async function readTrainingArgs(path: string): Promise<TrainingArgsRead> {
  try {
    const size = (await stat(path)).size;
    if (size > MAX_TRAINING_ARGS_BYTES) return { error: `${size} bytes: larger than any saved TrainingArguments (cap ${MAX_TRAINING_ARGS_BYTES}); not read` };
    const root = unpickle(storedZipEntry(await readFile(path), '/data.pkl'));
    if (!(root instanceof PickledObject) || !(root.state instanceof Map)) return { error: 'the pickle is not an object with fields (expected a TrainingArguments)' };
    return { cls: root.cls, fields: root.state };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A pickled value as JSON-like data: tuples and lists become arrays, dicts with string keys objects; else undefined.
 * Nesting deeper than `depth` (a pickle can hold a list inside itself) is cut to undefined.
 */
export function plainValue(v: unknown, depth = 32): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (depth <= 0) return undefined;
  if (Array.isArray(v)) return v.map((x) => plainValue(x, depth - 1));
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) if (typeof k === 'string') Object.defineProperty(o, k, { value: plainValue(x, depth - 1), enumerable: true, writable: true, configurable: true });
    return o;
  }
  return undefined;
}

/** What a TRL run's GRPOConfig says that a replay of its advantages needs. */
export interface TrlRunConfig {
  /** reward_weights by reward function name; undefined: None or unusable (TRL's default, 1 each). */
  readonly rewardWeights?: Record<string, number>;
  /** `multi_objective_aggregation` ("sum_then_normalize" / "normalize_then_sum"), when saved. */
  readonly multiObjectiveAggregation?: string;
  /** `scale_rewards` ("group" / "batch" / "none"; booleans before TRL's __post_init__ maps them), when saved. */
  readonly scaleRewards?: string | boolean;
}

/**
 * GRPOConfig.reward_weights, multi_objective_aggregation and scale_rewards of the TRL run in `outputDir`, from its
 * training_args.bin (`names`: the completions table's reward columns, in reward_funcs order). Empty when the run
 * saved none; an unreadable file or unusable value is an issue naming the file and field, and that field is left
 * out (weights of 1; the estimator then follows the log format).
 */
export async function trlRunConfig(outputDir: string, names: readonly string[], issue: (i: LogIssue) => void): Promise<TrlRunConfig> {
  const path = await findTrainingArgs(outputDir);
  if (!path) return {};
  const file = relative(outputDir, path);
  const read = await readTrainingArgs(path);
  if ('error' in read) {
    issue({ line: 0, file, severity: 'warning', message: `could not be read (${read.error}); reward weights 1 assumed` });
    return {};
  }
  const out: { rewardWeights?: Record<string, number>; multiObjectiveAggregation?: string; scaleRewards?: string | boolean } = {};
  const value = plainValue(read.fields.get('reward_weights'));
  if (value !== null && value !== undefined) {
    const r = readRewardWeights(value, names);
    if ('field' in r) issue({ line: 0, file, severity: 'error', field: r.field, message: `${r.message}; reward weights 1 used` });
    else out.rewardWeights = { ...r.weights };
  }
  const agg = plainValue(read.fields.get('multi_objective_aggregation'));
  if (typeof agg === 'string') out.multiObjectiveAggregation = agg;
  else if (agg !== undefined && agg !== null) issue({ line: 0, file, severity: 'warning', field: 'multi_objective_aggregation', message: `expected a string, found ${typeof agg}; ignored` });
  const scale = plainValue(read.fields.get('scale_rewards'));
  if (typeof scale === 'string' || typeof scale === 'boolean') out.scaleRewards = scale;
  else if (scale !== undefined && scale !== null) issue({ line: 0, file, severity: 'warning', field: 'scale_rewards', message: `expected a string or a boolean, found ${typeof scale}; ignored` });
  return out;
}

/**
 * The training_args.bin of a TRL output_dir: its own (saved by `save_model`), else the newest checkpoint-N's
 * (saved at every checkpoint); undefined when there is none.
 */
export async function findTrainingArgs(outputDir: string): Promise<string | undefined> {
  const own = join(outputDir, 'training_args.bin');
  if (await isFile(own)) return own;
  let names: string[];
  try {
    names = await readdir(outputDir);
  } catch {
    return undefined;
  }
  const ckpts = names
    .map((n) => /^checkpoint-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  for (const m of ckpts) {
    const p = join(outputDir, m[0], 'training_args.bin');
    if (await isFile(p)) return p;
  }
  return undefined;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}
