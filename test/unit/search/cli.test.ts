import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { logFiles, rec } from '../logs/logFiles';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'search', ...args], { encoding: 'utf8' });
}

function log(): string {
  const lines = [
    rec({ run: 'r', step: 1, group: 'g1', sample: 0, completion: '<think>the tail is left</think>' }),
    rec({ run: 'r', step: 1, group: 'g1', sample: 1, completion: 'evil \u001b]0;pwned\u0007 tail \u202e tail\nnext' }),
    '{"completion": "torn',
    rec({ run: 'r', step: 2, group: 'g2', sample: 0, completion: 'no match here' }),
  ];
  return logFiles('segr1-search-cli-').file(lines.join('\n') + '\n');
}

test('segr1 search: hits with line, step, group, sample and the match in context, terminal-escaped; counts per step', () => {
  const path = log();
  const r = run(path, 'tail');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0]!, /:1 {2}step 1 {2}group g1 {2}sample 0 {2}<think>the «tail» is left<\/think>$/);
  // Control characters and bidi overrides from the log are shown as escapes, never sent to the terminal.
  assert.equal(lines[1], `${path}:2  step 1  group g1  sample 1 (2 matches)  evil \\u001b]0;pwned\\u0007 «tail» \\u202e tail\\nnext`);
  for (const c of ['\u001b', '\u0007', '\u202e']) assert.ok(!r.stdout.includes(c), `raw ${JSON.stringify(c)} printed`);
  assert.match(r.stdout, /step +rollouts +matched +matches\n1 +2 +2 +3\n2 +1 +0 +0\n/);
  assert.match(r.stdout, /2 of 3 completions match \(3 matches\); 2 shown\n1 bad line\(s\) of the log not searched/);
});

test('segr1 search: --regex --ignore-case --step --limit --json, exit codes and usage errors', () => {
  const path = log();
  const j = run(path, 'T[a-z]IL', '--regex', '--ignore-case', '--step', '1', '--limit', '1', '--json');
  assert.equal(j.status, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { summary: { matched: number; steps: unknown[]; end: number }; hits: Array<{ line: number; offsets: number[] }> };
  assert.equal(doc.summary.matched, 2);
  assert.equal(doc.hits.length, 1);
  assert.deepEqual(doc.hits[0]!.offsets, [11, 15]);
  assert.equal(doc.summary.steps.length, 1);
  assert.equal(run(path, 'absent').status, 1);
  const bad = run(path, '(', '--regex');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /invalid regular expression \/\(\//);
  assert.equal(run(path).status, 2);
  assert.match(run(path, 'x', '--step', 'seven').stderr, /--step needs a number \(got 'seven'\)/);
  assert.match(run(join(REPO, 'nope.jsonl'), 'x').stderr, /no such file: .*nope\.jsonl/);
  assert.equal(run(path, '--', '--limit').status, 1);
});
