import type { Glyph } from './protocol';

/** A span of the completion with its role (CSS classes) and, for coordinates, the glyph it draws. */
export interface Mark {
  readonly start: number;
  readonly end: number;
  readonly cls: string;
  readonly glyph?: string;
}

/** Spans of think, answer and each coordinate/label, tagged with their glyph ids. */
export function buildMarks(text: string, glyphs: readonly Glyph[], think?: { readonly start: number; readonly end: number }, answer?: { readonly start: number; readonly end: number }): Mark[] {
  const marks: Mark[] = [];
  // Checked as they are made (no spread copies, no second filtering pass): ~2 marks per point, 16,000 for 8000 points.
  const add = (span: { readonly start: number; readonly end: number }, cls: string, glyph?: string) => {
    if (span.start >= 0 && span.end <= text.length && span.end > span.start) marks.push({ start: span.start, end: span.end, cls, glyph });
  };
  if (think) add(think, 'think');
  if (answer) add(answer, 'answer');
  for (const g of glyphs) {
    const id = `${g.kind}:${g.index}`;
    add(g.span, g.kind === 'box' ? 'coord box' : g.unlabelled ? 'coord unlabelled' : g.label === 1 ? 'coord pos' : 'coord neg', id);
    if (g.kind === 'point' && g.labelSpan) add(g.labelSpan, g.label === 1 ? 'coord label pos' : 'coord label neg', id);
  }
  return marks;
}

/** One piece of the completion between two consecutive mark boundaries, with the marks covering it. */
export interface Segment {
  readonly text: string;
  readonly classes: readonly string[];
  readonly glyph: string | undefined;
}

/**
 * Cut the text at every mark boundary; each piece carries the classes of the marks covering it (in mark order, each
 * class once) and the glyph of the shortest covering glyph mark (the earlier mark on a tie), so a label span inside a
 * larger one wins. Boundaries are sorted once and swept with the set of open marks: O(n log n) in the marks, where
 * filtering every mark for every piece took 64 s for an 8000-point completion.
 */
export function segments(text: string, marks: readonly Mark[]): Segment[] {
  const n = marks.length;
  const starts = new Float64Array(n);
  const ends = new Float64Array(n);
  // Every boundary once, sorted: a typed-array sort and an in-place dedupe, no Set or Map of ~2n numbers.
  const all = new Float64Array(2 * n + 2);
  all[0] = 0;
  all[1] = text.length;
  for (let k = 0; k < n; k++) {
    const m = marks[k]!;
    starts[k] = m.start;
    ends[k] = m.end;
    all[2 + 2 * k] = m.start;
    all[3 + 2 * k] = m.end;
  }
  all.sort();
  let unique = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[unique - 1]) all[unique++] = all[i]!;
  const cuts = all.subarray(0, unique);
  const at = { get: (v: number) => lowerBound(cuts, v) };
  // A mark covers the pieces from its start cut up to its end cut; one with end <= start covers nothing but still cuts
  // the text. Marks bucketed by the cut where they open and where they close (counting sort, mark order kept).
  const opening = byCut(cuts.length, n, (k) => (ends[k]! > starts[k]! ? at.get(starts[k]!)! : -1));
  const closing = byCut(cuts.length, n, (k) => (ends[k]! > starts[k]! ? at.get(ends[k]!)! : -1));
  // Class names interned to small ids: a completion has a handful of distinct classes and ~10⁴ marks, so per-class state
  // lives in arrays indexed by id instead of string-keyed maps (the maps' hashing was most of the sweep's time).
  const classIds = new Map<string, number>();
  const classNames: string[] = [];
  const tokens: number[][] = [];
  const glyphOf: Array<string | undefined> = [];
  let width = 1;
  for (let k = 0; k < n; k++) {
    const m = marks[k]!;
    const t: number[] = [];
    for (const name of m.cls.split(' ')) {
      let id = classIds.get(name);
      if (id === undefined) {
        id = classNames.length;
        classIds.set(name, id);
        classNames.push(name);
      }
      if (!t.includes(id)) t.push(id);
    }
    tokens.push(t);
    glyphOf.push(m.glyph);
    width = Math.max(width, t.length);
  }
  const open = new Uint8Array(n);
  // Per class, the keys (mark × width + token position) of the marks that carried it when they opened: the smallest key
  // still open orders the class in the piece. Closed marks are dropped lazily when they reach the top.
  const byClass = classNames.map(() => new Heap());
  const openWith = new Int32Array(classNames.length);
  const glyphs = new Heap();
  const out: Segment[] = [];
  const keys: number[] = [];
  const classLists = new Map<number, string[]>();
  for (let i = 0; i + 1 < cuts.length; i++) {
    for (let j = closing.first[i]!; j < closing.first[i + 1]!; j++) {
      const k = closing.marks[j]!;
      open[k] = 0;
      for (const c of tokens[k]!) openWith[c]!--;
    }
    for (let j = opening.first[i]!; j < opening.first[i + 1]!; j++) {
      const k = opening.marks[j]!;
      open[k] = 1;
      const t = tokens[k]!;
      for (let pos = 0; pos < t.length; pos++) {
        const c = t[pos]!;
        openWith[c]!++;
        byClass[c]!.push(k * width + pos, 0, k);
      }
      if (glyphOf[k]) glyphs.push(ends[k]! - starts[k]!, k, k);
    }
    keys.length = 0;
    for (let c = 0; c < openWith.length; c++) if (openWith[c]! > 0) keys.push(byClass[c]!.top(open)!);
    if (keys.length > 1) keys.sort((x, y) => x - y);
    // Pieces repeat a few class lists thousands of times: one shared array per distinct list (by its class ids).
    let sig = 0;
    for (const key of keys) sig = sig * (classNames.length + 1) + tokens[Math.floor(key / width)]![key % width]! + 1;
    let classes = Number.isSafeInteger(sig) ? classLists.get(sig) : undefined;
    if (!classes) {
      classes = [];
      for (const key of keys) classes.push(classNames[tokens[Math.floor(key / width)]![key % width]!]!);
      if (Number.isSafeInteger(sig)) classLists.set(sig, classes);
    }
    const g = glyphs.top(open);
    out.push({ text: text.slice(cuts[i], cuts[i + 1]), classes, glyph: g === undefined ? undefined : glyphOf[glyphs.topId()] });
  }
  return out;
}

