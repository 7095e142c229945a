import { isPyDigit, isPySourceSpace, isPySpace, pyStrip } from './pyChars';
import type { Span } from './types';

/**
 * Seg-R1's `parse_custom_format` plus the think regex of `format_reward`, reproduced exactly but in linear time.
 *
 * The reference uses backtracking regexes; their languages are simple enough that a deterministic scan
 * recognises them, so each `<points>`/`<labels>`/`<bbox>` occurrence is tried with a hand-written matcher
 * (same leftmost-first semantics as `re.search`, non-overlapping left-to-right as `re.findall`).
 * Python's `eval` of each matched group is then decided without evaluating: ASCII digits only, no leading
 * zeros, at most 4300 digits (CPython ≥ 3.11 int limit), only tokenizer-legal whitespace, and a comma between
 * list items (a missing comma is a SyntaxError for labels and a subscription TypeError for points). Any of
 * those failing in any group makes the reference's single `try` return (None, None, None).
 *
 * Why a deterministic scan gives the regex's answer: each pattern starts with its literal open tag, so `re.search`
 * only tries tag positions, left to right. After the tag every token class is disjoint (`\s`, `\d`, `[`, `]`, `,`);
 * the only ambiguity is how a whitespace run splits between two adjacent `\s*` (and, for labels, how a digit run
 * splits between iterations). That changes which path the engine finds, never whether one exists: the scan accepts
 * exactly the strings some path accepts. And the group end is forced: group 1 holds no `<`, so it must end at the
 * last `]` before `\s*</tag>`. test/unit/completion/strictRegex.test.ts checks this against the regexes themselves.
 */

/** Why Python's `eval` would raise on a matched group. */
export type StrictEvalErrorCode = 'non-ascii-digit' | 'leading-zero' | 'int-too-long' | 'bad-whitespace' | 'missing-comma';

/** What the reference returns, plus where it came from and what it would cost the reference to compute. */
export interface StrictParseResult {
  /** `points` as the reference returns it (N×2), or null for None. */
  readonly points: ReadonlyArray<readonly [number, number]> | null;
  /** `labels` (length N), or null for None. Values are whatever integers were written. */
  readonly labels: readonly number[] | null;
  /** All boxes found by `re.findall`, or null when none (or on an eval error). */
  readonly boxes: ReadonlyArray<readonly [number, number, number, number]> | null;
  /** Stripped text of the first `<think>…</think>`, or null when the reference's think regex finds none. */
  readonly think: string | null;
  /** Span of each point pair `[x,y]` (parallel to `points` when found). */
  readonly pointSpans: readonly Span[];
  /** Span of each label value (parallel to `labels` when found). */
  readonly labelSpans: readonly Span[];
  /** Span of each box group `[x1,y1,x2,y2]` (parallel to `boxes`). */
  readonly boxSpans: readonly Span[];
  /** Span of the think content (before stripping). */
  readonly thinkSpan?: Span;
  /** Spans of the captured groups: the first matching points/labels, every matching bbox. */
  readonly groups: { readonly points?: Span; readonly labels?: Span; readonly boxes: readonly Span[] };
  /** Set when an `eval` would raise, which voids points, labels and boxes together. */
  readonly evalError?: { readonly code: StrictEvalErrorCode; readonly message: string; readonly span: Span };
  /** Set when points and labels were both found but disagree in count (both voided). */
  readonly countMismatch?: { readonly points: number; readonly labels: number };
  /**
   * Estimated work CPython's `sre` would spend on the searches, in units of which it does about 3–5·10⁷ per second
   * (calibrated against timed runs of the real regexes in strict_corpus.json).
   * Failing attempts cost the number of ways the ambiguous sub-patterns can split the text, which is exponential.
   */
  readonly referenceSteps: number;
  /** True when `referenceSteps` exceeds {@link STALL_STEPS}: the reference reward would stall here. */
  readonly referenceWouldStall: boolean;
}

/** Steps above which the reference is considered stalled (≈ 1 s of CPython `re` time). */
export const STALL_STEPS = 4e7;

const OPEN_POINTS = '<points>';
const CLOSE_POINTS = '</points>';
const OPEN_LABELS = '<labels>';
const CLOSE_LABELS = '</labels>';
const OPEN_BBOX = '<bbox>';
const CLOSE_BBOX = '</bbox>';
const OPEN_THINK = '<think>';
const CLOSE_THINK = '</think>';
const BRACKET_OPEN = 0x5b;
const BRACKET_CLOSE = 0x5d;
const COMMA = 0x2c;
const MAX_INT_DIGITS = 4300;

/** A run of `\d` characters as the matcher saw it. */
interface DigitRun {
  readonly start: number;
  readonly end: number;
}

