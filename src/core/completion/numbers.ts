import type { Span } from './types';

/** A number written in a completion, with where it is. */
export interface WrittenNumber {
  readonly value: number;
  readonly span: Span;
  /** Nesting depth of brackets ([, (, {) at the number, counted from the scanned region's start. */
  readonly depth: number;
  /** Index of the innermost bracket group the number sits in (numbers sharing it belong together). */
  readonly group: number;
  /** The innermost bracket pair around the number (to the region's end when unclosed); absent at depth 0. */
  readonly bracket?: Span | undefined;
}

const DIGIT = /[0-9]/;

/**
 * Every number in `text[start, end)`: optional sign, digits, optional decimals and exponent. Lenient by design
 * (display only): accepts what models write when they drift (`-3`, `12.5`, `1e2`), which the reference rejects.
 * With `jsonConstants`, also Python json's `NaN`, `Infinity` and `-Infinity` (json.loads reads them as floats).
 */
export function scanNumbers(text: string, start: number, end: number, jsonConstants = false): WrittenNumber[] {
  const out: Array<{ value: number; span: Span; depth: number; group: number; bracket: Span | undefined }> = [];
  const opens: number[] = [-1];
  const closes: number[] = [-1];
  let depth = 0;
  let group = 0;
  let nextGroup = 1;
  const stack: number[] = [];
  let i = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x28 || c === 0x7b) {
      stack.push(group);
      group = nextGroup++;
      opens[group] = i;
      closes[group] = end;
      depth++;
      i++;
      continue;
    }
    if (c === 0x5d || c === 0x29 || c === 0x7d) {
      if (stack.length > 0) {
        closes[group] = i + 1;
        group = stack.pop()!;
        depth--;
      }
      i++;
      continue;
    }
    if (jsonConstants && (c === 0x4e || c === 0x49 || c === 0x2d)) {
      const tok = c === 0x4e ? 'NaN' : c === 0x49 ? 'Infinity' : '-Infinity';
      if (i + tok.length <= end && text.startsWith(tok, i)) {
        out.push({ value: Number(tok), span: { start: i, end: i + tok.length }, depth, group, bracket: undefined });
        i += tok.length;
        continue;
      }
    }
    const signed = (c === 0x2d || c === 0x2b) && i + 1 < end && DIGIT.test(text[i + 1]!);
    if (!signed && !(c >= 48 && c <= 57)) {
      i++;
      continue;
    }
    const s = i;
    if (signed) i++;
    while (i < end && isAsciiDigit(text.charCodeAt(i))) i++;
    if (i + 1 < end && text.charCodeAt(i) === 0x2e && isAsciiDigit(text.charCodeAt(i + 1))) {
      i++;
      while (i < end && isAsciiDigit(text.charCodeAt(i))) i++;
    }
    const e = text.charCodeAt(i);
    if ((e === 0x65 || e === 0x45) && i + 1 < end) {
      let j = i + 1;
      const sg = text.charCodeAt(j);
      if ((sg === 0x2d || sg === 0x2b) && j + 1 < end) j++;
      if (isAsciiDigit(text.charCodeAt(j))) {
        while (j < end && isAsciiDigit(text.charCodeAt(j))) j++;
        i = j;
      }
    }
    out.push({ value: Number(text.slice(s, i)), span: { start: s, end: i }, depth, group, bracket: undefined });
  }
  // One shared span per bracket group, attached in place (no per-number copies: 100 kB inputs hold ~50k numbers).
  const spans: Array<Span | undefined> = [];
  for (const n of out) {
    if (n.group === 0) continue;
    n.bracket = spans[n.group] ??= { start: opens[n.group]!, end: closes[n.group]! };
  }
  return out;
}

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Groups numbers by their innermost bracket group, in order of first appearance. */
export function groupNumbers(nums: readonly WrittenNumber[]): WrittenNumber[][] {
  const byGroup = new Map<number, WrittenNumber[]>();
  for (const n of nums) {
    let g = byGroup.get(n.group);
    if (!g) byGroup.set(n.group, (g = []));
    g.push(n);
  }
  return [...byGroup.values()];
}

/** The smallest span covering the given spans. */
export function cover(spans: readonly Span[]): Span | undefined {
  if (spans.length === 0) return undefined;
  let start = Infinity;
  let end = -Infinity;
  for (const s of spans) {
    if (s.start < start) start = s.start;
    if (s.end > end) end = s.end;
  }
  return { start, end };
}
