/** One alternative the sampler could have drawn at a position, with its log-probability (natural log). */
export interface TokenAlt {
  readonly text: string;
  readonly logprob: number;
}

/**
 * One generated token: its text, its log-probability when finite (absent when the log had none, or NaN/±∞), and
 * the top-k alternatives at its position (finite ones only, at most `MAX_TOP_K`).
 */
export interface Token {
  readonly text: string;
  readonly logprob?: number;
  readonly top?: readonly TokenAlt[];
}

/** Where a record's tokens came from and what was wrong with them (the view shows `notes`, never throws). */
export interface TokenRead {
  readonly tokens: readonly Token[];
  /** The field and shape read, e.g. `logprobs.content (OpenAI/vLLM chat)`. */
  readonly source: string;
  /** Problems found (truncated lists, non-finite values, dropped entries), each naming the field. */
  readonly notes: readonly string[];
}

/** How the tokens' texts line up with the completion. */
export interface TokenAlignment {
  /** Character offset in the completion where each token starts (−1: past the completion, e.g. an end-of-turn token). */
  readonly starts: Int32Array;
  /** Character offset in the completion where each token ends (−1 as above). */
  readonly ends: Int32Array;
  /** Where the first token starts in the completion (tokens that leave out a prefilled `<think>` start later). */
  readonly offset: number;
  /** True when the concatenated texts equal the completion from `offset` (trailing tokens past its end allowed). */
  readonly matches: boolean;
  /** Completion offset of the first character the tokens disagree on (only when `matches` is false). */
  readonly mismatchAt?: number;
}

/** Most tokens read from one record: a 32k-token thinking budget is the longest in common use. */
export const MAX_TOKENS = 32_768;
/** Most alternatives kept per position: OpenAI's `top_logprobs` and vLLM's default `max_logprobs` stop at 20. */
export const MAX_TOP_K = 20;
