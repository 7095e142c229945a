import { MAX_TOKENS, MAX_TOP_K, type Token, type TokenAlt, type TokenRead } from './types';

/**
 * Per-token log-probabilities from a rollout record, in the shapes the generators actually emit:
 *  - canonical `tokens: [{text, logprob, top?: [{text, logprob}]}]`;
 *  - OpenAI / vLLM chat `logprobs: {content: [{token, logprob, bytes?, top_logprobs: [{token, logprob}]}]}`;
 *  - OpenAI / vLLM completions `logprobs: {tokens: [], token_logprobs: [], top_logprobs: [{tok: lp}]}`;
 *  - SGLang `meta_info: {output_token_logprobs: [[lp, id, text]], output_top_logprobs: [[[lp, id, text]]]}`;
 *  - a raw response's `choices[0].logprobs`.
 * Each is looked for on the record and in its `extra` (where the canonical schema keeps fields it does not name, and
 * where a `tokens` field it rejected — e.g. with a `null` logprob — ends up). Pure and total: hostile input yields
 * notes, never an exception; counts are capped at `MAX_TOKENS` and `MAX_TOP_K` before anything is allocated for them.
 */
export function readTokens(record: unknown): TokenRead | { readonly tokens?: undefined; readonly notes: readonly string[] } {
  const notes: string[] = [];
  const containers: Array<[string, unknown]> = [['', record]];
  if (isObject(record) && isObject(record.extra)) containers.push(['extra.', record.extra]);
  for (const [prefix, c] of containers) {
    if (!isObject(c)) continue;
    for (const field of ['tokens', 'logprobs', 'meta_info', 'output_token_logprobs', 'choices'] as const) {
      if (!(field in c) || c[field] === null || c[field] === undefined) continue;
      const got = readField(field, c[field], c, `${prefix}${field}`);
      if (typeof got === 'string') notes.push(got);
      else return { ...got, notes: [...notes, ...got.notes] };
    }
  }
  return { notes };
}

/** Which log fields would make the token view work: shown when a record carries none of them. */
export const TOKEN_FIELDS_HINT =
  'No per-token log-probabilities in this record. The token view needs one of: tokens: [{text, logprob, top: [{text, logprob}]}]; ' +
  "vLLM / OpenAI chat logprobs.content[] (request logprobs: true, top_logprobs: 5); vLLM completions logprobs " +
  '(tokens, token_logprobs, top_logprobs; request logprobs: 5); SGLang meta_info.output_token_logprobs and ' +
  'output_top_logprobs (request return_logprob, top_logprobs_num, return_text_in_logprobs). Entropy needs the top-k alternatives.';

type Field = 'tokens' | 'logprobs' | 'meta_info' | 'output_token_logprobs' | 'choices';

function readField(field: Field, v: unknown, container: Record<string, unknown>, name: string): TokenRead | string {
  switch (field) {
    case 'tokens':
      if (Array.isArray(v)) return fromEntries(v, name, 'canonical tokens');
      return `${name}: expected an array of {text, logprob, top}, found ${kind(v)}`;
    case 'logprobs':
      return fromLogprobs(v, name);
    case 'meta_info':
      if (isObject(v) && 'output_token_logprobs' in v) return fromSglang(v.output_token_logprobs, v.output_top_logprobs, `${name}.output_token_logprobs`);
      return `${name}: has no output_token_logprobs`;
    case 'output_token_logprobs':
      return fromSglang(v, container.output_top_logprobs, name);
    case 'choices': {
      if (!Array.isArray(v) || !v.length || !isObject(v[0]) || !('logprobs' in v[0]) || v[0].logprobs === null) return `${name}: has no choices[0].logprobs`;
      const got = fromLogprobs(v[0].logprobs, `${name}[0].logprobs`);
      if (typeof got === 'string' || v.length === 1) return got;
      return { ...got, notes: [`${name}: ${v.length} choices; the first is shown`, ...got.notes] };
    }
  }
}

/** `logprobs` as OpenAI/vLLM chat (`{content}` or the content array itself) or completions (`{tokens, token_logprobs}`). */
function fromLogprobs(v: unknown, name: string): TokenRead | string {
  if (Array.isArray(v)) return fromEntries(v, name, 'OpenAI/vLLM chat logprobs');
  if (!isObject(v)) return `${name}: expected an object or array, found ${kind(v)}`;
  if (Array.isArray(v.content)) return fromEntries(v.content, `${name}.content`, 'OpenAI/vLLM chat logprobs');
  if (Array.isArray(v.tokens)) return fromCompletions(v, name);
  return `${name}: neither chat (content[]) nor completions (tokens[], token_logprobs[]) logprobs`;
}

