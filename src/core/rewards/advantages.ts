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

const f32 = Math.fround;

/** Per-rollout total as the trainer forms it: float32 components summed in float32, in registry order. */
export function trainerTotal(components: readonly number[]): number {
  let s = 0;
  for (const c of components) s = f32(s + f32(c));
  return s;
}

/** Width of torch's float32 CPU reduction vectors (Vectorized<float> in its reduction kernels). */
const VEC = 8;
/** torch's instruction-level parallelism factor in `row_sum`. */
const ILP = 4;

/** torch `multi_row_sum`: ILP interleaved rows of `get(i, k)`, summed with its 4-level cascade. */
function multiRowSum(size: number, lanes: number, get: (i: number, k: number, lane: number) => number): Float64Array[] {
  const levels = 4;
  const levelPower = Math.max(4, Math.floor(Math.ceil(Math.log2(Math.max(1, size))) / levels));
  const levelStep = 1 << levelPower;
  const levelMask = levelStep - 1;
  const acc = Array.from({ length: levels }, () => Array.from({ length: ILP }, () => new Float64Array(lanes)));
  const add = (dst: Float64Array, src: (lane: number) => number) => {
    for (let l = 0; l < lanes; l++) dst[l] = f32(dst[l]! + src(l));
  };
  let i = 0;
  for (; i + levelStep <= size; ) {
    for (let j = 0; j < levelStep; j++, i++) for (let k = 0; k < ILP; k++) add(acc[0]![k]!, (l) => get(i, k, l));
    for (let j = 1; j < levels; j++) {
      for (let k = 0; k < ILP; k++) {
        const lower = acc[j - 1]![k]!;
        add(acc[j]![k]!, (l) => lower[l]!);
        lower.fill(0);
      }
      if ((i & (levelMask << (j * levelPower))) !== 0) break;
    }
  }
  for (; i < size; i++) for (let k = 0; k < ILP; k++) add(acc[0]![k]!, (l) => get(i, k, l));
  for (let j = 1; j < levels; j++) for (let k = 0; k < ILP; k++) add(acc[0]![k]!, (l) => acc[j]![k]![l]!);
  return acc[0]!;
}

/** torch's float32 CPU `sum` over a contiguous row (cascade_sum: vectorised inner sum, else scalar row_sum). */
export function torchSumF32(values: readonly number[]): number {
  const n = values.length;
  const x = values.map(f32);
  if (n >= VEC) {
    const nv = Math.floor(n / VEC);
    const sizeIlp = Math.floor(nv / ILP);
    const parts = multiRowSum(sizeIlp, VEC, (i, k, l) => x[(i * ILP + k) * VEC + l]!);
    for (let v = sizeIlp * ILP; v < nv; v++) for (let l = 0; l < VEC; l++) parts[0]![l] = f32(parts[0]![l]! + x[v * VEC + l]!);
    for (let k = 1; k < ILP; k++) for (let l = 0; l < VEC; l++) parts[0]![l] = f32(parts[0]![l]! + parts[k]![l]!);
    let acc = 0;
    for (let i = nv * VEC; i < n; i++) acc = f32(acc + x[i]!);
    for (let l = 0; l < VEC; l++) acc = f32(acc + parts[0]![l]!);
    return acc;
  }
  const sizeIlp = Math.floor(n / ILP);
  const parts = multiRowSum(sizeIlp, 1, (i, k) => x[i * ILP + k]!);
  let p0 = parts[0]![0]!;
  for (let i = sizeIlp * ILP; i < n; i++) p0 = f32(p0 + x[i]!);
  for (let k = 1; k < ILP; k++) p0 = f32(p0 + parts[k]![0]!);
  return p0;
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
