import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCompletion } from '../../../src/core/completion/parse';
import type { ParsedAnswer, Span } from '../../../src/core/completion/types';
import { fuzzInput } from './fuzzInputs';

// Default run stays small; SEGR1_FUZZ_N=1000000 is the full run (bench/parse.bench.ts reports its timings).
const N = Number(process.env.SEGR1_FUZZ_N ?? 20_000);

function checkSpan(s: Span | undefined, len: number, what: string): void {
  if (!s) return;
  assert.ok(Number.isInteger(s.start) && Number.isInteger(s.end) && s.start >= 0 && s.start <= s.end && s.end <= len, `${what} span ${JSON.stringify(s)} of ${len}`);
}

function checkAnswer(a: ParsedAnswer, len: number): void {
  assert.ok(['segr1', 'segzero', 'visionreasoner'].includes(a.format));
  checkSpan(a.think?.span, len, 'think');
  checkSpan(a.answerSpan, len, 'answer');
  for (const b of a.boxes) checkSpan(b.span, len, 'box');
  for (const p of a.points) {
    checkSpan(p.span, len, 'point');
    checkSpan(p.labelSpan, len, 'label');
    assert.ok(p.label === 0 || p.label === 1);
  }
  for (const d of a.diagnostics) checkSpan(d.span, len, d.code);
}

test(`parseCompletion never throws and keeps spans in range on ${N} fuzz inputs, every format`, () => {
  for (let i = 0; i < N; i++) {
    const text = fuzzInput(1, i);
    for (const format of ['auto', 'segr1', 'segzero', 'visionreasoner'] as const) {
      const a = parseCompletion(text, { format, frame: { width: 768, height: 768 } });
      checkAnswer(a, text.length);
      assert.ok(!a.diagnostics.some((d) => d.code === 'internal-error'), `internal error on input ${i}: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
});