/** The index of `v` in the sorted, duplicate-free `a` (v is known to be there). */
function lowerBound(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Marks grouped by a cut index (marks mapped to -1 left out), in mark order within a cut: CSR arrays. */
function byCut(cutCount: number, n: number, cutOf: (k: number) => number): { first: Int32Array; marks: Int32Array } {
  const where = new Int32Array(n);
  const first = new Int32Array(cutCount + 1);
  for (let k = 0; k < n; k++) {
    const c = cutOf(k);
    where[k] = c;
    if (c >= 0) first[c + 1]!++;
  }
  for (let c = 0; c < cutCount; c++) first[c + 1]! += first[c]!;
  const fill = first.slice(0, cutCount);
  const marks = new Int32Array(first[cutCount]!);
  for (let k = 0; k < n; k++) {
    const c = where[k]!;
    if (c >= 0) marks[fill[c]!++] = k;
  }
  return { first, marks };
}

/** A binary min-heap of (a, b) keys, each entry owned by a mark; entries of closed marks are discarded when they surface. */
class Heap {
  private readonly a: number[] = [];
  private readonly b: number[] = [];
  private readonly id: number[] = [];

  push(a: number, b: number, id: number): void {
    this.a.push(a);
    this.b.push(b);
    this.id.push(id);
    let i = this.a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** The `a` of the smallest entry whose mark is still open, or undefined. */
  top(open: Uint8Array): number | undefined {
    while (this.id.length && !open[this.id[0]!]) this.popTop();
    return this.a[0];
  }

  /** The mark owning the current top (call after top()). */
  topId(): number {
    return this.id[0]!;
  }

  private popTop(): void {
    const last = this.a.length - 1;
    this.swap(0, last);
    this.a.pop();
    this.b.pop();
    this.id.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let s = i;
      if (l < last && this.less(l, s)) s = l;
      if (r < last && this.less(r, s)) s = r;
      if (s === i) return;
      this.swap(i, s);
      i = s;
    }
  }

  private less(i: number, j: number): boolean {
    const ai = this.a[i]!;
    const aj = this.a[j]!;
    return ai < aj || (ai === aj && this.b[i]! < this.b[j]!);
  }

  // Plain temporaries: a destructuring swap builds an array per call, and this runs ~10⁵ times for 8000 points.
  private swap(i: number, j: number): void {
    const { a, b, id } = this;
    const ta = a[i]!;
    a[i] = a[j]!;
    a[j] = ta;
    const tb = b[i]!;
    b[i] = b[j]!;
    b[j] = tb;
    const ti = id[i]!;
    id[i] = id[j]!;
    id[j] = ti;
  }
}
