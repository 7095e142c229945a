import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chartYRange, flipDetail, signalDetail, thresholdLabel } from '../../../src/shared/signalCharts';
import type { SignalRunSeries, SignFlipChart } from '../../../src/shared/signalsProtocol';

test('chartYRange: the data and every threshold line fit; a constant or empty chart keeps the traces rule', () => {
  // τ around 0.8–0.9 with its line at 0.3: the axis reaches down to the line.
  assert.deepEqual(chartYRange([{ values: [0.8, null, 0.9] }], [{ value: 0.3 }]), [0.3, 0.9]);
  // A ratio of 3 above the [0.5, 2] band: the axis never cuts the data off.
  assert.deepEqual(chartYRange([{ values: [1, 3] }, { values: [0.7] }], [{ value: 0.5 }, { value: 2 }]), [0.5, 3]);
  assert.deepEqual(chartYRange([{ values: [0, 0] }], []), [0, 1]);
  assert.deepEqual(chartYRange([{ values: [null] }], []), [0, 1]);
  assert.deepEqual(chartYRange([{ values: [0.25] }], []), [0, 0.25]);
});

const tau = { id: 'reward-iou-tau', unit: 'groups' as const, thresholds: [{ value: 0.3, side: 'below' as const }] };

test('thresholdLabel: the symbol, the side that is flagged and the value', () => {
  assert.equal(thresholdLabel(tau, tau.thresholds[0]!), 'τ < 0.3');
  assert.equal(thresholdLabel({ id: 'box-area-vs-gt' }, { value: 2, side: 'above' }), 'ratio > 2');
});

test('signalDetail: value, the units it rests on, those left out, the line it crosses', () => {
  const s: SignalRunSeries = { log: 'l', label: 'run', steps: [1, 2, 3], mean: [0.8, 0.1, null], n: [8, 6, 0], excluded: [0, 2, 8], flag: [false, true, false] };
  assert.equal(signalDetail(tau, s, 0), '0.800 over 8 groups');
  assert.equal(signalDetail(tau, s, 1), '0.100 over 6 groups (+2 left out) · crosses τ < 0.3');
  assert.equal(signalDetail(tau, s, 2), '— over 0 groups (+8 left out)');
});

test('flipDetail: share and flips of how many rollouts, between which estimators', () => {
  const c: SignFlipChart = {
    id: 'sign-flips', title: 't', unit: 'rollouts', why: '', thresholds: [],
    runs: [{ log: 'l', label: 'run', steps: [1], mean: [0.0625], n: [32], excluded: [0], flag: [false] }],
    estimators: ['trl-group', 'trl-gdpo'], base: ['trl-group'], alternative: 'trl-gdpo', flips: [[2]],
  };
  assert.equal(flipDetail(c, 0, 0), '0.063 (2 of 32 rollouts flip, trl-group → trl-gdpo)');
});
