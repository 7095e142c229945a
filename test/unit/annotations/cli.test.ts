import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { updateAnnotations } from '../../../src/core/annotations/file';
import { tempDir } from '../tempDir';

const REPO = join(__dirname, '..', '..', '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, 'annotations', ...args], { encoding: 'utf8' });
}

test('segr1 annotations: a table of the annotated rollouts, or --json with the entries as in the file', () => {
  const ws = tempDir('segr1-ann-cli-');
  const key = { log: 'runs/a.jsonl', run: 'r', step: 12, group: 's12-g3', sample: 2 };
  updateAnnotations(ws, [
    { kind: 'setNote', key, text: 'reward prefers it\nsecond line' },
    { kind: 'setLabel', key, label: 'reward' },
    { kind: 'putCounterfactual', key, counterfactual: { id: 'tight-box', answer: '<bbox>[100,120,300,310]</bbox>', format: 'segr1', frame: { width: 768, height: 768 } } },
    { kind: 'setLabel', key: { ...key, sample: 0 }, label: 'ok' },
  ]);
  const t = run(ws);
  assert.equal(t.status, 0, t.stderr);
  const lines = t.stdout.trim().split('\n');
  assert.match(lines[0]!, /^log\s+run\s+step\s+group\s+sample\s+label\s+prompts\s+note$/);
  assert.match(lines[1]!, /^runs\/a\.jsonl\s+r\s+12\s+s12-g3\s+0\s+ok\s+0$/);
  assert.match(lines[2]!, /^runs\/a\.jsonl\s+r\s+12\s+s12-g3\s+2\s+reward\s+1\s+reward prefers it$/);
  assert.equal(lines[3], '2 annotated rollouts');
  const j = run(ws, '--json');
  assert.equal(j.status, 0, j.stderr);
  const doc = JSON.parse(j.stdout) as { version: number; entries: { key: unknown; counterfactuals?: { id: string }[] }[]; issues: unknown[] };
  assert.equal(doc.version, 1);
  assert.deepEqual(doc.entries[1]!.key, key);
  assert.equal(doc.entries[1]!.counterfactuals![0]!.id, 'tight-box');
  assert.deepEqual(doc.issues, []);
});

test('segr1 annotations: bad entries go to stderr with file, JSON path and field, the rest is listed, exit 1; usage errors exit 2', () => {
  const ws = tempDir('segr1-ann-cli-');
  mkdirSync(join(ws, '.segr1'));
  copyFileSync(join(REPO, 'test', 'fixtures', 'hostile', 'signals', 'annotations_bad.json'), join(ws, '.segr1', 'annotations.json'));
  const r = run(ws);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /2 annotated rollouts/);
  assert.match(r.stderr, /annotations\.json: \$\.entries\[1\]\.key\.step \(step\): key\.step must be a finite number or null/);
  assert.equal(r.stderr.trim().split('\n').length, 7);
  assert.equal(run().status, 2);
  assert.equal(run(ws, '--nope').status, 2);
  assert.equal(run(join(ws, 'missing')).status, 2);
});
