// The notebook query language's additions (group sort, column names) against hostile cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_QUERY_CHARS, MAX_RANK_N, parseNotebookCell } from '../../../src/host/notebookQuery';

test('group takes an optional sort column; rank queries take any column name the panel shows', () => {
  const r = parseNotebookCell(['group 3 by iou', 'group runs/a.jsonl 12 by s-measure', 'group by 4', 'best 2 by iou', 'worst 3 by rewards/format_reward at step 2'].join('\n'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.queries, [
    { kind: 'group', log: undefined, line: 3, sortBy: 'iou' },
    { kind: 'group', log: 'runs/a.jsonl', line: 12, sortBy: 's-measure' },
    { kind: 'group', log: 'by', line: 4 },
    { kind: 'rank', order: 'best', n: 2, column: 'iou', step: undefined },
    { kind: 'rank', order: 'worst', n: 3, column: 'rewards/format_reward', step: 2 },
  ]);
});

test('hostile query lines are errors naming their line; the other lines still run', () => {
  const lines = [
    'best 5 by <img/src=x/onerror=alert(1)>',
    `best 5 by ${'a'.repeat(65)}`,
    `worst 1 by iou at step ${'9'.repeat(400)}`,
    'x'.repeat(MAX_QUERY_CHARS + 1),
    `rollout ${'9'.repeat(30)}`,
    'group 0',
    'group 3 by $&',
    'best 0 by iou',
    'best -1 by iou',
    `best ${'9'.repeat(40)} by iou`,
    'rollout 7',
  ];
  const r = parseNotebookCell(lines.join('\r\n'));
  assert.deepEqual(r.errors.map((e) => e.line), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.match(r.errors[0]!.message, /is not a column name/);
  assert.match(r.errors[1]!.message, /longer than 64/);
  assert.match(r.errors[2]!.message, /not a finite number/);
  assert.match(r.errors[3]!.message, /longer than 1000/);
  // An unsafe integer is not a line number; a huge n is capped, not an error.
  assert.deepEqual(r.queries, [
    { kind: 'rank', order: 'best', n: MAX_RANK_N, column: 'iou', step: undefined },
    { kind: 'rollout', log: undefined, line: 7 },
  ]);
  // Error messages quote at most a prefix of what was typed.
  assert.ok(parseNotebookCell(`${'z'.repeat(900)}`).errors[0]!.message.length < 120);
});
