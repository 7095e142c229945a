// AssemblyScript, compiled to recordScanner.wasm by esbuild.mjs (not part of the TypeScript program).
//
// The rollout index's hot loop in WebAssembly with SIMD: one pass over a block of complete JSON Lines summarises
// each canonical record (the fields fastRecord.ts reads) into column slots, 16 bytes at a time through the long
// texts. It accepts only what it can summarise exactly as the JSON.parse path would; any other line (an escape in a
// key or an id, a number outside the exactly-rounded fast path, invalid UTF-8, a missing group, bad JSON…) is
// marked for the JavaScript path, which parses it or reports it precisely. So this scanner may be conservative,
// never wrong; a differential test holds it to fastSummary on every line it accepts.
//
import { POW5, POW5_QMIN, POW5_QMAX } from './pow5';

// Memory: [0, OUT) static data; [OUT, IN) the output slots; [IN, …) the read buffers, which the host grows the
// memory for once, before it takes any view of it.

export const MAX_REC: i32 = 4096;
export const MAX_COMP: i32 = 16;

// Line status.
export const ST_OK: i32 = 0;
export const ST_FALLBACK: i32 = 1;
export const ST_BLANK: i32 = 2;

// Flag bits of a record.
export const F_STEP: i32 = 1;
export const F_REWARD: i32 = 2;
export const F_ADV: i32 = 4;
export const F_SAMPLE: i32 = 8;
export const F_RUN: i32 = 16;
export const F_RUN_SAME: i32 = 32;
export const F_GROUP_SAME: i32 = 64;
export const F_IMAGE: i32 = 128;
export const F_IMAGE_SAME: i32 = 256;
export const F_GT: i32 = 512;
export const F_COMP_SAME: i32 = 2048;

/**
 * Number slots of a record: step, reward, advantage, sample, then the reward components. A number outside the
 * fast path (17 significant digits, as Python's repr of a float often has) is left to the host's Number() by its
 * byte span: its bit in the record's slow mask is set and its value slot holds NaN.
 */
export const N_STEP: i32 = 0;
export const N_REWARD: i32 = 1;
export const N_ADV: i32 = 2;
export const N_SAMPLE: i32 = 3;
export const N_COMP: i32 = 4;
export const N_SLOTS: i32 = 20;

const OUT: usize = 65536;
const R: usize = <usize>MAX_REC;
const RC: usize = <usize>MAX_REC * <usize>MAX_COMP;
// i32 slots
export const O_STATUS: usize = OUT;
export const O_START: usize = O_STATUS + R * 4;
export const O_END: usize = O_START + R * 4;
export const O_CLEN: usize = O_END + R * 4;
export const O_FLAGS: usize = O_CLEN + R * 4;
export const O_NCOMP: usize = O_FLAGS + R * 4;
export const O_CNULL: usize = O_NCOMP + R * 4;
export const O_RUN_S: usize = O_CNULL + R * 4;
export const O_RUN_E: usize = O_RUN_S + R * 4;
export const O_GROUP_S: usize = O_RUN_E + R * 4;
export const O_GROUP_E: usize = O_GROUP_S + R * 4;
export const O_IMAGE_S: usize = O_GROUP_E + R * 4;
export const O_IMAGE_E: usize = O_IMAGE_S + R * 4;
export const O_COMP_S: usize = O_IMAGE_E + R * 4;
export const O_COMP_E: usize = O_COMP_S + RC * 4;
export const O_SLOW: usize = O_COMP_E + RC * 4;
export const O_NUM_S: usize = O_SLOW + R * 4;
export const O_NUM_E: usize = O_NUM_S + R * 20 * 4;
// f64 slots (8-aligned: every offset above is a multiple of 4 × 4096)
export const O_STEP: usize = O_NUM_E + R * 20 * 4;
export const O_REWARD: usize = O_STEP + R * 8;
export const O_ADV: usize = O_REWARD + R * 8;
export const O_SAMPLE: usize = O_ADV + R * 8;
export const O_COMP_V: usize = O_SAMPLE + R * 8;
/** First byte the host may use for its read buffers. */
export const IN: usize = (O_COMP_V + RC * 8 + 65535) & ~(<usize>65535);

// The top-level keys of a canonical record, as bytes, with the id fastRecord.ts gives them (SLOW: left to JSON.parse).
const K_COMPLETION = 0;
const K_RUN = 1;
const K_GROUP = 2;
const K_STEP = 3;
const K_SAMPLE = 4;
const K_IMAGE = 5;
const K_GT = 6;
const K_TASK = 7;
const K_QUERY = 8;
const K_REWARD = 9;
const K_ADVANTAGE = 10;
const K_REWARDS = 11;
const K_TOKENS = 12;
const K_MODEL_FRAME = 13;
const K_MASK = 14;
const K_SLOW = 100;
const K_OTHER = -1;

