import { alignTokens, tokensInSpan } from './align';
import { topkEntropy } from './entropy';
import type { Token } from './types';

/** Per-rollout token statistics for the per-step traces; NaN where the record cannot tell. */
export interface TokenStats {
  /** Mean top-k entropy estimate (nats) over the tokens that list alternatives. */
  readonly meanEntropy: number;
  /** Mean logprob of the tokens that wrote coordinates (each token once, however many spans it touches). */
  readonly coordLogprob: number;
}

/** Mean entropy over all tokens and mean logprob over the tokens overlapping `spans` (the coordinates' source text). */
export function tokenStats(tokens: readonly Token[], completion: string, spans: ReadonlyArray<{ readonly start: number; readonly end: number }>): TokenStats {
  let h = 0;
  let nh = 0;
  for (const t of tokens) {
    const e = topkEntropy(t);
    if (e !== undefined) {
      h += e;
      nh++;
    }
  }
  const al = alignTokens(tokens, completion);
  const inCoord = new Uint8Array(tokens.length);
  for (const s of spans) {
    const [a, b] = tokensInSpan(al, s);
    inCoord.fill(1, a, b);
  }
  let lp = 0;
  let nl = 0;
  inCoord.forEach((c, i) => {
    const v = tokens[i]!.logprob;
    if (c && v !== undefined) {
      lp += v;
      nl++;
    }
  });
  return { meanEntropy: nh ? h / nh : Number.NaN, coordLogprob: nl ? lp / nl : Number.NaN };
}
