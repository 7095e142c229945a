import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RolloutRecord } from '../../../src/core/logs/rollout';
import type { RolloutAssets } from '../../../src/host/rolloutAssets';
import { segmentRollout, type SegmentAnswer } from '../../../src/host/rolloutMasks';
import { parseAndEdit } from '../../../src/host/rolloutParse';
import { ViewProblems } from '../../../src/host/viewProblems';

const WELL_FORMED = '<think> a dog </think> <bbox>[10,10,50,50]</bbox>, <points>[[20,20],[30,30]]</points>, <labels>[1,0]</labels>';
const FIVE_FOR_FOUR = '<think> x </think> <bbox>[10,10,50,50]</bbox>, <points>[[20,20],[30,30],[40,40],[25,35],[35,25]]</points>, <labels>[1,1,0,0]</labels>';
const assets: RolloutAssets = { image: { bytes: new Uint8Array(), mime: 'image/png', width: 8, height: 8, path: 'img.png' } };

function parsed(r: RolloutRecord) {
  return parseAndEdit(r, { size: { width: 8, height: 8 }, frame: { kind: 'square', size: 768 }, answerFormat: 'auto' }, new ViewProblems(1, () => undefined));
}

/** A segmenter that records the paths it was asked for and answers an all-ones 8×8 mask. */
function recordingSegmenter(): { segment: SegmentAnswer; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    segment: async (p) => {
      calls.push(p);
      return { mask: { width: 8, height: 8, data: new Uint8Array(64).fill(1) }, source: 'test segmenter', kind: 'classical' };
    },
  };
}

test('segmentRollout: a logged mask is decoded and shown as logged; the segmenter is not asked', async () => {
  const seg = recordingSegmenter();
  const m = await segmentRollout(parsed({ completion: WELL_FORMED, image: 'img.png', mask: { size: [8, 8], counts: [8, 56] } }), assets, { resolve: (r) => ({ path: `/ws/${r}` }), segment: seg.segment }, new ViewProblems(1, () => undefined));
  assert.equal(m.mask?.source, 'logged mask (from the run)');
  assert.equal(m.mask?.kind, 'logged');
  assert.equal(m.loggedMask?.data.reduce((a, b) => a + b, 0), 56);
  assert.equal(m.noMask, undefined);
  assert.deepEqual(seg.calls, []);
});

test('segmentRollout: without a logged mask the segmenter segments the resolved image', async () => {
  const seg = recordingSegmenter();
  const m = await segmentRollout(parsed({ completion: WELL_FORMED, image: 'img.png' }), assets, { resolve: (r) => ({ path: `/ws/${r}` }), segment: seg.segment }, new ViewProblems(1, () => undefined));
  assert.deepEqual(seg.calls, ['/ws/img.png']);
  assert.equal(m.mask?.source, 'test segmenter');
  assert.equal(m.mask?.kind, 'classical', 'the kind comes from the engine, never from the label');
  assert.equal(m.loggedMask, undefined);
  // No image read: nothing to segment.
  const none = await segmentRollout(parsed({ completion: WELL_FORMED, image: 'img.png' }), {}, { resolve: (r) => ({ path: r }), segment: seg.segment }, new ViewProblems(1, () => undefined));
  assert.deepEqual(none, {});
  assert.equal(seg.calls.length, 1);
});

test('segmentRollout: a rejected answer is not segmented and says why; a bad logged mask is a problem of the line', async () => {
  const seg = recordingSegmenter();
  const reported: Array<[number | undefined, string]> = [];
  const problems = new ViewProblems(9, (l, msg) => reported.push([l, msg]));
  const m = await segmentRollout(parsed({ completion: FIVE_FOR_FOUR, image: 'img.png', mask: { size: [8, 8], counts: [1, 2, 3] } }), assets, { resolve: (r) => ({ path: r }), segment: seg.segment }, problems);
  assert.equal(m.mask, undefined);
  assert.match(m.noMask?.reason ?? '', /4 labels for 5 points/);
  assert.deepEqual(seg.calls, []);
  assert.equal(reported.length, 1);
  assert.equal(reported[0]?.[0], 9);
  assert.match(reported[0]?.[1] ?? '', /^mask: /);
});
