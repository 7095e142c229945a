/**
 * torch's float32 CPU arithmetic, as the trainers' advantage code runs it: every op rounds to float32 (Math.fround)
 * and sums follow the order of torch's reduction kernels (aten/src/ATen/native/cpu/SumKernel.cpp, `cascade_sum`),
 * because in a group whose rewards are all equal the order decides whether the std is 0 or one ulp, and
 * (r − mean) / (std + ε) then differs by far more than 1e-6.
 */

/** Round to float32. */
export const f32 = Math.fround;

/**
 * Lanes of torch's float32 CPU reduction vectors (8, measured on the AVX512 CPU that produced the reference values,
 * `torch.backends.cpu.get_cpu_capability()` in test/fixtures/rewards/advantages.json). A row shorter than this is
 * summed by the scalar kernel.
 */
const VEC = 8;
/** torch's instruction-level parallelism factor in `row_sum` / `scalar_outer_sum`. */
const ILP = 4;

/** torch `multi_row_sum`: `rows` interleaved accumulators over `size` steps of `get(i, k, lane)`, with its 4-level cascade. */
function multiRowSum(size: number, rows: number, lanes: number, get: (i: number, k: number, lane: number) => number): Float64Array[] {
  const levels = 4;
  const levelPower = Math.max(4, Math.floor(Math.ceil(Math.log2(Math.max(1, size))) / levels));
  const levelStep = 1 << levelPower;
  const levelMask = levelStep - 1;
  const acc = Array.from({ length: levels }, () => Array.from({ length: rows }, () => new Float64Array(lanes)));
  const add = (dst: Float64Array, src: (lane: number) => number) => {
    for (let l = 0; l < lanes; l++) dst[l] = f32(dst[l]! + src(l));
  };
  let i = 0;
  for (; i + levelStep <= size; ) {
    for (let j = 0; j < levelStep; j++, i++) for (let k = 0; k < rows; k++) add(acc[0]![k]!, (l) => get(i, k, l));
    for (let j = 1; j < levels; j++) {
      for (let k = 0; k < rows; k++) {
        const lower = acc[j - 1]![k]!;
        add(acc[j]![k]!, (l) => lower[l]!);
        lower.fill(0);
      }
      if ((i & (levelMask << (j * levelPower))) !== 0) break;
    }
  }
  for (; i < size; i++) for (let k = 0; k < rows; k++) add(acc[0]![k]!, (l) => get(i, k, l));
  for (let j = 1; j < levels; j++) for (let k = 0; k < rows; k++) add(acc[0]![k]!, (l) => acc[j]![k]![l]!);
  return acc[0]!;
}

/** torch `row_sum` (scalar): the row read as (−1, 4), four partial sums, the tail into the first, then combined. */
function scalarRowSum(x: readonly number[]): number {
  const sizeIlp = Math.floor(x.length / ILP);
  const parts = multiRowSum(sizeIlp, ILP, 1, (i, k) => x[i * ILP + k]!);
  let p0 = parts[0]![0]!;
  for (let i = sizeIlp * ILP; i < x.length; i++) p0 = f32(p0 + x[i]!);
  for (let k = 1; k < ILP; k++) p0 = f32(p0 + parts[k]![0]!);
  return p0;
}

/**
 * torch's float32 CPU sum over a contiguous row (`vectorized_inner_sum` from 16 elements, else `scalar_inner_sum`).
 * `nan` = `nansum` (NaN read as 0, torch's `LoadPolicy` with ignore_nan).
 */
