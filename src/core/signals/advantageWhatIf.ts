import type { RolloutIndex } from '../logs/indexBuilder';
import { listAdvantageEstimators, type AdvantageEstimator, type AdvantageEstimatorId, type AdvantageRollout } from '../rewards/advantageEstimators';
import { wouldBeAdvantage } from './wouldBeAdvantage';

/**
 * Advantage what-ifs of one GRPO group: the advantage every estimator would have given each rollout, from the
 * rewards the run logged, beside the advantage it logged; and the would-be advantages of an edit. Batch-scoped
 * estimators (a std over the whole step) are computed on every rollout of the step, in log order, so the values are
 * the trainer's own, not an approximation from the group.
 */

/** Magnitudes below this are "no sign": a zero advantage never flips. */
export const SIGN_EPS = 1e-6;

/** The sign an advantage pushes the policy in: 1, −1, or 0 within {@link SIGN_EPS} of zero (NaN: 0). */
export function advantageSign(a: number): -1 | 0 | 1 {
  if (!(Math.abs(a) > SIGN_EPS)) return 0;
  return a > 0 ? 1 : -1;
}

/** True when two advantages push the policy in opposite directions (a zero pushes neither way: no flip). */
export function signFlips(a: number, b: number): boolean {
  return advantageSign(a) * advantageSign(b) < 0;
}

/** One step of one run as the estimators see it, read from a log's index. */
export interface WhatIfBatch {
  /** Rollouts of the step in log order. */
  readonly rollouts: AdvantageRollout[];
  /** Record index (in the log) of each rollout. */
  readonly records: number[];
  /** Positions in `rollouts` of the shown rollout's group, in log order. */
  readonly members: number[];
  /** Component names, in the order their values are summed (the log's first-seen order). */
  readonly components: string[];
  /**
   * True when no rollout of the step logged a component: the logged total stands in as the only component, so
   * GDPO's per-component normalisation is the total's.
   */
  readonly totalOnly: boolean;
}

/**
 * The step (same run, same step; no step = the run's rollouts without one) of record `i`, with each rollout's logged
 * components; a record without a group is a group of its own, as the panel's navigation treats it.
 */
export function whatIfBatch(index: RolloutIndex, i: number): WhatIfBatch {
  if (!Number.isInteger(i) || i < 0 || i >= index.count) throw new Error(`advantage what-if: record ${i} is out of range (log has ${index.count})`);
  const run = index.run[i]!;
  const step = index.step[i]!;
  const sameStep = (s: number) => (Number.isNaN(step) ? Number.isNaN(s) : s === step);
  const records: number[] = [];
  for (let k = 0; k < index.count; k++) if (index.run[k] === run && sameStep(index.step[k]!)) records.push(k);
  const groupOf = (k: number) => {
    const g = index.group[k]!;
    return g >= 0 ? index.groups[g]! : `#${index.line[k]}`;
  };
  const present = [...index.components.entries()].filter(([, v]) => records.some((k) => !Number.isNaN(v[k]!)));
  const totalOnly = present.length === 0;
  const components = totalOnly ? ['total'] : present.map(([n]) => n);
  const runName = run >= 0 ? index.runs[run]! : '';
  const rollouts = records.map((k): AdvantageRollout => {
    const values = totalOnly ? [index.reward[k]!] : present.map(([, v]) => v[k]!);
    return {
      run: runName,
      ...(Number.isNaN(index.step[k]!) ? {} : { step: index.step[k]! }),
      group: groupOf(k),
      // NaN (absent or logged null) is the trainer's None.
      components: values.map((v) => (Number.isNaN(v) ? null : v)),
    };
  });
  const own = groupOf(i);
  const members = records.flatMap((k, p) => (groupOf(k) === own ? [p] : []));
  return { rollouts, records, members, components, totalOnly };
}

/** One rollout of the group in the what-if table. */
export interface WhatIfRow {
  /** Record index in the log. */
  readonly record: number;
  /** Advantage the run logged; undefined when absent. */
  readonly logged?: number;
  /** Advantage under each estimator, by id. */
  readonly values: Readonly<Record<AdvantageEstimatorId, number>>;
  /** Estimators whose advantage has the opposite sign to the run's estimator's. */
  readonly flips: readonly AdvantageEstimatorId[];
}

