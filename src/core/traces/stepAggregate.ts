import { groupAdvantages } from '../rewards/advantages';

/** One per-step series: mean with a quantile band, as the reward-trace charts draw it. */
export interface StepSeries {
  readonly name: string;
  /** Ascending steps that have at least one finite value. */
  readonly steps: number[];
  readonly mean: number[];
  /** Lower and upper band (quantiles `band[0]`, `band[1]`). */
  readonly lo: number[];
  readonly hi: number[];
  /** Finite values per step. */
  readonly n: number[];
  readonly band: readonly [number, number];
}

/** numpy's default (linear) quantile of sorted values. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const t = pos - lo;
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * t;
}

/**
 * Group `values[i]` by `step[i]` (NaN values and NaN steps skipped) and summarise each step by mean and
 * a quantile band. O(n log n); typed arrays in, plain arrays out (they go to the webview as JSON-sized data).
 */
export function aggregateByStep(name: string, step: ArrayLike<number>, values: ArrayLike<number>, count = values.length, band: readonly [number, number] = [0.1, 0.9]): StepSeries {
  const byStep = new Map<number, number[]>();
  for (let i = 0; i < count; i++) {
    const s = step[i]!;
    const v = values[i]!;
    if (Number.isNaN(s) || !Number.isFinite(v)) continue;
    let list = byStep.get(s);
    if (!list) byStep.set(s, (list = []));
    list.push(v);
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const out: StepSeries = { name, steps, mean: [], lo: [], hi: [], n: [], band };
  for (const s of steps) {
    const v = Float64Array.from(byStep.get(s)!).sort();
    let sum = 0;
    for (const x of v) sum += x;
    out.mean.push(sum / v.length);
    out.lo.push(quantileSorted(v, band[0]));
    out.hi.push(quantileSorted(v, band[1]));
    out.n.push(v.length);
  }
  return out;
}

/** Per step, the fraction of records for which `predicate(i)` holds (e.g. format failures). */
export function rateByStep(name: string, step: ArrayLike<number>, count: number, predicate: (i: number) => boolean): StepSeries {
  const flags = new Float64Array(count);
  for (let i = 0; i < count; i++) flags[i] = predicate(i) ? 1 : 0;
  const s = aggregateByStep(name, step, flags, count);
  // A rate has no spread worth a band; keep lo/hi equal to the mean so charts draw a plain line.
  return { ...s, lo: [...s.mean], hi: [...s.mean] };
}

/**
 * Per step, the fraction of GRPO groups whose rewards all agree (the trainer's std ≈ 0): those groups
 * give every rollout a zero advantage, so they carry no learning signal.
 */
export function zeroVarianceGroupRate(name: string, step: ArrayLike<number>, group: ArrayLike<number>, reward: ArrayLike<number>, count: number): StepSeries {
  const groups = new Map<number, { step: number; v: number[] }>();
  for (let i = 0; i < count; i++) {
    const g = group[i]!;
    if (g < 0 || Number.isNaN(reward[i]!)) continue;
    let e = groups.get(g);
    if (!e) groups.set(g, (e = { step: step[i]!, v: [] }));
    e.v.push(reward[i]!);
  }
  const gStep: number[] = [];
  const flat: number[] = [];
  for (const { step: s, v } of groups.values()) {
    if (v.length < 2) continue;
    gStep.push(s);
    flat.push(groupAdvantages(v).zeroVariance ? 1 : 0);
  }
  const s = aggregateByStep(name, gStep, flat);
  return { ...s, lo: [...s.mean], hi: [...s.mean] };
}
