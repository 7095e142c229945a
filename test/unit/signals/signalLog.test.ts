import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { readSignalRollouts } from '../../../src/core/signals/signalLog';
import { workspace } from './signalWorkspace';

test('readSignalRollouts: logged-mask IoU in the reward frame, points, boxes in image pixels, GT tight box, bad lines named', async () => {
  const { root, log } = await workspace();
  const index = await indexRolloutLog(log);
  assert.equal(index.count, 4, 'the index keeps the four JSON records');
  const bad: Array<[number, string]> = [];
  const rs = await readSignalRollouts(index, { root, onBadLine: (line, m) => bad.push([line, m]) });
  assert.equal(rs.length, 4);
  assert.deepEqual(rs.map((r) => r.line), [1, 2, 4, 5]);
  assert.deepEqual(rs.map((r) => r.reward), [1, 0.5, 0, 0.2]);
  assert.deepEqual(rs.map((r) => r.iou), [1, 0.5, Number.NaN, Number.NaN]);
  assert.deepEqual(rs.map((r) => r.points), [2, 3, 1, Number.NaN]);
  assert.deepEqual(rs[0]!.gtBox, { x1: 100, y1: 100, x2: 300, y2: 300 });
  assert.deepEqual(rs[1]!.boxes, [{ x1: 100, y1: 100, x2: 500, y2: 300 }]);
  assert.equal(rs[2]!.gtBox, undefined);
  // Groups are keyed by run and group: the two g rollouts share one, the h rollouts another.
  assert.equal(rs[0]!.group, rs[1]!.group);
  assert.notEqual(rs[1]!.group, rs[2]!.group);
  assert.equal(bad.length, 1);
  assert.equal(bad[0]![0], 4);
  assert.match(bad[0]![1], /^field gt: "\.\.\/outside\.png"/);
});

test('readSignalRollouts: a cancelled read stops with an AbortError', async () => {
  const { root, log } = await workspace();
  const index = await indexRolloutLog(log);
  const abort = new AbortController();
  abort.abort();
  await assert.rejects(readSignalRollouts(index, { root, signal: abort.signal }), (e: Error) => e.name === 'AbortError');
});
