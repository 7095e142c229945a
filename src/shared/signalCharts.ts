import { yDomain } from '../core/traces/axes';
import type { SignalChart, SignalRunSeries, SignFlipChart } from './signalsProtocol';

/**
 * Pure text and range decisions of the signal charts (the webview draws; these are unit-tested in Node).
 */

/** The y range to draw: every finite value and every threshold line inside it (a line off the axis would be invisible). */
export function chartYRange(series: ReadonlyArray<{ readonly values: ReadonlyArray<number | null> }>, lines: ReadonlyArray<{ readonly value: number }>): [number, number] {
  const all = [...series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v))), ...lines.map((l) => l.value).filter(Number.isFinite)];
  if (all.length === 0) return yDomain(Number.NaN, Number.NaN);
  return yDomain(Math.min(...all), Math.max(...all));
}

/** Short symbol of a signal's value on its threshold label. */
const SYMBOL: Readonly<Record<string, string>> = {
  'reward-iou-tau': 'τ',
  'flat-groups': 'flat',
  'points-per-rollout': 'points',
  'box-area-vs-gt': 'ratio',
  'reward-labelled': 'share',
};

/** The label on a threshold line: `τ < 0.3` (values on that side are flagged). */
export function thresholdLabel(chart: Pick<SignalChart, 'id'>, t: { readonly value: number; readonly side: 'below' | 'above' }): string {
  return `${SYMBOL[chart.id] ?? 'value'} ${t.side === 'below' ? '<' : '>'} ${t.value}`;
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(3);
}

/** Hover text of step k of a run on a signal chart: the value, what it rests on, what was left out, a crossing. */
export function signalDetail(chart: Pick<SignalChart, 'unit' | 'id' | 'thresholds'>, s: SignalRunSeries, k: number): string {
  const left = s.excluded[k] ? ` (+${s.excluded[k]} left out)` : '';
  const crossed = s.flag[k] ? chart.thresholds.filter((t) => (t.side === 'below' ? (s.mean[k] ?? Number.NaN) < t.value : (s.mean[k] ?? Number.NaN) > t.value)) : [];
  const flag = crossed.length ? ` · crosses ${crossed.map((t) => thresholdLabel(chart, t)).join(', ')}` : '';
  return `${fmt(s.mean[k])} over ${s.n[k] ?? 0} ${chart.unit}${left}${flag}`;
}

/** Hover text of step k of run r on the sign-flip chart: share, and flips of how many rollouts. */
export function flipDetail(chart: SignFlipChart, r: number, k: number): string {
  const s = chart.runs[r]!;
  const left = s.excluded[k] ? ` (+${s.excluded[k]} left out)` : '';
  return `${fmt(s.mean[k])} (${chart.flips[r]?.[k] ?? 0} of ${s.n[k] ?? 0} rollouts flip, ${chart.base[r]} → ${chart.alternative})${left}`;
}