/** One gap between list items: its whitespace counts around an optional comma. */
interface Gap {
  readonly before: number;
  readonly comma: boolean;
  readonly after: number;
  readonly span: Span;
}

/** Cursor over a string with Python-class predicates on code points. */
class Scanner {
  constructor(readonly s: string, public pos: number) {}

  /** Code point at the cursor, or -1 at the end. */
  cp(): number {
    return this.pos < this.s.length ? this.s.codePointAt(this.pos)! : -1;
  }

  /** Skip `\s*`; returns the number of characters skipped. */
  spaces(): number {
    let n = 0;
    while (this.pos < this.s.length && isPySpace(this.s.charCodeAt(this.pos))) {
      this.pos++;
      n++;
    }
    return n;
  }

  /** Match `\d+`; null when no digit is here. */
  digits(): DigitRun | null {
    const start = this.pos;
    for (;;) {
      const c = this.cp();
      if (c < 0 || !isPyDigit(c)) break;
      this.pos += c > 0xffff ? 2 : 1;
    }
    return this.pos > start ? { start, end: this.pos } : null;
  }

  /** Match one ASCII character. */
  char(code: number): boolean {
    if (this.s.charCodeAt(this.pos) === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Match a literal string. */
  literal(lit: string): boolean {
    if (this.s.startsWith(lit, this.pos)) {
      this.pos += lit.length;
      return true;
    }
    return false;
  }

  /** Match the separator `\s*,?\s*` that follows each repeated item. */
  gap(): Gap {
    const start = this.pos;
    const before = this.spaces();
    const comma = this.char(COMMA);
    const after = comma ? this.spaces() : 0;
    return { before, comma, after, span: { start, end: this.pos } };
  }
}

/** A successful group match with the pieces the eval check needs. */
interface GroupMatch {
  readonly group: Span;
  readonly numbers: DigitRun[];
  /** Items (point pairs or labels) in order, with their spans. */
  readonly items: Span[];
  /** Gaps between consecutive items (length items − 1). */
  readonly gaps: Gap[];
}

/** Outcome of one attempt at a tag occurrence: a match, or the backtracking steps its failure costs. */
type Attempt = { readonly ok: true; readonly m: GroupMatch; readonly steps: number } | { readonly ok: false; readonly steps: number };

/** Ways `\s*,?\s*` can split a gap (each way reaching the next item is a separate backtracking path). */
function gapWays(g: Gap): number {
  return g.comma ? 1 : g.before + 1;
}

/** Dead-end paths tried inside a gap for every path that reaches it. */
function gapDeadEnds(g: Gap): number {
  return ((g.before + 1) * (g.before + 2)) / 2 + g.after + 2;
}

/** `<points>\s*(\[\s*(?:\[\s*\d+\s*,\s*\d+\s*\]\s*,?\s*)+\])\s*</points>` at `at` (just after the open tag). */
function matchPointsAt(s: string, at: number): Attempt {
  const sc = new Scanner(s, at);
  sc.spaces();
  if (!sc.char(BRACKET_OPEN)) return { ok: false, steps: sc.pos - at + 1 };
  const groupStart = sc.pos - 1;
  let steps = sc.spaces() + 1;
  // paths: how many distinct backtracking paths arrive here; every later step is paid once per path.
  let paths = 1;
  const numbers: DigitRun[] = [];
  const items: Span[] = [];
  const gaps: Gap[] = [];
  const fail = (): Attempt => ({ ok: false, steps: steps + paths * (sc.pos - (items.length > 0 ? items[items.length - 1]!.end : groupStart) + 1) });
  for (;;) {
    const itemStart = sc.pos;
    if (!sc.char(BRACKET_OPEN)) return fail();
    sc.spaces();
    const x = sc.digits();
    if (!x) return fail();
    sc.spaces();
    if (!sc.char(COMMA)) return fail();
    sc.spaces();
    const y = sc.digits();
    if (!y) return fail();
    sc.spaces();
    if (!sc.char(BRACKET_CLOSE)) return fail();
    numbers.push(x, y);
    items.push({ start: itemStart, end: sc.pos });
    // \d+ backs off one digit at a time before the literal after it fails.
    steps += paths * (sc.pos - itemStart + (x.end - x.start) + (y.end - y.start));
    const g = sc.gap();
    steps += paths * gapDeadEnds(g);
    paths *= gapWays(g);
    const c = sc.cp();
    if (c === BRACKET_OPEN) {
      gaps.push(g);
      continue;
    }
    if (c === BRACKET_CLOSE) {
      sc.pos++;
      const group = { start: groupStart, end: sc.pos };
      sc.spaces();
      if (sc.literal(CLOSE_POINTS)) return { ok: true, m: { group, numbers, items, gaps }, steps: sc.pos - at };
      steps += paths * (sc.pos - group.end + 2);
      return { ok: false, steps };
    }
    return { ok: false, steps: steps + paths };
  }
}

/** `<labels>\s*(\[\s*(?:\d+\s*,?\s*)+\])\s*</labels>` at `at` (just after the open tag). */
function matchLabelsAt(s: string, at: number): Attempt {
  const sc = new Scanner(s, at);
  sc.spaces();
  if (!sc.char(BRACKET_OPEN)) return { ok: false, steps: sc.pos - at + 1 };
  const groupStart = sc.pos - 1;
  let steps = sc.spaces() + 1;
  let paths = 1;
  const numbers: DigitRun[] = [];
  const gaps: Gap[] = [];
  for (;;) {
    const run = sc.digits();
    if (!run) return { ok: false, steps: steps + paths };
    numbers.push(run);
    // `\d+` inside `(?:…)+` with every separator optional: a run of n digits splits 2^(n−1) ways.
    const n = run.end - run.start;
    const splits = Math.pow(2, n - 1);
    steps += paths * splits * 2;
    paths *= splits;
    const g = sc.gap();
    steps += paths * gapDeadEnds(g);
    paths *= gapWays(g);
    const c = sc.cp();
    if (c >= 0 && isPyDigit(c)) {
      gaps.push(g);
      continue;
    }
    if (c === BRACKET_CLOSE) {
      sc.pos++;
      const group = { start: groupStart, end: sc.pos };
      sc.spaces();
      if (sc.literal(CLOSE_LABELS)) return { ok: true, m: { group, numbers, items: numbers.map((r) => ({ start: r.start, end: r.end })), gaps }, steps: sc.pos - at };
      steps += paths * (sc.pos - group.end + 2);
      return { ok: false, steps };
    }
    return { ok: false, steps: steps + paths };
  }
}

/** `<bbox>\s*(\[\s*\d+\s*,\s*\d+\s*,\s*\d+\s*,\s*\d+\s*\])\s*</bbox>` at `at`; returns the match end too. */
function matchBboxAt(s: string, at: number): { m: GroupMatch; end: number } | null {
  const sc = new Scanner(s, at);
  sc.spaces();
  const groupStart = sc.pos;
  if (!sc.char(BRACKET_OPEN)) return null;
  const numbers: DigitRun[] = [];
  for (let i = 0; i < 4; i++) {
    sc.spaces();
    const d = sc.digits();
    if (!d) return null;
    numbers.push(d);
    sc.spaces();
    if (!sc.char(i < 3 ? COMMA : BRACKET_CLOSE)) return null;
  }
  const group = { start: groupStart, end: sc.pos };
  sc.spaces();
  if (!sc.literal(CLOSE_BBOX)) return null;
  return { m: { group, numbers, items: [group], gaps: [] }, end: sc.pos };
}

/** The first `<tag>` occurrence (leftmost) whose attempt succeeds, with the steps all attempts cost. */
function searchFirst(s: string, open: string, attempt: (s: string, at: number) => Attempt): { m?: GroupMatch; steps: number } {
  let steps = 0;
  for (let k = s.indexOf(open); k >= 0; k = s.indexOf(open, k + 1)) {
    const a = attempt(s, k + open.length);
    steps += a.steps;
    if (a.ok) return { m: a.m, steps };
  }
  return { steps };
}

/** Why `eval(group)` would raise, or null when it returns a list. */
function evalError(s: string, m: GroupMatch, kind: 'points' | 'labels' | 'bbox'): { code: StrictEvalErrorCode; message: string; span: Span } | null {
  for (let i = m.group.start; i < m.group.end; i++) {
    const c = s.charCodeAt(i);
    if (isPySpace(c) && !isPySourceSpace(c)) {
      return { code: 'bad-whitespace', message: `U+${c.toString(16).toUpperCase().padStart(4, '0')} is \\s to the regex but not whitespace to Python's eval`, span: { start: i, end: i + 1 } };
    }
  }
  for (const d of m.numbers) {
    const span = { start: d.start, end: d.end };
    for (let i = d.start; i < d.end; i++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) return { code: 'non-ascii-digit', message: 'a non-ASCII digit matches \\d but is not a Python integer literal', span };
    }
    const first = s.charCodeAt(d.start);
    if (first === 48) {
      for (let i = d.start + 1; i < d.end; i++) {
        if (s.charCodeAt(i) !== 48) return { code: 'leading-zero', message: 'leading zeros in decimal integer literals are not permitted', span };
      }
    } else if (d.end - d.start > MAX_INT_DIGITS) {
      return { code: 'int-too-long', message: `integer literal has ${d.end - d.start} digits (Python's limit is ${MAX_INT_DIGITS})`, span };
    }
  }
  for (const g of m.gaps) {
    if (!g.comma) {
      const message = kind === 'points' ? 'no comma between two points: Python reads `[a,b] [c,d]` as a subscript and raises TypeError' : 'no comma between two labels: SyntaxError';
      return { code: 'missing-comma', message, span: g.span };
    }
  }
  return null;
}

/** Integer value of an ASCII digit run (exact up to 2^53, rounded as Number() rounds beyond). */
function intValue(s: string, d: DigitRun): number {
  return Number(s.slice(d.start, d.end));
}

/** Seg-R1's reference parse (`parse_custom_format` + think regex), exact and linear-time. Never throws. */
export function parseSegR1Strict(text: string): StrictParseResult {
  const pts = searchFirst(text, OPEN_POINTS, matchPointsAt);
  const lbs = searchFirst(text, OPEN_LABELS, matchLabelsAt);
  const boxMatches: GroupMatch[] = [];
  for (let k = text.indexOf(OPEN_BBOX); k >= 0; ) {
    const r = matchBboxAt(text, k + OPEN_BBOX.length);
    if (r) {
      boxMatches.push(r.m);
      k = text.indexOf(OPEN_BBOX, r.end);
    } else {
      k = text.indexOf(OPEN_BBOX, k + 1);
    }
  }
  const th = findThink(text);
  const referenceSteps = pts.steps + lbs.steps + th.steps;
  const groups = { points: pts.m?.group, labels: lbs.m?.group, boxes: boxMatches.map((b) => b.group) };
  const base = {
    think: th.think,
    thinkSpan: th.span,
    groups,
    referenceSteps,
    referenceWouldStall: referenceSteps > STALL_STEPS,
  };

  // The reference evaluates points, then labels, then every bbox inside one try: the first raise voids all three.
  const order: Array<[GroupMatch | undefined, 'points' | 'labels' | 'bbox']> = [[pts.m, 'points'], [lbs.m, 'labels'], ...boxMatches.map((b): [GroupMatch, 'bbox'] => [b, 'bbox'])];
  for (const [m, kind] of order) {
    if (!m) continue;
    const err = evalError(text, m, kind);
    if (err) return { ...base, points: null, labels: null, boxes: null, pointSpans: [], labelSpans: [], boxSpans: [], evalError: err };
  }

  let points: Array<readonly [number, number]> | null = null;
  let pointSpans: Span[] = [];
  if (pts.m) {
    const nums = pts.m.numbers;
    points = [];
    for (let i = 0; i + 1 < nums.length; i += 2) points.push([intValue(text, nums[i]!), intValue(text, nums[i + 1]!)]);
    pointSpans = pts.m.items;
  }
  let labels: number[] | null = null;
  let labelSpans: Span[] = [];
  if (lbs.m) {
    labels = lbs.m.numbers.map((d) => intValue(text, d));
    labelSpans = lbs.m.items;
  }
  let countMismatch: { points: number; labels: number } | undefined;
  if (points && labels && points.length !== labels.length) {
    countMismatch = { points: points.length, labels: labels.length };
    points = null;
    labels = null;
    pointSpans = [];
    labelSpans = [];
  }
  const boxes = boxMatches.length > 0 ? boxMatches.map((b) => b.numbers.map((d) => intValue(text, d)) as unknown as readonly [number, number, number, number]) : null;
  return { ...base, points, labels, boxes, pointSpans, labelSpans, boxSpans: boxMatches.map((b) => b.group), countMismatch };
}

/**
 * `re.search(r"<think>([\s\S]*?)</think>", content)`: the first `<think>` that has a `</think>` after it.
 * When the first has none, no later one does either, but `sre` still scans to the end from every `<think>`.
 */
function findThink(s: string): { think: string | null; span?: Span; steps: number } {
  const open = s.indexOf(OPEN_THINK);
  if (open < 0) return { think: null, steps: 0 };
  const start = open + OPEN_THINK.length;
  const close = s.indexOf(CLOSE_THINK, start);
  if (close >= 0) return { think: pyStrip(s.slice(start, close)), span: { start, end: close }, steps: 0 };
  let steps = 0;
  // The lazy loop tests one character per step, about 0.6 of a step unit (calibrated: 100 kB of "<think>" takes ~11 s).
  for (let k = open; k >= 0; k = s.indexOf(OPEN_THINK, k + 1)) steps += (s.length - k) * 0.6;
  return { think: null, steps };
}