const KEY_BYTES = memory.data<u8>([
  99, 111, 109, 112, 108, 101, 116, 105, 111, 110, // completion 0
  114, 117, 110, // run 10
  103, 114, 111, 117, 112, // group 13
  115, 116, 101, 112, // step 18
  115, 97, 109, 112, 108, 101, // sample 22
  105, 109, 97, 103, 101, // image 28
  103, 116, // gt 33
  116, 97, 115, 107, // task 35
  113, 117, 101, 114, 121, // query 39
  114, 101, 119, 97, 114, 100, // reward 44
  97, 100, 118, 97, 110, 116, 97, 103, 101, // advantage 50
  114, 101, 119, 97, 114, 100, 115, // rewards 59
  116, 111, 107, 101, 110, 115, // tokens 66
  109, 111, 100, 101, 108, 95, 102, 114, 97, 109, 101, // model_frame 72
  109, 97, 115, 107, // mask 83
  101, 120, 116, 114, 97, // extra 87
  95, 95, 112, 114, 111, 116, 111, 95, 95, // __proto__ 92
  // Keys inside mask, model_frame and tokens.
  115, 105, 122, 101, // size 101
  99, 111, 117, 110, 116, 115, // counts 105
  119, 105, 100, 116, 104, // width 111
  104, 101, 105, 103, 104, 116, // height 116
  116, 101, 120, 116, // text 122
  108, 111, 103, 112, 114, 111, 98, // logprob 126
  116, 111, 112, // top 133
]);

// Scanner state: one scan at a time per instance (one instance per thread).
let p: usize = 0;
let end: usize = 0;
/** Content of the string scanString last accepted, its UTF-16 length and whether it held escapes. */
let strS: usize = 0;
let strE: usize = 0;
let strUnits: i32 = 0;
let strEsc: bool = false;
/** The value of the number scanNumber last read. */
let num: f64 = 0;

// The previous accepted record's id strings and reward names (in the current block), to flag repeats.
let prevValid: bool = false;
let prevRunS: usize = 0;
let prevRunE: usize = 0;
let prevRunP: bool = false;
let prevGroupS: usize = 0;
let prevGroupE: usize = 0;
let prevImageS: usize = 0;
let prevImageE: usize = 0;
let prevImageP: bool = false;
let prevNComp: i32 = -1;
const PREV_COMP_S = memory.data(64);
const PREV_COMP_E = memory.data(64);
/** Address just past the last line `scan` consumed. */
let resume: usize = 0;

function ws(): void {
  // No newline here: lines are split on it before JSON whitespace counts.
  let i = p;
  while (i < end) {
    const c = load<u8>(i);
    if (c == 32 || c == 9 || c == 13) i++;
    else break;
  }
  p = i;
}

function isHex(c: u32): bool {
  return (c - 48 < 10) || ((c | 32) - 97 < 6);
}

function cont(a: usize): bool {
  return a < end && (<u32>load<u8>(a) & 0xc0) == 0x80;
}

/** Length of the valid UTF-8 sequence at a (Unicode table 3-7), 0 when invalid: Node would decode it to U+FFFD. */
function utf8Seq(a: usize): i32 {
  const c = <u32>load<u8>(a);
  if (c >= 0xc2 && c <= 0xdf) return cont(a + 1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (a + 2 >= end) return 0;
    const d = <u32>load<u8>(a + 1);
    const lo: u32 = c == 0xe0 ? 0xa0 : 0x80;
    const hi: u32 = c == 0xed ? 0x9f : 0xbf;
    if (d < lo || d > hi || !cont(a + 2)) return 0;
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (a + 3 >= end) return 0;
    const d = <u32>load<u8>(a + 1);
    const lo: u32 = c == 0xf0 ? 0x90 : 0x80;
    const hi: u32 = c == 0xf4 ? 0x8f : 0xbf;
    if (d < lo || d > hi || !cont(a + 2) || !cont(a + 3)) return 0;
    return 4;
  }
  return 0;
}

