import { isPyDigit, isPySpace, pyDigitValue } from '../completion/pyChars';

/**
 * Python's number and text semantics, as the reference reward code and Python log writers rely on them, in one
 * place. Mirrors CPython 3.11 (the references' interpreter) and NumPy 2.4; test/fixtures/hostile/pysem/pysem.json (made by
 * test/fixtures/gen/pysem.py, running CPython) pins every rule, and test/unit/hostile/pysem.test.ts checks them.
 *
 * Value model: a Python `int` is a `bigint` (exact at any size), a `float` a `number`, `bool` a `boolean`,
 * `None` null, `str` a string, `list` an array and `dict` a `Map` (insertion order of the *first* occurrence of a key,
 * value of the last: `dict(pairs)`, unlike a JS object, which also moves integer-like keys first).
 */

/** A value `json.loads` can return. */
export type PyValue = null | boolean | number | bigint | string | PyValue[] | PyDict;

/** A Python `dict` with string keys (what a JSON object decodes to). */
export type PyDict = Map<string, PyValue>;

/** A Python number: `int` (bigint), `float` (number) or `bool`. */
export type PyNumber = bigint | number | boolean;

/** A Python exception the references catch (`except Exception`); `type` is the Python class name. */
export class PyException extends Error {
  /** `type` is e.g. 'JSONDecodeError', 'ValueError'; `msg` the bare message; `pos` (code points) is set for JSONDecodeError. */
  constructor(
    readonly type: string,
    readonly msg: string,
    readonly pos?: number,
    message: string = msg,
  ) {
    super(message);
    this.name = type;
  }
}

/** A JSONDecodeError as Lib/json/decoder.py words it: `msg: line L column C (char P)` (P in code points). */
function jsonDecodeError(doc: string, msg: string, at: number): PyException {
  const pos = cpIndex(doc, at);
  const before = doc.slice(0, at);
  const nl = before.lastIndexOf('\n');
  const lineno = before.split('\n').length;
  const colno = nl < 0 ? pos + 1 : pos - cpIndex(doc, nl);
  return new PyException('JSONDecodeError', msg, pos, `${msg}: line ${lineno} column ${colno} (char ${pos})`);
}

/** CPython ≥ 3.11 `sys.get_int_max_str_digits()` default (Python/initconfig.c, `_PY_LONG_DEFAULT_MAX_STR_DIGITS`). */
export const PY_INT_MAX_STR_DIGITS = 4300;

/**
 * Nesting depth at which `json.loads` raises RecursionError. The C scanner's `Py_EnterRecursiveCall` shares the
 * interpreter's limit (1000) with the Python frames below it, so the exact depth depends on the caller's stack:
 * 995 at a script's top level (measured by the generator), a few less inside a trainer. Deeper input always fails.
 */
export const PY_JSON_MAX_DEPTH = 994;

/** The ValueError message of Objects/longobject.c for a decimal string over the digit limit. */
function digitLimitMessage(digits: number): string {
  return `Exceeds the limit (${PY_INT_MAX_STR_DIGITS} digits) for integer string conversion: value has ${digits} digits; use sys.set_int_max_str_digits() to increase the limit`;
}

// ─── json.loads ────────────────────────────────────────────────────────────────────────────────────────────

/** How parsed values are built: Python values, or plain JS values for log records. */
interface Builder<T> {
  int(digits: string, negative: boolean): T;
  float(text: string): T;
  constant(v: null | boolean | number): T;
  string(s: string): T;
  array(items: T[]): T;
  object(pairs: Array<[string, T]>): T;
}

const PY_BUILDER: Builder<PyValue> = {
  int: (digits, negative) => (negative ? -BigInt(digits) : BigInt(digits)),
  float: (text) => Number(text),
  constant: (v) => v,
  string: (s) => s,
  array: (items) => items,
  object: (pairs) => new Map(pairs),
};

const JS_BUILDER: Builder<unknown> = {
  int: (digits, negative) => (negative ? -Number(digits) : Number(digits)),
  float: (text) => Number(text),
  constant: (v) => v,
  string: (s) => s,
  array: (items) => items,
  object: (pairs) => {
    const o: Record<string, unknown> = {};
    // defineProperty: a "__proto__" key is data, as in Python, not the prototype setter.
    for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
    return o;
  },
};

