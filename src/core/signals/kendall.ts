/**
 * Kendall's τ-b, as `scipy.stats.kendalltau(x, y)` computes it by default (SciPy 1.10 `stats/_stats_py.py`,
 * `variant='b'`): τ_b = (C − D) / √(T − X) / √(T − Y), with T the number of pairs, X the pairs tied in x, Y the pairs
 * tied in y (pairs tied in both count in X and Y). The counts are exact integers; the two square roots and divisions
 * are done in the same order as SciPy, so the value is the same double. Undefined (NaN, as SciPy returns) for fewer than
 * two values, or when every pair is tied in x or in y. Quadratic in n: meant for GRPO groups (a few to a few dozen).
 */

/** τ-b of two equal-length samples; NaN where SciPy's is NaN (n < 2, a constant column, or any NaN value). */
export function kendallTauB(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`kendallTauB: samples of different lengths (${n} and ${y.length})`);
  if (n < 2) return Number.NaN;
  let concordantMinusDiscordant = 0;
  let xTies = 0;
  let yTies = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    // nan_policy='propagate': one NaN makes the statistic NaN.
    if (Number.isNaN(xi) || Number.isNaN(yi)) return Number.NaN;
    for (let j = i + 1; j < n; j++) {
      const dx = cmp(x[j]!, xi);
      const dy = cmp(y[j]!, yi);
      if (dx === 0) xTies++;
      if (dy === 0) yTies++;
      // A pair tied in either is neither concordant nor discordant.
      concordantMinusDiscordant += dx * dy;
    }
  }
  const total = (n * (n - 1)) / 2;
  if (xTies === total || yTies === total) return Number.NaN;
  const tau = concordantMinusDiscordant / Math.sqrt(total - xTies) / Math.sqrt(total - yTies);
  // SciPy clamps to [-1, 1] against rounding.
  return Math.min(1, Math.max(-1, tau));
}

/** −1, 0, 1 by order; comparisons rather than a subtraction, so equal infinities tie as NumPy's ranks make them. */
function cmp(a: number, b: number): number {
  return a > b ? 1 : a < b ? -1 : 0;
}
