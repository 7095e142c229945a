import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeRollout, countLabels, DEFAULT_THRESHOLDS, rewardInversion, type RolloutNumbers } from '../../../src/core/attribution/labels';

const good: RolloutNumbers = { format: 1, parsed: true, iou: 0.9, oracleIou: 0.95, total: 1.8 };

test('ok when nothing holds; the explanation names the numbers checked', () => {
  const a = attributeRollout(1, good, []);
  assert.equal(a.label, 'ok');
  assert.deepEqual(a.flags, []);
  assert.match(a.explanation, /oracle IoU 0\.950 ≥ τ_seg 0\.500/);
  assert.match(a.explanation, /IoU 0\.900 ≥ oracle − δ 0\.750/);
});

test('format: format component 0, or no prompt parsed', () => {
  assert.equal(attributeRollout(1, { ...good, format: 0 }, []).label, 'format');
  const unparsed = attributeRollout(1, { ...good, format: 1, parsed: false }, []);
  assert.equal(unparsed.label, 'format');
  assert.match(unparsed.explanation, /no prompt could be parsed/);
  // A set without a format component: only the parse decides.
  assert.equal(attributeRollout(1, { ...good, format: null }, []).label, 'ok');
});

test('segmenter: oracle IoU below τ_seg (strictly); the threshold is a parameter', () => {
  assert.equal(attributeRollout(1, { ...good, oracleIou: 0.49, iou: 0.45 }, []).label, 'segmenter');
  assert.equal(attributeRollout(1, { ...good, oracleIou: 0.5, iou: 0.45 }, []).label, 'ok', 'exactly τ_seg is not below it');
  assert.equal(attributeRollout(1, { ...good, oracleIou: 0.6, iou: 0.55 }, [], { ...DEFAULT_THRESHOLDS, tauSeg: 0.7 }).label, 'segmenter');
  assert.match(attributeRollout(1, { ...good, oracleIou: 0.49, iou: 0.45 }, []).explanation, /oracle IoU 0\.490 < τ_seg 0\.500/);
});

test('policy: rollout IoU below oracle − δ; exactly at the margin is not (decimal differences tolerated)', () => {
  assert.equal(attributeRollout(1, { ...good, iou: 0.7, oracleIou: 0.95 }, []).label, 'policy');
  assert.equal(attributeRollout(1, { ...good, iou: 0.75, oracleIou: 0.95 }, []).label, 'ok');
  assert.equal(attributeRollout(1, { ...good, iou: 0.7, oracleIou: 0.95 }, [], { ...DEFAULT_THRESHOLDS, delta: 0.3 }).label, 'ok');
  assert.match(attributeRollout(1, { ...good, iou: 0.1, oracleIou: 0.95 }, []).explanation, /IoU 0\.100 < oracle IoU 0\.950 − δ 0\.200/);
});

test('reward: a ranking inversion against a groupmate (total ≥ +0.05 while IoU ≤ −0.1)', () => {
  const me = { ...good, iou: 0.8, total: 1.9 };
  const mates = [{ line: 1, iou: 0.8, total: 1.9 }, { line: 2, iou: 0.9, total: 1.85 }, { line: 3, iou: 0.95, total: 1.5 }];
  const a = attributeRollout(1, me, mates);
  assert.equal(a.label, 'reward');
  assert.match(a.explanation, /line 3's 1\.500/, 'names the worst inversion');
  // Margins: the total by exactly 0.05 and the IoU by exactly 0.1 count (0.3 − 0.2 is 0.0999… in binary).
  assert.equal(rewardInversion(1, { ...good, iou: 0.2, oracleIou: 0.3, total: 1.05 }, [{ line: 2, iou: 0.3, total: 1.0 }])?.line, 2);
  assert.equal(rewardInversion(1, { ...good, iou: 0.2, total: 1.04 }, [{ line: 2, iou: 0.3, total: 1.0 }]), undefined);
  assert.equal(rewardInversion(1, { ...good, iou: 0.21, total: 1.5 }, [{ line: 2, iou: 0.3, total: 1.0 }]), undefined);
  // Unknown numbers never invert; the rollout is never its own groupmate.
  assert.equal(rewardInversion(1, { ...good, total: null }, [{ line: 2, iou: 1, total: 0 }]), undefined);
  assert.equal(rewardInversion(1, good, [{ line: 2, iou: null, total: 0 }]), undefined);
  assert.equal(rewardInversion(1, good, [{ line: 1, iou: 1, total: 0 }]), undefined);
});

test('precedence: format > segmenter > policy > reward, every flag that holds kept', () => {
  const all: RolloutNumbers = { format: 0, parsed: true, iou: 0.05, oracleIou: 0.4, total: 1.5 };
  const mates = [{ line: 2, iou: 0.3, total: 0.2 }];
  const a = attributeRollout(1, all, mates);
  assert.equal(a.label, 'format');
  assert.deepEqual(a.flags, ['format', 'segmenter', 'policy', 'reward']);
  assert.equal(attributeRollout(1, { ...all, format: 1 }, mates).label, 'segmenter');
  assert.equal(attributeRollout(1, { ...all, format: 1, oracleIou: 0.6 }, mates).label, 'policy');
  const r = attributeRollout(1, { ...all, format: 1, oracleIou: 0.6, iou: 0.45 }, [{ line: 2, iou: 0.6, total: 0.2 }]);
  assert.equal(r.label, 'reward');
  assert.deepEqual(r.flags, ['reward']);
  assert.ok(r.reasons.reward);
});

test('no oracle (empty GT): never segmenter or policy', () => {
  assert.equal(attributeRollout(1, { ...good, iou: 0, oracleIou: null }, []).label, 'ok');
  assert.match(attributeRollout(1, { ...good, iou: 0, oracleIou: null }, []).explanation, /no oracle/);
});

test('counts cover every label in precedence order', () => {
  assert.deepEqual(countLabels(['ok', 'policy', 'ok']), { format: 0, segmenter: 0, policy: 1, reward: 0, ok: 2 });
  assert.deepEqual(Object.keys(countLabels([])), ['format', 'segmenter', 'policy', 'reward', 'ok']);
});
