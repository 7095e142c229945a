import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main as replayMain } from '../../../src/cli/commands/replay';
import { convertLog } from '../../../src/core/logs/convert';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog } from '../../../src/core/rewards/replay';
import { tempDir } from '../tempDir';

const CORPUS = join(__dirname, '..', '..', '..', '..', 'test', 'fixtures', 'rewards', 'visionreasoner_corpus.json');

interface Case {
  completion: string;
  solution: string;
  format: number;
  accuracy: number;
  non_repeat: number;
}

/** A verl rollout_data_dir dump line per case, as `_dump_generations` writes it (input, output, gts, score, step, reward extras). */
function verlDump(dir: string, cases: Case[]): string {
  const lines = cases.map((c) =>
    JSON.stringify({ input: 'user\nSegment the object.\nassistant\n', output: c.completion, gts: c.solution, score: c.format + c.accuracy + c.non_repeat, step: 1, format: c.format, accuracy: c.accuracy, non_repeat: c.non_repeat }),
  );
  const file = join(dir, '1.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

test('replay of a verl dump scores against its `gts` ground truth: VisionReasoner accuracies match the official values', async () => {
  const all = (JSON.parse(readFileSync(CORPUS, 'utf8')) as { cases: Case[] }).cases;
  const cases = [...all.filter((c) => c.accuracy > 0).slice(0, 12), ...all.filter((c) => c.accuracy === 0).slice(0, 4)];
  assert.equal(cases.length, 16);
  const dir = tempDir('segr1-verl-');
  const out = join(dir, 'conv.jsonl');
  await convertLog(verlDump(dir, cases), out);
  const { report } = await replayLog(out, { rewardSet: getRewardSet('visionreasoner')!, root: dir });
  assert.equal(report.summary.compared.accuracy, 16);
  assert.equal(report.summary.differing.accuracy, 0);
  assert.equal(report.summary.differing.total, 0);
  assert.equal(report.summary.nothingCompared, false);
});

test('a replay that compares nothing says so in its summary, text and JSON, instead of "differing 0"', async () => {
  const dir = tempDir('segr1-nocmp-');
  const log = join(dir, 'r.jsonl');
  writeFileSync(log, '{"completion": "<answer>{}</answer>", "step": 1, "group": "g"}\n{"completion": "no answer", "step": 1, "group": "g"}\n');
  const json = join(dir, 'report.json');
  const out: string[] = [];
  const saved = console.log;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  try {
    await replayMain([log, '--reward', 'visionreasoner', '--json', json]);
  } finally {
    console.log = saved;
  }
  const summary = (JSON.parse(readFileSync(json, 'utf8')) as { summary: { nothingCompared: boolean; compared: Record<string, number> } }).summary;
  assert.equal(summary.nothingCompared, true);
  assert.deepEqual(Object.values(summary.compared), [0, 0, 0, 0, 0]);
  const text = out.join('\n');
  assert.match(text, /nothing compared/);
  assert.match(text, /accuracy not compared/);
  assert.doesNotMatch(text, /accuracy 0/);
});
