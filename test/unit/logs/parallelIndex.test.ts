import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { logFiles, rec } from './logFiles';
import { rolloutLine } from '../../../bench/lib/logsData';
import type { RolloutIndex } from '../../../src/core/logs/indexBuilder';
import { indexRolloutLog, indexRolloutLogSerial } from '../../../src/core/logs/jsonlIndex';
import { indexRolloutLogParallel } from '../../../src/core/logs/parallelIndex';
import { Rng } from '../../../src/core/sample/random';

const { dir, file } = logFiles('segr1-parallel-');

/** Everything an index holds, as plain values, so two indexes compare with one deepEqual. */
function plain(ix: RolloutIndex): Record<string, unknown> {
  const cols = ['line', 'offset', 'length', 'step', 'run', 'group', 'sample', 'image', 'reward', 'advantage', 'completionLength'] as const;
  return {
    count: ix.count,
    size: ix.size,
    scanned: ix.scanned,
    nextLine: ix.nextLine,
    notRollouts: ix.notRollouts,
    runs: ix.runs,
    groups: ix.groups,
    images: ix.images,
    ...Object.fromEntries(cols.map((c) => [c, [...ix[c]].map((v) => (Number.isNaN(v) ? 'NaN' : v))])),
    components: [...ix.components].map(([k, v]) => [k, [...v].map((x) => (Number.isNaN(x) ? 'NaN' : x))]),
    issues: ix.issues,
  };
}

async function assertSameAsSerial(path: string, workers: number): Promise<RolloutIndex> {
  const serial = await indexRolloutLogSerial(path);
  const par = await indexRolloutLogParallel(path, { workers, minRangeBytes: 1 });
  assert.ok(par, `split into ${workers} ranges`);
  assert.deepEqual(plain(par), plain(serial));
  return par;
}

/** A log with what a real one has near any seam: bad lines, a duplicate and a step going back far from their originals. */
function messyLog(records: number): string {
  const lines: string[] = [];
  const rand = new Rng(7);
  for (let k = 0; k < records; k++) {
    if (k === 5) lines.push('{"completion": "cut off');
    if (k === 9) lines.push('');
    if (k === 13) lines.push('{"step": 3}');
    if (k === records - 3) lines.push(rec({ run: 'b', step: 0, group: 'g0', sample: 0 })); // duplicate of record 0, step back
    const extra = k % 7 === 0 ? { rewards: { late_component: k } } : {};
    lines.push(rec({ run: k % 3 ? 'a' : 'b', step: Math.floor(k / 8), group: `g${Math.floor(k / 4)}`, sample: k % 4, image: `Imgs/${k % 11}.jpg`, reward: rand.next(), advantage: rand.next() - 0.5, rewards: { format: k % 2, segment: rand.next() }, ...extra }));
  }
  return '\ufeff' + lines.join(records % 2 ? '\r\n' : '\n') + '\n{"completion": "unterminated';
}

test('parallel index equals the serial one for 2, 3 and 7 ranges of a messy log', async () => {
  const p = file(messyLog(240));
  for (const w of [2, 3, 7]) {
    const ix = await assertSameAsSerial(p, w);
    assert.ok(ix.issues.some((i) => i.message.includes('duplicated record')), 'duplicate across the seam found');
    assert.ok(ix.issues.some((i) => i.message.includes('steps out of order')), 'step order checked across the seam');
    assert.ok(ix.issues.some((i) => i.message.includes('unterminated last line')), 'tail reported once');
  }
  const crlf = file(messyLog(241));
  await assertSameAsSerial(crlf, 4);
});

test('parallel index equals the serial one on generated rollouts (fast path, escapes, masks)', async () => {
  const rand = new Rng(3);
  const text = Array.from({ length: 600 }, (_, k) => rolloutLine(k, () => rand.next())).join('\n') + '\n';
  const p = file(text);
  const ix = await assertSameAsSerial(p, 2);
  assert.equal(ix.count, 600);
});