/** With p on a quote: scan a JSON string, 16–32 bytes at a time between the bytes that matter; false when invalid. */
function scanString(): bool {
  if (p >= end || load<u8>(p) != 34) return false;
  const quote = i8x16.splat(34);
  const backslash = i8x16.splat(92);
  const control = i8x16.splat(0x20);
  const s = p + 1;
  let q = s;
  let units: i32 = 0;
  let esc = false;
  while (true) {
    if (q >= end) return false;
    // Quote, backslash, control byte (invalid unescaped) or non-ASCII: the only bytes that are not one unit each.
    // One signed compare finds the last two: bytes from 0x80 are negative.
    let v = v128.load(q);
    let bits = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_s(v, control)));
    if (bits == 0) {
      // Long plain runs (think text, RLE counts) go 32 bytes a turn; loads past `end` stay in the buffer's padding.
      v = v128.load(q + 16);
      bits = i8x16.bitmask(v128.or(v128.or(i8x16.eq(v, quote), i8x16.eq(v, backslash)), i8x16.lt_s(v, control)));
      q += 16;
      units += 16;
      if (bits == 0) {
        q += 16;
        units += 16;
        continue;
      }
    }
    const i = ctz(bits);
    q += <usize>i;
    units += i;
    if (q >= end) return false;
    const c = <u32>load<u8>(q);
    if (c == 34) {
      strS = s;
      strE = q;
      strUnits = units;
      strEsc = esc;
      p = q + 1;
      return true;
    }
    if (c == 92) {
      esc = true;
      if (q + 1 >= end) return false;
      const d = <u32>load<u8>(q + 1);
      if (d == 117) {
        if (q + 5 >= end) return false;
        if (!isHex(load<u8>(q + 2)) || !isHex(load<u8>(q + 3)) || !isHex(load<u8>(q + 4)) || !isHex(load<u8>(q + 5))) return false;
        q += 6;
      } else if (d == 34 || d == 92 || d == 47 || d == 98 || d == 102 || d == 110 || d == 114 || d == 116) {
        q += 2;
      } else return false;
      units += 1;
    } else if (c < 0x20) {
      return false;
    } else {
      const k = utf8Seq(q);
      if (k == 0) return false;
      q += <usize>k;
      units += k == 4 ? 2 : 1;
    }
  }
}

/**
 * A JSON number at p: 0 not a number, 1 read exactly into `num` (at most 15 significant digits and a power of ten
 * up to 22: one correctly rounded operation, as fastRecord.ts computes it), 2 valid JSON but outside that path.
 */
function scanNumber(): i32 {
  let i = p;
  let neg = false;
  if (i < end && load<u8>(i) == 45) {
    neg = true;
    i++;
  }
  let mant: f64 = 0;
  // The same digits as an integer: exact while there are at most 19 of them, for Eisel–Lemire.
  let m: u64 = 0;
  let digits = 0;
  let c: u32 = i < end ? <u32>load<u8>(i) : 0;
  if (c == 48) {
    i++;
    c = i < end ? <u32>load<u8>(i) : 0;
    if (c - 48 < 10) return 0;
  } else if (c - 49 < 9) {
    while (c - 48 < 10) {
      mant = mant * 10 + <f64>(c - 48);
      m = m * 10 + <u64>(c - 48);
      digits++;
      i++;
      c = i < end ? <u32>load<u8>(i) : 0;
    }
  } else return 0;
  let frac = 0;
  if (c == 46) {
    i++;
    c = i < end ? <u32>load<u8>(i) : 0;
    if (!(c - 48 < 10)) return 0;
    while (c - 48 < 10) {
      mant = mant * 10 + <f64>(c - 48);
      m = m * 10 + <u64>(c - 48);
      if (mant != 0) digits++;
      frac++;
      i++;
      c = i < end ? <u32>load<u8>(i) : 0;
    }
  }
  let e = 0;
  if (c == 101 || c == 69) {
    i++;
    c = i < end ? <u32>load<u8>(i) : 0;
    let eneg = false;
    if (c == 43 || c == 45) {
      eneg = c == 45;
      i++;
      c = i < end ? <u32>load<u8>(i) : 0;
    }
    if (!(c - 48 < 10)) return 0;
    while (c - 48 < 10) {
      e = e * 10 + <i32>(c - 48);
      if (e > 1000000) e = 1000000;
      i++;
      c = i < end ? <u32>load<u8>(i) : 0;
    }
    if (eneg) e = -e;
  }
  p = i;
  const e10 = e - frac;
  if (digits <= 15 && e10 >= -22 && e10 <= 22) {
    const v = e10 < 0 ? mant / pow10(-e10) : mant * pow10(e10);
    num = neg ? -v : v;
    return 1;
  }
  // Python's repr of a float often has 16–17 digits: correctly rounded here too, not left to the host's Number().
  if (digits <= 19 && e10 >= POW5_QMIN && e10 <= POW5_QMAX && eiselLemire(m, e10, neg)) return 1;
  return 2;
}

/** High half of the last mul64 product. */
let mulHi: u64 = 0;

/** The 128-bit product a × b: returns the low half, the high half in mulHi. */
function mul64(a: u64, b: u64): u64 {
  const aL = a & 0xffffffff;
  const aH = a >> 32;
  const bL = b & 0xffffffff;
  const bH = b >> 32;
  const ll = aL * bL;
  const lh = aL * bH;
  const hl = aH * bL;
  const mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);
  mulHi = aH * bH + (lh >> 32) + (hl >> 32) + (mid >> 32);
  return (mid << 32) | (ll & 0xffffffff);
}

/**
 * Eisel–Lemire (as in Go's strconv and fast_float): man × 10^q correctly rounded into `num`; false in the rare
 * cases the 128-bit product cannot decide the rounding (and for subnormals and overflow): the host's Number() then does.
 */