/** Counts of what was repaired or dropped, reported once per kind (30,000 tokens never make 30,000 notes). */
class Tally {
  private readonly counts = new Map<string, number>();
  add(what: string): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + 1);
  }
  notes(name: string): string[] {
    return [...this.counts].map(([what, n]) => `${name}: ${n} ${what}`);
  }
}

/** A log-probability as the view uses it: finite and ≤ 0 (rounding noise above 0 read as 0), else undefined. */
function logprobOf(v: unknown, tally: Tally, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    tally.add(`${what} not a finite number (null, NaN or ±Infinity): shown as unknown`);
    return undefined;
  }
  if (v > 1e-6) {
    tally.add(`${what} above 0 (not a log-probability): shown as unknown`);
    return undefined;
  }
  return Math.min(0, v);
}

/** Alternatives from a list of `{text|token, logprob}` objects or `[lp, id, text]` tuples, or a `{text: lp}` map. */
function alternatives(v: unknown, tally: Tally): TokenAlt[] | undefined {
  if (v === undefined || v === null) return undefined;
  const out: TokenAlt[] = [];
  // Looking at a bounded number of entries: a hostile list of a million alternatives costs no more than 256.
  const SCAN = 256;
  const push = (text: unknown, lp: unknown) => {
    const logprob = logprobOf(lp, tally, 'alternatives with a logprob');
    if (typeof text !== 'string') tally.add('alternatives without text: dropped');
    else if (logprob !== undefined) out.push({ text, logprob });
  };
  if (Array.isArray(v)) {
    if (v.length > SCAN) tally.add(`top-k lists longer than ${SCAN}: only the first ${SCAN} read`);
    for (let i = 0; i < Math.min(v.length, SCAN); i++) {
      const a: unknown = v[i];
      if (Array.isArray(a)) push(a[2], a[0]);
      else if (isObject(a)) push(typeof a.text === 'string' ? a.text : a.token, a.logprob);
      else tally.add('alternatives that are not objects: dropped');
    }
  } else if (isObject(v)) {
    let seen = 0;
    for (const text in v) {
      if (++seen > SCAN) {
        tally.add(`top-k maps larger than ${SCAN}: only the first ${SCAN} read`);
        break;
      }
      push(text, v[text]);
    }
  } else {
    tally.add('top-k values that are neither a list nor a map: dropped');
    return undefined;
  }
  out.sort((a, b) => b.logprob - a.logprob);
  if (out.length > MAX_TOP_K) {
    tally.add(`positions with more than ${MAX_TOP_K} alternatives: the ${MAX_TOP_K} most likely kept`);
    out.length = MAX_TOP_K;
  }
  return out;
}

/** Byte values of a token (`bytes` of OpenAI/vLLM chat), or undefined when absent or not a list of bytes. */
function bytesOf(v: unknown): number[] | undefined {
  if (!Array.isArray(v) || v.length > 64) return undefined;
  return v.every((b) => Number.isInteger(b) && b >= 0 && b <= 255) ? (v as number[]) : undefined;
}

/** Canonical or chat entries: `{text|token, logprob, top|top_logprobs, bytes?}`. */
function fromEntries(list: readonly unknown[], name: string, shape: string): TokenRead | string {
  const tally = new Tally();
  const n = Math.min(list.length, MAX_TOKENS);
  const tokens: Token[] = new Array(n);
  const bytes: Array<number[] | undefined> = new Array(n);
  let textless = 0;
  for (let i = 0; i < n; i++) {
    const e: unknown = list[i];
    if (!isObject(e)) {
      tally.add('entries that are not objects: read as empty tokens');
      tokens[i] = { text: '' };
      textless++;
      continue;
    }
    const text = typeof e.text === 'string' ? e.text : typeof e.token === 'string' ? e.token : undefined;
    if (text === undefined) textless++;
    tokens[i] = token(text ?? '', logprobOf(e.logprob, tally, 'tokens with a logprob'), alternatives(e.top ?? e.top_logprobs, tally));
    bytes[i] = bytesOf(e.bytes);
  }
  if (n > 0 && textless === n) return `${name}: no entry has a text (text or token field)`;
  if (textless) tally.add('entries without text: read as empty tokens');
  const notes = list.length > n ? [`${name}: ${list.length} tokens; the first ${MAX_TOKENS} are shown`] : [];
  return { tokens: withBytes(tokens, bytes, tally), source: `${name} (${shape})`, notes: [...notes, ...tally.notes(name)] };
}

