import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSegR1Strict, STALL_STEPS } from '../../../src/core/completion/segr1Strict';
import { isPyDigit, isPySpace } from '../../../src/core/completion/pyChars';

const FIX = join(__dirname, '../../../../test/fixtures/completion');

interface Case {
  input: string;
  points?: string[][] | null;
  labels?: string[] | null;
  boxes?: string[][] | null;
  think?: string | null;
  timeout?: boolean;
  seconds: number;
}

const corpus = JSON.parse(readFileSync(join(FIX, 'strict_corpus.json'), 'utf8')) as { cases: Case[] };

const num = (v: string[] | null | undefined): number[] | null => (v == null ? null : v.map(Number));
const rows = (v: string[][] | null | undefined): number[][] | null => (v == null ? null : v.map((r) => r.map(Number)));

test('strict parse equals the Python reference on every corpus input that finishes', () => {
  let checked = 0;
  for (const [i, c] of corpus.cases.entries()) {
    if (c.timeout) continue;
    const r = parseSegR1Strict(c.input);
    const ctx = `case ${i}: ${JSON.stringify(c.input.slice(0, 200))}`;
    assert.deepEqual(r.points?.map((p) => [...p]) ?? null, rows(c.points), `points, ${ctx}`);
    assert.deepEqual(r.labels ? [...r.labels] : null, num(c.labels), `labels, ${ctx}`);
    assert.deepEqual(r.boxes?.map((b) => [...b]) ?? null, rows(c.boxes), `boxes, ${ctx}`);
    assert.equal(r.think, c.think ?? null, `think, ${ctx}`);
    checked++;
  }
  assert.ok(checked > 5000, `checked ${checked}`);
});

test('stall flag: set where the reference timed out (2 s), clear where it took under 50 ms', () => {
  let timeouts = 0;
  for (const c of corpus.cases) {
    const r = parseSegR1Strict(c.input);
    if (c.timeout) {
      timeouts++;
      assert.ok(r.referenceWouldStall, `expected stall (${r.referenceSteps} steps): ${JSON.stringify(c.input.slice(0, 120))}`);
    } else if (c.seconds < 0.05) {
      assert.ok(!r.referenceWouldStall, `unexpected stall (${r.referenceSteps} steps, ${c.seconds}s): ${JSON.stringify(c.input.slice(0, 120))}`);
    }
  }
  assert.ok(timeouts >= 5);
});

test('the 25-label unclosed case from the issue is flagged and costs far more than a second', () => {
  const r = parseSegR1Strict('<labels>[' + Array(25).fill('1').join(' '));
  assert.ok(r.referenceWouldStall);
  assert.ok(r.referenceSteps > STALL_STEPS && r.referenceSteps < 1e11, String(r.referenceSteps));
  assert.equal(r.labels, null);
});

test('eval failures void points, labels and boxes together', () => {
  const ok = '<think>t</think><bbox>[1,2,30,40]</bbox><points>[[5,6]]</points><labels>[1]</labels>';
  assert.deepEqual(parseSegR1Strict(ok).points, [[5, 6]]);
  const bad = ok.replace('30', '３0');
  const r = parseSegR1Strict(bad);
  assert.equal(r.points, null);
  assert.equal(r.labels, null);
  assert.equal(r.boxes, null);
  assert.equal(r.evalError?.code, 'non-ascii-digit');
  assert.equal(r.think, 't');
  assert.equal(parseSegR1Strict(ok.replace('[1]', '[01]')).evalError?.code, 'leading-zero');
  assert.equal(parseSegR1Strict(ok.replace('[[5,6]]', '[[5,6] [7,8]]').replace('[1]', '[1,1]')).evalError?.code, 'missing-comma');
});

test('spans point at the written text', () => {
  const s = '<think> a </think> <bbox>[1, 2, 30, 40]</bbox>, <points>[[5,6], [7,8]]</points>, <labels>[1, 0]</labels>';
  const r = parseSegR1Strict(s);
  assert.equal(s.slice(r.boxSpans[0]!.start, r.boxSpans[0]!.end), '[1, 2, 30, 40]');
  assert.deepEqual(r.pointSpans.map((p) => s.slice(p.start, p.end)), ['[5,6]', '[7,8]']);
  assert.deepEqual(r.labelSpans.map((p) => s.slice(p.start, p.end)), ['1', '0']);
  assert.equal(s.slice(r.thinkSpan!.start, r.thinkSpan!.end), ' a ');
});

test('character tables equal the ones Python generated', () => {
  const t = JSON.parse(readFileSync(join(FIX, 'pyChars.json'), 'utf8')) as { digit: [number, number][]; space: [number, number][] };
  const inRanges = (rs: [number, number][], cp: number) => rs.some(([a, b]) => cp >= a && cp <= b);
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    if (isPyDigit(cp) !== inRanges(t.digit, cp)) assert.fail(`digit U+${cp.toString(16)}`);
    if (cp < 0x10000 && isPySpace(cp) !== inRanges(t.space, cp)) assert.fail(`space U+${cp.toString(16)}`);
  }
});
