import assert from 'node:assert/strict';
import { appendFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { rolloutLine } from '../../../bench/lib/logsData';
import { followRolloutLog, indexRolloutLog, readRollout } from '../../../src/core/logs/jsonlIndex';
import { Rng } from '../../../src/core/sample/random';
import { searchRun, type SearchHit, type SearchOptions } from '../../../src/core/search/searchRun';
import type { SearchSpec } from '../../../src/core/search/spec';
import { logFiles, rec } from '../logs/logFiles';
import { tempDir } from '../tempDir';

async function collect(path: string, spec: SearchSpec, opts: SearchOptions = {}) {
  const index = await indexRolloutLog(path, { workers: 1 });
  const hits: SearchHit[] = [];
  const summary = await searchRun(index, spec, { ...opts, onBatch: (b) => hits.push(...b.hits) });
  return { index, hits, summary };
}

/** A small run: 3 steps × 2 groups × 2 samples, one malformed line, completions written as Python writes JSON. */
function smallRun(): string {
  const lines: string[] = [];
  for (let step = 1; step <= 3; step++)
    for (let g = 0; g < 2; g++)
      for (let s = 0; s < 2; s++) {
        const word = (step + g + s) % 2 === 0 ? 'tail' : 'head';
        lines.push(rec({ run: 'r1', step, group: `img${g}@${step}`, sample: s, completion: `<think>the ${word} is left</think><points>[[${step},${g}]]</points>` }));
      }
  lines.splice(5, 0, '{"completion": "torn tail');
  // Python's json.dumps(ensure_ascii=True) escapes é; some writers escape '/' and '<'.
  lines.push('{"run": "r1", "step": 4, "group": "x@4", "sample": 0, "completion": "caf\\u00e9 \\u0074ail a\\/b \\u003cpoints\\u003e"}');
  lines.push(rec({ run: 'r2', step: 4, group: 'y@4', sample: 0, image: 'tail.jpg', completion: 'nothing here' }));
  return lines.join('\n') + '\n';
}

test('searchRun: hits with line, run, step, group, sample and offsets into the decoded completion; counts per step', async () => {
  const f = logFiles('segr1-search-');
  const path = f.file(smallRun());
  const { index, hits, summary } = await collect(path, { pattern: 'tail' });
  assert.equal(summary.searched, 14);
  assert.equal(summary.badLines, 1);
  // Step 4's Python-escaped "\u0074ail" decodes to "tail"; the r2 record has 'tail' only in its image path.
  assert.equal(summary.matched, 7);
  assert.deepEqual(
    summary.steps.map((s) => [s.step, s.rollouts, s.matched]),
    [[1, 4, 2], [2, 4, 2], [3, 4, 2], [4, 2, 1]],
  );
  const h = hits[0]!;
  assert.deepEqual([h.line, h.run, h.step, h.group, h.sample], [2, 'r1', 1, 'img0@1', 1]);
  for (const hit of hits) {
    const r = await readRollout(index, hit.record);
    assert.equal(r.completion.slice(hit.offsets[0], hit.offsets[1]), 'tail', `line ${hit.line}`);
    assert.equal(hit.snippet, r.completion.slice(hit.snippetStart, hit.snippetStart + hit.snippet.length));
  }
  assert.equal(hits.at(-1)!.line, 14);
  assert.equal(summary.end, statSync(path).size);
});

test('searchRun: literals that JSON escapes are found on the decoded text; run and step filters; maxHits', async () => {
  const path = logFiles('segr1-search-').file(smallRun());
  for (const [pattern, n] of [['a/b', 1], ['<points>', 13], ['café', 1], ['"', 0]] as const) {
    const { summary } = await collect(path, { pattern });
    assert.equal(summary.matched, n, pattern);
  }
  assert.equal((await collect(path, { pattern: 'TAIL', ignoreCase: true, step: 2 })).summary.matched, 2);
  assert.equal((await collect(path, { pattern: 'nothing', run: 'r2' })).summary.searched, 1);
  assert.equal((await collect(path, { pattern: 'x', run: 'absent' })).summary.searched, 0);
  const { hits, summary } = await collect(path, { pattern: 'h[ea]+d|t.il', regex: true }, { maxHits: 3 });
  assert.equal(hits.length, 3);
  assert.equal(summary.delivered, 3);
  assert.equal(summary.matched, 13);
});

test('searchRun: the raw prefilter agrees with decoding every completion (random records, both paths)', async () => {
  const rng = new Rng(7);
  const lines = Array.from({ length: 3000 }, (_, k) => rolloutLine(k, () => rng.next()));
  const path = logFiles('segr1-search-').file(lines.join('\n') + '\n');
  for (const pattern of ['camouflaged animal', 'é', '</think>\n<answer>', 'quoted” é', 'zz']) {
    const expected = lines.filter((l) => (JSON.parse(l) as { completion: string }).completion.includes(pattern)).length;
    // A literal with its regex twin: the regex never takes the raw path.
    const lit = await collect(path, { pattern });
    const re = await collect(path, { pattern: pattern.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'), regex: true });
    assert.equal(lit.summary.matched, expected, pattern);
    assert.equal(re.summary.matched, expected, pattern);
  }
});

test('searchRun: a catastrophic regex is abandoned per completion; the other lines are still searched', async () => {
  const lines = [rec({ step: 1, completion: 'aaaa' }), rec({ step: 1, completion: 'a'.repeat(40) + '!' }), rec({ step: 2, completion: 'aaa' })];
  const path = logFiles('segr1-search-').file(lines.join('\n') + '\n');
  const t0 = Date.now();
  const { hits, summary } = await collect(path, { pattern: '^(a+)+$', regex: true }, { budgetMs: 200 });
  assert.ok(Date.now() - t0 < 20_000);
  assert.deepEqual(summary.timedOut, [2]);
  assert.deepEqual(hits.map((h) => h.line), [1, 3]);
  assert.equal(summary.stopped, undefined);
  // Past maxTimeouts the search stops and says so.
  const many = [rec({ completion: 'aaaa' }), ...Array.from({ length: 4 }, () => rec({ completion: 'a'.repeat(40) + '!' }))];
  const stop = await collect(logFiles('segr1-search-').file(many.join('\n') + '\n'), { pattern: '^(a+)+$', regex: true }, { budgetMs: 100, maxTimeouts: 2 });
  assert.deepEqual(stop.summary.timedOut, [2, 3]);
  assert.match(stop.summary.stopped!, /exceeded its 100 ms budget on 2 completions; search stopped at line 3/);
});

test('searchRun: cancellable with an AbortSignal, before and during the search', async () => {
  const rng = new Rng(3);
  const dir = tempDir('segr1-search-');
  const path = join(dir, 'big.jsonl');
  // ~10 MB: several 4 MiB blocks, so batches arrive before the end.
  writeFileSync(path, Array.from({ length: 4000 }, (_, k) => rolloutLine(k, () => rng.next())).join('\n') + '\n');
  const index = await indexRolloutLog(path, { workers: 1 });
  const pre = new AbortController();
  pre.abort();
  await assert.rejects(searchRun(index, { pattern: 'the' }, { signal: pre.signal }), { name: 'AbortError' });
  const ac = new AbortController();
  let batches = 0;
  await assert.rejects(
    searchRun(index, { pattern: 'the', regex: true }, { signal: ac.signal, onBatch: () => { batches++; ac.abort(); } }),
    { name: 'AbortError' },
  );
  assert.ok(batches >= 1);
});

test('searchRun on a growing log covers the lines present at start; a follow-up continues from its end', async () => {
  const rng = new Rng(5);
  const make = (k: number) => rolloutLine(k, () => rng.next());
  const dir = tempDir('segr1-search-');
  const path = join(dir, 'run.jsonl');
  writeFileSync(path, Array.from({ length: 3000 }, (_, k) => make(k)).join('\n') + '\n');
  const index = await indexRolloutLog(path, { workers: 1 });
  const startSize = statSync(path).size;
  let appended = 0;
  const first = await searchRun(index, { pattern: 'tail' }, {
    onBatch: () => {
      // The trainer appends while the search runs, ending in a half-written line.
      if (appended++ < 2) appendFileSync(path, Array.from({ length: 500 }, (_, k) => make(3000 + appended * 500 + k)).join('\n') + '\n');
    },
  });
  appendFileSync(path, make(99_999).slice(0, 100));
  assert.equal(first.searched, 3000);
  assert.equal(first.end, startSize);
  assert.equal(first.nextLine, 3001);
  const followed = await followRolloutLog(index);
  assert.equal(followed.count, 4000);
  const more = await searchRun(followed, { pattern: 'tail' }, { fromOffset: first.end });
  assert.equal(more.searched, 1000);
  const whole = await searchRun(followed, { pattern: 'tail' });
  assert.equal(first.matched + more.matched, whole.matched);
  assert.equal(first.matches + more.matches, whole.matches);
  assert.ok(more.end < statSync(path).size, 'the half-written last line is left for the next follow');
});

test('searchRun without its worker: literals run on the calling thread, a regex is refused', async () => {
  const path = logFiles('segr1-search-').file(smallRun());
  const { summary } = await collect(path, { pattern: 'tail' }, { workerScript: '/nonexistent/searchWorker.js' });
  assert.equal(summary.matched, 7);
  await assert.rejects(collect(path, { pattern: 'tail', regex: true }, { workerScript: '/nonexistent/searchWorker.js' }), /regex search needs its worker/);
});

test('searchRun on several workers: the same hits, in log order, and a timeout in one part leaves the others whole', async () => {
  const rng = new Rng(9);
  const lines = Array.from({ length: 3000 }, (_, k) => rolloutLine(k, () => rng.next()));
  lines.splice(2200, 0, rec({ step: 99, completion: 'a'.repeat(40) + '!' }));
  const path = logFiles('segr1-search-').file(lines.join('\n') + '\n');
  const spec: SearchSpec = { pattern: '^(a+)+$|head\\s+tail', regex: true };
  const one = await collect(path, spec, { workers: 1, budgetMs: 300 });
  const three = await collect(path, spec, { workers: 3, budgetMs: 300 });
  assert.ok(one.hits.length > 100);
  assert.deepEqual(three.hits, one.hits);
  assert.deepEqual(three.summary, one.summary);
  assert.deepEqual(three.summary.timedOut, [2201]);
  const limited = await collect(path, spec, { workers: 3, budgetMs: 300, maxHits: 5 });
  assert.deepEqual(limited.hits, one.hits.slice(0, 5));
});
