// Column names and ranking of notebook queries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnNames, rankRows, resolveColumn, sortByValueDesc } from '../../../src/host/notebookColumns';

test('every column the panel shows resolves: iou, s-measure and aliases, components, prompt statistics', () => {
  const comps = ['segment', 'format'];
  assert.deepEqual(resolveColumn('iou', comps), { kind: 'replay', key: 'iou' });
  assert.deepEqual(resolveColumn('IoU', comps), { kind: 'replay', key: 'iou' });
  assert.deepEqual(resolveColumn('s-measure', comps), { kind: 'replay', key: 'sm' });
  assert.deepEqual(resolveColumn('sm', comps), { kind: 'replay', key: 'sm' });
  assert.deepEqual(resolveColumn('segment', comps), { kind: 'component', name: 'segment' });
  assert.deepEqual(resolveColumn('Format', comps), { kind: 'component', name: 'format' });
  assert.deepEqual(resolveColumn('points', comps), { kind: 'prompt', key: 'points' });
  assert.deepEqual(resolveColumn('thinkWords', comps), { kind: 'prompt', key: 'thinkWords' });
  assert.deepEqual(resolveColumn('advantage', comps), { kind: 'index', key: 'advantage' });
  // A trainer's own component named like a replay column is what it logged.
  assert.deepEqual(resolveColumn('iou', ['iou']), { kind: 'component', name: 'iou' });
});

test('an unknown column is an error that lists every valid one', () => {
  const r = resolveColumn('__proto__', ['segment', 'format']);
  assert.ok('error' in r);
  assert.match(r.error, /unknown column '__proto__'/);
  for (const c of columnNames(['segment', 'format'])) assert.ok(r.error.includes(c), c);
  for (const c of ['reward', 'advantage', 'segment', 'format', 'iou', 's-measure', 'points']) assert.ok(columnNames(['segment', 'format']).includes(c), c);
  assert.ok('error' in resolveColumn('constructor', []));
});

test('ranking skips rows without a value, keeps ties in log order, and caps at n', () => {
  const rows = [0.5, NaN, 0.9, 0.5, -Infinity, 0.1].map((v, i) => ({ i, v }));
  assert.deepEqual(rankRows(rows, 'best', 3).map((r) => r.i), [2, 0, 3]);
  assert.deepEqual(rankRows(rows, 'worst', 2).map((r) => r.i), [4, 5]);
  assert.deepEqual(rankRows(rows, 'best', 0), []);
  assert.deepEqual(rankRows([{ v: NaN }], 'best', 5), []);
});

test('groups sort highest first with unknown values last', () => {
  assert.deepEqual(sortByValueDesc([0.1, NaN, 0.7, -0.3, NaN, 0.7], (v) => v).map(String), ['0.7', '0.7', '0.1', '-0.3', 'NaN', 'NaN']);
});