function eiselLemire(man: u64, q: i32, neg: bool): bool {
  if (man == 0) {
    num = neg ? -0.0 : 0.0;
    return true;
  }
  const lz = <u64>clz(man);
  man <<= lz;
  // floor(q · log2 10), in i32 on purpose: in a u64 context the shift would be logical and lose the sign.
  const log2: i32 = (217706 * q) >> 16;
  let exp2: u64 = <u64>(log2 + 64 + 1023) - lz;
  const at = POW5 + (<usize>(q - POW5_QMIN) << 4);
  let xLo = mul64(man, load<u64>(at + 8));
  let xHi = mulHi;
  if ((xHi & 0x1ff) == 0x1ff && xLo + man < man) {
    // The truncated power may have cost the bits that decide: widen with its low half.
    const yLo = mul64(man, load<u64>(at));
    const yHi = mulHi;
    let hi = xHi;
    const lo = xLo + yHi;
    if (lo < xLo) hi++;
    if ((hi & 0x1ff) == 0x1ff && lo + 1 == 0 && yLo + man < man) return false;
    xHi = hi;
    xLo = lo;
  }
  const msb = xHi >> 63;
  let mant = xHi >> (msb + 9);
  exp2 -= 1 ^ msb;
  // Exactly halfway between two doubles: round-half-even needs the exact value.
  if (xLo == 0 && (xHi & 0x1ff) == 0 && (mant & 3) == 1) return false;
  mant += mant & 1;
  mant >>= 1;
  if (mant >> 53 > 0) {
    mant >>= 1;
    exp2 += 1;
  }
  if (exp2 - 1 >= 0x7ff - 1) return false;
  let bits = (exp2 << 52) | (mant & 0x000fffffffffffff);
  if (neg) bits |= 0x8000000000000000;
  num = reinterpret<f64>(bits);
  return true;
}

const POW10 = memory.data<f64>([1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22]);
function pow10(k: i32): f64 {
  return load<f64>(POW10 + (<usize>k << 3));
}

/** The literal of `len` bytes whose first four are `word` (little-endian) at p; advances past it. */
function literal(word: u32, len: usize): bool {
  if (p + len > end) return false;
  if (len == 4) {
    if (load<u32>(p) != word) return false;
  } else if (load<u32>(p) != word || load<u8>(p + 4) != 101) return false; // "false": "fals" + "e"
  p += len;
  return true;
}
const NULL: u32 = 0x6c6c756e; // "null"
const TRUE: u32 = 0x65757274; // "true"
const FALS: u32 = 0x736c6166; // "fals"

function isNull(): bool {
  return p < end && load<u8>(p) == 110;
}

/** Skip any JSON value, checking its grammar; false when invalid or nested deeper than fastRecord.ts goes. */
function skipValue(depth: i32): bool {
  if (p >= end) return false;
  const c = <u32>load<u8>(p);
  if (c == 34) return scanString();
  if (c == 123 || c == 91) {
    if (depth > 64) return false;
    const close: u32 = c == 123 ? 125 : 93;
    p++;
    ws();
    if (p < end && load<u8>(p) == close) {
      p++;
      return true;
    }
    while (true) {
      if (c == 123) {
        if (!scanString()) return false;
        ws();
        if (p >= end || load<u8>(p) != 58) return false;
        p++;
        ws();
      }
      if (!skipValue(depth + 1)) return false;
      ws();
      if (p >= end) return false;
      const d = <u32>load<u8>(p);
      if (d == 44) {
        p++;
        ws();
        continue;
      }
      if (d == close) {
        p++;
        return true;
      }
      return false;
    }
  }
  if (c == 116) return literal(TRUE, 4);
  if (c == 102) return literal(FALS, 5);
  if (c == 110) return literal(NULL, 4);
  if (c == 45 || c - 48 < 10) return scanNumber() != 0;
  return false;
}

function keyIs(s: usize, at: usize, len: usize): bool {
  const k = KEY_BYTES + at;
  let j: usize = 0;
  while (j < len && load<u8>(k + j) == load<u8>(s + j)) j++;
  return j == len;
}

