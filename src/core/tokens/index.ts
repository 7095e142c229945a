/** Per-token log-probabilities of a completion: reading the logged shapes, top-k entropy, alignment to the text. */
export * from './types';
export { readTokens, TOKEN_FIELDS_HINT } from './readTokens';
export { topkEntropy, topkMass } from './entropy';
export { alignTokens, tokensInSpan, spanConfidence, type SpanConfidence } from './align';
export { tokenStats, type TokenStats } from './stats';