/**
 * Token texts rebuilt from their UTF-8 bytes when every token carries them and some text is a replacement character:
 * a character split across tokens (emoji, CJK under byte-level BPE) then belongs to the token that completes it, so
 * the texts concatenate to the completion.
 */
function withBytes(tokens: Token[], bytes: ReadonlyArray<number[] | undefined>, tally: Tally): Token[] {
  if (!tokens.some((t) => t.text.includes('\uFFFD')) || !bytes.every((b) => b !== undefined)) return tokens;
  const dec = new TextDecoder('utf-8', { fatal: false });
  tally.add('tokens with partial UTF-8 characters: texts rebuilt from their bytes');
  return tokens.map((t, i) => ({ ...t, text: dec.decode(Uint8Array.from(bytes[i]!), { stream: i < tokens.length - 1 }) }));
}

function token(text: string, logprob: number | undefined, top: TokenAlt[] | undefined): Token {
  const t: { text: string; logprob?: number; top?: TokenAlt[] } = { text };
  if (logprob !== undefined) t.logprob = logprob;
  if (top) t.top = top;
  return t;
}

/** OpenAI/vLLM completions: parallel arrays `tokens`, `token_logprobs`, `top_logprobs` (a `{text: lp}` map per position). */
function fromCompletions(v: Record<string, unknown>, name: string): TokenRead | string {
  const texts = v.tokens as unknown[];
  const lps = Array.isArray(v.token_logprobs) ? v.token_logprobs : undefined;
  const tops = Array.isArray(v.top_logprobs) ? v.top_logprobs : undefined;
  const tally = new Tally();
  const notes: string[] = [];
  if (!lps) notes.push(`${name}.token_logprobs: missing; tokens drawn without probabilities`);
  else if (lps.length !== texts.length) notes.push(`${name}: ${texts.length} tokens but ${lps.length} token_logprobs`);
  if (tops && tops.length !== texts.length) notes.push(`${name}: ${texts.length} tokens but ${tops.length} top_logprobs`);
  const n = Math.min(texts.length, MAX_TOKENS);
  if (texts.length > n) notes.push(`${name}: ${texts.length} tokens; the first ${MAX_TOKENS} are shown`);
  const tokens: Token[] = new Array(n);
  let textless = 0;
  for (let i = 0; i < n; i++) {
    const text = texts[i];
    if (typeof text !== 'string') textless++;
    tokens[i] = token(typeof text === 'string' ? text : '', lps ? logprobOf(lps[i], tally, 'token_logprobs') : undefined, tops ? alternatives(tops[i], tally) : undefined);
  }
  if (n > 0 && textless === n) return `${name}.tokens: no entry is a string`;
  if (textless) tally.add('tokens that are not strings: read as empty');
  return { tokens, source: `${name} (vLLM/OpenAI completions logprobs)`, notes: [...notes, ...tally.notes(name)] };
}

/** SGLang: `[logprob, token_id, text]` per position (text only with `return_text_in_logprobs`), top-k likewise. */
function fromSglang(v: unknown, topsV: unknown, name: string): TokenRead | string {
  if (!Array.isArray(v)) return `${name}: expected an array of [logprob, token_id, text], found ${kind(v)}`;
  const tops = Array.isArray(topsV) ? topsV : undefined;
  const tally = new Tally();
  const n = Math.min(v.length, MAX_TOKENS);
  const tokens: Token[] = new Array(n);
  let textless = 0;
  for (let i = 0; i < n; i++) {
    const e: unknown = v[i];
    const tuple = Array.isArray(e) ? e : [];
    const text = typeof tuple[2] === 'string' ? tuple[2] : undefined;
    if (text === undefined) textless++;
    tokens[i] = token(text ?? '', logprobOf(tuple[0], tally, 'tokens with a logprob'), tops ? alternatives(tops[i], tally) : undefined);
  }
  if (n > 0 && textless === n) return `${name}: no token text (SGLang writes it only with return_text_in_logprobs=True)`;
  if (textless) tally.add('tokens without text: read as empty');
  const notes = v.length > n ? [`${name}: ${v.length} tokens; the first ${MAX_TOKENS} are shown`] : [];
  return { tokens, source: `${name} (SGLang)`, notes: [...notes, ...tally.notes(name)] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : typeof v;
}
