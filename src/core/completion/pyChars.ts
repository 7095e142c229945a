/**
 * Python `re` character classes for `str` patterns, as CPython 3.11 (Unicode 14.0) defines them.
 * The tables are fixed here rather than taken from JavaScript's `\p{Nd}`/`\s` because those differ
 * (JS `\s` lacks U+001C–U+001F and U+0085 but has U+FEFF; V8's Unicode is newer than the reference's).
 * test/fixtures/completion/pyChars.json (from test/fixtures/gen/completion_corpus.py) checks them.
 */

/** Inclusive code-point ranges matched by Python's `\d` (Unicode category Nd). */
export const PY_DIGIT_RANGES: readonly (readonly [number, number])[] = [
  [48, 57], [1632, 1641], [1776, 1785], [1984, 1993], [2406, 2415], [2534, 2543], [2662, 2671], [2790, 2799],
  [2918, 2927], [3046, 3055], [3174, 3183], [3302, 3311], [3430, 3439], [3558, 3567], [3664, 3673], [3792, 3801],
  [3872, 3881], [4160, 4169], [4240, 4249], [6112, 6121], [6160, 6169], [6470, 6479], [6608, 6617], [6784, 6793],
  [6800, 6809], [6992, 7001], [7088, 7097], [7232, 7241], [7248, 7257], [42528, 42537], [43216, 43225],
  [43264, 43273], [43472, 43481], [43504, 43513], [43600, 43609], [44016, 44025], [65296, 65305], [66720, 66729],
  [68912, 68921], [69734, 69743], [69872, 69881], [69942, 69951], [70096, 70105], [70384, 70393], [70736, 70745],
  [70864, 70873], [71248, 71257], [71360, 71369], [71472, 71481], [71904, 71913], [72016, 72025], [72784, 72793],
  [73040, 73049], [73120, 73129], [92768, 92777], [92864, 92873], [93008, 93017], [120782, 120831],
  [123200, 123209], [123632, 123641], [125264, 125273], [130032, 130041],
];

/** Code points matched by Python's `\s` (also exactly what `str.isspace()` and `str.strip()` use). */
export const PY_SPACE_CODEPOINTS: readonly number[] = [
  0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
  0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

/** Whitespace the Python tokenizer accepts inside brackets; any other `\s` char makes `eval` raise. */
export const PY_SOURCE_SPACE_CODEPOINTS: readonly number[] = [0x9, 0xa, 0xc, 0xd, 0x20];

const spaceSet = new Set(PY_SPACE_CODEPOINTS);

/** True when Python's `\s` matches this code point. */
export function isPySpace(cp: number): boolean {
  if (cp === 0x20) return true;
  if (cp < 0x9) return false;
  return spaceSet.has(cp);
}

/** True when Python's `\d` matches this code point. */
export function isPyDigit(cp: number): boolean {
  if (cp <= 57) return cp >= 48;
  if (cp < 1632) return false;
  // Binary search: the table is sorted and disjoint.
  let lo = 0;
  let hi = PY_DIGIT_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = PY_DIGIT_RANGES[mid]!;
    if (cp < r[0]) hi = mid - 1;
    else if (cp > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The decimal value of a `\d` code point (`_PyUnicode_ToDecimalDigit`), or -1: every Nd range is runs of 0–9. */
export function pyDigitValue(cp: number): number {
  if (cp >= 48 && cp <= 57) return cp - 48;
  if (cp < 1632) return -1;
  for (const r of PY_DIGIT_RANGES) if (cp >= r[0] && cp <= r[1]) return (cp - r[0]) % 10;
  return -1;
}

/** A JavaScript character class (for a `u`-flag RegExp) matching exactly Python's `\d`. */
export const PY_DIGIT_CLASS = `[${PY_DIGIT_RANGES.map(([a, b]) => `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`).join('')}]`;

/** True when the Python tokenizer accepts this whitespace in source text. */
export function isPySourceSpace(cp: number): boolean {
  return cp === 0x20 || cp === 0x9 || cp === 0xa || cp === 0xc || cp === 0xd;
}

/** Python's `str.strip()` with no arguments: strips `\s` characters (all BMP, so UTF-16 units suffice). */
export function pyStrip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isPySpace(s.charCodeAt(a))) a++;
  while (b > a && isPySpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}