/** The key at [s, s + len) as a K_ id: by length first, so at most three candidates are compared. */
function keyId(s: usize, len: usize): i32 {
  const c = load<u8>(s);
  switch (<i32>len) {
    case 2:
      return keyIs(s, 33, 2) ? K_GT : K_OTHER;
    case 3:
      return keyIs(s, 10, 3) ? K_RUN : K_OTHER;
    case 4:
      if (c == 115) return keyIs(s, 18, 4) ? K_STEP : K_OTHER;
      if (c == 116) return keyIs(s, 35, 4) ? K_TASK : K_OTHER;
      return keyIs(s, 83, 4) ? K_MASK : K_OTHER;
    case 5:
      if (c == 103) return keyIs(s, 13, 5) ? K_GROUP : K_OTHER;
      if (c == 105) return keyIs(s, 28, 5) ? K_IMAGE : K_OTHER;
      if (c == 113) return keyIs(s, 39, 5) ? K_QUERY : K_OTHER;
      return K_OTHER; // extra included: nothing in it is checked, it only joins the record's extras
    case 6:
      if (c == 115) return keyIs(s, 22, 6) ? K_SAMPLE : K_OTHER;
      if (c == 114) return keyIs(s, 44, 6) ? K_REWARD : K_OTHER;
      return keyIs(s, 66, 6) ? K_TOKENS : K_OTHER;
    case 7:
      return keyIs(s, 59, 7) ? K_REWARDS : K_OTHER;
    case 9:
      if (c == 97) return keyIs(s, 50, 9) ? K_ADVANTAGE : K_OTHER;
      return keyIs(s, 92, 9) ? K_SLOW : K_OTHER; // __proto__
    case 10:
      return keyIs(s, 0, 10) ? K_COMPLETION : K_OTHER;
    case 11:
      return keyIs(s, 72, 11) ? K_MODEL_FRAME : K_OTHER;
  }
  return K_OTHER;
}

/**
 * Whether the path [s, e) is one unsafePathReason() turns down: absolute (/, \\, a drive letter) or with a `..`
 * segment. Bytes are enough: '/', '\\', ':' and '.' never occur inside a multi-byte UTF-8 sequence.
 */
function unsafePath(s: usize, e: usize): bool {
  if (s == e) return false;
  const c0 = <u32>load<u8>(s);
  if (c0 == 47 || c0 == 92) return true;
  if (e - s >= 3 && (c0 | 32) - 97 < 26 && load<u8>(s + 1) == 58) {
    const c2 = load<u8>(s + 2);
    if (c2 == 47 || c2 == 92) return true;
  }
  let seg = s;
  for (let i = s; i <= e; i++) {
    const c = i < e ? <u32>load<u8>(i) : 47;
    if (c == 47 || c == 92) {
      if (i - seg == 2 && load<u8>(seg) == 46 && load<u8>(seg + 1) == 46) return true;
      seg = i + 1;
    }
  }
  return false;
}

function bytesEqual(a: usize, b: usize, len: usize): bool {
  let j: usize = 0;
  while (j + 16 <= len) {
    if (!i8x16.all_true(i8x16.eq(v128.load(a + j), v128.load(b + j)))) return false;
    j += 16;
  }
  while (j < len) {
    if (load<u8>(a + j) != load<u8>(b + j)) return false;
    j++;
  }
  return true;
}

function same(s: usize, e: usize, ps: usize, pe: usize): bool {
  return e - s == pe - ps && bytesEqual(s, ps, e - s);
}

/** A plain (unescaped) string value at p, its content in strS/strE; false for anything else, escapes included. */
function plainString(): bool {
  return scanString() && !strEsc;
}

/** With p after a member's key string: past the colon and the whitespace around it. */
function colon(): bool {
  ws();
  if (p >= end || load<u8>(p) != 58) return false;
  p++;
  ws();
  return true;
}

/** Whether the member just read is followed by another (p past the comma), set by endMember. */
let more: bool = false;

/** After a member's value: past a comma (more = true) or the closing byte (more = false); false on anything else. */
function endMember(close: u32): bool {
  ws();
  if (p >= end) return false;
  const d = <u32>load<u8>(p);
  p++;
  if (d == 44) {
    ws();
    more = true;
    return true;
  }
  more = false;
  return d == close;
}

/** The key string of an object member at p, in strS/strE, then past its colon; false for escaped keys (the host's). */
function memberKey(): bool {
  return plainString() && colon();
}

function keyEq(at: usize, len: usize): bool {
  return strE - strS == len && keyIs(strS, at, len);
}

/**
 * A non-negative integer in plain digits, which Number.isInteger(x) && x >= 0 accepts without doubt; a sign, fraction
 * or exponent (which JSON.parse may still read as such an integer) is left to the host.
 */
function plainUint(): bool {
  let i = p;
  if (i >= end) return false;
  const c = <u32>load<u8>(i);
  if (c == 48) i++;
  else if (c - 49 < 9) {
    while (i < end && <u32>load<u8>(i) - 48 < 10) i++;
  } else return false;
  if (i - p > 15) return false;
  if (i < end) {
    const d = <u32>load<u8>(i);
    if (d == 46 || d == 101 || d == 69 || d - 48 < 10) return false;
  }
  p = i;
  return true;
}

/** Past the opening byte c of an object or array and the whitespace after it; false when p is not on c. */
function open(c: u32): bool {
  if (p >= end || <u32>load<u8>(p) != c) return false;
  p++;
  ws();
  return true;
}

/** An array of plain non-negative integers: exactly n of them, or any number when n < 0. */
function uintArray(n: i32): bool {
  if (!open(91)) return false;
  if (p < end && load<u8>(p) == 93) {
    p++;
    return n < 0;
  }
  let k = 0;
  while (true) {
    if (!plainUint()) return false;
    k++;
    if (!endMember(93)) return false;
    if (!more) break;
  }
  return n < 0 || k == n;
}

