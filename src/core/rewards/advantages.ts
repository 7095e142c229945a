import { f32, rowSum } from './torchF32';

/**
 * GRPO group advantages exactly as Seg-R1's trainer (TRL 0.14's GRPOTrainer) computes them, in float32 like the
 * torch tensors there: rewards_per_func is a float32 tensor, summed per rollout; mean and Bessel-corrected std per
 * group; advantage = (r − mean) / (std + 1e-4). Reductions follow torch's CPU kernels (float32 cascade sum for the
 * mean; std as a two-pass around that float32 mean with a double accumulator), which makes them bit-exact against
 * torch 2.13 CPU. CUDA reduces in another order, so a GPU run's logged values can differ by one float32 ulp.
 */

/** The epsilon added to the group std. */
export const ADVANTAGE_EPS = 1e-4;

/** A group std at or below this carries no learning signal: every advantage is (nearly) 0. */
export const ZERO_STD = 1e-6;

/** Advantages of one group, plus its statistics. */
export interface GroupAdvantages {
  readonly advantages: number[];
  readonly mean: number;
  readonly std: number;
  /** True when the group's rewards are (nearly) all equal: GRPO learns nothing from it. */
  readonly zeroVariance: boolean;
}

/** Per-rollout total as the trainer forms it: float32 components summed in float32, in registry order. */
export function trainerTotal(components: readonly number[]): number {
  let s = 0;
  for (const c of components) s = f32(s + f32(c));
  return s;
}

/** torch's float32 CPU `sum` over a contiguous row (see torchF32.ts). */
export function torchSumF32(values: readonly number[]): number {
  return rowSum(values);
}

/** Advantages of one GRPO group from its rollouts' totals. */
export function groupAdvantages(totals: readonly number[]): GroupAdvantages {
  const n = totals.length;
  const r = totals.map((v) => f32(v));
  const mean = n > 0 ? f32(torchSumF32(r) / n) : NaN;
  // torch's std: deviations from the float32 mean accumulated in double, sqrt in double, stored as float32.
  let ss = 0;
  for (const v of r) ss += (v - mean) * (v - mean);
  // torch.std with one element is NaN (Bessel correction divides by 0); so is every advantage then.
  const std = n > 1 ? f32(Math.sqrt(ss / (n - 1))) : NaN;
  const denom = f32(std + f32(ADVANTAGE_EPS));
  const advantages = r.map((v) => f32(f32(v - mean) / denom));
  return { advantages, mean, std, zeroVariance: !(std > ZERO_STD) };
}

/** Advantages for rollouts keyed by group id, each group normalised on its own; returns them in input order. */
export function advantagesByGroup(rollouts: readonly { readonly group: string; readonly total: number }[]): { advantage: number; zeroVariance: boolean }[] {
  const groups = new Map<string, number[]>();
  rollouts.forEach((r, i) => {
    let g = groups.get(r.group);
    if (!g) groups.set(r.group, (g = []));
    g.push(i);
  });
  const out = new Array<{ advantage: number; zeroVariance: boolean }>(rollouts.length);
  for (const idx of groups.values()) {
    const a = groupAdvantages(idx.map((i) => rollouts[i]!.total));
    idx.forEach((i, k) => (out[i] = { advantage: a.advantages[k]!, zeroVariance: a.zeroVariance }));
  }
  return out;
}