/** The what-if table of one group. */
export interface AdvantageWhatIfTable {
  /** The run's estimator. */
  readonly run: AdvantageEstimatorId;
  readonly rows: WhatIfRow[];
  /** Rollouts in the step (the batch the batch-scoped estimators normalise over). */
  readonly batchSize: number;
}

/** Every estimator's advantages for the group of `batch.members`, and the sign flips against the run's estimator. */
export function advantageWhatIf(batch: WhatIfBatch, run: AdvantageEstimator, logged: (record: number) => number | undefined, weights?: readonly number[]): AdvantageWhatIfTable {
  const all = listAdvantageEstimators().map((e) => [e.id, e.estimate(batch.rollouts, weights)] as const);
  const rows = batch.members.map((p): WhatIfRow => {
    const values = Object.fromEntries(all.map(([id, a]) => [id, a[p]!])) as Record<AdvantageEstimatorId, number>;
    const mine = values[run.id];
    const record = batch.records[p]!;
    const l = logged(record);
    return { record, ...(l !== undefined ? { logged: l } : {}), values, flips: all.filter(([id]) => id !== run.id && signFlips(mine, values[id])).map(([id]) => id) };
  });
  return { run: run.id, rows, batchSize: batch.rollouts.length };
}

/** Names a trainer logs a component under, folded to the reward set's name (`rewards/format_reward` → `format`). */
export function canonicalComponent(name: string): string {
  const n = name.replace(/^rewards\//, '').replace(/_reward$/, '');
  return n === 'segmentation' ? 'segment' : n;
}

/**
 * The edited rollout's new components in the batch's order: each logged component takes the replayed value of the
 * same name (or of its canonical name); a component the replay did not produce keeps its logged value and is listed
 * in `kept`. A total-only batch takes the replayed total.
 */
export function editedComponents(
  batch: WhatIfBatch,
  position: number,
  replayed: { readonly components: Readonly<Record<string, number>>; readonly total?: number },
): { components: (number | null)[]; kept: string[] } {
  const before = batch.rollouts[position]?.components ?? [];
  const kept: string[] = [];
  const byCanonical = new Map(Object.entries(replayed.components).map(([k, v]) => [canonicalComponent(k), v]));
  const components = batch.components.map((name, j) => {
    const v = batch.totalOnly ? replayed.total : replayed.components[name] ?? byCanonical.get(canonicalComponent(name));
    if (v !== undefined && Number.isFinite(v)) return v;
    kept.push(name);
    return before[j] ?? null;
  });
  return { components, kept };
}

/** The would-be advantages of the edited rollout's group, with the logged advantage of each member. */
export interface WouldBeRows {
  /** Record index of the edited rollout. */
  readonly edited: number;
  readonly rows: ReadonlyArray<{ readonly record: number; readonly logged?: number; readonly before: number; readonly after: number }>;
  /** The edited rollout's components as scored after the edit, by name. */
  readonly components: Readonly<Record<string, number | null>>;
  /** Components the replay did not produce (their logged value was kept). */
  readonly kept: readonly string[];
}

/** What the edit (new components of record `edited`) would have done to its group's advantages under `run`. */
export function wouldBeRows(
  batch: WhatIfBatch,
  edited: number,
  run: AdvantageEstimator,
  replayed: { readonly components: Readonly<Record<string, number>>; readonly total?: number },
  logged: (record: number) => number | undefined,
  weights?: readonly number[],
): WouldBeRows {
  const position = batch.records.indexOf(edited);
  if (position < 0) throw new Error(`advantage what-if: record ${edited} is not in its step's batch`);
  const { components, kept } = editedComponents(batch, position, replayed);
  const w = wouldBeAdvantage({ estimator: run, rollouts: batch.rollouts, edited: position, components, ...(weights ? { weights } : {}) });
  const rows = w.members.map((p, k) => {
    const record = batch.records[p]!;
    const l = logged(record);
    return { record, ...(l !== undefined ? { logged: l } : {}), before: w.before[k]!, after: w.after[k]! };
  });
  return { edited, rows, components: Object.fromEntries(batch.components.map((n, j) => [n, components[j] ?? null])), kept };
}
