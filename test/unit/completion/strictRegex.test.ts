import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PY_DIGIT_RANGES, PY_SPACE_CODEPOINTS } from '../../../src/core/completion/pyChars';
import { parseSegR1Strict } from '../../../src/core/completion/segr1Strict';
import { Rng } from '../../../src/core/sample/random';

// The reference regexes, verbatim in structure, with Python's \d and \s spelled out as explicit classes. JS and
// Python `re` are both leftmost-first backtracking engines with the same greedy semantics for these constructs,
// so on inputs short enough to backtrack quickly this is the reference matcher; the hand-rolled one must agree.
const cp = (c: number) => `\\u{${c.toString(16)}}`;
const D = `[${PY_DIGIT_RANGES.map(([a, b]) => `${cp(a)}-${cp(b)}`).join('')}]`;
const S = `[${PY_SPACE_CODEPOINTS.map(cp).join('')}]`;
const POINTS = new RegExp(`<points>${S}*(\\[${S}*(?:\\[${S}*${D}+${S}*,${S}*${D}+${S}*\\]${S}*,?${S}*)+\\])${S}*</points>`, 'ud');
const LABELS = new RegExp(`<labels>${S}*(\\[${S}*(?:${D}+${S}*,?${S}*)+\\])${S}*</labels>`, 'ud');
const BBOX = new RegExp(`<bbox>${S}*(\\[${S}*${D}+${S}*,${S}*${D}+${S}*,${S}*${D}+${S}*,${S}*${D}+${S}*\\])${S}*</bbox>`, 'gud');
const THINK = /<think>([\s\S]*?)<\/think>/d;

const TOKENS = ['<points>', '</points>', '<labels>', '</labels>', '<bbox>', '</bbox>', '<think>', '</think>', '[', ']', ',', '1', '0', '12', ' ', '\n', '\u3000', '\u0661', '\u{1d7d9}', '\u00a0', '\ufeff', 'x', '<'];
const WS = ['', '', '', ' ', '  ', '\n', '\u3000', '\u000b', '\ufeff'];
const NUM = ['0', '1', '7', '12', '00', '007', '\u0661', '\u{1d7d9}2', '1.5', '-3'];
const SEP = ['', ',', ',', ', ', ' ', '  ', ' , ', ',,', '\u3000'];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(0, xs.length - 1)]!;
}

/** A tag block that follows the reference grammar, give or take a perturbation. */
function block(rng: Rng): string {
  const w = () => pick(rng, WS);
  const kind = rng.int(0, 2);
  let body: string;
  if (kind === 0) {
    const items = Array.from({ length: rng.int(1, 4) }, () => `[${w()}${pick(rng, NUM)}${w()},${w()}${pick(rng, NUM)}${w()}]`);
    body = items.map((it, i) => (i === 0 ? it : pick(rng, SEP) + it)).join('') + (rng.next() < 0.2 ? pick(rng, SEP) : '');
  } else if (kind === 1) {
    const items = Array.from({ length: rng.int(1, 5) }, () => pick(rng, NUM));
    body = items.map((it, i) => (i === 0 ? it : pick(rng, SEP) + it)).join('') + (rng.next() < 0.2 ? pick(rng, SEP) : '');
  } else {
    body = Array.from({ length: rng.next() < 0.85 ? 4 : rng.int(3, 5) }, () => `${w()}${pick(rng, NUM)}${w()}`).join(',');
  }
  const tag = ['points', 'labels', 'bbox'][kind]!;
  let b = `<${tag}>${w()}[${w()}${body}${w()}]${w()}</${tag}>`;
  for (let k = rng.next() < 0.5 ? rng.int(1, 2) : 0; k > 0; k--) {
    const i = rng.int(0, b.length);
    const op = rng.next();
    if (op < 0.4) b = b.slice(0, i) + pick(rng, TOKENS) + b.slice(i);
    else if (op < 0.8) b = b.slice(0, i) + b.slice(i + rng.int(1, 3));
    else b = b.slice(0, i);
  }
  return b;
}

/** One to three blocks with filler, sometimes a think block. */
function input(rng: Rng): string {
  const parts: string[] = [];
  if (rng.next() < 0.3) parts.push(`<think>${pick(rng, ['', 'a', ' x '])}${rng.next() < 0.8 ? '</think>' : ''}`);
  for (let k = rng.int(1, 3); k > 0; k--) parts.push(block(rng));
  return parts.join(pick(rng, ['', ' ', ', ', '\n']));
}

function span(m: RegExpExecArray | null): { start: number; end: number } | undefined {
  const r = m?.indices?.[1];
  return r ? { start: r[0], end: r[1] } : undefined;
}

test('hand-rolled matcher finds exactly the groups the reference regexes find (200k grammar-shaped short inputs)', () => {
  const rng = new Rng(42);
  const found = { points: 0, labels: 0, boxes: 0, think: 0 };
  for (let i = 0; i < 200_000; i++) {
    const s = input(rng);
    const r = parseSegR1Strict(s);
    assert.deepEqual(r.groups.points, span(POINTS.exec(s)), `points: ${JSON.stringify(s)}`);
    assert.deepEqual(r.groups.labels, span(LABELS.exec(s)), `labels: ${JSON.stringify(s)}`);
    assert.deepEqual(r.groups.boxes, [...s.matchAll(BBOX)].map((m) => span(m)!), `bbox: ${JSON.stringify(s)}`);
    const t = THINK.exec(s);
    assert.deepEqual(r.thinkSpan, span(t), `think: ${JSON.stringify(s)}`);
    if (r.groups.points) found.points++;
    if (r.groups.labels) found.labels++;
    if (r.groups.boxes.length > 0) found.boxes++;
    if (r.thinkSpan) found.think++;
  }
  // The generator must exercise matches, not only rejections.
  for (const [k, v] of Object.entries(found)) assert.ok(v > 5_000, `${k} matched only ${v} times`);
});
