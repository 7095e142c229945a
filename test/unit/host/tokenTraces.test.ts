import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { promptColumns, runSeries } from '../../../src/host/tracesData';
import { tokenPayload } from '../../../src/host/tokenPayload';
import { tempDir } from '../tempDir';

const ln = Math.log;

/** A rollout whose completion is written by `pieces`, each with its probability and a two-way top-k. */
function record(step: number, sample: number, pieces: ReadonlyArray<readonly [string, number]>, shape: 'canonical' | 'chat'): Record<string, unknown> {
  const completion = pieces.map(([t]) => t).join('');
  const base = { run: 'r', step, group: `g${step}`, sample, completion, reward: 0.5 };
  if (shape === 'canonical') return { ...base, tokens: pieces.map(([text, p]) => ({ text, logprob: ln(p), top: [{ text, logprob: ln(p) }, { text: '~', logprob: ln(1 - p) }] })) };
  return { ...base, logprobs: { content: pieces.map(([token, p]) => ({ token, logprob: ln(p), top_logprobs: [{ token, logprob: ln(p) }, { token: '~', logprob: ln(1 - p) }] })) } };
}

const H = (p: number) => -(p * ln(p) + (1 - p) * ln(1 - p));

test('per-step traces of mean token entropy and coordinate-token logprob, only where records carry tokens', async () => {
  const dir = tempDir('segr1-token-traces-');
  const file = join(dir, 'rollouts.jsonl');
  const think = '<think> box it </think>';
  const lines = [
    // Step 1: both shapes; the coordinates "[1,2,3,4]" are written by tokens of p 0.5 and 0.25.
    record(1, 0, [[think, 0.5], ['<bbox>', 0.5], ['[1,2,', 0.5], ['3,4]', 0.25], ['</bbox>', 0.5]], 'canonical'),
    record(1, 1, [[think, 0.5], ['<bbox>', 0.5], ['[1,2,', 0.5], ['3,4]', 0.25], ['</bbox>', 0.5]], 'chat'),
    // Step 2: no tokens at all: no point on either trace.
    { run: 'r', step: 2, group: 'g2', sample: 0, completion: `${think}<bbox>[1,2,3,4]</bbox>`, reward: 0.1 },
  ];
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const index = await indexRolloutLog(file);
  const src = { log: file, index, label: 'r', frame: { width: 768, height: 768 } };
  const cols = await promptColumns(src);
  const series = runSeries(src, cols);
  const entropy = series.find((s) => s.name === 'mean token entropy (top-k, nats)');
  const coord = series.find((s) => s.name === 'coordinate token logprob');
  assert.ok(entropy && coord, `series: ${series.map((s) => s.name).join(', ')}`);
  assert.deepEqual(entropy.steps, [1]);
  const meanH = (4 * H(0.5) + H(0.25)) / 5;
  assert.ok(Math.abs(entropy.mean[0]! - meanH) < 1e-9, `${entropy.mean[0]} vs ${meanH}`);
  assert.deepEqual(coord.steps, [1]);
  assert.ok(Math.abs(coord.mean[0]! - (ln(0.5) + ln(0.25)) / 2) < 1e-9);
  assert.equal(entropy.n[0], 2);
});

test('a log without tokens has no token traces', async () => {
  const dir = tempDir('segr1-token-traces-');
  const file = join(dir, 'rollouts.jsonl');
  writeFileSync(file, JSON.stringify({ run: 'r', step: 1, group: 'g', sample: 0, completion: '<bbox>[1,2,3,4]</bbox>' }) + '\n');
  const index = await indexRolloutLog(file);
  const src = { log: file, index, label: 'r', frame: { width: 768, height: 768 } };
  const names = runSeries(src, await promptColumns(src)).map((s) => s.name);
  assert.ok(!names.some((n) => /token/.test(n)), names.join(', '));
});

test('the panel payload: tokens, the fields that would enable the view, none for an edited completion', () => {
  const rec = record(1, 0, [['a', 0.5], ['b', 0.5]], 'chat');
  const ok = tokenPayload(rec);
  assert.equal(ok.tokens?.length, 2);
  assert.match(ok.source ?? '', /logprobs\.content/);
  const none = tokenPayload({ completion: 'ab' });
  assert.equal(none.tokens, undefined);
  assert.match(none.notes.join(' '), /logprobs\.content\[\]/);
  assert.match(none.notes.join(' '), /top_logprobs/);
  const edited = tokenPayload(rec, 'ab edited');
  assert.equal(edited.tokens, undefined);
  assert.match(edited.notes.join(' '), /edited prompts/);
});
