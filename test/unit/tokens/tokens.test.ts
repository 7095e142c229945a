import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alignTokens, MAX_TOKENS, MAX_TOP_K, readTokens, spanConfidence, tokensInSpan, tokenStats, topkEntropy, topkMass, type Token } from '../../../src/core/tokens';
import { parseJsonLine } from '../../../src/core/logs/jsonParse';
import { validateRolloutJson } from '../../../src/core/logs/validateRecord';
import { tempDir } from '../tempDir';

const close = (a: number | undefined, b: number, eps = 1e-12) => assert.ok(a !== undefined && Math.abs(a - b) <= eps, `${a} ≠ ${b}`);
const texts = (r: ReturnType<typeof readTokens>) => r.tokens?.map((t) => t.text);

test('canonical tokens are read from the validated record and keep logprobs and top-k', () => {
  const rec = validateRolloutJson({ completion: 'ab', tokens: [{ text: 'a', logprob: -0.1, top: [{ text: 'a', logprob: -0.1 }, { text: 'x', logprob: -2.5 }] }, { text: 'b', logprob: 0 }] }, 1).record!;
  const r = readTokens(rec);
  assert.deepEqual(texts(r), ['a', 'b']);
  assert.equal(r.tokens![0]!.logprob, -0.1);
  assert.equal(r.tokens![0]!.top!.length, 2);
  assert.match((r as { source: string }).source, /^tokens \(canonical/);
  assert.deepEqual(r.notes, []);
});

test('OpenAI/vLLM chat logprobs.content[] with top_logprobs, found in extra', () => {
  const line = { completion: 'Hi!', logprobs: { content: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.01, bytes: [72, 105] }, { token: 'Hello', logprob: -4.7 }] }, { token: '!', logprob: -0.3, top_logprobs: [] }] } };
  const rec = validateRolloutJson(line, 1).record!;
  assert.ok(rec.extra?.logprobs, 'logprobs is kept in extra by the schema');
  const r = readTokens(rec);
  assert.deepEqual(texts(r), ['Hi', '!']);
  assert.deepEqual(r.tokens![0]!.top, [{ text: 'Hi', logprob: -0.01 }, { text: 'Hello', logprob: -4.7 }]);
  assert.match((r as { source: string }).source, /extra\.logprobs\.content \(OpenAI\/vLLM chat/);
});

test('vLLM completions logprobs: parallel tokens / token_logprobs / top_logprobs maps', () => {
  const r = readTokens({ completion: 'a b', logprobs: { tokens: ['a', ' b'], token_logprobs: [-0.2, -1], top_logprobs: [{ a: -0.2, c: -1.9 }, { ' b': -1, ' d': -0.7 }], text_offset: [0, 1] } });
  assert.deepEqual(texts(r), ['a', ' b']);
  // Alternatives come back most likely first, whatever the map's order.
  assert.deepEqual(r.tokens![1]!.top, [{ text: ' d', logprob: -0.7 }, { text: ' b', logprob: -1 }]);
  assert.match((r as { source: string }).source, /completions/);
});

test('SGLang meta_info.output_token_logprobs and a raw response choices[0].logprobs', () => {
  const s = readTokens({ completion: 'ok', meta_info: { output_token_logprobs: [[-0.1, 10, 'o'], [-0.2, 11, 'k']], output_top_logprobs: [[[-0.1, 10, 'o'], [-3, 12, 'O']], null] } });
  assert.deepEqual(texts(s), ['o', 'k']);
  assert.deepEqual(s.tokens![0]!.top, [{ text: 'o', logprob: -0.1 }, { text: 'O', logprob: -3 }]);
  assert.equal(s.tokens![1]!.top, undefined);
  const c = readTokens({ completion: 'ok', extra: { choices: [{ logprobs: { content: [{ token: 'ok', logprob: -0.5, top_logprobs: [] }] } }, { logprobs: null }] } });
  assert.deepEqual(texts(c), ['ok']);
  assert.match(c.notes.join('\n'), /2 choices; the first is shown/);
});

test('a record without tokens says so (no throw), and unusable fields are named', () => {
  assert.deepEqual(readTokens({ completion: 'x' }), { notes: [] });
  assert.equal(readTokens(null).tokens, undefined);
  assert.equal(readTokens('str').tokens, undefined);
  const r = readTokens({ completion: 'x', logprobs: 5, meta_info: { other: 1 } });
  assert.equal(r.tokens, undefined);
  assert.match(r.notes.join('\n'), /^logprobs: expected an object or array, found number/m);
  assert.match(r.notes.join('\n'), /meta_info: has no output_token_logprobs/);
});

