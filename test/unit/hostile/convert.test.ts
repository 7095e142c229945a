import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertLog } from '../../../src/core/logs/convert';
import { openRolloutLog } from '../../../src/core/logs/openLog';
import { validateRolloutJson } from '../../../src/core/logs/validateRecord';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog } from '../../../src/core/rewards/replay';
import { parseNotebookText } from '../../../src/host/notebookFile';
import { escapeControls } from '../../../src/shared/terminalText';
import { tempDir } from '../tempDir';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const LOGS = join(REPO, 'test', 'fixtures', 'logs');
const HOSTILE = join(REPO, 'test', 'fixtures', 'hostile', 'convert');
const CORRUPT_RUN = join(HOSTILE, 'trl-corrupt-page');
const CORRUPT_FILE = join(CORRUPT_RUN, 'completions', 'completions_00003.parquet');
const KEEP = 'precious: an earlier conversion\n';

function convert(...args: string[]) {
  return cli('convert', ...args);
}

function cli(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

/** Characters a terminal acts on (C0 but newline and tab, DEL, C1, bidi overrides): none may reach it raw from a log. */
function rawControls(text: string): string[] {
  return [...text].filter((ch) => {
    const c = ch.charCodeAt(0);
    return (c < 0x20 && c !== 0x0a && c !== 0x09) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
  });
}

/** Files a failed or interrupted write could leave behind in `dir`. */
function temporaries(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.endsWith('.tmp'));
}

function records(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').length;
}

test('no readable source: an existing --out is left untouched, nothing is created, exit 1', async () => {
  const dir = tempDir('segr1-hconv-');
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, KEEP);
  const s = await convertLog(join(LOGS, 'trl014', 'trainer_state.json'), out);
  assert.equal(s.written, false);
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  const r = convert(join(LOGS, 'trl014', 'trainer_state.json'), '--out', out);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /nothing {2}written: no readable rollouts, .*out\.jsonl left as it was/);
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  const fresh = join(dir, 'fresh.jsonl');
  assert.equal(convert(join(LOGS, 'mixed', 'notes.txt'), '--out', fresh).status, 1);
  assert.equal(existsSync(fresh), false, 'no empty output created');
  assert.deepEqual(temporaries(dir), []);
});

test('a parquet file with a corrupt data page: named, the other files kept, no temporaries, exit 1', async () => {
  const dir = tempDir('segr1-hconv-');
  const out = join(dir, 'trl.jsonl');
  const s = await convertLog(CORRUPT_RUN, out);
  assert.equal(s.written, true);
  assert.equal(s.records, 8, 'the 8 rows of completions_00001.parquet');
  assert.deepEqual(s.failed.map((f) => f.file), ['completions_00003.parquet']);
  const e = s.issues.find((i) => i.severity === 'error')!;
  assert.equal(e.file, 'completions_00003.parquet');
  assert.match(e.message, /row group 1 of 1 \(rows 1–8\) could not be decoded \(.+\); its rows skipped/);
  assert.equal(records(out), 8);
  assert.deepEqual(temporaries(dir), []);
  const r = convert(CORRUPT_RUN, '--out', out);
  assert.equal(r.status, 1, 'a source was skipped');
  assert.match(r.stdout, /wrote {4}.*trl\.jsonl: 8 records/, 'stdout still summarises what was written');
  assert.match(r.stdout, /failed {3}.*\(completions_00003\.parquet\): row group 1/);
  assert.match(r.stderr, /1 rollout source file\(s\) could not be read in full/);
  assert.doesNotMatch(r.stderr, /^segr1: /m, 'no run-aborting error');
  assert.deepEqual(temporaries(dir), []);
});

test('every parquet unreadable: exit 1, --out untouched', () => {
  const dir = tempDir('segr1-hconv-');
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, KEEP);
  const r = convert(CORRUPT_FILE, '--out', out);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /failed {3}.*completions_00003\.parquet: row group 1 of 1/);
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  assert.deepEqual(temporaries(dir), []);
});

