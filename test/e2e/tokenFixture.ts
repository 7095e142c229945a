// Per-token logprobs for the sample workspace's rollouts, in the shape vLLM's chat API returns (`logprobs.content[]`
// with `top_logprobs`), so the token view is exercised end to end on the field a real log carries. Deterministic:
// probabilities come from a hash of the record and the token position, never from Math.random.

/** The record with `logprobs.content` written for its completion: word pieces, spaces and single digits as tokens. */
export function withChatLogprobs(record: Record<string, unknown>, topK = 5): Record<string, unknown> {
  const completion = String(record.completion);
  // Qwen2.5's tokenizer writes numbers digit by digit; words keep their leading space.
  const pieces = completion.match(/ ?[A-Za-z]+|\d| ?[^\sA-Za-z\d]+|\s+/g) ?? [];
  let seed = hash(`${record.step}/${record.group}/${record.sample}`);
  const next = () => {
    seed = (Math.imul(seed ^ (seed >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    return seed / 2 ** 32;
  };
  const content = pieces.map((token) => {
    // Digits (coordinates) are less sure than prose; a few prose tokens are unsure too, so the colours vary.
    const u = next();
    const p = /\d/.test(token) ? 0.35 + 0.6 * u : u < 0.15 ? 0.1 + 0.4 * u : 0.8 + 0.2 * u;
    const rest = 1 - p;
    const alts = Array.from({ length: topK - 1 }, (_, k) => ({ token: altOf(token, k), logprob: Math.log((rest * 0.6) / 2 ** k) }));
    const top = [{ token, logprob: Math.log(p) }, ...alts].sort((a, b) => b.logprob - a.logprob);
    return { token, logprob: Math.log(p), bytes: [...Buffer.from(token, 'utf8')], top_logprobs: top };
  });
  return { ...record, logprobs: { content } };
}

function altOf(token: string, k: number): string {
  if (/^\d$/.test(token)) return String((Number(token) + k + 1) % 10);
  return [' the', ',', ' a', '.', ' and'][k % 5]!;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}
