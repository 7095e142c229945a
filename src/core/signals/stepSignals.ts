import { groupAdvantages } from '../rewards/advantages';
import { aggregateByStep, type StepSeries } from '../traces/stepAggregate';
import { kendallTauB } from './kendall';
import type { AttributionLabel } from './labels';

/**
 * Reward-hacking signals per training step, as series the reward traces chart (the `StepSeries` shape of
 * traces/stepAggregate.ts) plus a threshold line and the steps where the value is on the wrong side of it.
 * Pure: the caller supplies per-rollout totals, IoUs, prompt counts and box areas (from the index, replay and the
 * parsed answers) and, optionally, the attribution labels.
 */

/** An axis-aligned box in one frame (image pixels for both a rollout's box and the GT's). */
export interface SignalBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

/** What the signals need of one rollout of one run. */
export interface SignalRollout {
  /** 1-based log line: what `labels` is keyed by. */
  readonly line: number;
  readonly step: number;
  /** The GRPO group (a group never spans steps, but ids are only assumed unique within a step). */
  readonly group: string;
  /** Total reward (logged, else replayed); NaN when unknown. */
  readonly reward: number;
  /** IoU of the rollout's mask with the GT; NaN when unknown. */
  readonly iou: number;
  /** Points in the parsed answer; NaN when the answer could not be parsed. */
  readonly points: number;
  /** The answer's boxes, in the same frame as `gtBox`. */
  readonly boxes: readonly SignalBox[];
  /** Tight box of the GT mask; undefined for an empty GT (no relative area then). */
  readonly gtBox?: SignalBox;
}

/** Which side of its line a signal is bad on. */
export type SignalSide = 'below' | 'above';

/** A threshold line of a signal: values on `side` of `value` are flagged. */
export interface SignalThreshold {
  readonly value: number;
  readonly side: SignalSide;
}

/** One signal's trace: the traces' series shape, its threshold lines and the flagged steps. */
export interface SignalSeries extends StepSeries {
  readonly id: SignalId;
  readonly thresholds: readonly SignalThreshold[];
  /** Per entry of `steps`: whether the step's mean crosses a threshold. */
  readonly flag: boolean[];
  /** Per entry of `steps`: units left out of the mean (groups with an undefined τ; rollouts without a value). */
  readonly excluded: number[];
}

/** Ids of the signals, in display order. */
export const SIGNAL_IDS = ['reward-iou-tau', 'flat-groups', 'points-per-rollout', 'box-area-vs-gt', 'reward-labelled'] as const;

/** One signal's id. */
export type SignalId = (typeof SIGNAL_IDS)[number];

/**
 * Mean within-group τ-b below this: the reward no longer ranks a group's rollouts as IoU does. 0.3 is the usual
 * bound of a "weak" rank association; a reward built on mask quality (Seg-R1's S-measure, Seg-Zero's IoU terms)
 * keeps τ well above it, and a reward that rises while IoU stalls (hacking) drives it toward 0.
 */
export const TAU_MIN = 0.3;

/**
 * Share of flat (zero-variance reward) groups above this: more than half of the step's groups give every rollout a
 * zero advantage, so more than half of the batch teaches nothing (what DAPO's dynamic sampling exists to avoid).
 */
export const FLAT_GROUPS_MAX = 0.5;

/**
 * Mean points per rollout below this: the policy has dropped to fewer than two points on average. Seg-R1,
 * Seg-Zero and VisionReasoner answers carry two or more points; Seg-R1's authors saw the policy hack the reward by
 * writing very few points. A box-only answer format sits below this line from the first step.
 */
export const POINTS_MIN = 1.5;

/**
 * Mean box area / GT box area outside [0.5, 2]: boxes collapsing onto part of the object, or inflating toward the
 * whole image (a loose box lets SAM2 grab background while a lenient reward still pays). A factor of 2 either way
 * is far beyond the few-pixel slack of a box drawn around the object.
 */
export const BOX_AREA_RATIO_MIN = 0.5;
/** Upper line of the box-area ratio (see BOX_AREA_RATIO_MIN). */
export const BOX_AREA_RATIO_MAX = 2;