test('a folder converted into a file inside it never reads its own output, its aliases or temporaries', async () => {
  const dir = tempDir('segr1-hconv-');
  copyFileSync(join(LOGS, 'mixed', 'rollouts.jsonl'), join(dir, 'rollouts.jsonl'));
  const out = join(dir, 'all.jsonl');
  const first = await convertLog(dir, out);
  assert.equal(first.records, 4);
  linkSync(out, join(dir, 'hardlink.jsonl'));
  symlinkSync(out, join(dir, 'symlink.jsonl'));
  // What an interrupted run of this version or an earlier one leaves: canonical records, never to be read.
  writeFileSync(join(dir, '.all.jsonl.segr1-99999-abc123.tmp'), readFileSync(out));
  writeFileSync(join(dir, 'all.jsonl.99999.abc123.tmp'), readFileSync(out));
  const again = await convertLog(dir, out);
  assert.equal(again.records, 4, 'not 4 + its previous output');
  assert.deepEqual(again.sources.map((x) => x.path), [join(dir, 'rollouts.jsonl')]);
  const skipped = new Map(again.skipped.map((x) => [x.path.slice(dir.length + 1), x.reason]));
  for (const n of ['all.jsonl', 'hardlink.jsonl', 'symlink.jsonl']) assert.match(skipped.get(n) ?? '', /output file of this conversion/, n);
  assert.match(skipped.get('all.jsonl.99999.abc123.tmp') ?? '', /temporary/);
  assert.equal(records(out), 4);
  // The rename gave --out a new inode: the hard link now holds the previous output, a file of its own.
  unlinkSync(join(dir, 'hardlink.jsonl'));
  assert.equal(convert(dir, '--out', out).status, 0, 'skipping its own output is not a failure');
  assert.equal(records(out), 4);
  const self = await convertLog(out, out);
  assert.equal(self.written, false, 'the input is the output: nothing to read');
  assert.equal(records(out), 4);
});

test('a verl folder never reads an --out named like one of its step files', async () => {
  const dir = tempDir('segr1-hconv-');
  cpSync(join(LOGS, 'verl', 'rollout_data'), dir, { recursive: true });
  const out = join(dir, '9.jsonl');
  assert.equal((await convertLog(dir, out)).records, 8);
  const again = await convertLog(dir, out);
  assert.equal(again.records, 8);
  assert.deepEqual(again.issues.filter((i) => i.file === '9.jsonl'), [], 'its own output was not read as a verl step file');
});

test('--out naming a folder (or a missing folder) is a clear usage error; nothing is written', async () => {
  const dir = tempDir('segr1-hconv-');
  const r = convert(join(LOGS, 'mixed'), '--out', dir);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out: .* is a folder; name a file to write/);
  assert.deepEqual(readdirSync(dir), []);
  const missing = convert(join(LOGS, 'mixed'), '--out', join(dir, 'no', 'such', 'out.jsonl'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /the folder of .*out\.jsonl does not exist/);
  await assert.rejects(convertLog(join(LOGS, 'mixed'), dir), /is a folder/);
});

test('a source that throws while read is named; --out untouched, no temporaries', async () => {
  const dir = tempDir('segr1-hconv-');
  const src = join(dir, 'src');
  mkdirSync(join(src, 'sub.jsonl'), { recursive: true });
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, KEEP);
  // A folder forced to be read as one JSON Lines file fails inside the adapter (EISDIR).
  const s = await convertLog(join(src, 'sub.jsonl'), out, { format: 'canonical' });
  assert.equal(s.written, false);
  assert.equal(s.failed.length, 1);
  assert.match(s.failed[0]!.reason, /could not be read \(.*EISDIR.*\); no records from it/);
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  assert.deepEqual(temporaries(dir), []);
});

