/**
 * Axis decisions for the per-step charts, kept pure so they are tested in plain Node and shared by the traces
 * webview and the exported figures.
 */

/**
 * The value range a chart's y axis spans before d3's `nice()`. A constant series gets a range that holds both the
 * value and zero, so a reward that is always 0 reads 0…1 and one that is always 1 reads 0…1 — never a made-up
 * negative range around it (0 drawn from −0.5 to 0.5 suggested negative rewards that no rollout had).
 */
export function yDomain(lo: number, hi: number): [number, number] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (lo !== hi) return [lo, hi];
  if (lo === 0) return [0, 1];
  return lo > 0 ? [0, lo] : [lo, 0];
}

/**
 * Tick values for a step axis: steps are optimizer steps, whole numbers, so only integer ticks are labelled (d3's
 * ticks over 1…3 would label 1.5). At most `count` of them, evenly spaced by a whole stride.
 */
export function stepTicks(first: number, last: number, count = 6): number[] {
  if (!Number.isFinite(first) || !Number.isFinite(last)) return [];
  const a = Math.ceil(Math.min(first, last));
  const b = Math.floor(Math.max(first, last));
  if (b < a) return [];
  // The finest stride of 1, 2, 5 × 10^k that keeps the labels within `count`.
  const fits = (stride: number) => Math.floor(b / stride) - Math.ceil(a / stride) + 1 <= Math.max(1, count);
  let stride = 1;
  for (let p = 1; !fits(stride); p *= 10) stride = [p, 2 * p, 5 * p, 10 * p].find(fits) ?? 10 * p;
  const out: number[] = [];
  for (let v = Math.ceil(a / stride) * stride; v <= b; v += stride) out.push(v);
  return out.length ? out : [a];
}

/**
 * The logged steps a brushed pixel range covers, as [first, last] of the steps inside [a, b]; undefined when the
 * range holds no logged step. The brush gives fractional steps (2.699–5.248); what the list filters by and the
 * label names are the steps actually in it (3–5). `steps` is sorted ascending.
 */
export function snapStepRange(steps: ArrayLike<number>, a: number, b: number): [number, number] | undefined {
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  let first: number | undefined;
  let last: number | undefined;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s < lo || s > hi) continue;
    first ??= s;
    last = s;
  }
  return first === undefined || last === undefined ? undefined : [first, last];
}
