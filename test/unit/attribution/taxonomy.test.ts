import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAnnotations, updateAnnotations } from '../../../src/core/annotations/file';
import { annotationKeyOf, logKeyPath } from '../../../src/core/annotations/resolve';
import { annotationMarks, effectiveLabel, labelOverrides } from '../../../src/core/attribution/overrides';
import { stackCounts, taxonomyOf } from '../../../src/core/attribution/taxonomy';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { tempDir } from '../tempDir';

test('taxonomy counts labels per step (ascending) and per image (path order), every label present', () => {
  const t = taxonomyOf([
    { step: 2, image: 'b.jpg', label: 'policy' },
    { step: 1, image: 'b.jpg', label: 'ok' },
    { step: 2, image: 'a.jpg', label: 'policy' },
    { step: 1, image: 'a.jpg', label: 'format' },
    { step: Number.NaN, image: 'a.jpg', label: 'reward' },
    { step: 1, label: 'segmenter' },
  ]);
  assert.deepEqual(
    t.steps.map((s) => [s.step, s.counts]),
    [
      [1, { format: 1, segmenter: 1, policy: 0, reward: 0, ok: 1 }],
      [2, { format: 0, segmenter: 0, policy: 2, reward: 0, ok: 0 }],
    ],
  );
  assert.deepEqual(
    t.images.map((i) => [i.image, i.counts]),
    [
      ['a.jpg', { format: 1, segmenter: 0, policy: 1, reward: 1, ok: 0 }],
      ['b.jpg', { format: 0, segmenter: 0, policy: 1, reward: 0, ok: 1 }],
    ],
  );
  // Records without a step or an image still count in the total.
  assert.deepEqual(t.total, { format: 1, segmenter: 1, policy: 2, reward: 1, ok: 1 });
});

test('a bar stacks its labels bottom-up in precedence order and leaves out empty ones', () => {
  assert.deepEqual(stackCounts({ format: 2, segmenter: 0, policy: 3, reward: 0, ok: 1 }), [
    { label: 'format', from: 0, to: 2 },
    { label: 'policy', from: 2, to: 5 },
    { label: 'ok', from: 5, to: 6 },
  ]);
  assert.deepEqual(stackCounts({ format: 0, segmenter: 0, policy: 0, reward: 0, ok: 0 }), []);
});

test('a label override written to .segr1/annotations.json reads back onto the same record, and only that one', async () => {
  const ws = tempDir('segr1-attr-ovr-');
  mkdirSync(join(ws, 'runs'));
  const logFile = join(ws, 'runs', 'rollouts.jsonl');
  const recs = [1, 2].flatMap((step) => [0, 1, 2, 3].map((sample) => JSON.stringify({ run: 'r', step, group: `g${step}`, sample, completion: '<think>x</think>', reward: sample })));
  writeFileSync(logFile, `${recs.join('\n')}\n`);
  const index = await indexRolloutLog(logFile);
  const log = logKeyPath(ws, logFile);
  updateAnnotations(ws, [{ kind: 'setLabel', key: annotationKeyOf(index, log, 5), label: 'reward' }]);
  assert.match(readFileSync(join(ws, '.segr1', 'annotations.json'), 'utf8'), /"label": "reward"/);
  // Read back as a reload would: from the file, through a fresh index.
  const again = await indexRolloutLog(logFile);
  const overrides = labelOverrides(loadAnnotations(ws).store, again, log);
  assert.deepEqual([...overrides], [[5, 'reward']]);
  // Another log's key never matches.
  assert.equal(labelOverrides(loadAnnotations(ws).store, again, 'runs/other.jsonl').size, 0);
  // Removing the override empties it again.
  updateAnnotations(ws, [{ kind: 'removeLabel', key: annotationKeyOf(again, log, 5) }]);
  assert.equal(labelOverrides(loadAnnotations(ws).store, again, log).size, 0);
});

test('the shown label is the override (flagged when it differs from the computed one), else the computed label', () => {
  assert.deepEqual(effectiveLabel('policy', 'reward'), { label: 'reward', overridden: true });
  assert.deepEqual(effectiveLabel('policy', 'policy'), { label: 'policy', overridden: false });
  assert.deepEqual(effectiveLabel(undefined, 'ok'), { label: 'ok', overridden: true });
  assert.deepEqual(effectiveLabel('format', undefined), { label: 'format', overridden: false });
  assert.equal(effectiveLabel(undefined, undefined), undefined);
});

test('the Runs tree marks an annotated rollout with what it holds, and an entry with nothing gets no mark', () => {
  const cf = { id: 'a', answer: '<bbox>[1,2,3,4]</bbox>', format: 'segr1' as const, frame: { width: 768, height: 768 } };
  assert.equal(annotationMarks({ note: 'x', label: 'reward', counterfactuals: [cf, { ...cf, id: 'b' }] }), '✎ note · label → reward · 2 prompts');
  assert.equal(annotationMarks({ label: 'ok', counterfactuals: [] }), '✎ label → ok');
  assert.equal(annotationMarks({ counterfactuals: [cf] }), '✎ 1 prompt');
  assert.equal(annotationMarks({ counterfactuals: [] }), undefined);
});
