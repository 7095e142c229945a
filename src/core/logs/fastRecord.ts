import { isAscii } from 'node:buffer';
import type { RolloutRecord } from './rollout';
import { unsafePathReason } from './validateRecord';

/**
 * What the index keeps of one record: the summary columns, not the text. The fast path fills one reused
 * summary (no allocation per record), so a summary is only valid until the next fastSummary call.
 */
export interface RecordSummary {
  run: string | undefined;
  step: number | undefined;
  group: string | undefined;
  sample: number | undefined;
  image: string | undefined;
  /** The prompt, only when needed to infer a group (no group and no image logged). */
  query: string | undefined;
  reward: number | undefined;
  advantage: number | undefined;
  /** Reward components in logged order (null: logged as null). */
  readonly rewardNames: string[];
  readonly rewardValues: Array<number | null>;
  /** Completion length in UTF-16 code units, as `completion.length` would be. */
  completionLength: number;
}

function emptySummary(): RecordSummary {
  return { run: undefined, step: undefined, group: undefined, sample: undefined, image: undefined, query: undefined, reward: undefined, advantage: undefined, rewardNames: [], rewardValues: [], completionLength: 0 };
}

const out = emptySummary();

// Scanner state: the scan is synchronous and never re-entered, so module state avoids passing it around.
let b: Buffer = Buffer.alloc(0);
let p = 0;
let end = 0;
/** Set by stringEnd: whether the string just scanned holds a backslash escape. */
let hasEscape = false;
/** Set by checkEscapes: how many UTF-16 units the escapes of the string save over their bytes. */
let escapeSavings = 0;

const HEX = /^[0-9a-fA-F]{4}$/;

// Hot loops copy the module state into locals first: V8 keeps locals in registers, module bindings it reloads.
function ws(): void {
  const buf = b;
  let i = p;
  const stop = end;
  while (i < stop) {
    const c = buf[i]!;
    if (c === 32 || c === 9 || c === 13 || c === 10) i++;
    else break;
  }
  p = i;
}

/** Memo of the first backslash at or after bsFrom in b: lines of one chunk are scanned in order, so one memchr serves many strings. */
let bsFrom = Number.POSITIVE_INFINITY;
let bsPos = 0;
let lastLineStart = -1;

/** The first backslash at or after `from` in b (Infinity when none): amortised over a chunk, not a search per string. */
function nextBackslash(from: number): number {
  if (from >= bsFrom && bsPos >= from) return bsPos;
  bsFrom = from;
  const i = b.indexOf(92, from);
  bsPos = i < 0 ? Number.POSITIVE_INFINITY : i;
  return bsPos;
}

/** With p on an opening quote: the offset just past the closing quote, or -1. Sets hasEscape. */
function stringEnd(): number {
  // Keys and ids are short: a byte loop beats a native call; long texts go to memchr.
  const buf = b;
  const short = Math.min(end, p + 48);
  let esc = false;
  for (let q = p + 1; q < short; q++) {
    const c = buf[q]!;
    if (c === 92) {
      esc = true;
      q++;
    } else if (c === 34) {
      hasEscape = esc;
      return q + 1;
    }
  }
  let q = p + 1;
  for (;;) {
    const k = b.indexOf(34, q);
    if (k < 0 || k >= end) return -1;
    let n = 0;
    for (let j = k - 1; j > p && b[j] === 92; j--) n++;
    if ((n & 1) === 0) {
      hasEscape = nextBackslash(p + 1) < k;
      return k + 1;
    }
    q = k + 1;
  }
}

/** Validate the escapes of string content [s, e) as JSON.parse would and count their savings; false when invalid. */
function checkEscapes(s: number, e: number): boolean {
  escapeSavings = 0;
  let i = nextBackslash(s);
  while (i < e) {
    const c = b[i + 1];
    if (c === 117) {
      if (i + 6 > e || !HEX.test(b.toString('latin1', i + 2, i + 6))) return false;
      escapeSavings += 5;
      i = nextBackslash(i + 6);
    } else if (c === 34 || c === 92 || c === 47 || c === 98 || c === 102 || c === 110 || c === 114 || c === 116) {
      escapeSavings += 1;
      i = nextBackslash(i + 2);
    } else return false;
  }
  return true;
}

/** Content range of the string scanString last accepted. */
let strStart = 0;
let strStop = 0;

/** Scan a string at p, setting strStart/strStop to its content; false when it is not a valid JSON string. */
function scanString(): boolean {
  if (b[p] !== 34) return false;
  const e1 = stringEnd();
  if (e1 < 0) return false;
  const s = p + 1;
  const e = e1 - 1;
  if (hasEscape && !checkEscapes(s, e)) return false;
  if (!hasEscape) escapeSavings = 0;
  p = e1;
  strStart = s;
  strStop = e;
  return true;
}