/**
 * `mask`: null, or a COCO RLE the schema accepts ({size: [h, w], counts: a string or an array}, integers
 * non-negative). Anything else, duplicate members included, is the host's to report.
 */
function scanMask(): bool {
  if (isNull()) return literal(NULL, 4);
  if (!open(123)) return false;
  let got = 0;
  while (true) {
    if (!memberKey()) return false;
    if (keyEq(101, 4)) {
      if (got & 1) return false;
      got |= 1;
      if (!uintArray(2)) return false;
    } else if (keyEq(105, 6)) {
      if (got & 2) return false;
      got |= 2;
      if (p < end && load<u8>(p) == 34) {
        if (!scanString()) return false;
      } else if (!uintArray(-1)) return false;
    } else if (!skipValue(1)) return false;
    if (!endMember(125)) return false;
    if (!more) break;
  }
  return got == 3;
}

/** `model_frame`: null, or {width, height} both positive; only exactly read numbers (a slow one may round to 0 or overflow). */
function scanModelFrame(): bool {
  if (isNull()) return literal(NULL, 4);
  if (!open(123)) return false;
  let got = 0;
  while (true) {
    if (!memberKey()) return false;
    const bit = keyEq(111, 5) ? 1 : keyEq(116, 6) ? 2 : 0;
    if (bit != 0) {
      if (got & bit) return false;
      got |= bit;
      if (scanNumber() != 1 || !(num > 0)) return false;
    } else if (!skipValue(1)) return false;
    if (!endMember(125)) return false;
    if (!more) break;
  }
  return got == 3;
}

/**
 * One entry of `tokens` ({text: string, logprob?: number, top?: [alternatives]}) or, with `alt`, one alternative
 * of its `top` ({text: string, logprob: number}); other members are skipped as the schema ignores them.
 */
function scanToken(alt: bool): bool {
  if (!open(123)) return false;
  let got = 0;
  while (true) {
    if (!memberKey()) return false;
    const bit = keyEq(122, 4) ? 1 : keyEq(126, 7) ? 2 : !alt && keyEq(133, 3) ? 4 : 0;
    if (got & bit) return false;
    got |= bit;
    if (bit == 1) {
      if (!scanString()) return false;
    } else if (bit == 2) {
      if (scanNumber() == 0) return false; // any JSON number is a number, however it rounds
    } else if (bit == 4) {
      if (!tokenArray(true)) return false;
    } else if (!skipValue(2)) return false;
    if (!endMember(125)) return false;
    if (!more) break;
  }
  return (got & 1) != 0 && (!alt || (got & 2) != 0);
}

function tokenArray(alt: bool): bool {
  if (!open(91)) return false;
  if (p < end && load<u8>(p) == 93) {
    p++;
    return true;
  }
  while (true) {
    if (!scanToken(alt)) return false;
    if (!endMember(93)) return false;
    if (!more) break;
  }
  return true;
}

/** `tokens`: null, or per-token entries the schema accepts. */
function scanTokens(): bool {
  if (isNull()) return literal(NULL, 4);
  return tokenArray(false);
}

/** The slow-number mask of the record being scanned. */
let slow: i32 = 0;

/**
 * A number or null at p for number slot k of record r: true with `num` set (NaN for null, or for a slow number,
 * whose span is stored and bit set), false when it is neither.
 */
function numberSlot(r: usize, k: i32): bool {
  if (isNull()) {
    num = NaN;
    return literal(NULL, 4);
  }
  const s = p;
  const kind = scanNumber();
  if (kind == 0) return false;
  if (kind == 2) {
    const at = (r * <usize>N_SLOTS + <usize>k) << 2;
    store<i32>(O_NUM_S + at, <i32>s);
    store<i32>(O_NUM_E + at, <i32>p);
    slow |= 1 << k;
    num = NaN;
  }
  return true;
}

