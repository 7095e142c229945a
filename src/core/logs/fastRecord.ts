import { isAscii } from 'node:buffer';
import type { RolloutRecord } from './rollout';
import { unsafePathReason } from './validateRecord';

/** What the index keeps of one record: the summary columns, not the text. */
export interface RecordSummary {
  readonly run?: string;
  readonly step?: number;
  readonly group?: string;
  readonly sample?: number;
  readonly image?: string;
  readonly query?: string;
  readonly reward?: number;
  readonly advantage?: number;
  readonly rewards?: Readonly<Record<string, number | null>>;
  /** Completion length in UTF-16 code units, as `completion.length` would be. */
  readonly completionLength: number;
}

// Scanner state: the scan is synchronous and never re-entered, so module state avoids passing it around.
let b: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;
/** Set by stringEnd: whether the string just scanned holds a backslash escape. */
let hasEscape = false;
/** Set by checkEscapes: how many UTF-16 units the escapes of the string save over their bytes. */
let escapeSavings = 0;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const HEX = /^[0-9a-fA-F]{4}$/;

function ws(): void {
  while (p < end) {
    const c = b[p]!;
    if (c === 32 || c === 9 || c === 13 || c === 10) p++;
    else return;
  }
}

/** With p on an opening quote: the offset just past the closing quote, or -1. Sets hasEscape. */
function stringEnd(): number {
  let q = p + 1;
  for (;;) {
    const k = b.indexOf(34, q);
    if (k < 0 || k >= end) return -1;
    let n = 0;
    for (let j = k - 1; j > p && b[j] === 92; j--) n++;
    if ((n & 1) === 0) {
      hasEscape = b.subarray(p + 1, k).indexOf(92) >= 0;
      return k + 1;
    }
    q = k + 1;
  }
}

/** Validate the escapes of string content [s, e) as JSON.parse would and count their savings; false when invalid. */
function checkEscapes(s: number, e: number): boolean {
  escapeSavings = 0;
  let i = b.indexOf(92, s);
  while (i >= 0 && i < e) {
    const c = b[i + 1];
    if (c === 117) {
      if (i + 6 > e || !HEX.test(b.toString('latin1', i + 2, i + 6))) return false;
      escapeSavings += 5;
      i = b.indexOf(92, i + 6);
    } else if (c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116) {
      escapeSavings += 1;
      i = b.indexOf(92, i + 2);
    } else return false;
  }
  return true;
}

/** Scan a string at p; returns its content range or undefined when it is not a valid JSON string. */
function scanString(): [number, number] | undefined {
  if (b[p] !== 34) return undefined;
  const e1 = stringEnd();
  if (e1 < 0) return undefined;
  const s = p + 1;
  const e = e1 - 1;
  if (hasEscape && !checkEscapes(s, e)) return undefined;
  if (!hasEscape) escapeSavings = 0;
  p = e1;
  return [s, e];
}

function decode(s: number, e: number, escaped: boolean): string | undefined {
  if (!escaped) return b.toString('utf8', s, e);
  try {
    return JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
  } catch {
    return undefined;
  }
}

/** A JSON number at p, or undefined (NaN, Infinity and other non-JSON tokens included). */
function scanNumber(): number | undefined {
  const s = p;
  while (p < end) {
    const c = b[p]!;
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69) p++;
    else break;
  }
  const text = b.toString('latin1', s, p);
  return NUMBER.test(text) ? Number(text) : undefined;
}

function literal(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return false;
  p += word.length;
  return true;
}

/** Skip any JSON value, checking its grammar; false when it is not valid JSON (or nests too deep to bother). */
function skipValue(depth: number): boolean {
  const c = b[p];
  if (c === 34) return scanString() !== undefined;
  if (c === 123 || c === 91) {
    if (depth > 64) return false;
    const close = c === 123 ? 125 : 93;
    p++;
    ws();
    if (b[p] === close) {
      p++;
      return true;
    }
    for (;;) {
      if (c === 123) {
        if (!scanString()) return false;
        ws();
        if (b[p] !== 58) return false;
        p++;
        ws();
      }
      if (!skipValue(depth + 1)) return false;
      ws();
      if (b[p] === 44) {
        p++;
        ws();
        continue;
      }
      if (b[p] === close) {
        p++;
        return true;
      }
      return false;
    }
  }
  if (c === 116) return literal('true');
  if (c === 102) return literal('false');
  if (c === 110) return literal('null');
  if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) return scanNumber() !== undefined;
  return false;
}

