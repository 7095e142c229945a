import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { buildRolloutView, logViewContext } from '../../../src/host/viewBuilder';
import { tempDir } from '../tempDir';

const COMPLETION = '<think> a dog </think> <bbox>[0,0,767,767]</bbox>, <points>[[384,384]]</points>, <labels>[1]</labels>';

test('buildRolloutView: the five steps end to end: problems reported on the line, logged view first, replay after', async () => {
  const root = tempDir('segr1-view-');
  mkdirSync(join(root, 'logs'));
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(join(root, 'img.png'));
  await sharp({ create: { width: 32, height: 32, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(join(root, 'gt.png'));
  const full = { size: [768, 768], counts: [0, 768 * 768] };
  const lines = [
    { run: 'r', step: 2, group: 'g', sample: 0, image: 'img.png', gt: 'gt.png', completion: COMPLETION, rewards: { format: 1, segment: 1 }, reward: 2, mask: full },
    { run: 'r', step: 2, group: 'g', sample: 1, image: 'img.png', gt: '../../etc/passwd', completion: COMPLETION, rewards: { format: 1, segment: 0 }, reward: 1 },
  ];
  const logFile = join(root, 'logs', 'log.jsonl');
  writeFileSync(logFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const index = await indexRolloutLog(logFile);
  const reported: Array<[number | undefined, string]> = [];
  const ctx = logViewContext({ file: logFile, folder: { uri: { fsPath: root } } }, { frame: { kind: 'square', size: 768 }, answerFormat: 'auto' }, undefined, (line, m) => reported.push([line, m]));

  const { view, replay } = await buildRolloutView(index, 0, [0, 1], ctx);
  assert.deepEqual(view.problems, []);
  assert.equal(view.mask?.source, 'logged mask (from the run)');
  assert.equal(view.rollout?.total.logged, 2);
  assert.deepEqual(view.rollout?.total.replayed, {});
  assert.equal(view.groupZeroVariance, false);
  const r = await replay();
  assert.deepEqual(r.selection, view.selection);
  assert.deepEqual(Object.keys(r.total.replayed).sort(), ['segr1-intended', 'segr1-reference']);
  assert.equal(typeof r.group[0]?.intended, 'number');

  // A GT path out of the workspace: refused, listed and reported on the record's line (2); no mask to show.
  const second = (await buildRolloutView(index, 1, [0, 1], ctx)).view;
  assert.equal(second.gt, undefined);
  assert.equal(second.mask, undefined);
  assert.equal(second.problems.length, 1);
  assert.match(second.problems[0] ?? '', /^gt "\.\.\/\.\.\/etc\/passwd" /);
  assert.deepEqual(reported, [[2, second.problems[0]]]);
});
