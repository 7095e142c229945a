import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastSummary, summaryOf } from '../../../src/core/logs/fastRecord';
import { parseJsonLine } from '../../../src/core/logs/jsonParse';
import { validateRolloutJson } from '../../../src/core/logs/validateRecord';
import { Rng } from '../../../src/core/sample/random';

/** The JSON.parse path's summary and issues for one line. */
function slow(text: string) {
  const p = parseJsonLine(text, 1);
  if (p.value === undefined) return { issues: p.issues };
  const v = validateRolloutJson(p.value, 1);
  return { summary: v.record ? summaryOf(v.record) : undefined, issues: [...p.issues, ...v.issues] };
}

const PLAIN = [
  { run: 'r', step: 3, group: 'g', sample: 1, image: 'Imgs/a.jpg', gt: 'GT/a.png', task: 'cod', completion: '<think>x</think>\n<answer>{"a": [1, 2]}</answer>', rewards: { iou: 0.5, fmt: null }, reward: 1.25, advantage: -0.5, kl: 0.001 },
  { completion: 'héllo “wörld” 😀 \u0001 \\ / \u2028', run: 7, group: 12, step: 1e3, sample: 0, extra_obj: { a: [1, { b: null }, 'x'], c: true, d: false }, e: [], f: {} },
  { step: 2, query: 'the red car on the left', completion: 'ascii only', rewards: {} },
  { step: 2, query: 'prompt with \t tab and \u00e9', completion: '', image: null, reward: null, rewards: null, group: null, run: null, task: null },
  { completion: 'x', step: -0, sample: 2.0, advantage: 1e-300, reward: -1.5e10 },
];

test('plain records take the fast path and match the JSON.parse path exactly', () => {
  for (const o of PLAIN) {
    for (const text of [JSON.stringify(o), JSON.stringify(o, null, 1).replace(/\n/g, ' '), ` ${JSON.stringify(o)}\r`]) {
      const buf = Buffer.from(text);
      const fast = fastSummary(buf, 0, buf.length);
      const s = slow(text);
      assert.ok(fast, text);
      assert.deepEqual(s.issues, [], text);
      assert.deepEqual(fast, s.summary, text);
    }
  }
});

test('everything outside the plain shape falls back (the JSON.parse path reports it)', () => {
  const cases = [
    '{"completion": "x", "reward": NaN}',
    '{"completion": "x", "step": "12"}',
    '{"completion": "x", "image": "../a.png"}',
    '{"completion": "x", "image": "/abs.png"}',
    '{"completion": "x", "sample": -1}',
    '{"completion": "x", "sample": 1.5}',
    '{"completion": "x", "tokens": [{"text": "a"}]}',
    '{"completion": "x", "mask": {"size": [1, 1], "counts": "1"}}',
    '{"completion": "x", "model_frame": {"width": 1, "height": 1}}',
    '{"completion": "x", "completion": "y"}',
    '{"completion": "x", "rewards": {"a": 1, "a": 2}}',
    '{"completion": "x", "rewards": {"a": "high"}}',
    '{"completion": "x", "rewards": [1]}',
    '{"completion": "x", "task": 3}',
    '{"completion": 5}',
    '{"step": 1}',
    '{"completion": "x"} trailing',
    '{"completion": "x",}',
    '{"completion": "bad \\x escape"}',
    '{"completion": "bad \\u12 escape"}',
    '{"completion": "x", "other": tru}',
    '{"completion": "x", "other": 01}',
    '{"completion": "x", "other": [1,]}',
    '[1]',
    '{"completion": "unterminated',
  ];
  for (const text of cases) {
    const buf = Buffer.from(text);
    assert.equal(fastSummary(buf, 0, buf.length), undefined, text);
  }
});

/** The project's seeded PRNG (mulberry32), as a function. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

test('differential fuzz: whenever the fast path accepts a mutated line, it agrees with JSON.parse + validation', () => {
  const rand = rng(42);
  const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '-', '.', 'e', 'n', 'u', ' ', '\t', 'é', '"completion"', '"step"', '"rewards"', '"group"', 'null', 'NaN', '\\u00e9', '\\n', '1e5', '..', '/'];
  let accepted = 0;
  let mutated = 0;
  for (let iter = 0; iter < 20000; iter++) {
    let text = JSON.stringify(PLAIN[iter % PLAIN.length]);
    const edits = 1 + Math.floor(rand() * 3);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(rand() * (text.length + 1));
      const r = rand();
      if (r < 0.4) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
      else if (r < 0.8) text = text.slice(0, at) + pieces[Math.floor(rand() * pieces.length)] + text.slice(at);
      else {
        const len = Math.floor(rand() * 12);
        text = text.slice(0, at) + text.slice(at, at + len) + text.slice(at);
      }
    }
    mutated++;
    const buf = Buffer.from(text);
    const fast = fastSummary(buf, 0, buf.length);
    if (!fast) continue;
    accepted++;
    const s = slow(text);
    assert.ok(s.summary, `fast accepted but JSON.parse path has no record: ${text}`);
    assert.deepEqual(fast, s.summary, text);
    assert.ok(s.issues.every((i) => /raw control characters/.test(i.message)), `fast accepted a line with issues ${JSON.stringify(s.issues)}: ${text}`);
  }
  assert.ok(accepted > mutated / 20, `the fuzz exercises acceptance too (${accepted} of ${mutated})`);
});

test('lines scanned in order within one chunk agree with the per-line JSON.parse path (shared backslash memo)', () => {
  const rand = rng(7);
  const lines: string[] = [];
  for (let k = 0; k < 3000; k++) {
    const o = { ...PLAIN[k % PLAIN.length], completion: rand() < 0.5 ? 'plain text without escapes' : `esc \\ "q" ${k}\n` };
    let text = JSON.stringify(o);
    if (rand() < 0.3) {
      const at = Math.floor(rand() * text.length);
      text = text.slice(0, at) + ['"', '\\', '}', ''][Math.floor(rand() * 4)] + text.slice(at + 1);
    }
    lines.push(text);
  }
  const buf = Buffer.from(lines.join('\n') + '\n');
  let start = 0;
  let accepted = 0;
  for (const text of lines) {
    const stop = start + Buffer.byteLength(text);
    const fast = fastSummary(buf, start, stop);
    const s = slow(text);
    if (fast) {
      accepted++;
      assert.deepEqual(fast, s.summary, text);
      assert.deepEqual(s.issues, [], text);
    }
    start = stop + 1;
  }
  assert.ok(accepted > 1500);
});
