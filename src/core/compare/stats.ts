import { Rng } from '../sample/random';

/**
 * Whether a dataset delta is noise: a paired two-sided sign test (exact binomial, ties dropped) and a paired
 * bootstrap percentile CI of the mean delta. Pure; the sign test mirrors scipy.stats.binomtest(k, n, 0.5)
 * (SciPy 1.10 `_binomtest.py`), the percentile numpy.percentile's default 'linear' method (NumPy 1.24 `_lerp`).
 */

/** The sign test of paired deltas. */
export interface SignTest {
  /** Deltas with a sign (ties and NaN dropped). */
  readonly n: number;
  readonly positive: number;
  readonly negative: number;
  /** Deltas exactly 0, dropped. */
  readonly ties: number;
  /** Two-sided exact binomial p-value of `positive` successes in n at p = 0.5; 1 when n = 0. */
  readonly pValue: number;
}

/** 2^e for any integer e, without overflow in the exponent's intermediate (Math.pow is exact for powers of two). */
function pow2(e: number): number {
  return Math.pow(2, e);
}

/** P(X = m) for X ~ Binomial(n, 1/2): C(n, m) built as a product of ratios, rescaled so it never overflows. */
function pmfHalf(m: number, n: number): number {
  let v = 1;
  let e = 0;
  for (let i = 1; i <= m; i++) {
    v *= (n - m + i) / i;
    if (v > 1e300) {
      v *= pow2(-996);
      e += 996;
    }
  }
  let scale = e - n;
  // Apply 2^scale in steps that stay normal until the true value itself underflows.
  while (scale < -1000) {
    v *= pow2(-1000);
    scale += 1000;
  }
  return v * pow2(scale);
}

/** P(X ≤ m) for X ~ Binomial(n, 1/2), m ≤ n/2: pmf(m) times the sum of the term ratios down to 0. */
function cdfHalf(m: number, n: number): number {
  const top = pmfHalf(m, n);
  let term = 1;
  let sum = 1;
  for (let i = m; i >= 1; i--) {
    term *= i / (n - i + 1);
    sum += term;
    if (term < sum * 1e-18) break;
  }
  return top * sum;
}

/**
 * scipy.stats.binomtest(k, n, 0.5, alternative='two-sided').pvalue: the probability of outcomes no more likely
 * than k. SciPy counts, on the far side, every outcome whose pmf is ≤ pmf(k)·(1 + 1e-7); by symmetry that is the
 * mirror of k plus (for n in the tens of millions) neighbours within that tolerance, mirrored here the same way.
 */
export function binomTestHalf(k: number, n: number): number {
  if (!Number.isInteger(k) || !Number.isInteger(n) || k < 0 || k > n) throw new RangeError(`binomTestHalf: need integers 0 <= k <= n (got k=${k}, n=${n})`);
  if (n === 0 || 2 * k === n) return 1;
  const m = Math.min(k, n - k);
  // j: the far side counted is the mirror of [0, j].
  let j = m;
  let ratio = 1;
  while (2 * (j + 1) <= n) {
    ratio *= (n - j) / (j + 1);
    if (ratio > 1 + 1e-7) break;
    j++;
  }
  return Math.min(1, cdfHalf(m, n) + cdfHalf(j, n));
}

/** The sign test of paired deltas (b − a): ties (0) and NaN are dropped. */
export function signTest(deltas: readonly number[]): SignTest {
  let positive = 0;
  let negative = 0;
  let ties = 0;
  for (const d of deltas) {
    if (d > 0) positive++;
    else if (d < 0) negative++;
    else if (d === 0) ties++;
  }
  const n = positive + negative;
  return { n, positive, negative, ties, pValue: binomTestHalf(positive, n) };
}

/**
 * numpy.percentile(a, q) with the default method 'linear' on an ascending array, as NumPy 1.24 computes it:
 * virtual index (n − 1)·(q/100), neighbours clipped to the array, then `_lerp`, which for a weight ≥ 0.5
 * interpolates from the upper neighbour (b − (b − a)(1 − t)), so the result is bit-identical.
 */
export function percentileLinear(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const virtual = (n - 1) * (q / 100);
  if (virtual >= n - 1) return sorted[n - 1]!;
  if (virtual < 0) return sorted[0]!;
  const prev = Math.floor(virtual);
  const t = virtual - prev;
  const a = sorted[prev]!;
  const b = sorted[prev + 1]!;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Resamples of the paired bootstrap (the CI's percentiles move by < 0.5% of its width between seeds at this count). */
export const BOOTSTRAP_RESAMPLES = 10_000;
/** Seed of the bootstrap's PRNG (mulberry32, src/core/sample/random.ts): the same inputs give the same CI everywhere. */
export const BOOTSTRAP_SEED = 0x5eed;

/** A percentile bootstrap CI of the mean of paired deltas. */
export interface BootstrapCi {
  /** Mean of the deltas (NaN dropped). */
  readonly mean: number;
  readonly low: number;
  readonly high: number;
  readonly level: number;
  readonly resamples: number;
  readonly seed: number;
  /** Deltas used. */
  readonly n: number;
}

/**
 * Paired bootstrap of the mean delta: `resamples` times, draw n deltas with replacement (index ⌊u·n⌋, u from the
 * seeded PRNG) and take their mean; the CI is the (1 − level)/2 and (1 + level)/2 percentiles of those means
 * (numpy's linear method). NaN deltas are dropped first; n = 0 gives NaN bounds.
 */
export function bootstrapMeanCi(deltas: readonly number[], opts: { resamples?: number; seed?: number; level?: number } = {}): BootstrapCi {
  const resamples = opts.resamples ?? BOOTSTRAP_RESAMPLES;
  const seed = opts.seed ?? BOOTSTRAP_SEED;
  const level = opts.level ?? 0.95;
  const d = Float64Array.from(deltas.filter((x) => !Number.isNaN(x)));
  const n = d.length;
  let total = 0;
  for (const x of d) total += x;
  const mean = n === 0 ? Number.NaN : total / n;
  if (n === 0) return { mean, low: Number.NaN, high: Number.NaN, level, resamples, seed, n };
  const rng = new Rng(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += d[Math.floor(rng.next() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  return { mean, low: percentileLinear(means, 100 * alpha), high: percentileLinear(means, 100 * (1 - alpha)), level, resamples, seed, n };
}