/** Summarise the record starting at p into slot r: ST_OK, or ST_FALLBACK for the JavaScript path. */
function record(r: usize): i32 {
  slow = 0;
  ws();
  if (p >= end || load<u8>(p) != 123) return ST_FALLBACK;
  p++;
  ws();
  if (p < end && load<u8>(p) == 125) return ST_FALLBACK; // no completion
  let seen: i32 = 0;
  let flags: i32 = 0;
  let clen: i32 = -1;
  let groupP = false;
  let runS: usize = 0, runE: usize = 0, groupS: usize = 0, groupE: usize = 0;
  let imageS: usize = 0, imageE: usize = 0;
  let ncomp: i32 = 0;
  let cnull: i32 = 0;
  let step: f64 = NaN, reward: f64 = NaN, adv: f64 = NaN, sample: f64 = -1;
  while (true) {
    if (!plainString()) return ST_FALLBACK;
    const known = keyId(strS, strE - strS);
    ws();
    if (p >= end || load<u8>(p) != 58) return ST_FALLBACK;
    p++;
    ws();
    if (known == K_SLOW) return ST_FALLBACK;
    if (known >= 0) {
      if (seen & (1 << known)) return ST_FALLBACK;
      seen |= 1 << known;
    }
    if (known == K_COMPLETION) {
      if (!scanString()) return ST_FALLBACK;
      clen = strUnits;
    } else if (known == K_RUN) {
      if (isNull()) {
        if (!literal(NULL, 4)) return ST_FALLBACK;
      } else {
        if (!plainString()) return ST_FALLBACK; // a number: String(n) is the host's
        runS = strS;
        runE = strE;
        flags |= F_RUN;
      }
    } else if (known == K_GROUP) {
      // A missing or null group is inferred from step + image/prompt: the host's work.
      if (!plainString()) return ST_FALLBACK;
      groupS = strS;
      groupE = strE;
      groupP = true;
    } else if (known == K_STEP || known == K_REWARD || known == K_ADVANTAGE || known == K_SAMPLE) {
      const k = known == K_STEP ? N_STEP : known == K_REWARD ? N_REWARD : known == K_ADVANTAGE ? N_ADV : N_SAMPLE;
      const wasNull = isNull();
      if (!numberSlot(r, k)) return ST_FALLBACK;
      if (!wasNull) {
        const v = num;
        if (known == K_STEP) {
          step = v;
          flags |= F_STEP;
        } else if (known == K_REWARD) {
          reward = v;
          flags |= F_REWARD;
        } else if (known == K_ADVANTAGE) {
          adv = v;
          flags |= F_ADV;
        } else {
          // A slow sample is the host's to check; a fast one must be a non-negative integer here.
          if ((slow & (1 << N_SAMPLE)) == 0 && !(v >= 0 && Math.floor(v) == v)) return ST_FALLBACK;
          sample = v;
          flags |= F_SAMPLE;
        }
      }
    } else if (known == K_IMAGE || known == K_GT) {
      if (isNull()) {
        if (!literal(NULL, 4)) return ST_FALLBACK;
      } else {
        // An unsafe path is reported by the JavaScript path.
        if (!plainString() || unsafePath(strS, strE)) return ST_FALLBACK;
        if (known == K_IMAGE) {
          imageS = strS;
          imageE = strE;
          flags |= F_IMAGE;
        } else flags |= F_GT;
      }
    } else if (known == K_TASK || known == K_QUERY) {
      if (isNull()) {
        if (!literal(NULL, 4)) return ST_FALLBACK;
      } else if (!scanString()) return ST_FALLBACK;
    } else if (known == K_REWARDS) {
      if (isNull()) {
        if (!literal(NULL, 4)) return ST_FALLBACK;
      } else {
        if (p >= end || load<u8>(p) != 123) return ST_FALLBACK;
        p++;
        ws();
        if (p < end && load<u8>(p) == 125) p++;
        else
          while (true) {
            if (!plainString()) return ST_FALLBACK;
            if (ncomp >= MAX_COMP) return ST_FALLBACK;
            const ns = strS;
            const ne = strE;
            if (ne - ns == 9 && bytesEqual(ns, KEY_BYTES + 92, 9)) return ST_FALLBACK; // __proto__
            const slot = r * <usize>MAX_COMP;
            for (let k = 0; k < ncomp; k++) {
              const ks = <usize>load<i32>(O_COMP_S + ((slot + <usize>k) << 2));
              const ke = <usize>load<i32>(O_COMP_E + ((slot + <usize>k) << 2));
              if (same(ns, ne, ks, ke)) return ST_FALLBACK; // a duplicate name: JSON.parse keeps the last
            }
            ws();
            if (p >= end || load<u8>(p) != 58) return ST_FALLBACK;
            p++;
            ws();
            if (isNull()) cnull |= 1 << ncomp;
            if (!numberSlot(r, N_COMP + ncomp)) return ST_FALLBACK;
            const v = num;
            store<i32>(O_COMP_S + ((slot + <usize>ncomp) << 2), <i32>ns);
            store<i32>(O_COMP_E + ((slot + <usize>ncomp) << 2), <i32>ne);
            store<f64>(O_COMP_V + ((slot + <usize>ncomp) << 3), v);
            ncomp++;
            if (!endMember(125)) return ST_FALLBACK;
            if (!more) break;
          }
      }
    } else if (known == K_MASK) {
      if (!scanMask()) return ST_FALLBACK;
    } else if (known == K_MODEL_FRAME) {
      if (!scanModelFrame()) return ST_FALLBACK;
    } else if (known == K_TOKENS) {
      if (!scanTokens()) return ST_FALLBACK;
    } else {
      if (!skipValue(0)) return ST_FALLBACK;
    }
    if (!endMember(125)) return ST_FALLBACK;
    if (!more) break;
  }
  ws();
  // The record must end the line: p is on its newline.
  if (p >= end || load<u8>(p) != 10 || clen < 0 || !groupP) return ST_FALLBACK;

  if (prevValid) {
    if ((flags & F_RUN) != 0 && prevRunP && same(runS, runE, prevRunS, prevRunE)) flags |= F_RUN_SAME;
    if (same(groupS, groupE, prevGroupS, prevGroupE)) flags |= F_GROUP_SAME;
    if ((flags & F_IMAGE) != 0 && prevImageP && same(imageS, imageE, prevImageS, prevImageE)) flags |= F_IMAGE_SAME;
    if (ncomp == prevNComp) {
      let all = true;
      const slot = r * <usize>MAX_COMP;
      for (let k = 0; k < ncomp && all; k++) {
        const ks = <usize>load<i32>(O_COMP_S + ((slot + <usize>k) << 2));
        const ke = <usize>load<i32>(O_COMP_E + ((slot + <usize>k) << 2));
        all = same(ks, ke, <usize>load<i32>(PREV_COMP_S + (<usize>k << 2)), <usize>load<i32>(PREV_COMP_E + (<usize>k << 2)));
      }
      if (all) flags |= F_COMP_SAME;
    }
  }
  prevValid = true;
  prevRunP = (flags & F_RUN) != 0;
  prevRunS = runS;
  prevRunE = runE;
  prevGroupS = groupS;
  prevGroupE = groupE;
  prevImageP = (flags & F_IMAGE) != 0;
  prevImageS = imageS;
  prevImageE = imageE;
  prevNComp = ncomp;
  const slot = r * <usize>MAX_COMP;
  for (let k = 0; k < ncomp; k++) {
    store<i32>(PREV_COMP_S + (<usize>k << 2), load<i32>(O_COMP_S + ((slot + <usize>k) << 2)));
    store<i32>(PREV_COMP_E + (<usize>k << 2), load<i32>(O_COMP_E + ((slot + <usize>k) << 2)));
  }

  const r4 = r << 2;
  const r8 = r << 3;
  store<i32>(O_CLEN + r4, clen);
  store<i32>(O_FLAGS + r4, flags);
  store<i32>(O_NCOMP + r4, ncomp);
  store<i32>(O_CNULL + r4, cnull);
  store<i32>(O_SLOW + r4, slow);
  store<i32>(O_RUN_S + r4, <i32>runS);
  store<i32>(O_RUN_E + r4, <i32>runE);
  store<i32>(O_GROUP_S + r4, <i32>groupS);
  store<i32>(O_GROUP_E + r4, <i32>groupE);
  store<i32>(O_IMAGE_S + r4, <i32>imageS);
  store<i32>(O_IMAGE_E + r4, <i32>imageE);
  store<f64>(O_STEP + r8, step);
  store<f64>(O_REWARD + r8, reward);
  store<f64>(O_ADV + r8, adv);
  store<f64>(O_SAMPLE + r8, sample);
  return ST_OK;
}

