import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { parseCompletion } from '../../../src/core/completion/parse';
import type { BinaryMask } from '../../../src/core/image/types';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { segr1Reference } from '../../../src/core/rewards/segr1';
import { trainerSegmentation } from '../../../src/host/rolloutMasks';
import { glyphsOf } from '../../../src/host/rolloutPayload';
import { buildRolloutView, type ViewContext } from '../../../src/host/viewBuilder';
import { tempDir } from '../tempDir';

const THINK = '<think> a dog on grass </think> ';
const BOX = '<bbox>[10,10,50,50]</bbox>';
/** The issue's case: five points, four labels. Seg-R1's parser voids points and labels together. */
const FIVE_FOR_FOUR = `${THINK}${BOX}, <points>[[20,20],[30,30],[40,40],[25,35],[35,25]]</points>, <labels>[1,1,0,0]</labels>`;
const WELL_FORMED = `${THINK}${BOX}, <points>[[20,20],[30,30]]</points>, <labels>[1,0]</labels>`;
/** Only `</think>` missing: the format reward is 0 but the trainer still segments. */
const NO_THINK_CLOSE = `<think> a dog on grass ${BOX}, <points>[[20,20],[30,30]]</points>, <labels>[1,0]</labels>`;
/** Decimal coordinates: the reference's `\d+` regex never matches the points. */
const DECIMALS = `${THINK}${BOX}, <points>[[20.5,20.5],[30,30]]</points>, <labels>[1,0]</labels>`;
/** A leading zero: the regex matches, then Python's eval raises and voids everything. */
const EVAL_RAISES = `${THINK}${BOX}, <points>[[020,20]]</points>, <labels>[1]</labels>`;

const FRAME = { width: 768, height: 768 };
const gt = { width: 64, height: 64, data: new Uint8Array(64 * 64).fill(255) };

/** Did segr1-reference ask for a mask (i.e. would SAM2 have run in training) for this completion? */
async function referenceSegments(completion: string): Promise<boolean> {
  let called = false;
  await segr1Reference.score({
    completion,
    gt,
    modelFrame: { kind: 'square', size: 768 },
    segment: async () => {
      called = true;
      return { width: 768, height: 768, data: new Uint8Array(768 * 768) };
    },
  });
  return called;
}

test('trainerSegmentation: segmented exactly when the reward set itself segments', async () => {
  for (const c of [FIVE_FOR_FOUR, WELL_FORMED, NO_THINK_CLOSE, DECIMALS, EVAL_RAISES, `${THINK}${BOX}`, 'no answer at all']) {
    const t = trainerSegmentation(parseCompletion(c, { format: 'segr1', frame: FRAME }));
    assert.ok(t, c);
    assert.equal(t.segmented, await referenceSegments(c), c);
  }
});

test('trainerSegmentation: a missing </think> still segments; a label count mismatch does not, and says so', () => {
  assert.deepEqual(trainerSegmentation(parseCompletion(NO_THINK_CLOSE, { format: 'segr1' })), { segmented: true });
  const t = trainerSegmentation(parseCompletion(FIVE_FOR_FOUR, { format: 'segr1' }));
  assert.equal(t?.segmented, false);
  assert.match(t && !t.segmented ? t.reason : '', /^no mask — the training parser rejected this answer \(4 labels for 5 points\): format reward 0, segment reward 0$/);
});

test('trainerSegmentation: the reason names what the parser could not read', () => {
  const reason = (c: string) => {
    const t = trainerSegmentation(parseCompletion(c, { format: 'segr1' }));
    return t && !t.segmented ? t.reason : '';
  };
  assert.match(reason(DECIMALS), /no valid <points>/);
  assert.doesNotMatch(reason(DECIMALS), /<labels>|<bbox>/);
  assert.match(reason(EVAL_RAISES), /eval raises: leading zeros/);
  assert.match(reason(`${THINK}<points>[[1,2]]</points>`), /no valid <bbox>, <labels>/);
});

