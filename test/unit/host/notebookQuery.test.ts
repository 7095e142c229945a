import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNotebookCell } from '../../../src/host/notebookQuery';

test('queries parse, comments and blank lines are skipped, bad lines reported with their line', () => {
  const r = parseNotebookCell(['# header', 'rollout runs/a.jsonl 12', '', 'group 3', 'worst 5 by reward at step 7', 'best 100 by segment', 'rollout x', 'frobnicate'].join('\n'));
  assert.deepEqual(r.queries, [
    { kind: 'rollout', log: 'runs/a.jsonl', line: 12 },
    { kind: 'group', log: undefined, line: 3 },
    { kind: 'rank', order: 'worst', n: 5, column: 'reward', step: 7 },
    { kind: 'rank', order: 'best', n: 50, column: 'segment', step: undefined },
  ]);
  assert.deepEqual(r.errors.map((e) => e.line), [7, 8]);
  assert.match(r.errors[1]!.message, /unknown query 'frobnicate'/);
});