test('hostile fixture lines: non-finite and wrong-typed values become notes, never a crash', () => {
  const lines = readFileSync(join(__dirname, '../../../../test/fixtures/hostile/tokens/bad-tokens.jsonl'), 'utf8').trim().split('\n');
  const reads = lines.map((l, i) => {
    const rec = validateRolloutJson(parseJsonLine(l, i + 1).value, i + 1).record!;
    return { rec, r: readTokens(rec) };
  });
  // 1: NaN / -Infinity / null logprobs (the schema rejects the field into extra; the reader still reads it).
  const r1 = reads[0]!.r;
  assert.deepEqual(texts(r1), ['a', 'b']);
  assert.equal(r1.tokens![0]!.logprob, undefined);
  assert.deepEqual(r1.tokens![1]!.top, [{ text: 'c', logprob: -0.5 }]);
  assert.match(r1.notes.join('\n'), /extra\.tokens: 2 tokens with a logprob not a finite number/);
  // 2: tokens that is an object, not a list.
  assert.equal(reads[1]!.r.tokens, undefined);
  assert.match(reads[1]!.r.notes.join('\n'), /extra\.tokens: expected an array/);
  // 3: string logprob, numeric text, a non-object entry, a positive logprob.
  const r3 = reads[2]!.r;
  assert.deepEqual(texts(r3), ['a', '', '', 'b']);
  assert.ok(r3.tokens!.every((t) => t.logprob === undefined || t.logprob <= 0));
  assert.match(r3.notes.join('\n'), /above 0/);
  // 4: completions arrays of different lengths, a junk top-k value, a __proto__ key kept as plain text.
  const r4 = reads[3]!.r;
  assert.deepEqual(texts(r4), ['a', 'b', 'c']);
  assert.match(r4.notes.join('\n'), /3 tokens but 1 token_logprobs/);
  assert.deepEqual(r4.tokens![1]!.top?.map((a) => a.text).sort(), ['__proto__', 'b']);
  // 5: SGLang without token texts cannot be drawn: named, not shown as empty tokens.
  assert.equal(reads[4]!.r.tokens, undefined);
  assert.match(reads[4]!.r.notes.join('\n'), /return_text_in_logprobs/);
  // 6: texts that do not concatenate to the completion: aligned up to the difference only.
  const al = alignTokens(reads[5]!.r.tokens!, reads[5]!.rec.completion);
  assert.equal(al.matches, false);
  assert.equal(al.mismatchAt, 1);
  assert.deepEqual([...al.starts], [0, -1, -1]);
});

test('counts are capped before allocating: MAX_TOKENS tokens and MAX_TOP_K alternatives', () => {
  const dir = tempDir('segr1-tokens-');
  const n = MAX_TOKENS + 5;
  const top = Array.from({ length: 300 }, (_, k) => ({ token: `t${k}`, logprob: -k / 10 }));
  const content = Array.from({ length: n }, (_, i) => (i === 0 ? { token: 'x', logprob: -0.1, top_logprobs: top } : { token: 'x', logprob: -0.1 }));
  const file = join(dir, 'big.json');
  writeFileSync(file, JSON.stringify({ completion: 'x'.repeat(n), logprobs: { content } }));
  const r = readTokens(JSON.parse(readFileSync(file, 'utf8')));
  assert.equal(r.tokens!.length, MAX_TOKENS);
  assert.equal(r.tokens![0]!.top!.length, MAX_TOP_K);
  assert.equal(r.tokens![0]!.top![0]!.text, 't0', 'the most likely alternatives are kept');
  assert.match(r.notes.join('\n'), new RegExp(`${n} tokens; the first ${MAX_TOKENS}`));
  assert.match(r.notes.join('\n'), /longer than 256: only the first 256 read/);
});

test('partial UTF-8 characters are rebuilt from the chat bytes so texts concatenate to the completion', () => {
  // "é!" with é (C3 A9) split across two byte tokens, as byte-level BPE writes it.
  const r = readTokens({ completion: 'é!', logprobs: { content: [{ token: 'bytes:\\xc3', logprob: -0.1, bytes: [0xc3] }, { token: '\uFFFD', logprob: -0.2, bytes: [0xa9] }, { token: '!', logprob: -0.3, bytes: [0x21] }] } });
  assert.deepEqual(texts(r), ['', 'é', '!']);
  assert.equal(alignTokens(r.tokens!, 'é!').matches, true);
});