test('the issue cap keeps the serial scan\'s first issues across ranges', async () => {
  const lines = Array.from({ length: 3000 }, (_, k) => (k % 2 ? 'not json' : rec({ step: k, group: `g${k}`, sample: 0 })));
  const p = file(lines.join('\n') + '\n');
  const ix = await assertSameAsSerial(p, 3);
  assert.equal(ix.issues.at(-1)!.message, '500 more issues not listed');
});

test('binary file, torn first line and trainer metrics read the same through workers', async () => {
  const torn = file(Buffer.concat([Buffer.from([0, 1, 2, 3, 10]), Buffer.alloc(5000, 10), Buffer.from('{"completion":"x"}\n')]));
  const t = await assertSameAsSerial(torn, 2);
  assert.equal(t.count, 1, 'NUL bytes on the first line make that line an error, not the file');
  assert.deepEqual(t.issues.map((i) => i.line), [1]);
  const rand = new Rng(5);
  const bin = file(Buffer.from(Array.from({ length: 20_000 }, () => Math.floor(rand.next() * 256))));
  const b = await assertSameAsSerial(bin, 2);
  assert.equal(b.count, 0);
  assert.match(b.issues[0]!.message, /^binary data/);
  const metrics = file(Array.from({ length: 200 }, (_, k) => JSON.stringify({ step: k, loss: 1 / (k + 1) })).join('\n') + '\n');
  const m = await assertSameAsSerial(metrics, 2);
  assert.ok(m.notRollouts);
});

test('one line longer than a range, and too small to split, fall back cleanly', async () => {
  const long = file(rec({ step: 1, completion: 'x'.repeat(100_000) }) + '\n' + rec({ step: 2 }) + '\n');
  await assertSameAsSerial(long, 4);
  const tiny = file(rec({ step: 1 }) + '\n');
  assert.equal(await indexRolloutLogParallel(tiny, { workers: 4, minRangeBytes: 1 }), undefined, 'one line cannot be split');
  assert.equal(await indexRolloutLogParallel(tiny), undefined, 'a small log stays on the calling thread');
  assert.equal((await indexRolloutLog(tiny)).count, 1);
});

test('progress adds up the ranges and an abort stops the workers', async () => {
  const rand = new Rng(5);
  const p = file(Array.from({ length: 2000 }, (_, k) => rolloutLine(k, () => rand.next())).join('\n') + '\n');
  const ctl = new AbortController();
  ctl.abort();
  await assert.rejects(indexRolloutLogParallel(p, { workers: 2, minRangeBytes: 1, signal: ctl.signal }), { name: 'AbortError' });
  const late = new AbortController();
  const pending = indexRolloutLogParallel(p, { workers: 2, minRangeBytes: 1, signal: late.signal });
  late.abort();
  await assert.rejects(pending, { name: 'AbortError' });
  const seen: Array<[number, number]> = [];
  await indexRolloutLogParallel(p, { workers: 2, minRangeBytes: 1, onProgress: (bytes, total) => seen.push([bytes, total]) });
  const size = statSync(p).size;
  assert.equal(seen.length, 2, 'one report as each range finishes');
  assert.ok(seen[0]![0] > 0 && seen[0]![0] < size);
  assert.deepEqual(seen[1], [size, size]);
});

test('a missing worker script falls back to the serial scan', async () => {
  const p = file(messyLog(40));
  assert.equal(await indexRolloutLogParallel(p, { workers: 2, minRangeBytes: 1, workerScript: join(dir, 'nope.js') }), undefined);
});

test('the bundled worker (dist/indexWorker.js, what the extension and the CLI start) indexes like the serial scan', async () => {
  // Tests run from the repository root after the build, so the bundle sits in dist/.
  const bundled = join(process.cwd(), 'dist', 'indexWorker.js');
  assert.ok(existsSync(bundled), `${bundled} missing: build first`);
  const p = file(messyLog(120));
  const serial = await indexRolloutLogSerial(p);
  const par = await indexRolloutLogParallel(p, { workers: 2, minRangeBytes: 1, workerScript: bundled });
  assert.ok(par);
  assert.deepEqual(plain(par), plain(serial));
});