export function rowSum(values: readonly number[], nan = false): number {
  const x = values.map((v) => (nan && Number.isNaN(v) ? 0 : f32(v)));
  const n = x.length;
  if (n < VEC) return scalarRowSum(x);
  const nv = Math.floor(n / VEC);
  const sizeIlp = Math.floor(nv / ILP);
  const parts = multiRowSum(sizeIlp, ILP, VEC, (i, k, l) => x[(i * ILP + k) * VEC + l]!);
  for (let v = sizeIlp * ILP; v < nv; v++) for (let l = 0; l < VEC; l++) parts[0]![l] = f32(parts[0]![l]! + x[v * VEC + l]!);
  for (let k = 1; k < ILP; k++) for (let l = 0; l < VEC; l++) parts[0]![l] = f32(parts[0]![l]! + parts[k]![l]!);
  let acc = 0;
  for (let i = nv * VEC; i < n; i++) acc = f32(acc + x[i]!);
  for (let l = 0; l < VEC; l++) acc = f32(acc + parts[0]![l]!);
  return acc;
}

/**
 * torch's float32 CPU sum down the columns of a row-major (rows × cols) matrix, a reduction over a non-contiguous
 * dim. Fewer than 8 columns (`scalar_outer_sum`): blocks of four columns with the cascade (`multi_row_sum`), the rest
 * with `row_sum`. From 8 (`vectorized_outer_sum`): blocks of 32 with the cascade, the rest with `row_sum`. One column
 * is contiguous and summed as a row. Checked against torch 2.13 for 2–33 rows and 2–9 columns.
 */
export function columnSums(m: readonly (readonly number[])[], cols: number, nan = false): number[] {
  const at = (i: number, j: number) => {
    const v = m[i]![j]!;
    return nan && Number.isNaN(v) ? 0 : f32(v);
  };
  const rows = m.length;
  if (cols === 1) return [rowSum(m.map((r) => r[0]!), nan)];
  const out = new Array<number>(cols);
  const block = cols < VEC ? ILP : ILP * VEC;
  let j = 0;
  for (; j + block <= cols; j += block) {
    const s = multiRowSum(rows, block, 1, (i, k) => at(i, j + k));
    for (let k = 0; k < block; k++) out[j + k] = s[k]![0]!;
  }
  for (; j < cols; j++) {
    const c = j;
    out[c] = scalarRowSum(Array.from({ length: rows }, (_, i) => at(i, c)));
  }
  return out;
}

/** `torch.nanmean` of a reduced set given its nansum: nansum / (number of non-NaN values), in float32. */
export function nanmeanFrom(nansum: number, count: number): number {
  return f32(nansum / count);
}

/**
 * TRL's `nanstd` (trl/trainer/utils.py `nanstd`): nanmean of the squared deviations from the nanmean, times
 * count/(count−1) (NaN when count ≤ 1), square root — each op in float32. `sum` reduces a vector the way the caller's
 * tensor layout does.
 */
export function trlNanstd(values: readonly number[], sum: (v: readonly number[]) => number): number {
  const count = values.filter((v) => !Number.isNaN(v)).length;
  const mean = nanmeanFrom(sum(values), count);
  const sq = values.map((v) => {
    const d = f32(v - mean);
    return f32(d * d);
  });
  const variance = nanmeanFrom(sum(sq), count);
  const correction = count > 1 ? f32(count / (count - 1)) : Number.NaN;
  return f32(Math.sqrt(f32(variance * correction)));
}

/**
 * `torch.std` of a whole float32 tensor on the CPU (`std_var_all_cpu`): the float32 mean read as a double,
 * squared deviations accumulated in double, Bessel-corrected, sqrt in double, stored as float32.
 */
export function torchStdAll(values: readonly number[]): number {
  const x = values.map(f32);
  const n = x.length;
  const mean = f32(rowSum(x) / n);
  let ss = 0;
  for (const v of x) ss += (v - mean) * (v - mean);
  return f32(Math.sqrt(ss / Math.max(0, n - 1)));
}

/** `torch.nan_to_num` defaults: NaN → 0, ±∞ → ±float32 max. */
export function nanToNum(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Infinity) return 3.4028234663852886e38;
  if (v === -Infinity) return -3.4028234663852886e38;
  return v;
}
