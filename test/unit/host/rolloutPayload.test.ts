import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { indexRolloutLog, readRollout } from '../../../src/core/logs/jsonlIndex';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import { parseAndEdit } from '../../../src/host/rolloutParse';
import { replayPayload, rolloutPayload } from '../../../src/host/rolloutPayload';
import { loggedRewards, type RolloutScores } from '../../../src/host/rolloutScore';
import { ViewProblems } from '../../../src/host/viewProblems';
import type { GroupMember } from '../../../src/shared/protocol';
import { tempDir } from '../tempDir';

const COMPLETION = '<think> a dog </think> <bbox>[0,0,384,384]</bbox>, <points>[[384,384]]</points>, <labels>[1]</labels>';
const member = (index: number, reward: number): GroupMember => ({ index, reward, malformed: false, components: {}, inversions: [] });

async function oneLog(extra: Record<string, unknown> = {}) {
  const dir = tempDir('segr1-payload-');
  const rec = { run: 'run-a', step: 3, group: 'g7', sample: 1, image: 'a.png', gt: 'a-gt.png', completion: COMPLETION, ...extra };
  writeFileSync(join(dir, 'log.jsonl'), `${JSON.stringify({ ...rec, sample: 0 })}\n${JSON.stringify(rec)}\n`);
  const index = await indexRolloutLog(join(dir, 'log.jsonl'));
  return { index, rec: await readRollout(index, 1), logId: join(dir, 'log.jsonl') };
}

function scoresOf(record: RolloutRecord, group: GroupMember[]): RolloutScores {
  return { rows: loggedRewards(record), group, replay: async () => ({ rows: loggedRewards(record), group }) };
}

test('rolloutPayload: title, position, glyphs in image pixels, GT with its path, the history of the image', async () => {
  const { index, rec, logId } = await oneLog({ extra_field: { a: 1 } });
  const image = { bytes: new Uint8Array(), mime: 'image/png', width: 200, height: 100, path: 'a.png' };
  const assets = { image, gt: { gray: { width: 200, height: 100, data: new Uint8Array(20000) }, binary: { width: 200, height: 100, data: new Uint8Array(20000) } } };
  const parsed = parseAndEdit(rec, { size: image, frame: { kind: 'square', size: 768 }, answerFormat: 'auto' }, new ViewProblems(1, () => undefined));
  const view = rolloutPayload({ logId, index, i: 1, members: [0, 1], logged: rec, assets, parsed, masks: {}, scores: scoresOf(rec, [member(0, 1), member(1, 1)]), problems: ['p'] });
  assert.equal(view.title, 'run-a · step 3 · group g7 · rollout 1');
  assert.deepEqual(view.selection, { kind: 'rollout', log: logId, index: 1 });
  assert.deepEqual(view.position, { index: 1, count: 2 });
  assert.equal(view.gt?.path, 'a-gt.png');
  assert.equal(view.rollout?.line, 2);
  assert.deepEqual(view.rollout?.extra, [['extra_field', '{"a":1}']]);
  const point = view.glyphs.find((g) => g.kind === 'point');
  assert.deepEqual(point && point.kind === 'point' ? [point.x, point.y] : [], [100, 50]);
  assert.equal(view.groupZeroVariance, true);
  assert.deepEqual(view.history?.map((h) => h.index), [0, 1]);
  assert.deepEqual(view.problems, ['p']);
  assert.equal(view.edited, undefined);
  assert.equal(view.synthetic, false);
});

test('rolloutPayload: an edited view keeps the original text and withholds the logged tokens; no size, no glyphs', async () => {
  const { index, rec, logId } = await oneLog({ tokens: [{ text: 'x', logprob: -1 }], run: 'synthetic-demo' });
  const edits = [{ kind: 'flip-point', index: 0 }] as const;
  const parsed = { ...parseAndEdit(rec, { frame: { kind: 'square', size: 768 }, answerFormat: 'auto' }, new ViewProblems(1, () => undefined)) };
  const edited = { ...parsed, record: { ...parsed.record, completion: COMPLETION.replace('[1]', '[0]') } };
  const view = rolloutPayload({ logId, index, i: 0, members: [0, 1], logged: rec, edits, assets: {}, parsed: edited, masks: { noMask: { reason: 'why' } }, scores: scoresOf(rec, []), problems: [] });
  assert.deepEqual(view.edited, { originalCompletion: COMPLETION, edits });
  assert.equal(view.rollout?.completion, COMPLETION.replace('[1]', '[0]'));
  assert.equal(view.rollout?.tokens?.tokens, undefined);
  assert.deepEqual(view.glyphs, []);
  assert.deepEqual(view.noMask, { reason: 'why' });
  assert.equal(view.synthetic, true);
});

test('replayPayload: the replayed rows and group for the same selection, with the group\'s variance', () => {
  const sel = { kind: 'rollout', log: 'l', index: 2 } as const;
  const rec: RolloutRecord = { completion: '', reward: 1 };
  const r = replayPayload(sel, { rows: loggedRewards(rec), group: [member(0, 1), member(1, 0)] });
  assert.equal(r.selection, sel);
  assert.equal(r.total.logged, 1);
  assert.equal(r.groupZeroVariance, false);
  assert.equal(r.group.length, 2);
});
