import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readFileSync, readdirSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertLog } from '../../../src/core/logs/convert';
import { openRolloutLog } from '../../../src/core/logs/openLog';
import { tempDir } from '../tempDir';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const LOGS = join(REPO, 'test', 'fixtures', 'logs');
const HOSTILE = join(REPO, 'test', 'fixtures', 'hostile', 'convert');
const CORRUPT_RUN = join(HOSTILE, 'trl-corrupt-page');
const CORRUPT_FILE = join(CORRUPT_RUN, 'completions', 'completions_00003.parquet');
const KEEP = 'precious: an earlier conversion\n';

function convert(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'convert', ...args], { encoding: 'utf8' });
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