/**
 * Share of `reward`-labelled rollouts above this: one rollout in ten out-scores a groupmate whose mask is clearly
 * better (reward ≥ 0.05 higher, IoU ≥ 0.1 lower). Reward and IoU disagree on near-equal masks all the time, but an
 * inversion of that size is rare while the reward tracks quality.
 */
export const REWARD_LABELLED_MAX = 0.1;

/** Options of `stepSignals`. */
export interface StepSignalOptions {
  /** Attribution label per rollout, keyed by `SignalRollout.line`; the reward-labelled share is left out without it. */
  readonly labels?: ReadonlyMap<number, AttributionLabel>;
}

interface Group {
  readonly step: number;
  readonly members: number[];
}

function groupsOf(rollouts: readonly SignalRollout[]): Group[] {
  const m = new Map<string, Group>();
  rollouts.forEach((r, i) => {
    if (!Number.isFinite(r.step)) return;
    const k = JSON.stringify([r.step, r.group]);
    let g = m.get(k);
    if (!g) m.set(k, (g = { step: r.step, members: [] }));
    g.members.push(i);
  });
  return [...m.values()];
}

function boxArea(b: SignalBox): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Mean area of a rollout's boxes over its GT box's area; NaN without a box or a non-empty GT box. */
export function boxAreaRatio(r: SignalRollout): number {
  if (r.boxes.length === 0 || !r.gtBox) return Number.NaN;
  const gt = boxArea(r.gtBox);
  if (!(gt > 0)) return Number.NaN;
  let sum = 0;
  for (const b of r.boxes) sum += boxArea(b);
  return sum / r.boxes.length / gt;
}

/** Count, per step, of the units that were left out. */
function countByStep(steps: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const s of steps) m.set(s, (m.get(s) ?? 0) + 1);
  return m;
}

function finish(id: SignalId, s: StepSeries, thresholds: readonly SignalThreshold[], excluded: Map<number, number>, band: boolean): SignalSeries {
  const flag = s.mean.map((v) => thresholds.some((t) => (t.side === 'below' ? v < t.value : v > t.value)));
  // A share has no spread worth a band; lo = hi = mean draws a plain line, as the traces' rates do.
  const lohi = band ? { lo: s.lo, hi: s.hi } : { lo: [...s.mean], hi: [...s.mean] };
  return { ...s, ...lohi, id, thresholds, flag, excluded: s.steps.map((st) => excluded.get(st) ?? 0) };
}

/** Per-step mean within-group Kendall τ-b between total reward and IoU; groups with an undefined τ are counted as excluded. */
export function rewardIouTau(rollouts: readonly SignalRollout[]): SignalSeries {
  const steps: number[] = [];
  const taus: number[] = [];
  const left: number[] = [];
  for (const g of groupsOf(rollouts)) {
    // Rollouts without a finite reward or IoU cannot be ranked; the group's τ is over the others.
    const ok = g.members.filter((i) => Number.isFinite(rollouts[i]!.reward) && Number.isFinite(rollouts[i]!.iou));
    const t = kendallTauB(ok.map((i) => rollouts[i]!.reward), ok.map((i) => rollouts[i]!.iou));
    if (Number.isNaN(t)) left.push(g.step);
    else {
      steps.push(g.step);
      taus.push(t);
    }
  }
  const s = aggregateByStep('reward–IoU τ', steps, taus);
  return finish('reward-iou-tau', withEmptySteps(s, left), [{ value: TAU_MIN, side: 'below' }], countByStep(left), true);
}

/** Steps where every unit was excluded still appear (mean NaN, n 0), so the chart shows the gap and its count. */
function withEmptySteps(s: StepSeries, excludedSteps: readonly number[]): StepSeries {
  const missing = [...new Set(excludedSteps)].filter((st) => !s.steps.includes(st));
  if (missing.length === 0) return s;
  const rows = s.steps.map((st, k) => ({ st, mean: s.mean[k]!, lo: s.lo[k]!, hi: s.hi[k]!, n: s.n[k]! }));
  for (const st of missing) rows.push({ st, mean: Number.NaN, lo: Number.NaN, hi: Number.NaN, n: 0 });
  rows.sort((a, b) => a.st - b.st);
  return { ...s, steps: rows.map((r) => r.st), mean: rows.map((r) => r.mean), lo: rows.map((r) => r.lo), hi: rows.map((r) => r.hi), n: rows.map((r) => r.n) };
}