/** Python's code-point index of UTF-16 index `i` (JSONDecodeError.pos counts code points). */
function cpIndex(s: string, i: number): number {
  let n = 0;
  for (let k = 0; k < i && k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c >= 0xd800 && c <= 0xdbff && k + 1 < i) {
      const d = s.charCodeAt(k + 1);
      if (d >= 0xdc00 && d <= 0xdfff) k++;
    }
    n++;
  }
  return n;
}

function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Recursive-descent decoder with the C accelerator's grammar and messages (Modules/_json.c, `scan_once_unicode`). */
class Decoder<T> {
  constructor(
    private readonly s: string,
    private readonly b: Builder<T>,
  ) {}

  fail(msg: string, at: number): never {
    throw jsonDecodeError(this.s, msg, at);
  }

  ws(i: number): number {
    while (i < this.s.length && isJsonSpace(this.s.charCodeAt(i))) i++;
    return i;
  }

  /** `scan_once` at `i`: a value and the index after it. */
  value(i: number, depth: number): [T, number] {
    const s = this.s;
    if (i >= s.length) this.fail('Expecting value', i);
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22:
        return this.string(i + 1);
      case 0x7b:
        return this.object(i + 1, depth + 1);
      case 0x5b:
        return this.array(i + 1, depth + 1);
      case 0x6e:
        if (s.startsWith('null', i)) return [this.b.constant(null), i + 4];
        break;
      case 0x74:
        if (s.startsWith('true', i)) return [this.b.constant(true), i + 4];
        break;
      case 0x66:
        if (s.startsWith('false', i)) return [this.b.constant(false), i + 5];
        break;
      case 0x4e:
        if (s.startsWith('NaN', i)) return [this.b.constant(NaN), i + 3];
        break;
      case 0x49:
        if (s.startsWith('Infinity', i)) return [this.b.constant(Infinity), i + 8];
        break;
      case 0x2d:
        if (s.startsWith('-Infinity', i)) return [this.b.constant(-Infinity), i + 9];
        break;
    }
    return this.number(i);
  }

  /** `_match_number_unicode`: ASCII digits only; an int over the digit limit raises ValueError (PyLong_FromString). */
  number(start: number): [T, number] {
    const s = this.s;
    let i = start;
    const negative = s.charCodeAt(i) === 0x2d;
    if (negative) i++;
    const c = s.charCodeAt(i);
    if (c >= 0x31 && c <= 0x39) {
      i++;
      while (isAsciiDigit(s.charCodeAt(i))) i++;
    } else if (c === 0x30) i++;
    else this.fail('Expecting value', start);
    const intEnd = i;
    let isFloat = false;
    if (s.charCodeAt(i) === 0x2e && isAsciiDigit(s.charCodeAt(i + 1))) {
      isFloat = true;
      i += 2;
      while (isAsciiDigit(s.charCodeAt(i))) i++;
    }
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sg = s.charCodeAt(j);
      if (sg === 0x2b || sg === 0x2d) j++;
      if (isAsciiDigit(s.charCodeAt(j))) {
        while (isAsciiDigit(s.charCodeAt(j))) j++;
        isFloat = true;
        i = j;
      }
    }
    if (isFloat) return [this.b.float(s.slice(start, i)), i];
    const digits = s.slice(negative ? start + 1 : start, intEnd);
    if (digits.length > PY_INT_MAX_STR_DIGITS) throw new PyException('ValueError', digitLimitMessage(digits.length));
    return [this.b.int(digits, negative), i];
  }

  /** `scanstring_unicode` (strict): no raw control characters, the eight escapes and `\uXXXX`. */
  string(start: number): [T, number] {
    const s = this.s;
    let out = '';
    let i = start;
    for (;;) {
      let j = i;
      for (; j < s.length; j++) {
        const c = s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c) break;
        if (c < 0x20) this.fail('Invalid control character at', j);
      }
      if (j >= s.length) this.fail('Unterminated string starting at', start - 1);
      out += s.slice(i, j);
      if (s.charCodeAt(j) === 0x22) return [this.b.string(out), j + 1];
      // A backslash: one escape. A surrogate pair written as two \u escapes is two UTF-16 units either way.
      if (j + 1 >= s.length) this.fail('Unterminated string starting at', start - 1);
      const esc = s.charCodeAt(j + 1);
      if (esc === 0x75) {
        let v = 0;
        for (let k = j + 2; k < j + 6; k++) {
          const h = k < s.length ? hexValue(s.charCodeAt(k)) : -1;
          if (h < 0) this.fail('Invalid \\uXXXX escape', j + 1);
          v = v * 16 + h;
        }
        out += String.fromCharCode(v);
        i = j + 6;
        continue;
      }
      const simple = ESCAPES[esc];
      if (simple === undefined) this.fail('Invalid \\escape', j);
      out += simple;
      i = j + 2;
    }
  }

  array(i: number, depth: number): [T, number] {
    if (depth > PY_JSON_MAX_DEPTH) throw new PyException('RecursionError', 'maximum recursion depth exceeded while decoding a JSON array from a unicode string');
    const items: T[] = [];
    i = this.ws(i);
    if (this.s.charCodeAt(i) === 0x5d) return [this.b.array(items), i + 1];
    for (;;) {
      const [v, next] = this.value(i, depth);
      items.push(v);
      i = this.ws(next);
      const c = this.s.charCodeAt(i);
      if (c === 0x5d) return [this.b.array(items), i + 1];
      if (c !== 0x2c) this.fail("Expecting ',' delimiter", i);
      i = this.ws(i + 1);
    }
  }

  object(i: number, depth: number): [T, number] {
    if (depth > PY_JSON_MAX_DEPTH) throw new PyException('RecursionError', 'maximum recursion depth exceeded while decoding a JSON object from a unicode string');
    const pairs: Array<[string, T]> = [];
    i = this.ws(i);
    if (this.s.charCodeAt(i) === 0x7d) return [this.b.object(pairs), i + 1];
    for (;;) {
      if (this.s.charCodeAt(i) !== 0x22) this.fail('Expecting property name enclosed in double quotes', i);
      const [key, afterKey] = new Decoder(this.s, PY_BUILDER).string(i + 1) as [string, number];
      i = this.ws(afterKey);
      if (this.s.charCodeAt(i) !== 0x3a) this.fail("Expecting ':' delimiter", i);
      const [v, next] = this.value(this.ws(i + 1), depth);
      pairs.push([key, v]);
      i = this.ws(next);
      const c = this.s.charCodeAt(i);
      if (c === 0x7d) return [this.b.object(pairs), i + 1];
      if (c !== 0x2c) this.fail("Expecting ',' delimiter", i);
      i = this.ws(i + 1);
    }
  }

  /** `json.loads(s)` for a str: BOM check (Lib/json/__init__.py), value, then only whitespace (Lib/json/decoder.py). */
  document(): T {
    if (this.s.charCodeAt(0) === 0xfeff) this.fail('Unexpected UTF-8 BOM (decode using utf-8-sig)', 0);
    const [v, end] = this.value(this.ws(0), 0);
    const after = this.ws(end);
    if (after !== this.s.length) this.fail('Extra data', after);
    return v;
  }
}

