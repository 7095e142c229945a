import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ANNOTATIONS_FILE, MAX_ANNOTATIONS_BYTES, loadAnnotations, updateAnnotations } from '../../../src/core/annotations/file';
import { lookupAnnotation } from '../../../src/core/annotations/store';
import type { AnnotationKey } from '../../../src/core/annotations/types';
import { tempDir } from '../tempDir';

const key = (sample: number): AnnotationKey => ({ log: 'runs/a.jsonl', run: 'r', step: 1, group: 'g', sample });

test('a workspace without annotations loads empty; the first edit creates .segr1/annotations.json atomically (no temporaries left)', () => {
  const ws = tempDir('segr1-ann-');
  const l = loadAnnotations(ws);
  assert.equal(l.store.entries.size, 0);
  assert.deepEqual(l.issues, []);
  updateAnnotations(ws, [{ kind: 'setNote', key: key(0), text: 'first' }]);
  assert.deepEqual(readdirSync(join(ws, '.segr1')), ['annotations.json']);
  assert.equal(lookupAnnotation(loadAnnotations(ws).store, key(0))!.note, 'first');
});

test('edits are replayed on the file as it is now: a change made by another writer since this one loaded is kept', () => {
  const ws = tempDir('segr1-ann-');
  updateAnnotations(ws, [{ kind: 'setNote', key: key(0), text: 'mine' }]);
  const stale = loadAnnotations(ws);
  // Another window (or a git pull) adds a label on another rollout and edits this one's note.
  updateAnnotations(ws, [{ kind: 'setLabel', key: key(1), label: 'segmenter' }]);
  updateAnnotations(ws, [{ kind: 'putCounterfactual', key: key(0), counterfactual: { id: 'theirs', answer: '<bbox>[1,1,9,9]</bbox>', format: 'segr1', frame: { width: 768, height: 768 } } }]);
  assert.equal(stale.store.entries.size, 1);
  const written = updateAnnotations(ws, [{ kind: 'setLabel', key: key(0), label: 'policy' }]);
  const now = loadAnnotations(ws).store;
  assert.equal(lookupAnnotation(now, key(1))!.label, 'segmenter');
  assert.deepEqual(lookupAnnotation(now, key(0))!.counterfactuals.map((c) => c.id), ['theirs']);
  assert.equal(lookupAnnotation(now, key(0))!.label, 'policy');
  assert.equal(lookupAnnotation(now, key(0))!.note, 'mine');
  assert.equal(written.entries.size, 2);
});

test('a file that cannot be read whole (not JSON, over the cap) is reported and never overwritten', () => {
  const ws = tempDir('segr1-ann-');
  mkdirSync(join(ws, '.segr1'));
  const file = join(ws, ANNOTATIONS_FILE);
  writeFileSync(file, '{"schema": "segr1-annotations", "version": 1, "entries": [ {"key": ');
  const l = loadAnnotations(ws);
  assert.equal(l.issues[0]!.file, file);
  assert.match(l.issues[0]!.message, /not valid JSON/);
  assert.throws(() => updateAnnotations(ws, [{ kind: 'setNote', key: key(0), text: 'n' }]), /annotations\.json is not valid JSON; fix or remove it/);
  assert.equal(readFileSync(file, 'utf8'), '{"schema": "segr1-annotations", "version": 1, "entries": [ {"key": ');
  // Over the cap: refused from its size, before reading it.
  writeFileSync(file, Buffer.alloc(MAX_ANNOTATIONS_BYTES + 1, 0x20));
  const big = loadAnnotations(ws);
  assert.match(big.issues[0]!.message, /over the 16777216-byte cap/);
  assert.throws(() => updateAnnotations(ws, [{ kind: 'setNote', key: key(0), text: 'n' }]), /cap/);
  assert.equal(readdirSync(join(ws, '.segr1')).length, 1);
});

test('.segr1 linked to a folder outside the workspace is refused for reading and writing; nothing is written there', () => {
  const ws = tempDir('segr1-ann-');
  const outside = tempDir('segr1-ann-out-');
  symlinkSync(outside, join(ws, '.segr1'));
  assert.throws(() => loadAnnotations(ws), /resolves outside the workspace \(symlink\)/);
  assert.throws(() => updateAnnotations(ws, [{ kind: 'setNote', key: key(0), text: 'n' }]), /outside the workspace/);
  assert.equal(existsSync(join(outside, 'annotations.json')), false);
});