/** Offset of the first newline at or after a (before stop), or stop. */
function newline(a: usize, stop: usize): usize {
  const nl = i8x16.splat(10);
  while (a + 16 <= stop) {
    const bits = i8x16.bitmask(i8x16.eq(v128.load(a), nl));
    if (bits != 0) return a + <usize>ctz(bits);
    a += 16;
  }
  while (a < stop && load<u8>(a) != 10) a++;
  return a;
}

/**
 * Summarise the lines of [from, stop), every one ending in a newline, into slots 0…: at most MAX_REC lines, one slot
 * each (its status, start and newline); returns how many, and `next()` is where the next call resumes. `fresh`
 * starts a new block: records before it may have been overwritten, so none is compared with them.
 */
export function scan(from: usize, stop: usize, fresh: bool): i32 {
  if (fresh) {
    prevValid = false;
    prevNComp = -1;
  }
  let a = from;
  let r: usize = 0;
  while (a < stop && r < R) {
    p = a;
    end = stop;
    const blank = isBlankLine();
    let status: i32;
    let nl: usize;
    if (blank) {
      status = ST_BLANK;
      nl = p;
    } else {
      status = record(r);
      // A valid record stops on its newline; anything else finds it the plain way.
      nl = status == ST_OK ? p : newline(a, stop);
    }
    store<i32>(O_STATUS + (r << 2), status);
    store<i32>(O_START + (r << 2), <i32>a);
    store<i32>(O_END + (r << 2), <i32>nl);
    r++;
    a = nl + 1;
  }
  resume = a;
  return <i32>r;
}

/** Whether the line at p holds only spaces, tabs and CRs; leaves p on its newline when it does. */
function isBlankLine(): bool {
  const start = p;
  ws();
  if (p < end && load<u8>(p) == 10) return true;
  p = start;
  return false;
}

export function next(): usize {
  return resume;
}
