import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { searchRun } from '../../../src/core/search/searchRun';
import { searchLogs, searchMask, snippetMarks } from '../../../src/host/traceSearch';
import { TRACE_SEARCH_MAX_HITS, type TraceSearchHit, type TraceSearchProgress } from '../../../src/shared/tracesProtocol';
import { logFiles, rec } from '../logs/logFiles';

test('snippetMarks: matches inside the snippet, relative to it, clipped at its ends', () => {
  assert.deepEqual(snippetMarks([10, 14, 20, 24, 200, 204], 5, 40), [5, 9, 15, 19]);
  assert.deepEqual(snippetMarks([3, 8], 5, 40), [0, 3]);
  assert.deepEqual(snippetMarks([40, 50], 5, 40), [35, 40]);
  assert.deepEqual(snippetMarks([], 0, 10), []);
  assert.deepEqual(snippetMarks([1], 0, 10), []);
});

async function twoLogs() {
  const f = logFiles('segr1-tracesearch-');
  const a: string[] = [];
  for (let step = 1; step <= 3; step++) for (let s = 0; s < 4; s++) a.push(rec({ run: 'a', step, group: `g${step}`, sample: s, completion: s % 2 === 0 ? `<think>the tail, the TAIL</think>` : '<think>head</think>' }));
  a.splice(3, 0, '{"completion": "torn tail');
  const b = Array.from({ length: 700 }, (_, k) => rec({ run: 'b', step: 2, group: 'gb', sample: k, completion: `tail ${k}` }));
  const pa = f.file(a.join('\n') + '\n');
  const pb = f.file(b.join('\n') + '\n');
  return [
    { file: pa, index: await indexRolloutLog(pa, { workers: 1 }) },
    { file: pb, index: await indexRolloutLog(pb, { workers: 1 }) },
  ];
}

test('searchLogs: counts over every log and step equal the core search of each log; hits capped, in log order, marked', async () => {
  const logs = await twoLogs();
  const batches: TraceSearchHit[][] = [];
  let done: { progress: TraceSearchProgress; notes: readonly string[] } | undefined;
  await searchLogs(logs, { pattern: 'tail' }, { batch: (h) => batches.push([...h]), done: (progress, notes) => (done = { progress, notes }) });
  assert.ok(done);
  const per = await Promise.all(logs.map((l) => searchRun(l.index, { pattern: 'tail' })));
  assert.equal(done.progress.matched, per[0]!.matched + per[1]!.matched);
  assert.equal(done.progress.matched, 6 + 700);
  assert.equal(done.progress.matches, per[0]!.matches + per[1]!.matches);
  assert.equal(done.progress.total, 12 + 700);
  assert.equal(done.progress.searched, 12 + 700);
  assert.deepEqual(done.progress.steps.map((s) => [s.step, s.rollouts, s.matched, s.matches]), [[1, 4, 2, 2], [2, 704, 702, 702], [3, 4, 2, 2]]);
  const hits = batches.flat();
  assert.equal(hits.length, TRACE_SEARCH_MAX_HITS);
  assert.equal(hits[0]!.log, logs[0]!.file);
  assert.deepEqual([hits[0]!.line, hits[0]!.step, hits[0]!.sample], [1, 1, 0]);
  const h = hits[0]!;
  assert.equal(h.snippet.slice(h.marks[0], h.marks[1]), 'tail');
  assert.ok(done.notes.some((n) => n.includes('1 bad line')), done.notes.join('; '));
  assert.ok(done.notes.some((n) => n === `${TRACE_SEARCH_MAX_HITS} of 706 matching rollouts listed`), done.notes.join('; '));
  // Ignore case finds TAIL too (counts, not completions).
  let ci: TraceSearchProgress | undefined;
  await searchLogs(logs.slice(0, 1), { pattern: 'tail', ignoreCase: true }, { batch: () => undefined, done: (p) => (ci = p) });
  assert.equal(ci?.matches, 12);
});

test('searchLogs: cancelling rejects with AbortError and sends no done; a bad regex rejects', async () => {
  const logs = await twoLogs();
  const abort = new AbortController();
  abort.abort();
  let finished = false;
  await assert.rejects(searchLogs(logs, { pattern: 'tail' }, { batch: () => undefined, done: () => (finished = true) }, { signal: abort.signal }), { name: 'AbortError' });
  assert.equal(finished, false);
  await assert.rejects(searchLogs(logs, { pattern: '(', regex: true }, { batch: () => undefined, done: () => undefined }), /invalid regular expression/);
});

test('searchMask: 1 on the list rows whose completion matches, through the record → row map of each log', async () => {
  const logs = await twoLogs();
  // Rows: log b first, then log a (the list's order need not be the logs' order).
  const rowsOf = (log: string) => {
    const m = new Map<number, number>();
    if (log === logs[1]!.file) for (let r = 0; r < 700; r++) m.set(r, r);
    else for (let r = 0; r < 12; r++) m.set(r, 700 + r);
    return m;
  };
  const mask = await searchMask(logs, { pattern: 'head' }, 712, rowsOf);
  assert.deepEqual([...mask.subarray(0, 700)].filter((x) => x === 1).length, 0);
  assert.deepEqual([...mask.subarray(700)], [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
});