function decode(s: number, e: number, escaped: boolean): string | undefined {
  if (!escaped) return b.toString('utf8', s, e);
  try {
    return JSON.parse(b.toString('utf8', s - 1, e + 1)) as string;
  } catch {
    return undefined;
  }
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * A JSON number at p, or undefined (NaN, Infinity and other non-JSON tokens included). Up to 15 significant
 * digits and a small exponent, mantissa ÷ or × an exact power of ten is one correctly rounded operation
 * (Clinger's fast path), so it equals Number(text); anything else goes through Number(text).
 */
function scanNumber(): number | undefined {
  const buf = b;
  const s = p;
  let i = p;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let c = buf[i];
  if (c === 48) {
    c = buf[++i];
    if (c !== undefined && c >= 48 && c <= 57) return undefined;
  } else if (c !== undefined && c >= 49 && c <= 57) {
    while (c !== undefined && c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      c = buf[++i];
    }
  } else return undefined;
  let frac = 0;
  if (c === 46) {
    c = buf[++i];
    if (c === undefined || c < 48 || c > 57) return undefined;
    while (c !== undefined && c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      if (mant !== 0) digits++;
      frac++;
      c = buf[++i];
    }
  }
  let exp = 0;
  if (c === 101 || c === 69) {
    c = buf[++i];
    let eneg = false;
    if (c === 43 || c === 45) {
      eneg = c === 45;
      c = buf[++i];
    }
    if (c === undefined || c < 48 || c > 57) return undefined;
    while (c !== undefined && c >= 48 && c <= 57) {
      exp = exp * 10 + (c - 48);
      if (exp > 1e6) exp = 1e6;
      c = buf[++i];
    }
    if (eneg) exp = -exp;
  }
  p = i;
  const e10 = exp - frac;
  if (digits <= 15 && e10 >= -22 && e10 <= 22) {
    const v = e10 < 0 ? mant / POW10[-e10]! : mant * POW10[e10]!;
    return neg ? -v : v;
  }
  return Number(buf.toString('latin1', s, i));
}

function literal(word: string): boolean {
  for (let i = 0; i < word.length; i++) if (b[p + i] !== word.charCodeAt(i)) return false;
  p += word.length;
  return true;
}

/** Skip any JSON value, checking its grammar; false when it is not valid JSON (or nests too deep to bother). */
function skipValue(depth: number): boolean {
  const c = b[p];
  if (c === 34) return scanString();
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

const KNOWN = ['completion', 'run', 'group', 'step', 'sample', 'image', 'gt', 'task', 'query', 'reward', 'advantage', 'rewards'];
/** Fields the fast path leaves to the JSON.parse path (their values need the full schema checks). */
const SLOW = ['tokens', 'model_frame', 'mask', 'extra', '__proto__'];
const KEY_BYTES = [...KNOWN, ...SLOW].map((k) => Buffer.from(k, 'latin1'));

/** Index of the key at [s, e) in KNOWN, KNOWN.length + i for SLOW[i], or -1 for any other key: compared as bytes, no string made. */
function keyId(s: number, e: number): number {
  const len = e - s;
  const buf = b;
  const first = buf[s];
  for (let i = 0; i < KEY_BYTES.length; i++) {
    const k = KEY_BYTES[i]!;
    if (k.length !== len || k[0] !== first) continue;
    let j = 1;
    while (j < len && k[j] === buf[s + j]) j++;
    if (j === len) return i;
  }
  return -1;
}

/** The last value seen per short string field: consecutive records share run, group and image, so most decodes are skipped. */
class StringCache {
  private bytes = new Uint8Array(0);
  private value = '';
  /** Whether the cached value's path check failed (image, gt). */
  unsafe = false;
  get(s: number, e: number, escaped: boolean, checkPath: boolean): string | undefined {
    const len = e - s;
    const c = this.bytes;
    if (c.length === len) {
      const buf = b;
      let j = 0;
      while (j < len && c[j] === buf[s + j]) j++;
      if (j === len) return this.value;
    }
    const v = decode(s, e, escaped);
    if (v === undefined) return undefined;
    this.bytes = Uint8Array.prototype.slice.call(b, s, e);
    this.value = v;
    this.unsafe = checkPath && unsafePathReason(v) !== undefined;
    return v;
  }
}
const nameCaches: StringCache[] = [];

/** Reward component names repeat on every line: decode each position's name once. */
function rewardName(k: number, s: number, e: number): string {
  let c = nameCaches[k];
  if (!c) nameCaches.push((c = new StringCache()));
  return c.get(s, e, false, false)!;
}

const caches = { run: new StringCache(), group: new StringCache(), image: new StringCache(), gt: new StringCache(), task: new StringCache() };

/** A cached string value, null (→ absent), or undefined when the value is anything else. */
function cachedStringOrNull(cache: StringCache, checkPath: boolean): string | null | undefined {
  if (b[p] === 110) return literal('null') ? null : undefined;
  if (!scanString()) return undefined;
  return cache.get(strStart, strStop, hasEscape, checkPath);
}

/**
 * Summarise one canonical record straight from its bytes, without building the object: the completion is
 * only measured, never decoded when ASCII. Returns undefined for anything outside the plain shape (types
 * the schema would flag, paths to report, NaN, tokens/mask/model_frame, duplicate keys, bad JSON), and the
 * caller then takes the JSON.parse path, which reports precisely. For every line it accepts, the result
 * equals the JSON.parse + validateRolloutJson summary (checked by a differential fuzz test).
 */
export function fastSummary(buf: Buffer, start: number, stop: number): RecordSummary | undefined {
  if (buf !== b || start <= lastLineStart) bsFrom = Number.POSITIVE_INFINITY;
  lastLineStart = start;
  b = buf;
  p = start;
  end = stop;
  ws();
  if (b[p] !== 123) return undefined;
  p++;
  ws();
  let completionLength = -1;
  out.run = out.step = out.group = out.sample = out.image = out.query = out.reward = out.advantage = undefined;
  out.rewardNames.length = 0;
  out.rewardValues.length = 0;
  let queryStart = -1;
  let queryStop = 0;
  let queryEscaped = false;
  let seen = 0;
  if (b[p] === 125) return undefined;
  for (;;) {
    if (!scanString() || hasEscape) return undefined;
    const known = keyId(strStart, strStop);
    ws();
    if (b[p] !== 58) return undefined;
    p++;
    ws();
    if (known >= KNOWN.length) return undefined;
    if (known >= 0) {
      if (seen & (1 << known)) return undefined;
      seen |= 1 << known;
    }
    const key = known >= 0 ? KNOWN[known] : '';
    switch (key) {
      case 'completion': {
        if (!scanString()) return undefined;
        const sub = b.subarray(strStart, strStop);
        completionLength = (isAscii(sub) ? sub.length : sub.toString('utf8').length) - escapeSavings;
        break;
      }
      case 'run':
      case 'group': {
        let v: string | undefined;
        if (b[p] === 34) {
          const s = cachedStringOrNull(key === 'run' ? caches.run : caches.group, false);
          if (typeof s !== 'string') return undefined;
          v = s;
        } else {
          const n = numberOrNull();
          if (n === undefined) return undefined;
          if (n !== null) v = String(n);
        }
        if (key === 'run') out.run = v;
        else out.group = v;
        break;
      }
      case 'step':
      case 'reward':
      case 'advantage': {
        const n = numberOrNull();
        if (n === undefined) return undefined;
        if (n !== null) {
          if (key === 'step') out.step = n;
          else if (key === 'reward') out.reward = n;
          else out.advantage = n;
        }
        break;
      }
      case 'sample': {
        const n = numberOrNull();
        if (n === undefined || (n !== null && !(Number.isInteger(n) && n >= 0))) return undefined;
        if (n !== null) out.sample = n;
        break;
      }
      case 'image':
      case 'gt': {
        const cache = key === 'image' ? caches.image : caches.gt;
        const s = cachedStringOrNull(cache, true);
        if (s === undefined || (s !== null && cache.unsafe)) return undefined;
        if (key === 'image' && s !== null) out.image = s;
        break;
      }
      case 'task':
        if (cachedStringOrNull(caches.task, false) === undefined) return undefined;
        break;
      case 'query': {
        if (b[p] === 110) {
          if (!literal('null')) return undefined;
          break;
        }
        if (!scanString()) return undefined;
        queryStart = strStart;
        queryStop = strStop;
        queryEscaped = hasEscape;
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
        if (b[p] === 125) {
          p++;
          break;
        }
        for (;;) {
          if (!scanString() || hasEscape) return undefined;
          const name = rewardName(out.rewardNames.length, strStart, strStop);
          if (name === '__proto__' || out.rewardNames.includes(name)) return undefined;
          ws();
          if (b[p] !== 58) return undefined;
          p++;
          ws();
          const v = numberOrNull();
          if (v === undefined) return undefined;
          out.rewardNames.push(name);
          out.rewardValues.push(v);
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
  // The prompt is only needed to infer a group, and can be long: decode it only then.
  if (queryStart >= 0 && out.group === undefined && out.image === undefined) {
    out.query = decode(queryStart, queryStop, queryEscaped);
    if (out.query === undefined) return undefined;
  }
  out.completionLength = completionLength;
  return out;
}

/** The same summary from a validated record (the JSON.parse path); a fresh object. */
export function summaryOf(r: RolloutRecord): RecordSummary {
  const sum = emptySummary();
  sum.run = r.run;
  sum.step = r.step;
  sum.group = r.group;
  sum.sample = r.sample;
  sum.image = r.image;
  sum.query = r.group === undefined && r.image === undefined ? r.query : undefined;
  sum.reward = r.reward;
  sum.advantage = r.advantage;
  for (const [k, v] of Object.entries(r.rewards ?? {})) {
    sum.rewardNames.push(k);
    sum.rewardValues.push(v);
  }
  sum.completionLength = r.completion.length;
  return sum;
}