test('an aborted conversion removes its temporary and leaves --out as it was', async () => {
  const dir = tempDir('segr1-hconv-');
  const log = join(dir, 'big.jsonl');
  const line = JSON.stringify({ step: 1, group: 'g', completion: 'x'.repeat(1000) }) + '\n';
  writeFileSync(log, line.repeat(10_000));
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, KEEP);
  const ac = new AbortController();
  await assert.rejects(convertLog(log, out, { signal: ac.signal, onProgress: () => ac.abort() }), { name: 'AbortError' });
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  assert.deepEqual(temporaries(dir), []);
});

test('Ctrl-C during segr1 convert: exit 130, temporary removed, --out as it was', async () => {
  const dir = tempDir('segr1-hconv-');
  const log = join(dir, 'big.jsonl');
  const line = JSON.stringify({ step: 1, group: 'g', completion: 'x'.repeat(1000) }) + '\n';
  writeFileSync(log, line.repeat(40_000));
  const out = join(dir, 'out.jsonl');
  writeFileSync(out, KEEP);
  const child = spawn(process.execPath, [CLI, 'convert', log, '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  let sent = false;
  for (let i = 0; i < 2000 && child.exitCode === null; i++) {
    if (temporaries(dir).length) {
      child.kill('SIGINT');
      sent = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const code = await exited;
  if (!sent) return; // Finished before the temporary was seen: nothing to interrupt on this machine.
  assert.equal(code, 130, stderr);
  assert.match(stderr, /interrupted; .*out\.jsonl left as it was/);
  assert.equal(readFileSync(out, 'utf8'), KEEP);
  assert.deepEqual(temporaries(dir), []);
});

test('openRolloutLog converts by the same rules: a corrupt page is an issue naming the file; nothing readable is an error', async () => {
  const cacheDir = tempDir('segr1-hconv-');
  const o = await openRolloutLog(CORRUPT_RUN, { cacheDir });
  assert.equal(o.index.count, 8);
  assert.ok(o.sourceIssues.some((i) => i.file === 'completions_00003.parquet' && i.severity === 'error'));
  assert.deepEqual(temporaries(cacheDir), []);
  const only = tempDir('segr1-hconv-');
  copyFileSync(CORRUPT_FILE, join(only, 'completions_00003.parquet'));
  await assert.rejects(openRolloutLog(only, { cacheDir }), /no readable rollouts \(completions_00003\.parquet: row group 1 of 1/);
  assert.deepEqual(temporaries(cacheDir), []);
});

// ---- item 8: replay caps a line and prints nothing raw ----

const ROLLOUT = JSON.stringify({ step: 1, group: 'g', completion: '<think>x</think><answer>{"bbox": [1, 2, 3, 4]}</answer>' });

test('replay: a line over the cap is one bad line naming file and line; the others still replay', async () => {
  const dir = tempDir('segr1-hreplay-');
  const log = join(dir, 'long.jsonl');
  // 3 MiB of JSON over a 1 MiB cap: what a 600 MB line is to the default 64 MiB cap, at test size.
  writeFileSync(log, `${ROLLOUT}\n{"completion": "${'x'.repeat(3 << 20)}"}\n${ROLLOUT}\n`);
  const bad: Array<[number, string]> = [];
  const r = await replayLog(log, { rewardSet: getRewardSet('segr1-reference')!, root: dir, maxLineBytes: 1 << 20, onBadLine: (line, m) => bad.push([line, m]) });
  assert.deepEqual(bad.map(([l]) => l), [2]);
  assert.match(bad[0]![1], /^line of 3145746 bytes exceeds the cap of 1048576 bytes on one line; skipped$/);
  assert.deepEqual(r.report.rollouts.map((x) => x.line), [1, 3]);
  assert.equal(r.badLines, 1);
});

test('segr1 replay at the real cap: an 80 MB line is a message, not a crash', () => {
  const dir = tempDir('segr1-hreplay-');
  const log = join(dir, 'huge.jsonl');
  const huge = Buffer.alloc(80 * 1024 * 1024, 0x61);
  writeFileSync(log, Buffer.concat([Buffer.from(`${ROLLOUT}\n{"completion": "`), huge, Buffer.from(`"}\n${ROLLOUT}\n`)]));
  const r = cli('replay', log, '--mask-only');
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /huge\.jsonl:2: line of 83886098 bytes exceeds the cap of 67108864 bytes on one line; skipped/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.match(r.stdout, /2 rollouts replayed/);
});

test('escapeControls: C0, DEL, C1 and bidi overrides become visible escapes; text and (optionally) layout stay', () => {
  assert.equal(escapeControls('a\u001b[31mb\u0007c\u007f\u009b\u202e\u2066\u2069\r\n\t'), 'a\\u001b[31mb\\u0007c\\u007f\\u009b\\u202e\\u2066\\u2069\\r\\n\\t');
  assert.equal(escapeControls('line 1\n\tline 2\u001b', true), 'line 1\n\tline 2\\u001b');
  assert.equal(escapeControls('plain — ünïcode Δ ✓ \u200d'), 'plain — ünïcode Δ ✓ \u200d');
  assert.equal(escapeControls('\u202a\u202b\u202c\u202d\u2067\u2068'), '\\u202a\\u202b\\u202c\\u202d\\u2067\\u2068');
});

test('segr1 replay and convert print log values escaped: no escape sequence from a log reaches the terminal', () => {
  const r = cli('replay', join(HOSTILE, 'replay', 'escapes.jsonl'), '--mask-only');
  assert.equal(r.status, 1);
  assert.deepEqual(rawControls(r.stderr + r.stdout), []);
  assert.match(r.stderr, /escapes\.jsonl:1: field gt '\\u001b\]0;pwned\\u0007\\u001b\[2J\\u009b31m\\u202egnp\.x\.png'/);
  assert.match(r.stderr, /escapes\.jsonl:2: field mask\.size\[1\]: expected a non-negative integer, found string "\\u001b\[5m"/);
  const dir = tempDir('segr1-hconv-');
  const src = join(dir, 'logs');
  mkdirSync(src);
  copyFileSync(join(LOGS, 'mixed', 'rollouts.jsonl'), join(src, 'run\u001b[2J\u202e.jsonl'));
  writeFileSync(join(src, 'x\u009b.txt'), 'not a log');
  const c = convert(src, '--out', join(dir, 'out.jsonl'));
  assert.equal(c.status, 0, c.stderr);
  assert.deepEqual(rawControls(c.stdout + c.stderr), []);
  assert.match(c.stdout, /read {5}.*run\\u001b\[2J\\u202e\.jsonl \(canonical\)/);
});

test('replay: a malformed logged mask or an undecodable gt is a message naming line and field, never a raw TypeError', async () => {
  const bad = new Map<number, string>();
  const dir = join(HOSTILE, 'replay');
  await replayLog(join(dir, 'masks.jsonl'), { rewardSet: getRewardSet('segr1-reference')!, root: dir, onBadLine: (l, m) => bad.set(l, m) });
  assert.deepEqual(Object.fromEntries(bad), {
    1: 'field mask: expected a COCO RLE {"size": [h, w], "counts": ...}, found an array',
    2: 'field mask.size: expected [height, width], found null',
    3: 'field mask.size[0]: expected a non-negative integer, found number Infinity',
    4: 'field mask.counts[0]: expected a non-negative integer run length, found number Infinity',
    5: 'field mask.counts: expected a string or a list of run lengths, found no counts',
    6: bad.get(6),
  });
  assert.match(bad.get(6)!, /^field gt 'bad\.png': not a decodable image: its header is corrupt or truncated \(.*corrupt header\)$/);
  for (const m of bad.values()) assert.doesNotMatch(m, /is not iterable|:\s*$|found number null/);
});

// ---- item 10: the smaller items ----

test('.segr1nb with wrong shapes: specific messages naming the field, every valid cell opens', () => {
  const read = (name: string) => parseNotebookText(readFileSync(join(HOSTILE, 'notebooks', name), 'utf8'), name);
  const n = read('cells-number.segr1nb');
  assert.deepEqual(n.problems, ['cells: expected an array of cells, found number 5']);
  assert.equal(n.cells.length, 1);
  assert.match(n.cells[0]!.value, /`cells-number\.segr1nb` is not entirely a valid Seg-R1 notebook/);
  assert.match(n.cells[0]!.value, /\{"cells":5\}/, 'its text is kept');
  const m = read('cells-mixed.segr1nb');
  assert.deepEqual(m.problems, [
    'cells[0]: expected a cell object {kind, value}, found null; cell skipped',
    "cells[2].value: expected the cell's text as a string, found no value; cell skipped",
    'cells[3].kind: expected "markdown" or "code", found string "text"; read as code',
    'cells[4].outputs[1][0].mime: expected a string, found number 5; output dropped',
    'cells[4].outputs[2]: expected a list of {mime, data} items, found number 7; output dropped',
  ]);
  assert.deepEqual(m.cells.slice(1).map((c) => [c.kind, c.value, c.outputs?.length]), [
    ['code', 'worst 3 by reward', undefined],
    ['code', '# hi', undefined],
    ['code', 'best 1 by reward', 1],
  ]);
  assert.deepEqual(read('top-array.segr1nb').problems, ['expected a JSON object {"cells": [...]}, found an array']);
  const f = read('fence-breakout.segr1nb');
  assert.match(f.problems[0]!, /^not valid JSON/);
  // The kept text holds a ``` line: the fence around it is longer, so the text stays inside it.
  assert.match(f.cells[0]!.value, /\n````\n\{"cells"[\s\S]*<img src=x onerror=alert\(1\)>\n````$/);
  assert.deepEqual(parseNotebookText('').problems, []);
  assert.equal(parseNotebookText('{}').cells.length, 0);
});

test('every segr1 subcommand answers --help and -h with its usage, exit 0', () => {
  for (const cmd of ['sample', 'replay', 'convert', 'metrics', 'segment']) {
    for (const flag of ['--help', '-h']) {
      const r = cli(cmd, flag);
      assert.equal(r.status, 0, `${cmd} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^usage: segr1 ${cmd} `), `${cmd} ${flag}`);
    }
  }
});

test('segr1 sample --out <a folder with a README.md>: refused without --force, the file named and kept', () => {
  const dir = tempDir('segr1-hsample-');
  writeFileSync(join(dir, 'README.md'), '# my project\n');
  const r = cli('sample', '--out', dir);
  assert.equal(r.status, 1, r.stdout);
  assert.match(r.stderr, /holds files the sample would overwrite \(README\.md\) and no sample marker; nothing written \(--force overwrites them\)/);
  assert.equal(readFileSync(join(dir, 'README.md'), 'utf8'), '# my project\n');
  assert.deepEqual(readdirSync(dir), ['README.md']);
});

test('verl: a non-numeric score is an issue naming file, line and field; the rollout is kept without a reward', async () => {
  const out = join(tempDir('segr1-hconv-'), 'verl.jsonl');
  const s = await convertLog(join(HOSTILE, 'verl-score'), out);
  assert.equal(s.records, 3);
  assert.deepEqual(s.issues.map((i) => [i.file, i.line, i.field, i.message]), [
    ['1.jsonl', 2, 'score', 'expected a number, found string "0.5"; rollout kept without a reward'],
    ['1.jsonl', 3, 'score', 'expected a number, found an array; rollout kept without a reward'],
  ]);
  const recs = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { reward?: number; extra: { score?: unknown } });
  assert.deepEqual(recs.map((r) => [r.reward, r.extra.score]), [[0.75, undefined], [undefined, '0.5'], [undefined, [1]]]);
});

test('schema messages name Infinity as Infinity, not JSON null', () => {
  const v = validateRolloutJson({ completion: 'x', reward: Infinity, rewards: { iou: -Infinity } }, 7);
  assert.deepEqual(v.issues.map((i) => [i.line, i.field, i.message]), [
    [7, 'reward', 'expected a finite number, found number Infinity; kept in extra'],
    [7, 'rewards.iou', 'expected a number or null, found number -Infinity; kept in extra'],
  ]);
});
