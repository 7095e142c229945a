import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyEdit, emptyStore, logPathProblem, lookupAnnotation, parseAnnotations, serializeAnnotations } from '../../../src/core/annotations/store';
import type { AnnotationEdit, AnnotationKey } from '../../../src/core/annotations/types';

const FIX = join(__dirname, '../../../../test/fixtures/hostile/signals/annotations_bad.json');
const key = (sample: number, o: Partial<AnnotationKey> = {}): AnnotationKey => ({ log: 'runs/a.jsonl', run: 'r', step: 3, group: 's3-g1', sample, ...o });
const cf = (id: string) => ({ id, answer: '<bbox>[10,10,200,200]</bbox>, <points>[[50,60]]</points>, <labels>[1]</labels>', format: 'segr1' as const, frame: { width: 768, height: 768 } });

test('serialization is stable: the same annotations in any edit order give byte-identical 2-space JSON, sorted by key', () => {
  const edits: AnnotationEdit[] = [
    { kind: 'setNote', key: key(2), text: 'box too loose' },
    { kind: 'setLabel', key: key(0, { step: 10 }), label: 'policy' },
    { kind: 'putCounterfactual', key: key(2), counterfactual: cf('z') },
    { kind: 'putCounterfactual', key: key(2), counterfactual: cf('a') },
    { kind: 'setNote', key: key(1, { log: 'runs/0.jsonl' }), text: 'first log' },
    { kind: 'setLabel', key: key(0, { run: null, step: null, group: null, sample: null }), label: 'ok' },
  ];
  const a = serializeAnnotations(edits.reduce(applyEdit, emptyStore()));
  const b = serializeAnnotations([...edits].reverse().reduce(applyEdit, emptyStore()));
  assert.equal(a, b);
  assert.ok(a.endsWith('}\n'));
  assert.match(a, /^\{\n {2}"schema": "segr1-annotations",\n {2}"version": 1,\n {2}"entries": \[\n {4}\{\n {6}"key": \{/);
  const doc = JSON.parse(a) as { entries: { key: AnnotationKey; counterfactuals?: { id: string }[] }[] };
  // Log, then run (null first), then step numerically (3 before 10).
  assert.deepEqual(doc.entries.map((e) => [e.key.log, e.key.run, e.key.step, e.key.sample]), [
    ['runs/0.jsonl', 'r', 3, 1],
    ['runs/a.jsonl', null, null, null],
    ['runs/a.jsonl', 'r', 3, 2],
    ['runs/a.jsonl', 'r', 10, 0],
  ]);
  assert.deepEqual(doc.entries[2]!.counterfactuals!.map((c) => c.id), ['a', 'z']);
  // Read back: the same text again.
  const back = parseAnnotations(a, 'x.json');
  assert.deepEqual(back.issues, []);
  assert.equal(serializeAnnotations(back.store), a);
});

test('edits: replace, remove, and an entry left empty disappears; lookup by key', () => {
  let s = applyEdit(emptyStore(), { kind: 'setNote', key: key(0), text: 'one' });
  s = applyEdit(s, { kind: 'setNote', key: key(0), text: 'two' });
  s = applyEdit(s, { kind: 'setLabel', key: key(0), label: 'reward' });
  s = applyEdit(s, { kind: 'putCounterfactual', key: key(0), counterfactual: cf('c') });
  s = applyEdit(s, { kind: 'putCounterfactual', key: key(0), counterfactual: { ...cf('c'), answer: '<bbox>[0,0,1,1]</bbox>' } });
  const e = lookupAnnotation(s, key(0))!;
  assert.equal(e.note, 'two');
  assert.equal(e.label, 'reward');
  assert.deepEqual(e.counterfactuals.map((c) => c.answer), ['<bbox>[0,0,1,1]</bbox>']);
  assert.equal(lookupAnnotation(s, key(1)), undefined);
  s = applyEdit(s, { kind: 'removeNote', key: key(0) });
  s = applyEdit(s, { kind: 'removeLabel', key: key(0) });
  s = applyEdit(s, { kind: 'removeCounterfactual', key: key(0), id: 'c' });
  assert.equal(s.entries.size, 0);
  assert.throws(() => applyEdit(s, { kind: 'setNote', key: key(0, { log: '../x.jsonl' }), text: 'n' }), /key.log "..\/x.jsonl" points outside the workspace/);
  assert.throws(() => applyEdit(s, { kind: 'setLabel', key: key(0), label: 'nope' as 'ok' }), /label "nope" is not one of/);
  assert.throws(() => applyEdit(s, { kind: 'putCounterfactual', key: key(0), counterfactual: { ...cf('c'), frame: { width: 0, height: 1 } } }), /counterfactual frame/);
});

test('hostile file: each bad entry reported with file, JSON path and field and kept verbatim; the good ones load; unknown fields survive a rewrite', () => {
  const text = readFileSync(FIX, 'utf8');
  const p = parseAnnotations(text, 'ws/.segr1/annotations.json');
  assert.equal(p.readOnly, undefined);
  assert.deepEqual(
    p.issues.map((i) => [i.path, i.field]),
    [
      ['$.entries[1].key.step', 'step'],
      ['$.entries[2].key.log', 'log'],
      ['$.entries[3].key.log', 'log'],
      ['$.entries[4].label', 'label'],
      ['$.entries[5].counterfactuals[0].frame', 'frame'],
      ['$.entries[6].key', 'key'],
      ['$.entries[7]', ''],
    ],
  );
  assert.ok(p.issues.every((i) => i.file === 'ws/.segr1/annotations.json'));
  assert.match(p.issues[2]!.message, /is absolute/);
  assert.equal(p.store.entries.size, 2, 'the good entry and the null-key entry; the empty one is valid but empty');
  assert.equal(lookupAnnotation(p.store, key(0))!.note, 'good one');
  const out = parseAnnotations(serializeAnnotations(p.store), 'again');
  const doc = JSON.parse(serializeAnnotations(p.store)) as { owner: string; entries: unknown[] };
  assert.equal(doc.owner, 'kept: an unknown top-level field');
  // 2 valid entries (the empty one dropped) + the 7 invalid ones, verbatim, after them.
  assert.equal(doc.entries.length, 9);
  assert.equal(doc.entries[8], 'not an object');
  assert.equal(out.issues.length, 7);
  const nullKey = lookupAnnotation(out.store, { log: 'runs/a.jsonl', run: null, step: null, group: null, sample: null })!;
  assert.deepEqual(nullKey.counterfactuals.map((c) => [c.id, c.extra]), [['a', undefined], ['b', { score: 0.5 }]]);
  assert.deepEqual(lookupAnnotation(out.store, key(0))!.extra, { reviewer: 'kept' });
});

test('a file that is not an annotations object, or of a newer version, is read-only; log paths must be normalised POSIX', () => {
  for (const bad of ['{"entries": [', '[1, 2]', 'null']) {
    const p = parseAnnotations(bad, 'f.json');
    assert.ok(p.readOnly, bad);
    assert.equal(p.issues[0]!.path, '$');
    assert.equal(p.store.entries.size, 0);
  }
  const newer = parseAnnotations(JSON.stringify({ schema: 'segr1-annotations', version: 2, entries: [{ key: key(0), note: 'n' }] }), 'f.json');
  assert.match(newer.readOnly!, /newer workbench \(version 2\)/);
  assert.equal(newer.store.entries.size, 1, 'still read');
  assert.equal(logPathProblem('runs/a.jsonl'), undefined);
  assert.match(logPathProblem('runs\\a.jsonl')!, /backslash/);
  assert.match(logPathProblem('runs/./a.jsonl')!, /not normalised/);
  assert.match(logPathProblem('C:/a.jsonl')!, /absolute/);
  assert.match(logPathProblem('a/../../b')!, /outside/);
});
