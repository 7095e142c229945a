import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadAnnotations, updateAnnotations } from '../../../src/core/annotations/file';
import { annotationKeyOf, findAnnotated, logKeyPath } from '../../../src/core/annotations/resolve';
import { indexRolloutLog, readRollout, updateRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { tempDir } from '../tempDir';

const rec = (step: number, g: number, sample: number) => JSON.stringify({ run: 'r1', step, group: `s${step}-g${g}`, sample, completion: `<think>step ${step} group ${g} sample ${sample}</think>`, reward: sample / 4 });

function records(steps: number[]): string[] {
  return steps.flatMap((s) => [0, 1].flatMap((g) => [0, 1, 2, 3].map((k) => rec(s, g, k))));
}

test('an annotation keyed by run/step/group/sample resolves to the same rollout after appends, a re-index and a rewritten log', async () => {
  const ws = tempDir('segr1-ann-');
  mkdirSync(join(ws, 'runs'));
  const logFile = join(ws, 'runs', 'rollouts.jsonl');
  writeFileSync(logFile, `${records([1, 2]).join('\n')}\n`);
  const log = logKeyPath(ws, logFile);
  assert.equal(log, 'runs/rollouts.jsonl');
  let index = await indexRolloutLog(logFile);
  const i = 11; // step 2, group s2-g0, sample 3
  const key = annotationKeyOf(index, log, i);
  assert.deepEqual(key, { log, run: 'r1', step: 2, group: 's2-g0', sample: 3 });
  const completion = (await readRollout(index, i)).completion;
  updateAnnotations(ws, [{ kind: 'setNote', key, text: 'reward ranks it first, the mask is worse' }]);

  // The run appends two steps; the index follows the log.
  appendFileSync(logFile, `${records([3, 4]).join('\n')}\n`);
  const followed = await updateRolloutLog(index);
  assert.equal(followed.mode, 'appended');
  index = followed.index;
  const stored = [...loadAnnotations(ws).store.entries.values()][0]!;
  let found = findAnnotated(index, log, stored.key);
  assert.deepEqual(found, [i]);
  assert.equal((await readRollout(index, found[0]!)).completion, completion);

  // The log rewritten with its records in another order (a re-conversion, a merge of shards): the line moved, the key did not.
  writeFileSync(logFile, `${[...records([4, 3]), ...records([2, 1]).reverse()].join('\n')}\n`);
  index = await indexRolloutLog(logFile);
  found = findAnnotated(index, log, stored.key);
  assert.equal(found.length, 1);
  assert.notEqual(index.line[found[0]!], i + 1, 'the record is on another line now');
  assert.equal((await readRollout(index, found[0]!)).completion, completion);
  assert.deepEqual(findAnnotated(index, 'runs/other.jsonl', stored.key), []);
  assert.deepEqual(findAnnotated(index, log, { ...stored.key, sample: 9 }), []);
});

test('records without run, group or sample key on null and match only records without them', async () => {
  const ws = tempDir('segr1-ann-');
  const logFile = join(ws, 'plain.jsonl');
  writeFileSync(logFile, ['{"completion": "a"}', '{"completion": "b", "step": 5}', '{"completion": "c", "step": 5, "run": "x"}'].join('\n') + '\n');
  const index = await indexRolloutLog(logFile);
  const log = logKeyPath(ws, logFile);
  const k1 = annotationKeyOf(index, log, 1);
  assert.deepEqual(k1, { log: 'plain.jsonl', run: null, step: 5, group: null, sample: null });
  assert.deepEqual(findAnnotated(index, log, k1), [1]);
  assert.deepEqual(findAnnotated(index, log, annotationKeyOf(index, log, 0)), [0]);
  assert.deepEqual(findAnnotated(index, log, annotationKeyOf(index, log, 2)), [2]);
  assert.throws(() => logKeyPath(ws, join(ws, '..', 'elsewhere.jsonl')), /outside the workspace/);
});
