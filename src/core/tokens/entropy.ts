import type { Token } from './types';

/**
 * Entropy (nats) of the next-token distribution at one position, estimated from its top-k alternatives.
 *
 * Estimator: the known outcomes are the top-k alternatives plus the sampled token when it is not among them, with
 * p = exp(logprob). Their mass M is what the log shows; the rest, r = 1 − M, is one more outcome ("everything else").
 * H ≈ −Σ pᵢ ln pᵢ − r ln r. Grouping outcomes never raises entropy, so this is a lower bound on the true entropy,
 * exact when the top-k hold all the mass, and tight when the tail is small (what top-5 of a trained policy usually
 * leaves). When the listed mass exceeds 1 (rounding, or a lenient server), the pᵢ are renormalised and r = 0.
 * Undefined without alternatives: the sampled token's probability alone says too little to be drawn as entropy.
 */
export function topkEntropy(t: Token): number | undefined {
  const top = t.top;
  if (!top || !top.length) return undefined;
  const ps: number[] = [];
  for (const a of top) ps.push(Math.exp(a.logprob));
  const lp = t.logprob;
  // The sampled token is listed among the alternatives in most servers' output; the same text at the same logprob is it.
  if (lp !== undefined && !top.some((a) => a.text === t.text && Math.abs(a.logprob - lp) <= 1e-6 * Math.max(1, Math.abs(lp)))) ps.push(Math.exp(lp));
  let mass = 0;
  for (const p of ps) mass += p;
  const scale = mass > 1 ? 1 / mass : 1;
  let h = 0;
  for (const p0 of ps) {
    const p = p0 * scale;
    if (p > 0) h -= p * Math.log(p);
  }
  const r = mass > 1 ? 0 : 1 - mass;
  if (r > 0) h -= r * Math.log(r);
  return h;
}

/** The probability mass the listed alternatives (and the sampled token) account for, in [0, 1]; undefined without top-k. */
export function topkMass(t: Token): number | undefined {
  const top = t.top;
  if (!top || !top.length) return undefined;
  let mass = 0;
  for (const a of top) mass += Math.exp(a.logprob);
  const lp = t.logprob;
  if (lp !== undefined && !top.some((a) => a.text === t.text && Math.abs(a.logprob - lp) <= 1e-6 * Math.max(1, Math.abs(lp)))) mass += Math.exp(lp);
  return Math.min(1, mass);
}
