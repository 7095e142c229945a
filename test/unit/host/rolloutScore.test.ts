import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { groupMembers, loggedRewards, PANEL_REWARD_SETS, replayRewards, scoreRollout } from '../../../src/host/rolloutScore';
import { parseAndEdit } from '../../../src/host/rolloutParse';
import { ViewProblems } from '../../../src/host/viewProblems';
import { tempDir } from '../tempDir';

const WELL_FORMED = '<think> a dog </think> <bbox>[0,0,767,767]</bbox>, <points>[[20,20],[30,30]]</points>, <labels>[1,0]</labels>';
const frame = { kind: 'square', size: 768 } as const;
/** An all-foreground GT, and a mask in Seg-R1's 768² reward frame that covers it: the mask is perfect. */
const gt = { width: 8, height: 8, data: new Uint8Array(64).fill(255) };
const full = { width: 768, height: 768, data: new Uint8Array(768 * 768).fill(1) };
const record: RolloutRecord = { completion: WELL_FORMED, rewards: { format: 1, segment: 0.25, custom: null }, reward: 1.25, advantage: -0.5 };

test('loggedRewards: one row per logged component, the total and the advantage, nothing replayed', () => {
  const rows = loggedRewards(record);
  assert.deepEqual(rows.rewards, [
    { name: 'format', logged: 1, replayed: {} },
    { name: 'segment', logged: 0.25, replayed: {} },
    { name: 'custom', logged: undefined, replayed: {} },
  ]);
  assert.deepEqual(rows.total, { name: 'total', logged: 1.25, replayed: {} });
  assert.deepEqual(rows.advantage, { name: 'advantage', logged: -0.5, replayed: {} });
});

test('replayRewards: every panel reward set scores the logged mask against the GT', async () => {
  const rows = await replayRewards(record, { frame, gt, loggedMask: full });
  assert.deepEqual(Object.keys(rows.total.replayed).sort(), [...PANEL_REWARD_SETS].sort());
  for (const id of PANEL_REWARD_SETS) assert.ok((rows.total.replayed[id] ?? 0) > 1, id);
  const format = rows.rewards.find((r) => r.name === 'format');
  assert.deepEqual(format?.replayed, { 'segr1-reference': 1, 'segr1-intended': 1 });
  assert.deepEqual(rows.advantage.replayed, {});
  // No GT: nothing to score against.
  assert.deepEqual((await replayRewards(record, { frame, loggedMask: full })).total.replayed, {});
});

test('replayRewards: without a logged mask, the segmenter\'s mask is asked for in the reward frame', async () => {
  const asked: Array<{ width: number; height: number }> = [];
  const rows = await replayRewards(record, {
    frame,
    gt,
    segmentToFrame: (f) => {
      asked.push(f);
      return { width: f.width, height: f.height, data: new Uint8Array(f.width * f.height).fill(1) };
    },
  });
  assert.ok(asked.length > 0);
  assert.ok(asked.every((f) => f.width === 768 && f.height === 768));
  assert.ok((rows.total.replayed['segr1-intended'] ?? 0) > 1);
});

async function groupIndex() {
  const dir = tempDir('segr1-score-');
  const lines = [
    { run: 'r', step: 1, group: 'g', sample: 0, image: 'a.png', completion: WELL_FORMED, rewards: { format: 1, segment: 0.9 }, reward: 1.9, mask: { size: [768, 768], counts: [0, 768 * 768] } },
    { run: 'r', step: 1, group: 'g', sample: 1, image: 'a.png', completion: 'no answer', rewards: { format: 0, segment: 0 }, reward: 0, mask: { size: [768, 768], counts: [768 * 768] } },
  ];
  writeFileSync(join(dir, 'log.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return indexRolloutLog(join(dir, 'log.jsonl'));
}

test('groupMembers: logged values and thumbnails; the intended reward only when asked for', async () => {
  const index = await groupIndex();
  const logged = await groupMembers(index, [0, 1], { frame, gt, scoreIntended: false });
  assert.deepEqual(logged.map((m) => [m.index, m.sample, m.reward, m.malformed, m.intended]), [
    [0, 0, 1.9, false, undefined],
    [1, 1, 0, true, undefined],
  ]);
  assert.deepEqual(logged[0]?.components, { format: 1, segment: 0.9 });
  assert.equal(logged[0]?.thumb?.data.every((v) => v === 1), true);
  const scored = await groupMembers(index, [0, 1], { frame, gt, scoreIntended: true });
  assert.equal(typeof scored[0]?.intended, 'number');
  assert.equal(scored[0]?.iou, 1);
});

test('scoreRollout: logged rewards of the logged record now, even for an edited rollout; replayed on demand', async () => {
  const index = await groupIndex();
  const logged: RolloutRecord = { completion: WELL_FORMED, rewards: { format: 1, segment: 0.9 }, reward: 1.9 };
  // An edited rollout has no rewards of its own: the logged ones stay for comparison.
  const parsed = { ...parseAndEdit(logged, { size: { width: 8, height: 8 }, frame, answerFormat: 'auto' }, new ViewProblems(1, () => undefined)) };
  const edited = { ...parsed, record: { completion: WELL_FORMED } };
  const scores = await scoreRollout({ index, members: [0, 1], logged, parsed: edited, masks: { loggedMask: full, mask: { ...full, source: 'logged', kind: 'logged' } }, gt });
  assert.equal(scores.rows.total.logged, 1.9);
  assert.deepEqual(scores.rows.total.replayed, {});
  assert.deepEqual(scores.group.map((m) => m.intended), [undefined, undefined]);
  const replayed = await scores.replay();
  assert.deepEqual(Object.keys(replayed.rows.total.replayed).sort(), [...PANEL_REWARD_SETS].sort());
  assert.equal(replayed.rows.total.logged, 1.9);
  assert.equal(typeof replayed.group[0]?.intended, 'number');
});
