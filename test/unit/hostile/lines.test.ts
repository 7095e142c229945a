// Issue 13, slice "lines": a bad line is a bad line (item 2) and the index cache proves itself (item 9).
// Corpus: test/fixtures/hostile/lines/ (written by make.mjs there); bigger or crafted files are made here in temp dirs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { main as replayMain, type ReplayReport } from '../../../src/cli/commands/replay';
import { convertLog } from '../../../src/core/logs/convert';
import { detectLogFormat } from '../../../src/core/logs/formats';
import type { RolloutIndex } from '../../../src/core/logs/indexBuilder';
import { decodeIndex, encodeIndex, indexCachePath, indexRolloutLogCached } from '../../../src/core/logs/indexCache';
import { indexRolloutLog, readRollout, updateRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { openRolloutLog } from '../../../src/core/logs/openLog';
import { tempDir } from '../tempDir';
import { runCli } from '../cliCapture';

const REPO = join(__dirname, '..', '..', '..', '..');
const HOSTILE = join(REPO, 'test', 'fixtures', 'hostile', 'lines');
const fixture = (name: string) => join(HOSTILE, name);

/** The four ways a log is indexed (record scanner, JavaScript fast path, JSON.parse, worker threads): all must agree. */
const MODES = [
  { name: 'wasm', opts: { workers: 1 } },
  { name: 'js fast path', opts: { workers: 1, noWasm: true } },
  { name: 'JSON.parse', opts: { workers: 1, exact: true } },
  { name: 'parallel', opts: { workers: 2, minRangeBytes: 1 } },
] as const;

/** Count, line numbers and issues of an index, compact for deepEqual. */
function shape(ix: RolloutIndex): { count: number; lines: number[]; issues: string[] } {
  return { count: ix.count, lines: [...ix.line], issues: ix.issues.map((i) => `${i.line}:${i.severity}:${/NUL/.test(i.message) ? 'NUL' : /invalid UTF-8/.test(i.message) ? 'UTF-8' : i.message}`) };
}

async function everyPath(path: string, expected: { count: number; lines: number[]; issues: string[] }): Promise<void> {
  for (const m of MODES) assert.deepEqual(shape(await indexRolloutLog(path, m.opts)), expected, m.name);
}

const goodLine = (k: number) => JSON.stringify({ run: 'r', step: k, group: `g${k}`, sample: 0, completion: `<think>${k}</think><answer>[1, 2]</answer>` });
const badBytesLine = (k: number, bytes: number[]) => {
  const [a, b] = goodLine(k).split('<think>');
  return Buffer.concat([Buffer.from(`${a}<think>`), Buffer.from(bytes), Buffer.from(b!)]);
};

test('item 2: a torn append (a page of NUL bytes) is an error of its own line; the 15 good records open in every index path', async () => {
  const lines = Array.from({ length: 16 }, (_, k) => k + 1).filter((l) => l !== 4);
  await everyPath(fixture('torn-append.jsonl'), { count: 15, lines, issues: ['4:error:NUL'] });
  const ix = await indexRolloutLog(fixture('torn-append.jsonl'));
  assert.match(ix.issues[0]!.message, /^1 NUL byte|^4096 NUL bytes from byte 1 of the line/);
  assert.equal((await readRollout(ix, 3)).sample, 3, 'the record after the torn line reads');
  // Torn at the very first line, which used to decide that the whole file was binary.
  await everyPath(fixture('torn-first-line.jsonl'), { count: 6, lines: [2, 3, 4, 5, 6, 7], issues: ['1:error:NUL'] });
});

test('item 2: invalid UTF-8 inside a JSON string is an error of that line (as json.loads on bytes), every other line opens', async () => {
  await everyPath(fixture('bad-utf8.jsonl'), { count: 3, lines: [1, 3, 7], issues: ['2:error:UTF-8', '4:error:UTF-8', '5:error:UTF-8', '6:error:UTF-8'] });
  const ix = await indexRolloutLog(fixture('bad-utf8.jsonl'));
  assert.match(ix.issues[0]!.message, /invalid UTF-8 at byte \d+ of the line \(0xff\).*UnicodeDecodeError/);
  // A line of binary junk (no NUL, but control and high bytes) between good records, the last one unterminated.
  await everyPath(fixture('junk-line.jsonl'), { count: 3, lines: [1, 3, 4], issues: ['2:error:UTF-8'] });
});

test('item 2: only a file that is mostly not text is refused as binary, with one issue', async () => {
  const bin = fixture('mostly-binary.jsonl');
  for (const m of MODES) {
    const ix = await indexRolloutLog(bin, m.opts);
    assert.equal(ix.count, 0, m.name);
    assert.deepEqual(ix.issues.map((i) => i.line), [0], m.name);
    assert.match(ix.issues[0]!.message, /binary data/, m.name);
  }
  const d = await detectLogFormat(bin);
  assert.equal(d.kind, 'unknown');
  assert.match((d as { reason: string }).reason, /^binary data/);
  assert.deepEqual(await detectLogFormat(fixture('torn-append.jsonl')), { kind: 'rollouts', format: 'canonical' });
  assert.deepEqual(await detectLogFormat(fixture('torn-training.log')), { kind: 'rollouts', format: 'segr1-debug' });
  // One long record and no newline in the sampled 64 KiB is text, not binary.
  const dir = tempDir('segr1-hostile-lines-');
  const long = join(dir, 'long.jsonl');
  writeFileSync(long, goodLine(1).replace('<think>1', `<think>${'x'.repeat(100_000)}`) + '\n');
  assert.equal((await indexRolloutLog(long)).count, 1);
});

test('item 2: following a log, appended junk lines are errors of their own and the records after them still come', async () => {
  const dir = tempDir('segr1-hostile-lines-');
  const log = join(dir, 'run.jsonl');
  writeFileSync(log, `${goodLine(1)}\n${goodLine(2)}\n`);
  const ix = await indexRolloutLog(log);
  appendFileSync(log, Buffer.concat([badBytesLine(3, [0, 0, 0]), Buffer.from('\n'), badBytesLine(4, [0xff]), Buffer.from(`\n${goodLine(5)}\n`)]));
  const u = await updateRolloutLog(ix);
  assert.equal(u.mode, 'appended');
  assert.deepEqual(shape(u.index), { count: 3, lines: [1, 2, 5], issues: ['3:error:NUL', '4:error:UTF-8'] });
  assert.equal((await readRollout(u.index, 2)).step, 5);
});

test('item 2: convert keeps every good record of a log with a torn line, and names the file and line of the bad one', async () => {
  const dir = tempDir('segr1-hostile-lines-');
  const s = await convertLog(fixture('torn-append.jsonl'), join(dir, 'out.jsonl'));
  assert.equal(s.records, 15);
  assert.deepEqual(s.skipped, []);
  assert.deepEqual(s.issues.map((i) => `${i.file}:${i.line}:${i.severity}`), ['torn-append.jsonl:4:error']);
  assert.match(s.issues[0]!.message, /NUL/);
  // A text format read line by line (Seg-R1's DEBUG log): the NUL line is an issue, the three entries around it are records.
  const t = await convertLog(fixture('torn-training.log'), join(dir, 'debug.jsonl'));
  assert.deepEqual(t.sources.map((x) => x.format), ['segr1-debug']);
  assert.equal(t.records, 3);
  assert.deepEqual(t.issues.filter((i) => i.severity === 'error').map((i) => `${i.file}:${i.line}`), ['torn-training.log:9']);
  const bad = await convertLog(fixture('bad-utf8.jsonl'), join(dir, 'utf8.jsonl'));
  assert.equal(bad.records, 3);
  assert.deepEqual(bad.issues.map((i) => i.line), [2, 4, 5, 6]);
  // The CLI prints the file and line (segr1 convert keeps 15, not 0).
  const cli = spawnSync(process.execPath, [join(REPO, 'dist', 'cli.js'), 'convert', fixture('torn-append.jsonl'), '--out', join(dir, 'cli.jsonl')], { encoding: 'utf8' });
  assert.match(cli.stdout, /: 15 records/);
  assert.match(cli.stdout, /error {3}torn-append\.jsonl:4 {2}\d+ NUL bytes/);
});

test('item 2: replay reads lines as bytes: a line with invalid UTF-8 or NUL bytes is a bad line, the others replay', async () => {
  const dir = tempDir('segr1-hostile-lines-');
  const log = join(dir, 'rollouts.jsonl');
  writeFileSync(log, Buffer.concat([Buffer.from(goodLine(1) + '\n'), badBytesLine(2, [0xff]), Buffer.from('\n'), badBytesLine(3, [0]), Buffer.from(`\n${goodLine(4)}\n`)]));
  const json = join(dir, 'report.json');
  const { err: text } = await runCli(replayMain, [log, '--reward', 'segr1-reference', '--mask-only', '--json', json]);
  // Each message names the file and the line.
  assert.match(text, /rollouts\.jsonl:2: invalid UTF-8 at byte \d+ of the line \(0xff\)/);
  assert.match(text, /rollouts\.jsonl:3: 1 NUL byte/);
  const report = JSON.parse(readFileSync(json, 'utf8')) as ReplayReport;
  assert.deepEqual(report.rollouts.map((r) => r.line), [1, 4]);
});

test("item 2: the notebook's logs (openRolloutLog, what its queries read) keep the good records of a torn log", async () => {
  const dir = tempDir('segr1-hostile-lines-');
  const log = join(dir, 'rollouts.jsonl');
  copyFileSync(fixture('torn-first-line.jsonl'), log);
  const a = await openRolloutLog(log, { cacheDir: join(dir, 'cache') });
  assert.equal(a.format, 'canonical');
  assert.equal(a.index.count, 6);
  assert.equal(a.index.line.indexOf(1), -1, 'line 1 is no rollout');
  assert.equal((await readRollout(a.index, a.index.line.indexOf(5))).sample, 3);
  const b = await openRolloutLog(log, { cacheDir: join(dir, 'cache') });
  assert.equal(b.cache, 'hit');
  assert.equal(b.index.count, 6);
  assert.deepEqual(b.index.issues.map((i) => i.line), [1]);
});

/** A small canonical log with a whole-second mtime (so it can be restored exactly) and its cache, fresh. */
async function cachedLog(): Promise<{ dir: string; log: string; cacheDir: string; cache: string; index: RolloutIndex }> {
  const dir = tempDir('segr1-hostile-cache-');
  const log = join(dir, 'run.jsonl');
  const cacheDir = join(dir, 'cache');
  writeFileSync(log, Array.from({ length: 40 }, (_, k) => goodLine(k + 1) + '\n').join(''));
  utimesSync(log, 1_700_000_000, 1_700_000_000);
  const first = await indexRolloutLogCached(log, { cacheDir });
  assert.equal(first.outcome, 'rebuilt');
  const again = await indexRolloutLogCached(log, { cacheDir });
  assert.equal(again.outcome, 'hit', 'an untouched log hits');
  return { dir, log, cacheDir, cache: indexCachePath(log, cacheDir), index: again.index };
}

test('item 9: a same-size rewrite with the mtime restored is not a cache hit', async () => {
  const { log, cacheDir } = await cachedLog();
  const before = statSync(log);
  // Same bytes count, different content: every step 1x becomes 9x.
  writeFileSync(log, readFileSync(log, 'utf8').replace(/"step":1(\d)/g, '"step":9$1'));
  utimesSync(log, 1_700_000_000, 1_700_000_000);
  assert.equal(statSync(log).size, before.size);
  assert.equal(statSync(log).mtimeMs, before.mtimeMs);
  const r = await indexRolloutLogCached(log, { cacheDir });
  assert.equal(r.outcome, 'rebuilt');
  assert.match(r.reason ?? '', /changed since it was indexed/);
  assert.equal(r.index.step[9], 90);
  assert.equal((await readRollout(r.index, 9)).step, 90);
});

test('item 9: flipped bytes anywhere in the cache are caught by its checksum, and the cache is rebuilt', async () => {
  const { log, cacheDir, cache, index } = await cachedLog();
  const good = readFileSync(cache);
  for (const at of [good.length - 3, Math.floor(good.length / 2), 40]) {
    const bad = Buffer.from(good);
    bad[at] = bad[at]! ^ 0x10;
    writeFileSync(cache, bad);
    const r = await indexRolloutLogCached(log, { cacheDir });
    assert.equal(r.outcome, 'rebuilt', `byte ${at}`);
    assert.match(r.reason ?? '', /checksum/, `byte ${at}`);
    assert.deepEqual([...r.index.completionLength], [...index.completionLength]);
  }
  assert.equal((await indexRolloutLogCached(log, { cacheDir })).outcome, 'hit', 'the rebuilt cache is good again');
});

test('item 9: a cache with a sound checksum but a wrong header or columns is refused by the schema check', async () => {
  const { log, cacheDir, cache, index } = await cachedLog();
  const decoded = decodeIndex(readFileSync(cache), log) as { sample: string };
  const crafted: Array<[string, RolloutIndex, RegExp]> = [
    ['runs: null', { ...index, runs: null as unknown as string[] }, /'runs' is not a list of strings/],
    ['a number as an issue', { ...index, issues: [5 as never] }, /issues\[0\]/],
    ['offsets past the log', { ...index, offset: index.offset.map((o) => o + 1e6) }, /leaves the log/],
    ['offsets going back', { ...index, offset: index.offset.map((o, i) => (i === 5 ? 0 : o)) }, /overlaps/],
    ['a group id out of its table', { ...index, group: index.group.map((g, i) => (i === 3 ? 99 : g)) }, /group id 99/],
    ['more records than columns', { ...index, count: index.count + 1 }, /bytes, the cache has/],
    ['scanned past the size', { ...index, scanned: index.size + 1 }, /'scanned'/],
  ];
  for (const [what, ix, why] of crafted) {
    writeFileSync(cache, encodeIndex(ix, decoded.sample));
    const r = await indexRolloutLogCached(log, { cacheDir });
    assert.equal(r.outcome, 'rebuilt', what);
    assert.match(r.reason ?? '', why, what);
    assert.equal(r.index.count, 40, what);
  }
});

test('item 9: a cache far larger than its log could be is not read', async () => {
  const { log, cacheDir, cache } = await cachedLog();
  const good = readFileSync(cache);
  writeFileSync(cache, good);
  truncateSync(cache, 64 * 1024 * 1024); // sparse: no 64 MB written
  const r = await indexRolloutLogCached(log, { cacheDir });
  assert.equal(r.outcome, 'rebuilt');
  assert.match(r.reason ?? '', /exceeds the \d+-byte cap/);
  // And the reason reaches whoever opens the log (the extension's log channel).
  truncateSync(cache, 64 * 1024 * 1024);
  const opened = await openRolloutLog(log, { cacheDir });
  assert.match(opened.cacheReason ?? '', /cap/);
});
