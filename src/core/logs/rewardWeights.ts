import { describeValue } from './validateRecord';
import type { LogIssue } from './issues';

/**
 * A run's reward weights (TRL `GRPOConfig.reward_weights`), as a log carries them: a list aligned with the reward
 * functions (TRL's own form: `reward_weights[i]` weighs `reward_funcs[i]`, grpo_trainer.py:536-544, which raises
 * unless the lengths match) or a `{name: weight}` map. Validated as TRL would use them; a bad value is an issue
 * naming the field, and the run falls back to weights of 1 (TRL's default).
 */

/** Weights by reward function name, or why the logged value cannot be used. */
export type RewardWeightsRead = { readonly weights: Readonly<Record<string, number>> } | { readonly field: string; readonly message: string };

/** A weight TRL can use: a finite number (JSON has no other numeric type; booleans are not weights). */
function isWeight(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/**
 * Read a logged `reward_weights` value against the run's reward function names (in TRL's `reward_funcs` order;
 * `names` undefined when the log does not name them, which only a map can do without). `field` names the value.
 */
export function readRewardWeights(value: unknown, names: readonly string[] | undefined, field = 'reward_weights'): RewardWeightsRead {
  if (Array.isArray(value)) {
    if (!names) return { field, message: 'a list of weights needs the reward functions it is aligned with, and this log names none' };
    if (value.length !== names.length) return { field, message: `${value.length} weights for ${names.length} reward functions (${names.join(', ')}); TRL requires one per function` };
    const bad = value.findIndex((v) => !isWeight(v));
    if (bad >= 0) return { field: `${field}[${bad}]`, message: `expected a finite number, found ${describeValue(value[bad])}` };
    return { weights: Object.fromEntries(names.map((n, i) => [n, value[i] as number])) };
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>);
    for (const [k, v] of entries) {
      if (names && !names.includes(k)) return { field: `${field}.${k}`, message: `names no reward function of the run (${names.join(', ')})` };
      if (!isWeight(v)) return { field: `${field}.${k}`, message: `expected a finite number, found ${describeValue(v)}` };
    }
    const missing = names?.find((n) => !entries.some(([k]) => k === n));
    if (missing !== undefined) return { field, message: `no weight for reward function '${missing}'; TRL requires one per function` };
    return { weights: Object.fromEntries(entries) as Record<string, number> };
  }
  return { field, message: `expected a list of numbers aligned with the reward functions or a {"name": weight} map, found ${describeValue(value)}` };
}

/** Whether two weight maps are the same weights (same names, same values). */
export function sameWeights(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.is(a[k], b[k]));
}

/** A record's `reward_weights` as logged, with the reward function names its `rewards` lists (in order). */
export interface LoggedRewardWeights {
  readonly value: unknown;
  readonly names?: string[];
}

/**
 * The reward weights a record logs: its own `reward_weights` (a canonical log may carry the run-level field on
 * every record), else `extra.reward_weights` (where a conversion of a TRL run put them); undefined when neither.
 */
export function recordRewardWeights(rec: Readonly<Record<string, unknown>>): LoggedRewardWeights | undefined {
  const extra = rec.extra && typeof rec.extra === 'object' ? (rec.extra as Record<string, unknown>) : {};
  const value = rec.reward_weights !== undefined ? rec.reward_weights : extra.reward_weights;
  if (value === undefined) return undefined;
  const names = rec.rewards && typeof rec.rewards === 'object' && !Array.isArray(rec.rewards) ? Object.keys(rec.rewards) : undefined;
  return { value, ...(names ? { names } : {}) };
}

/** One run's weights as its log gives them: by logged reward function name, first logged at `line`. */
export interface RunLoggedWeights {
  readonly weights: Readonly<Record<string, number>>;
  readonly line: number;
}

/**
 * Each run's reward weights from its records, as replay takes them: the first usable `reward_weights` a record of the
 * run logs; a later record of the run logging other weights is reported and ignored. An unusable value is an error
 * naming its line and field, once per run and field, and leaves the run at 1 unless another record logs usable ones.
 * Feed records in line order with {@link RunWeightsReader.add}; runs are keyed by id (null: no run).
 */
export class RunWeightsReader {
  private readonly logged = new Map<string | null, RunLoggedWeights>();
  private readonly reported = new Set<string>();

  /** `onIssue` receives each problem once per run and field. */
  constructor(private readonly onIssue: (issue: LogIssue) => void) {}

  /** Take the weights (if any) that the record at `line` of `run` logs. */
  add(run: string | null, line: number, logged: LoggedRewardWeights | undefined): void {
    if (!logged) return;
    const r = readRewardWeights(logged.value, logged.names);
    const first = this.logged.get(run);
    if ('field' in r) this.report(run, line, r.field, `${r.message}; ${first ? `the weights of line ${first.line} kept` : 'weights of 1 used unless another record of the run logs usable ones'}`);
    else if (!first) this.logged.set(run, { weights: r.weights, line });
    else if (!sameWeights(first.weights, r.weights)) this.report(run, line, 'reward_weights', `${JSON.stringify(r.weights)} differs from ${JSON.stringify(first.weights)} logged for the same run at line ${first.line}; those kept`);
  }

  /** The run's weights, or undefined when none of its records logged usable ones (TRL's default: 1 each). */
  get(run: string | null): RunLoggedWeights | undefined {
    return this.logged.get(run);
  }

  /** Every run that logged usable weights. */
  runs(): ReadonlyMap<string | null, RunLoggedWeights> {
    return this.logged;
  }

  private report(run: string | null, line: number, field: string, message: string): void {
    const key = JSON.stringify([run, field]);
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.onIssue({ line, severity: 'error', field, message });
  }
}

/**
 * Weights aligned with `components` (a log's component names): the logged weight of the same name, else of the name
 * `match` maps it to (e.g. `rewards/format_reward` and `format`), else 1 (TRL's default).
 */
export function weightsFor(components: readonly string[], weights: Readonly<Record<string, number>> | undefined, match: (name: string) => string = (n) => n): number[] {
  if (!weights) return components.map(() => 1);
  const byMatch = new Map(Object.entries(weights).map(([k, v]) => [match(k), v]));
  // Own keys only: a logged name like `constructor` must not find Object.prototype's.
  return components.map((c) => (Object.hasOwn(weights, c) ? weights[c] : undefined) ?? byMatch.get(match(c)) ?? 1);
}