test('top-k entropy: exact when the top-k hold all the mass, residual mass as one outcome otherwise', () => {
  const ln = Math.log;
  // Uniform over 4 listed outcomes: ln 4.
  close(topkEntropy({ text: 'a', logprob: ln(0.25), top: ['a', 'b', 'c', 'd'].map((text) => ({ text, logprob: ln(0.25) })) }), ln(4));
  // 0.5 and 0.25 listed, 0.25 left over as one bucket: 0.5 ln 2 + 2 · 0.25 ln 4 = 1.5 ln 2.
  close(topkEntropy({ text: 'a', logprob: ln(0.5), top: [{ text: 'a', logprob: ln(0.5) }, { text: 'b', logprob: ln(0.25) }] }), 1.5 * ln(2));
  // The sampled token outside its top-k is one more known outcome: {0.6, 0.3} listed + sampled 0.1 → no residual.
  const h = -(0.6 * ln(0.6) + 0.3 * ln(0.3) + 0.1 * ln(0.1));
  close(topkEntropy({ text: 'z', logprob: ln(0.1), top: [{ text: 'a', logprob: ln(0.6) }, { text: 'b', logprob: ln(0.3) }] }), h, 1e-12);
  // A certain token: 0.
  close(topkEntropy({ text: 'a', logprob: 0, top: [{ text: 'a', logprob: 0 }] }), 0);
  // Over-full mass (rounding): renormalised, no residual: {0.6, 0.6} → ln 2.
  close(topkEntropy({ text: 'a', top: [{ text: 'a', logprob: ln(0.6) }, { text: 'b', logprob: ln(0.6) }] }), ln(2));
  // A logprob of −9999 (vLLM's −∞) is p = 0 and adds nothing.
  close(topkEntropy({ text: 'a', logprob: ln(0.5), top: [{ text: 'a', logprob: ln(0.5) }, { text: 'b', logprob: ln(0.5) }, { text: 'c', logprob: -9999 }] }), ln(2));
  assert.equal(topkEntropy({ text: 'a', logprob: -0.1 }), undefined);
  assert.equal(topkEntropy({ text: 'a', logprob: -0.1, top: [] }), undefined);
  close(topkMass({ text: 'a', logprob: ln(0.5), top: [{ text: 'a', logprob: ln(0.5) }, { text: 'b', logprob: ln(0.25) }] }), 0.75);
});

test('alignment: prefilled <think> offset, trailing end-of-turn token, spans to token ranges', () => {
  const completion = '<think> go </think><points>[[12,345]]</points>';
  const toks: Token[] = [' go', ' </', 'think', '>', '<points>', '[[', '12', ',', '345', ']]', '</points>', '<|im_end|>'].map((text, i) => ({ text, logprob: -0.01 * (i + 1) }));
  const al = alignTokens(toks, completion);
  assert.equal(al.offset, '<think>'.length);
  assert.equal(al.matches, true);
  assert.equal(al.starts[0], 7);
  assert.equal(al.starts[11], -1, 'the end-of-turn token is past the completion');
  const span = { start: completion.indexOf('12'), end: completion.indexOf('345') + 3 };
  assert.deepEqual(tokensInSpan(al, span), [6, 9]);
  // A span cutting into a token includes it: "[[1" takes "[[" and "12".
  assert.deepEqual(tokensInSpan(al, { start: completion.indexOf('[['), end: completion.indexOf('[[') + 3 }), [5, 7]);
  assert.deepEqual(tokensInSpan(al, { start: completion.length, end: completion.length + 2 }), [11, 11]);
  const c = spanConfidence(toks, [6, 9])!;
  close(c.logprob, -(0.07 + 0.08 + 0.09), 1e-12);
  close(c.joint, Math.exp(-0.24), 1e-12);
  assert.equal(c.minIndex, 8);
  assert.equal(spanConfidence(toks, [3, 3]), undefined);
  assert.equal(spanConfidence([{ text: 'a' }], [0, 1]), undefined);
});

test('per-rollout stats: mean entropy over tokens with top-k, mean logprob of coordinate tokens', () => {
  const ln = Math.log;
  const toks: Token[] = [
    { text: 'at ', logprob: ln(0.5), top: [{ text: 'at ', logprob: ln(0.5) }, { text: 'in ', logprob: ln(0.5) }] },
    { text: '1', logprob: -0.2 },
    { text: ',', logprob: 0, top: [{ text: ',', logprob: 0 }] },
    { text: '2', logprob: -0.6 },
  ];
  const s = tokenStats(toks, 'at 1,2', [{ start: 3, end: 4 }, { start: 3, end: 6 }]);
  close(s.meanEntropy, ln(2) / 2);
  close(s.coordLogprob, -0.8 / 3, 1e-12);
  const none = tokenStats([{ text: 'x' }], 'x', []);
  assert.ok(Number.isNaN(none.meanEntropy) && Number.isNaN(none.coordLogprob));
});