test('trainerSegmentation: Seg-Zero and VisionReasoner answers are not judged (their rewards never segment)', () => {
  assert.equal(trainerSegmentation(parseCompletion('<think>x</think><answer>{"bbox": [1,2,3,4], "points_1": [2,3], "points_2": [3,3]}</answer>')), undefined);
  assert.equal(trainerSegmentation(parseCompletion('<think>x</think><answer>[{"bbox_2d": [1,2,3,4], "point_2d": [2,3]}]</answer>')), undefined);
});

test('a point without a label is unlabelled, not a + point', () => {
  const answer = parseCompletion(FIVE_FOR_FOUR, { format: 'segr1', frame: FRAME });
  assert.deepEqual(answer.points.map((p) => p.unlabelled === true), [false, false, false, false, true]);
  const glyphs = glyphsOf(answer, FRAME, { width: 64, height: 64 }).filter((g) => g.kind === 'point');
  assert.deepEqual(glyphs.map((g) => g.kind === 'point' && g.unlabelled === true), [false, false, false, false, true]);
});

test('buildRolloutView: a rejected answer gets no segmenter mask and says why; an accepted one is segmented', async () => {
  const dir = tempDir('segr1-trainer-seg-');
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 90, g: 120, b: 60 } } }).png().toFile(join(dir, 'img.png'));
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 255, g: 255, b: 255 } } }).png().toFile(join(dir, 'gt.png'));
  const rec = (sample: number, completion: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ run: 't', step: 1, group: 'g', sample, image: 'img.png', gt: 'gt.png', completion, rewards: { segment: 0, format: 0 }, reward: 0, ...extra });
  // A logged RLE of an all-ones 64×64 mask: counts start with the background run (0), then 4096 ones.
  const rle = { size: [64, 64], counts: [0, 4096] };
  writeFileSync(join(dir, 'rollouts.jsonl'), [rec(0, FIVE_FOR_FOUR), rec(1, WELL_FORMED), rec(2, NO_THINK_CLOSE), rec(3, FIVE_FOR_FOUR, { mask: rle })].join('\n') + '\n');
  const index = await indexRolloutLog(join(dir, 'rollouts.jsonl'));
  const segmented: string[] = [];
  const ctx: ViewContext = {
    logId: join(dir, 'rollouts.jsonl'),
    frame: { kind: 'square', size: 768 },
    answerFormat: 'auto',
    resolve: (rel) => ({ path: join(dir, rel) }),
    segment: async (_path, answer): Promise<{ mask: BinaryMask; source: string; kind: 'classical' }> => {
      segmented.push(String(answer.points.length));
      return { mask: { width: 64, height: 64, data: new Uint8Array(64 * 64).fill(1) }, source: 'classical fallback — not SAM2', kind: 'classical' };
    },
    problem: () => undefined,
  };
  const members = [0, 1, 2, 3];
  const rejected = (await buildRolloutView(index, 0, members, ctx)).view;
  assert.equal(rejected.mask, undefined);
  assert.match(rejected.noMask?.reason ?? '', /4 labels for 5 points/);
  assert.deepEqual(segmented, []);

  const accepted = (await buildRolloutView(index, 1, members, ctx)).view;
  assert.equal(accepted.noMask, undefined);
  assert.equal(accepted.mask?.source, 'classical fallback — not SAM2');
  const noThinkClose = (await buildRolloutView(index, 2, members, ctx)).view;
  assert.equal(noThinkClose.noMask, undefined);
  assert.ok(noThinkClose.mask);
  assert.equal(segmented.length, 2);

  // A logged mask of a rejected answer stays in the view (for the opt-in overlay), labelled as logged.
  const withLogged = (await buildRolloutView(index, 3, members, ctx)).view;
  assert.ok(withLogged.noMask);
  assert.match(withLogged.mask?.source ?? '', /^logged/);
  // Re-segmenting (empty edits) a rejected answer does not make a mask the trainer never had either.
  const reseg = (await buildRolloutView(index, 0, members, ctx, [])).view;
  assert.ok(reseg.noMask);
  assert.equal(reseg.mask, undefined);
  assert.equal(segmented.length, 2);
});