const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

/**
 * `json.loads(s)` on a str, exactly (CPython 3.11: Lib/json/__init__.py, Lib/json/decoder.py and the C scanner
 * Modules/_json.c): accepts `NaN`, `Infinity`, `-Infinity`; rejects a leading U+FEFF ("Unexpected UTF-8 BOM"), an
 * integer literal of more than 4300 digits (ValueError from Objects/longobject.c), raw control characters in
 * strings, trailing commas; duplicate keys keep the last value at the first key's position. Throws PyException.
 */
export function pyJsonLoads(s: string): PyValue {
  return new Decoder(s, PY_BUILDER).document();
}

/** `json.loads` as a predicate: true when it returns, false when it raises. */
export function pyJsonValid(s: string): boolean {
  try {
    pyJsonLoads(s);
    return true;
  } catch (e) {
    if (e instanceof PyException) return false;
    throw e;
  }
}

/**
 * `json.loads` building plain JS values, for reading records Python wrote: NaN/±Infinity become those numbers,
 * ints become Numbers (rounded beyond 2^53, which log fields never need exactly), objects plain objects.
 */
export function pyJsonLoadsToJs(s: string): unknown {
  return new Decoder(s, JS_BUILDER).document();
}

// ─── int() ─────────────────────────────────────────────────────────────────────────────────────────────────

