// Issue 13 item 4: text marks in O(n log n), same pieces as before on every input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segments, type Mark } from '../../../src/shared/textMarks';
import { rng } from '../seededRng';

/**
 * The spec, written out the slow, obvious way: boundaries are 0, the text's length and every mark's start and end;
 * each piece between two consecutive boundaries lists the classes (space-separated tokens, first occurrence wins) of
 * every mark with start <= piece start and end >= piece end, in mark order; its glyph is that of the covering glyph mark
 * with the smallest end - start, the first such mark on a tie.
 */
function reference(text: string, marks: readonly Mark[]): Array<{ text: string; classes: string[]; glyph: string | undefined }> {
  const bounds: number[] = [0, text.length];
  for (const m of marks) bounds.push(m.start, m.end);
  const unique: number[] = [];
  for (const b of bounds.slice().sort((x, y) => x - y)) if (unique.length === 0 || unique[unique.length - 1] !== b) unique.push(b);
  const pieces: Array<{ text: string; classes: string[]; glyph: string | undefined }> = [];
  for (let i = 1; i < unique.length; i++) {
    const lo = unique[i - 1]!;
    const hi = unique[i]!;
    const classes: string[] = [];
    let glyph: string | undefined;
    let glyphLen = Infinity;
    for (const m of marks) {
      if (!(m.start <= lo && m.end >= hi)) continue;
      for (const c of m.cls.split(' ')) if (!classes.includes(c)) classes.push(c);
      if (m.glyph && m.end - m.start < glyphLen) {
        glyph = m.glyph;
        glyphLen = m.end - m.start;
      }
    }
    pieces.push({ text: text.slice(lo, hi), classes, glyph });
  }
  return pieces;
}


const CLASSES = ['think', 'answer', 'coord box', 'coord pos', 'coord neg', 'coord label pos', 'coord label neg', 'a a', 'b  c', '', 'c b', 'x'];

/** Random marks: nested, overlapping, zero-length, inverted, out of range (negative and past the end), shared bounds. */
function randomCase(seed: number): { text: string; marks: Mark[] } {
  const r = rng(seed);
  const len = Math.floor(r() * 40);
  const text = Array.from({ length: len }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  const n = Math.floor(r() * 14);
  const marks: Mark[] = [];
  const pos = (): number => {
    const u = r();
    if (u < 0.08) return -1 - Math.floor(r() * 6);
    if (u < 0.16) return len + 1 + Math.floor(r() * 6);
    if (u < 0.2) return r() < 0.5 ? 0 : len;
    return Math.floor(r() * (len + 1));
  };
  for (let i = 0; i < n; i++) {
    const start = pos();
    const shape = r();
    const end = shape < 0.15 ? start : shape < 0.25 ? start - Math.floor(r() * 4) : shape < 0.35 && marks.length ? marks[Math.floor(r() * marks.length)]!.end : pos();
    const cls = CLASSES[Math.floor(r() * CLASSES.length)]!;
    const g = r();
    const glyph = g < 0.4 ? undefined : g < 0.5 ? '' : `g${Math.floor(r() * 4)}`;
    marks.push(glyph === undefined ? { start, end, cls } : { start, end, cls, glyph });
  }
  return { text, marks };
}

test('segments: same pieces as the spec on 20,000 random mark sets (nested, overlapping, zero-length, out of range)', () => {
  for (let seed = 1; seed <= 20_000; seed++) {
    const { text, marks } = randomCase(seed);
    assert.deepStrictEqual(segments(text, marks), reference(text, marks), `seed ${seed}: ${JSON.stringify({ text, marks })}`);
  }
});

test('segments: hand-picked shapes match the spec', () => {
  const text = 'abcdefghij';
  const cases: Mark[][] = [
    [],
    [{ start: 2, end: 2, cls: 'coord', glyph: 'point:0' }],
    [{ start: -3, end: -1, cls: 'neg' }],
    [{ start: 8, end: 15, cls: 'tail', glyph: 'point:1' }],
    [{ start: 0, end: 10, cls: 'answer' }, { start: 2, end: 6, cls: 'coord pos', glyph: 'point:0' }, { start: 3, end: 4, cls: 'coord label pos', glyph: 'point:0' }],
    [{ start: 1, end: 5, cls: 'b a', glyph: 'x' }, { start: 1, end: 5, cls: 'a c', glyph: 'y' }],
    [{ start: 6, end: 2, cls: 'inverted', glyph: 'z' }],
    [{ start: 0, end: 4, cls: 'q', glyph: 'long' }, { start: 2, end: 9, cls: 'q', glyph: 'longer' }, { start: 3, end: 5, cls: 'r', glyph: 'short' }],
  ];
  for (const marks of cases) assert.deepStrictEqual(segments(text, marks), reference(text, marks), JSON.stringify(marks));
});

/** Marks whose fields count their reads: the work segments() does, measured without a clock. */
function countingMarks(n: number): { marks: Mark[]; reads: () => number } {
  let reads = 0;
  const marks: Mark[] = [];
  for (let i = 0; i < n; i++) {
    const start = 10 + i * 10;
    const fields = { start, end: start + 5, cls: i % 2 ? 'coord pos' : 'coord label pos', glyph: `point:${i >> 1}` };
    marks.push({
      get start() { reads++; return fields.start; },
      get end() { reads++; return fields.end; },
      get cls() { reads++; return fields.cls; },
      get glyph() { reads++; return fields.glyph; },
    });
  }
  marks.push({ start: 0, end: 10 + n * 10, cls: 'answer' });
  return { marks, reads: () => reads };
}

test('segments: work grows linearly with the marks (field reads per mark bounded), not marks × pieces', () => {
  const n = 2000;
  const { marks, reads } = countingMarks(n);
  const text = 'x'.repeat(20 + n * 10);
  const segs = segments(text, marks);
  assert.equal(segs.map((s) => s.text).join(''), text);
  // Today's reads: every mark's start and end for every one of the ~2n pieces (8,000,000 here).
  assert.ok(reads() <= 20 * n, `${reads()} field reads for ${n} marks`);
});
