import type { Token, TokenAlignment } from './types';

/**
 * Line the tokens up with the completion. The concatenated texts usually equal it; they may also start later
 * (the prompt prefilled `<think>`: found by searching the tokens' first 32 characters) or run past its end (an
 * end-of-turn token the completion leaves out). Where they disagree, `matches` is false and `mismatchAt` names the
 * first differing character: tokens from there on get no position (−1), so nothing after it is linked to a glyph.
 */
export function alignTokens(tokens: readonly Token[], completion: string): TokenAlignment {
  const n = tokens.length;
  const joined = tokens.map((t) => t.text).join('');
  let offset = 0;
  const head = joined.slice(0, Math.min(joined.length, completion.length));
  if (!completion.startsWith(head)) {
    const probe = joined.slice(0, 32);
    const o = probe ? completion.indexOf(probe) : -1;
    if (o > 0) offset = o;
  }
  const lim = Math.min(joined.length, completion.length - offset);
  let k = 0;
  while (k < lim && joined.charCodeAt(k) === completion.charCodeAt(offset + k)) k++;
  const starts = new Int32Array(n).fill(-1);
  const ends = new Int32Array(n).fill(-1);
  let cum = 0;
  for (let i = 0; i < n; i++) {
    const len = tokens[i]!.text.length;
    if (cum + len <= k) {
      starts[i] = offset + cum;
      ends[i] = offset + cum + len;
    }
    cum += len;
  }
  const matches = k === lim;
  return matches ? { starts, ends, offset, matches } : { starts, ends, offset, matches, mismatchAt: offset + k };
}

/**
 * The tokens that wrote a span of the completion: [first, last) of every aligned token overlapping it (a token
 * like `],[` that carries part of the span counts); first === last when none does. Binary search: aligned tokens
 * are a prefix of the list, in order.
 */
export function tokensInSpan(al: TokenAlignment, span: { readonly start: number; readonly end: number }): [number, number] {
  let aligned = al.starts.length;
  while (aligned > 0 && al.starts[aligned - 1]! < 0) aligned--;
  // First token ending after span.start.
  let lo = 0;
  let hi = aligned;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (al.ends[mid]! > span.start) hi = mid;
    else lo = mid + 1;
  }
  let last = lo;
  while (last < aligned && al.starts[last]! < span.end) last++;
  return [lo, Math.max(lo, last)];
}

/** How sure the model was of a span: its tokens' joint probability and the least likely of them. */
export interface SpanConfidence {
  /** Token range [first, last). */
  readonly first: number;
  readonly last: number;
  /** Sum of the tokens' logprobs (those known). */
  readonly logprob: number;
  /** exp(logprob): the probability of writing exactly these tokens, given what came before. */
  readonly joint: number;
  /** The least likely token's probability and index. */
  readonly min: number;
  readonly minIndex: number;
  /** Tokens in the range whose logprob is unknown (the joint leaves them out). */
  readonly unknown: number;
}

/** Confidence of the tokens [first, last); undefined when the range is empty or no token in it has a logprob. */
export function spanConfidence(tokens: readonly Token[], range: readonly [number, number]): SpanConfidence | undefined {
  const [first, last] = range;
  let sum = 0;
  let known = 0;
  let min = Infinity;
  let minIndex = -1;
  for (let i = first; i < last; i++) {
    const lp = tokens[i]?.logprob;
    if (lp === undefined) continue;
    known++;
    sum += lp;
    const p = Math.exp(lp);
    if (p < min) {
      min = p;
      minIndex = i;
    }
  }
  if (!known) return undefined;
  return { first, last, logprob: sum, joint: Math.exp(sum), min, minIndex, unknown: last - first - known };
}