/** ASCII whitespace as `Py_ISSPACE` sees it (Include/pyctype.h): space, \t \n \v \f \r. */
function isAsciiPySpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/**
 * `int(s)` for a str, base 10 (Objects/longobject.c `PyLong_FromUnicodeObject`): every code point ≥ 127 that is
 * whitespace (Objects/unicodectype.c `_PyUnicode_IsWhitespace`) becomes a space and every Unicode decimal digit
 * (category Nd, `_PyUnicode_ToDecimalDigit`) its ASCII digit (`_PyUnicode_TransformDecimalAndSpaceToASCII`); the
 * ASCII result is then read by `PyLong_FromString`: ASCII whitespace (`Py_ISSPACE`, so *not* U+001C–U+001F, which
 * str.strip() does strip), one sign, digits with single underscores between them (PEP 515), ASCII whitespace.
 * U+FEFF is not whitespace. More than 4300 digits raise ValueError. Throws PyException('ValueError').
 */
export function pyIntFromString(s: string): bigint {
  let ascii = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (c < 127) ascii += String.fromCharCode(c);
    else if (isPySpace(c)) ascii += ' ';
    else {
      const d = pyDigitValue(c);
      if (d < 0) throw invalidInt(s);
      ascii += String.fromCharCode(48 + d);
    }
  }
  let i = 0;
  const n = ascii.length;
  while (i < n && isAsciiPySpace(ascii.charCodeAt(i))) i++;
  let negative = false;
  const sign = ascii.charCodeAt(i);
  if (sign === 0x2b || sign === 0x2d) {
    negative = sign === 0x2d;
    i++;
  }
  let digits = '';
  if (!isAsciiDigit(ascii.charCodeAt(i))) throw invalidInt(s);
  for (;;) {
    const c = ascii.charCodeAt(i);
    if (isAsciiDigit(c)) {
      digits += ascii[i];
      i++;
    } else if (c === 0x5f && isAsciiDigit(ascii.charCodeAt(i + 1))) i++;
    else break;
  }
  while (i < n && isAsciiPySpace(ascii.charCodeAt(i))) i++;
  if (i !== n) throw invalidInt(s);
  if (digits.length > PY_INT_MAX_STR_DIGITS) throw new PyException('ValueError', digitLimitMessage(digits.length));
  const v = BigInt(digits);
  return negative ? -v : v;
}

function invalidInt(s: string): PyException {
  return new PyException('ValueError', `invalid literal for int() with base 10: ${JSON.stringify(s)}`);
}

/**
 * Python's `int(v)` on a JSON-decoded value: bool → 0/1, int unchanged, float truncated toward zero
 * (ValueError for NaN, OverflowError for ±inf: Objects/floatobject.c `float___trunc___impl`), str as
 * {@link pyIntFromString}; anything else TypeError.
 */
export function pyInt(v: PyValue | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new PyException('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyException('OverflowError', 'cannot convert float infinity to integer');
    return BigInt(Math.trunc(v));
  }
  if (typeof v === 'string') return pyIntFromString(v);
  throw new PyException('TypeError', "int() argument must be a string, a bytes-like object or a real number");
}

// ─── \d in `re` str patterns ───────────────────────────────────────────────────────────────────────────────

/** True when every code point of `s` is matched by Python's `\d` (Unicode Nd, CPython 3.11 / Unicode 14.0). */
export function allPyDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    if (c > 0xffff) i++;
    if (!isPyDigit(c)) return false;
  }
  return s.length > 0;
}

// ─── Python arithmetic on int/float (Objects/longobject.c, Objects/floatobject.c) ──────────────────────────

/** A bool as the int it is in arithmetic. */
function unbool(v: PyNumber): bigint | number {
  return typeof v === 'boolean' ? (v ? 1n : 0n) : v;
}

/** `float(int)`: correctly rounded; OverflowError when it rounds beyond the largest double (`PyLong_AsDouble`). */
export function pyToFloat(v: PyNumber): number {
  const u = unbool(v);
  if (typeof u === 'number') return u;
  // Number(bigint) rounds ties-to-even like PyLong_AsDouble and reaches Infinity exactly where Python overflows.
  const f = Number(u);
  if (!Number.isFinite(f)) throw new PyException('OverflowError', 'int too large to convert to float');
  return f;
}

/** Binary arithmetic on Python numbers: int∘int exact, otherwise both as floats (the int converted, may overflow). */
function arith(a: PyNumber, b: PyNumber, onInt: (x: bigint, y: bigint) => bigint, onFloat: (x: number, y: number) => number): bigint | number {
  const x = unbool(a);
  const y = unbool(b);
  if (typeof x === 'bigint' && typeof y === 'bigint') return onInt(x, y);
  return onFloat(pyToFloat(x), pyToFloat(y));
}