/** A finite JSON number, null (→ absent), or undefined when the value is anything else. */
function numberOrNull(): number | null | undefined {
  if (b[p] === 110) return literal('null') ? null : undefined;
  const v = scanNumber();
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

/** A string value decoded, null (→ absent), or undefined when the value is anything else. */
function stringOrNull(): string | null | undefined {
  if (b[p] === 110) return literal('null') ? null : undefined;
  const r = scanString();
  if (!r) return undefined;
  return decode(r[0], r[1], hasEscape);
}

const KNOWN = ['completion', 'run', 'group', 'step', 'sample', 'image', 'gt', 'task', 'query', 'reward', 'advantage', 'rewards'];

/**
 * Summarise one canonical record straight from its bytes, without building the object: the completion is
 * only measured, never decoded when ASCII. Returns undefined for anything outside the plain shape (types
 * the schema would flag, paths to report, NaN, tokens/mask/model_frame, duplicate keys, bad JSON), and the
 * caller then takes the JSON.parse path, which reports precisely. For every line it accepts, the result
 * equals the JSON.parse + validateRolloutJson summary (checked by a differential fuzz test).
 */
export function fastSummary(buf: Buffer, start: number, stop: number): RecordSummary | undefined {
  b = buf;
  p = start;
  end = stop;
  ws();
  if (b[p] !== 123) return undefined;
  p++;
  ws();
  let run: string | undefined;
  let group: string | undefined;
  let image: string | undefined;
  let step: number | undefined;
  let sample: number | undefined;
  let reward: number | undefined;
  let advantage: number | undefined;
  let rewards: Record<string, number | null> | undefined;
  let completionLength = -1;
  let query: [number, number, boolean] | undefined;
  let seen = 0;
  if (b[p] === 125) return undefined;
  for (;;) {
    const k = scanString();
    if (!k || hasEscape) return undefined;
    const key = b.toString('latin1', k[0], k[1]);
    ws();
    if (b[p] !== 58) return undefined;
    p++;
    ws();
    const known = KNOWN.indexOf(key);
    if (known >= 0) {
      if (seen & (1 << known)) return undefined;
      seen |= 1 << known;
    }
    switch (key) {
      case 'completion': {
        const r = scanString();
        if (!r) return undefined;
        const sub = b.subarray(r[0], r[1]);
        completionLength = (isAscii(sub) ? sub.length : sub.toString('utf8').length) - escapeSavings;
        break;
      }
      case 'run':
      case 'group': {
        let v: string | undefined;
        if (b[p] === 34) {
          const s = stringOrNull();
          if (typeof s !== 'string') return undefined;
          v = s;
        } else {
          const n = numberOrNull();
          if (n === undefined) return undefined;
          if (n !== null) v = String(n);
        }
        if (key === 'run') run = v;
        else group = v;
        break;
      }
      case 'step':
      case 'reward':
      case 'advantage': {
        const n = numberOrNull();
        if (n === undefined) return undefined;
        if (n !== null) {
          if (key === 'step') step = n;
          else if (key === 'reward') reward = n;
          else advantage = n;
        }
        break;
      }
      case 'sample': {
        const n = numberOrNull();
        if (n === undefined || (n !== null && !(Number.isInteger(n) && n >= 0))) return undefined;
        if (n !== null) sample = n;
        break;
      }
      case 'image':
      case 'gt': {
        const s = stringOrNull();
        if (s === undefined || (s !== null && unsafePathReason(s) !== undefined)) return undefined;
        if (key === 'image' && s !== null) image = s;
        break;
      }
      case 'task':
        if (stringOrNull() === undefined) return undefined;
        break;
      case 'query': {
        if (b[p] === 110) {
          if (!literal('null')) return undefined;
          break;
        }
        const r = scanString();
        if (!r) return undefined;
        query = [r[0], r[1], hasEscape];
        break;
      }
      case 'rewards': {
        if (b[p] === 110) {
          if (!literal('null')) return undefined;
          break;
        }
        if (b[p] !== 123) return undefined;
        p++;
        ws();
        rewards = {};
        if (b[p] === 125) {
          p++;
          break;
        }
        for (;;) {
          const rk = scanString();
          if (!rk || hasEscape) return undefined;
          const name = b.toString('utf8', rk[0], rk[1]);
          if (name === '__proto__' || Object.hasOwn(rewards, name)) return undefined;
          ws();
          if (b[p] !== 58) return undefined;
          p++;
          ws();
          const v = numberOrNull();
          if (v === undefined) return undefined;
          rewards[name] = v;
          ws();
          if (b[p] === 44) {
            p++;
            ws();
            continue;
          }
          if (b[p] === 125) {
            p++;
            break;
          }
          return undefined;
        }
        break;
      }
      case 'tokens':
      case 'model_frame':
      case 'mask':
      case 'extra':
      case '__proto__':
        return undefined;
      default:
        if (!skipValue(0)) return undefined;
    }
    ws();
    if (b[p] === 44) {
      p++;
      ws();
      continue;
    }
    if (b[p] === 125) {
      p++;
      break;
    }
    return undefined;
  }
  ws();
  if (p !== end || completionLength < 0) return undefined;
  let q: string | undefined;
  // The prompt is only needed to infer a group, and can be long: decode it only then.
  if (query && group === undefined && image === undefined) {
    q = decode(query[0], query[1], query[2]);
    if (q === undefined) return undefined;
  }
  return {
    completionLength,
    ...(run !== undefined ? { run } : {}),
    ...(step !== undefined ? { step } : {}),
    ...(group !== undefined ? { group } : {}),
    ...(sample !== undefined ? { sample } : {}),
    ...(image !== undefined ? { image } : {}),
    ...(q !== undefined ? { query: q } : {}),
    ...(reward !== undefined ? { reward } : {}),
    ...(advantage !== undefined ? { advantage } : {}),
    ...(rewards !== undefined ? { rewards } : {}),
  };
}

/** The same summary from a validated record (the JSON.parse path). */
export function summaryOf(r: RolloutRecord): RecordSummary {
  return {
    completionLength: r.completion.length,
    ...(r.run !== undefined ? { run: r.run } : {}),
    ...(r.step !== undefined ? { step: r.step } : {}),
    ...(r.group !== undefined ? { group: r.group } : {}),
    ...(r.sample !== undefined ? { sample: r.sample } : {}),
    ...(r.image !== undefined ? { image: r.image } : {}),
    ...(r.query !== undefined && r.group === undefined && r.image === undefined ? { query: r.query } : {}),
    ...(r.reward !== undefined ? { reward: r.reward } : {}),
    ...(r.advantage !== undefined ? { advantage: r.advantage } : {}),
    ...(r.rewards !== undefined ? { rewards: r.rewards } : {}),
  };
}
