/**
 * numpy's pairwise summation for a contiguous float64 run (`pairwise_sum_DOUBLE`: 8 accumulators up to 128 values,
 * halving above). Used where PySODMetrics means short arrays (curves, per-image lists) so results match to the bit.
 */
export function pairwiseSum(a: ArrayLike<number>, start = 0, n = a.length - start): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = [a[start]!, a[start + 1]!, a[start + 2]!, a[start + 3]!, a[start + 4]!, a[start + 5]!, a[start + 6]!, a[start + 7]!];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j] = r[j]! + a[start + i + j]!;
    }
    let res = (r[0]! + r[1]! + (r[2]! + r[3]!)) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** `np.mean` of a 1-D float64 array as numpy computes it (blocks of 8192 summed in order, each pairwise). */
export function numpyMean(a: ArrayLike<number>): number {
  if (a.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < a.length; i += 8192) s += pairwiseSum(a, i, Math.min(8192, a.length - i));
  return s / a.length;
}