/** Python `a + b`. */
export function pyAdd(a: PyNumber, b: PyNumber): bigint | number {
  return arith(a, b, (x, y) => x + y, (x, y) => x + y);
}

/** Python `a - b`. */
export function pySub(a: PyNumber, b: PyNumber): bigint | number {
  return arith(a, b, (x, y) => x - y, (x, y) => x - y);
}

/** Python `a * b`. */
export function pyMul(a: PyNumber, b: PyNumber): bigint | number {
  return arith(a, b, (x, y) => x * y, (x, y) => x * y);
}

/** Python `abs(a)`. */
export function pyAbs(a: PyNumber): bigint | number {
  const x = unbool(a);
  return typeof x === 'bigint' ? (x < 0n ? -x : x) : Math.abs(x);
}

/** Python `a / b`: int/int correctly rounded (`long_true_divide`); ZeroDivisionError on a zero divisor. */
export function pyTrueDiv(a: PyNumber, b: PyNumber): number {
  const x = unbool(a);
  const y = unbool(b);
  if (typeof x === 'bigint' && typeof y === 'bigint') {
    if (y === 0n) throw new PyException('ZeroDivisionError', 'division by zero');
    return bigRatioToDouble(x, y);
  }
  const fy = pyToFloat(y);
  const fx = pyToFloat(x);
  if (fy === 0) throw new PyException('ZeroDivisionError', 'float division by zero');
  return fx / fy;
}

/** x / y for integers, rounded once to the nearest double (ties to even), as Python's int true division. */
function bigRatioToDouble(x: bigint, y: bigint): number {
  if (x === 0n) return y < 0n ? -0 : 0;
  const negative = x < 0n !== y < 0n;
  const n = x < 0n ? -x : x;
  const d = y < 0n ? -y : y;
  // Small enough for exact doubles: one IEEE division is already correctly rounded.
  if (n <= 2n ** 53n && d <= 2n ** 53n) return (negative ? -1 : 1) * (Number(n) / Number(d));
  // Scale so the quotient has 55+ bits, keep a sticky bit, then round like Number() does on the adjusted integer.
  const shift = 55 - (n.toString(2).length - d.toString(2).length);
  const num = shift > 0 ? n << BigInt(shift) : n;
  const den = shift < 0 ? d << BigInt(-shift) : d;
  let q = num / den;
  if (num % den !== 0n) q = q | 1n;
  // Number(q) rounds q (≤ 57 bits, sticky bit set when inexact) correctly; the power of two scales exactly unless subnormal.
  // Two steps: 2^-shift alone underflows to 0 for quotients near the smallest normal (subnormal results may round twice).
  const half = Math.trunc(shift / 2);
  const v = Number(q) * Math.pow(2, -half) * Math.pow(2, half - shift);
  if (!Number.isFinite(v)) throw new PyException('OverflowError', 'integer division result too large for a float');
  return negative ? -v : v;
}

/** Python's rich comparison of two numbers (int vs float compared exactly, NaN unordered): sign of a − b, or NaN. */
export function pyCompare(a: PyNumber, b: PyNumber): number {
  const x = unbool(a);
  const y = unbool(b);
  if (typeof x === 'bigint' && typeof y === 'bigint') return x < y ? -1 : x > y ? 1 : 0;
  if (typeof x === 'number' && typeof y === 'number') return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  // int vs float: exact (Objects/floatobject.c float_richcompare), never by converting the int.
  const [i, f, flip] = typeof x === 'bigint' ? [x, y as number, 1] : [y as bigint, x as number, -1];
  if (Number.isNaN(f)) return NaN;
  if (f === Infinity) return -flip;
  if (f === -Infinity) return flip;
  const fl = Math.floor(f);
  const bf = BigInt(fl);
  let c: number;
  if (i < bf) c = -1;
  else if (i > bf) c = 1;
  else c = f === fl ? 0 : -1;
  return c * flip;
}

/** Python `a < b`. */
export function pyLt(a: PyNumber, b: PyNumber): boolean {
  return pyCompare(a, b) < 0;
}

