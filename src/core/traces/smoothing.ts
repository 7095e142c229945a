/**
 * Exponential moving average of a per-step series as TensorBoard draws its "Smoothing" line: each value pulls the
 * running average by (1 − weight), and the average is debiased by 1 − weight^k after k finite values, so the line
 * starts on the first value instead of rising from zero. Non-finite values (a step without that metric) leave the
 * average as it is and come out NaN, so gaps stay gaps. weight 0 returns the values; weight is clamped to [0, 0.999].
 */
export function emaSmooth(values: ArrayLike<number>, weight: number): Float64Array {
  const w = Math.min(0.999, Math.max(0, weight));
  const out = new Float64Array(values.length);
  let last = 0;
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    last = last * w + (1 - w) * v;
    k++;
    out[i] = w === 0 ? v : last / (1 - w ** k);
  }
  return out;
}

/**
 * Default smoothing for a chart of `steps` steps `pixels` wide: none while every step keeps a few pixels of its own
 * (each point readable), else TensorBoard's 0.6 raised with the crowding, so a 3,000-step run reads as a trend.
 */
export function defaultSmoothing(steps: number, pixels: number): number {
  const perStep = pixels / Math.max(1, steps);
  if (perStep >= 4) return 0;
  return Math.min(0.95, Math.round((0.6 + 0.35 * Math.min(1, Math.log10(4 / perStep) / 2)) * 100) / 100);
}