/** Per-step share of groups whose rewards all agree (the trainer's std ≤ 1e-6, as the traces' zero-variance line). */
export function flatGroupShare(rollouts: readonly SignalRollout[]): SignalSeries {
  const steps: number[] = [];
  const flat: number[] = [];
  const left: number[] = [];
  for (const g of groupsOf(rollouts)) {
    const v = g.members.map((i) => rollouts[i]!.reward).filter((r) => !Number.isNaN(r));
    // A group of one has no variance to lose: neither flat nor healthy.
    if (v.length < 2) {
      left.push(g.step);
      continue;
    }
    steps.push(g.step);
    flat.push(groupAdvantages(v).zeroVariance ? 1 : 0);
  }
  const s = withEmptySteps(aggregateByStep('flat groups', steps, flat), left);
  return finish('flat-groups', s, [{ value: FLAT_GROUPS_MAX, side: 'above' }], countByStep(left), false);
}

function perRollout(id: SignalId, name: string, rollouts: readonly SignalRollout[], value: (r: SignalRollout) => number, thresholds: readonly SignalThreshold[], band: boolean): SignalSeries {
  const steps: number[] = [];
  const values: number[] = [];
  const left: number[] = [];
  for (const r of rollouts) {
    if (!Number.isFinite(r.step)) continue;
    const v = value(r);
    if (Number.isFinite(v)) {
      steps.push(r.step);
      values.push(v);
    } else left.push(r.step);
  }
  return finish(id, withEmptySteps(aggregateByStep(name, steps, values), left), thresholds, countByStep(left), band);
}

/** Per-step mean points per rollout (rollouts whose answer did not parse are excluded). */
export function pointsPerRollout(rollouts: readonly SignalRollout[]): SignalSeries {
  return perRollout('points-per-rollout', 'points per rollout', rollouts, (r) => r.points, [{ value: POINTS_MIN, side: 'below' }], true);
}

/** Per-step mean of box area / GT box area (rollouts without a box or with an empty GT are excluded). */
export function boxAreaVsGt(rollouts: readonly SignalRollout[]): SignalSeries {
  const lines: SignalThreshold[] = [
    { value: BOX_AREA_RATIO_MIN, side: 'below' },
    { value: BOX_AREA_RATIO_MAX, side: 'above' },
  ];
  return perRollout('box-area-vs-gt', 'box area / GT box area', rollouts, boxAreaRatio, lines, true);
}

/** Per-step share of rollouts labelled `reward`, among those with a label (rollouts without one are excluded). */
export function rewardLabelledShare(rollouts: readonly SignalRollout[], labels: ReadonlyMap<number, AttributionLabel>): SignalSeries {
  return perRollout('reward-labelled', 'reward-labelled share', rollouts, (r) => {
    const l = labels.get(r.line);
    return l === undefined ? Number.NaN : l === 'reward' ? 1 : 0;
  }, [{ value: REWARD_LABELLED_MAX, side: 'above' }], false);
}

/** Every signal of one run (the reward-labelled share only when labels are given), in SIGNAL_IDS order. */
export function stepSignals(rollouts: readonly SignalRollout[], opts: StepSignalOptions = {}): SignalSeries[] {
  const out = [rewardIouTau(rollouts), flatGroupShare(rollouts), pointsPerRollout(rollouts), boxAreaVsGt(rollouts)];
  if (opts.labels) out.push(rewardLabelledShare(rollouts, opts.labels));
  return out;
}

/** The first step a signal flags, or undefined when it never does. */
export function firstFlaggedStep(s: SignalSeries): number | undefined {
  const k = s.flag.indexOf(true);
  return k < 0 ? undefined : s.steps[k];
}