/** Python `a <= b`. */
export function pyLe(a: PyNumber, b: PyNumber): boolean {
  return pyCompare(a, b) <= 0;
}

/** Python's builtin `max(a, b)`: the first unless the second is greater (so NaN first stays). */
export function pyMax(a: PyNumber, b: PyNumber): PyNumber {
  return pyCompare(b, a) > 0 ? b : a;
}

/** Python's builtin `min(a, b)`: the first unless the second is smaller. */
export function pyMin(a: PyNumber, b: PyNumber): PyNumber {
  return pyCompare(b, a) < 0 ? b : a;
}

/** `math.sqrt(x)` on a number (the int converted to float first; ValueError below zero). */
export function pyMathSqrt(a: PyNumber): number {
  const f = pyToFloat(a);
  if (f < 0) throw new PyException('ValueError', 'math domain error');
  return Math.sqrt(f);
}

// ─── NumPy 2.4: np.array of JSON rows and the elementwise ops VisionReasoner's accuracy uses ───────────────

/** dtype kinds `np.array` gives a list of Python numbers: bool, int64, uint64, float64, object. */
export type NpKind = 'b' | 'i' | 'u' | 'f' | 'O';

/** A 2-D array built from rows of Python numbers: the raw values and the dtype NumPy would choose. */
export interface NpMatrix {
  readonly kind: NpKind;
  readonly rows: readonly (readonly PyNumber[])[];
}

const INT64_MIN = -(2n ** 63n);
const UINT64_END = 2n ** 64n;

/**
 * NumPy 2's dtype discovery for one Python scalar (numpy/_core/src/multiarray/abstractdtypes.c): bool → bool,
 * int → int64 when it fits, else uint64 when it fits, else object; float → float64.
 */
function scalarKind(v: PyNumber): NpKind {
  if (typeof v === 'boolean') return 'b';
  if (typeof v === 'number') return 'f';
  if (v >= INT64_MIN && v < -INT64_MIN) return 'i';
  if (v >= 0n && v < UINT64_END) return 'u';
  return 'O';
}

/** `np.result_type` over the kinds here: object wins, int64 with uint64 gives float64, bool yields to the other. */
export function npPromote(a: NpKind, b: NpKind): NpKind {
  if (a === b) return a;
  if (a === 'O' || b === 'O') return 'O';
  if (a === 'b') return b;
  if (b === 'b') return a;
  return 'f';
}

/**
 * `np.array(rows)` for rows that must each be a list of `width` numbers (ints, floats, bools). Anything else
 * (ragged rows, strings, None, dicts, an empty list) raises in the reference, at construction or at its first use;
 * NumPy's broadcasting of deeper nesting is not reproduced (it raises here).
 */
export function npMatrix(rows: readonly PyValue[], width: number): NpMatrix {
  if (rows.length === 0) throw new PyException('AxisError', 'axis 1 is out of bounds for array of dimension 1');
  let kind: NpKind | undefined;
  const out: PyNumber[][] = [];
  for (const r of rows) {
    if (!Array.isArray(r) || r.length !== width) throw new PyException('ValueError', 'inhomogeneous shape');
    const row: PyNumber[] = [];
    for (const v of r) {
      if (typeof v !== 'number' && typeof v !== 'bigint' && typeof v !== 'boolean') throw new PyException('TypeError', 'unsupported operand type');
      const k = scalarKind(v);
      kind = kind === undefined ? k : npPromote(kind, k);
      row.push(v);
    }
    out.push(row);
  }
  // Elements take the array's dtype (an int in a float64 array is a float from here on, also inside object ops).
  const k: NpKind = kind ?? 'f';
  return { kind: k, rows: out.map((r) => r.map((v) => npConv(k, v))) };
}

/** One element converted to the representation of kind `k` (int kinds as bigint, float64 as number, object raw). */
function npConv(k: NpKind, v: PyNumber): PyNumber {
  if (k === 'O' || k === 'b') return v;
  const u = unbool(v);
  if (k === 'f') return typeof u === 'number' ? u : Number(u);
  return u;
}

/** Elementwise `a − b` in kind `k`: int64/uint64 wrap (C arithmetic), bool raises, object is Python's `-`. */
export function npSub(k: NpKind, a: PyNumber, b: PyNumber): PyNumber {
  return npArith(k, a, b, '-');
}

