import assert from 'node:assert/strict';
import { test } from 'node:test';
import { completionSpan, decodeSpan } from '../../../src/core/search/completionSpan';
import { compileMatcher, MAX_OFFSETS_PER_COMPLETION, rawNeedle, searchFilter, specProblem } from '../../../src/core/search/spec';

const pairs = (o: readonly number[]): Array<[number, number]> => {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < o.length; i += 2) out.push([o[i]!, o[i + 1]!]);
  return out;
};

test('literal, ignore-case and regex matchers give [start, end) offsets in the decoded text', () => {
  const text = 'Point at the Tail; the tail is <points>[[1,2]]</points> é𝒳 tail';
  assert.deepEqual(pairs(compileMatcher({ pattern: 'tail' }).match(text)!.offsets), [[23, 27], [text.length - 4, text.length]]);
  const ic = compileMatcher({ pattern: 'TAIL', ignoreCase: true }).match(text)!;
  assert.equal(ic.count, 3);
  assert.equal(text.slice(ic.offsets[0], ic.offsets[1]), 'Tail');
  // A literal with regex metacharacters is literal.
  assert.equal(compileMatcher({ pattern: '[[1,2]]', ignoreCase: true }).match(text)!.count, 1);
  const re = compileMatcher({ pattern: '<points>\\[\\[(\\d+),(\\d+)\\]\\]', regex: true }).match(text)!;
  assert.equal(text.slice(re.offsets[0], re.offsets[1]), '<points>[[1,2]]');
  // Code-point semantics: `.` takes the astral character whole; offsets stay UTF-16.
  const astral = compileMatcher({ pattern: 'é.', regex: true }).match(text)!;
  assert.equal(astral.offsets[1]! - astral.offsets[0]!, 3);
  assert.equal(compileMatcher({ pattern: 'absent' }).match(text), undefined);
});

test('empty regex matches are not hits and never loop', () => {
  assert.equal(compileMatcher({ pattern: 'x*', regex: true }).match('aaa𝒳b'), undefined);
  assert.deepEqual(compileMatcher({ pattern: 'a*', regex: true }).match('baab')!.offsets, [1, 3]);
});

test('offsets are capped per completion but every match is counted', () => {
  const m = compileMatcher({ pattern: 'a' }).match('a'.repeat(5000))!;
  assert.equal(m.count, 5000);
  assert.equal(m.offsets.length, 2 * MAX_OFFSETS_PER_COMPLETION);
  assert.equal(compileMatcher({ pattern: 'a', regex: true }).match('a'.repeat(5000))!.count, 5000);
});

test('specProblem names an empty pattern and a bad regex', () => {
  assert.match(specProblem({ pattern: '' })!, /empty/);
  assert.match(specProblem({ pattern: '(a', regex: true })!, /invalid regular expression \/\(a\//);
  assert.equal(specProblem({ pattern: '(a' }), undefined);
  assert.throws(() => compileMatcher({ pattern: '[', regex: true }), /invalid regular expression/);
});

test('a saved search is a filter of the rollout list: run, step and completion', () => {
  const f = searchFilter({ pattern: 'bark', run: 'r1', step: 3 });
  assert.equal(f({ completion: 'on bark', run: 'r1', step: 3 }), true);
  assert.equal(f({ completion: 'on bark', run: 'r2', step: 3 }), false);
  assert.equal(f({ completion: 'on bark', run: 'r1', step: 4 }), false);
  assert.equal(f({ completion: 'on leaves', run: 'r1', step: 3 }), false);
  assert.equal(searchFilter({ pattern: 'B.RK', regex: true, ignoreCase: true })({ completion: 'on bark' }), true);
});

test('raw needles: only printable ASCII without quote or backslash, case-sensitive literals', () => {
  assert.equal(rawNeedle({ pattern: 'a/b <x>' }), 'a/b <x>');
  for (const pattern of ['say "hi"', 'a\\b', 'é', 'a\tb']) assert.equal(rawNeedle({ pattern }), undefined, pattern);
  assert.equal(rawNeedle({ pattern: 'ab', ignoreCase: true }), undefined);
  assert.equal(rawNeedle({ pattern: 'ab', regex: true }), undefined);
});

test('completionSpan finds the top-level completion as JSON.parse reads it', () => {
  const lines = [
    JSON.stringify({ run: 'r', extra: { completion: 'nested' }, completion: 'top "quoted" \\ back', rewards: { a: 1 } }),
    '{"query": "\\"completion\\": \\"fake\\"", "completion": "real\\nline \\u00e9\\ud835\\udcb3 \\/"}',
    '\ufeff{ "completion" : "bom and spaces" , "mask": {"size": [2, 2], "counts": [1, 2, 1]} }',
    '{"completion": "first", "n": -1.5e3, "ok": true, "completion": "last wins"}',
    '{"completion": "x", "completion": 3}',
    '{"completion": "unterminated}',
    '[1, 2]',
    '{"a": [1, {"b": "]"}], "completion": "after nested"}',
  ];
  const expected = ['top "quoted" \\ back', 'real\nline é𝒳 /', 'bom and spaces', 'last wins', undefined, undefined, undefined, 'after nested'];
  lines.forEach((l, i) => {
    const buf = Buffer.from(`junk\n${l}\n`);
    const span = completionSpan(buf, 5, buf.length - 1);
    assert.equal(span && decodeSpan(buf, span), expected[i], l);
  });
});

test('decodeSpan equals JSON.parse on every escape form, keeps raw control characters, refuses bad escapes', () => {
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const pool = ['a', 'é', '𝒳', '"', '\\', '/', '\n', '\t', '\b', '\f', '\r', '\u0001', '\ud835', '\udcb3', '<', ' '];
  for (let t = 0; t < 2000; t++) {
    const s = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => pool[Math.floor(rand() * pool.length)]).join('');
    // As JSON.stringify writes it, and as Python's json.dumps(ensure_ascii=True) does (every non-ASCII as \uXXXX, '/' as '\/').
    const ascii = JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).replace(/\//g, '\\/');
    for (const quoted of [JSON.stringify(s), ascii]) {
      const buf = Buffer.from(quoted);
      assert.equal(decodeSpan(buf, { start: 1, end: buf.length - 1, escaped: buf.includes(0x5c) }), s, quoted);
    }
  }
  const raw = Buffer.from('"a\u0001\\nb"');
  assert.equal(decodeSpan(raw, { start: 1, end: raw.length - 1, escaped: true }), 'a\u0001\nb');
  for (const bad of ['"\\x"', '"\\u12"', '"\\u12g4"']) {
    const buf = Buffer.from(bad);
    assert.equal(decodeSpan(buf, { start: 1, end: buf.length - 1, escaped: true }), undefined, bad);
  }
});
