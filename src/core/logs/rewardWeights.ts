import { describeValue } from './validateRecord';

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