/** Elementwise `a + b` in kind `k`. */
export function npAdd(k: NpKind, a: PyNumber, b: PyNumber): PyNumber {
  return npArith(k, a, b, '+');
}

/** Elementwise `a * b` in kind `k`. */
export function npMul(k: NpKind, a: PyNumber, b: PyNumber): PyNumber {
  return npArith(k, a, b, '*');
}

function npArith(k: NpKind, a: PyNumber, b: PyNumber, op: '+' | '-' | '*'): PyNumber {
  if (k === 'b') {
    if (op === '-') throw new PyException('TypeError', 'numpy boolean subtract, the `-` operator, is not supported');
    return op === '+' ? a === true || b === true : a === true && b === true;
  }
  if (k === 'O') return op === '+' ? pyAdd(a, b) : op === '-' ? pySub(a, b) : pyMul(a, b);
  const x = npConv(k, a);
  const y = npConv(k, b);
  if (k === 'f') {
    const fx = x as number;
    const fy = y as number;
    return op === '+' ? fx + fy : op === '-' ? fx - fy : fx * fy;
  }
  const bx = x as bigint;
  const by = y as bigint;
  const r = op === '+' ? bx + by : op === '-' ? bx - by : bx * by;
  return k === 'i' ? BigInt.asIntN(64, r) : BigInt.asUintN(64, r);
}

/** Comparison of elements of kinds `ka` and `kb` (sign, NaN unordered): object by Python, float by float64, ints exactly. */
export function npCompare(ka: NpKind, a: PyNumber, kb: NpKind, b: PyNumber): number {
  if (ka === 'O' || kb === 'O') return pyCompare(a, b);
  if (ka === 'f' || kb === 'f') return pyCompare(npConv('f', a), npConv('f', b));
  // int64 against uint64 compares exactly in NumPy 2 (no float64 detour).
  return pyCompare(unbool(a), unbool(b));
}

/** `np.maximum(a, b)` in kind `k` (float NaN propagates; object: `a if a >= b else b`, numpy's npy_ObjectMax). */
export function npMaximum(k: NpKind, a: PyNumber, b: PyNumber): PyNumber {
  if (k === 'f') return Math.max(npConv('f', a) as number, npConv('f', b) as number);
  if (k === 'O') return pyCompare(a, b) >= 0 ? a : b;
  return pyCompare(npConv(k, a), npConv(k, b)) >= 0 ? npConv(k, a) : npConv(k, b);
}

/** `np.minimum(a, b)` in kind `k` (object: `a if a <= b else b`, npy_ObjectMin). */
export function npMinimum(k: NpKind, a: PyNumber, b: PyNumber): PyNumber {
  if (k === 'f') return Math.min(npConv('f', a) as number, npConv('f', b) as number);
  if (k === 'O') return pyCompare(a, b) <= 0 ? a : b;
  return pyCompare(npConv(k, a), npConv(k, b)) <= 0 ? npConv(k, a) : npConv(k, b);
}

/** `np.abs` in kind `k` (int64's minimum stays negative, as in C). */
export function npAbs(k: NpKind, a: PyNumber): PyNumber {
  if (k === 'O') return pyAbs(a);
  if (k === 'b') return a;
  const x = npConv(k, a);
  if (typeof x === 'number') return Math.abs(x);
  const i = x as bigint;
  return k === 'i' ? BigInt.asIntN(64, i < 0n ? -i : i) : i;
}

/** `np.true_divide` in kind `k`: float64 division (no raise on zero) except object, which is Python's `/`. */
export function npTrueDiv(k: NpKind, a: PyNumber, b: PyNumber): number {
  if (k === 'O') return pyTrueDiv(a, b);
  return (npConv('f', a) as number) / (npConv('f', b) as number);
}

/** An element as float64 (what np.mean's float accumulator and np.sqrt see); object stays Python (see npSqrt). */
export function npToFloat(k: NpKind, a: PyNumber): number {
  return k === 'O' ? pyToFloat(a) : (npConv('f', a) as number);
}

/** `np.sqrt` in kind `k`: an object array raises (Python ints and floats have no `.sqrt` method). */
export function npSqrt(k: NpKind, a: PyNumber): number {
  if (k === 'O') throw new PyException('TypeError', `loop of ufunc does not support argument 0 of type ${typeof a === 'number' ? 'float' : 'int'} which has no callable sqrt method`);
  return Math.sqrt(npConv('f', a) as number);
}
