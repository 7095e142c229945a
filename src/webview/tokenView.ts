import { alignTokens, spanConfidence, tokensInSpan, type SpanConfidence } from '../core/tokens/align';
import { topkEntropy, topkMass } from '../core/tokens/entropy';
import type { Token, TokenAlignment } from '../core/tokens/types';
import type { Glyph, ViewPayload } from '../shared/protocol';
import { clear, h } from './dom';

/** How the reasoning is drawn. */
export type TokenMode = 'text' | 'logprob' | 'entropy';

/** Thinking longer than this many tokens is collapsed to its head and tail until expanded. */
const COLLAPSE_AT = 400;
const HEAD = 120;
const TAIL = 60;

/** Colour buckets (classes lv0…lv4, theme colours in main.css): upper bounds of −p for logprob, of H for entropy. */
const LOGPROB_LEVELS: ReadonlyArray<readonly [number, string]> = [
  [0.9, 'p ≥ 0.9'],
  [0.6, '0.6–0.9'],
  [0.3, '0.3–0.6'],
  [0.1, '0.1–0.3'],
  [-1, 'p < 0.1'],
];
const ENTROPY_LEVELS: ReadonlyArray<readonly [number, string]> = [
  [0.1, 'H < 0.1'],
  [0.5, '0.1–0.5'],
  [1, '0.5–1'],
  [2, '1–2'],
  [Infinity, 'H ≥ 2 nats'],
];

/** The colour class of a token in a mode; `lvna` when the log has no logprob (or no top-k for entropy). */
export function tokenLevel(t: Token, mode: 'logprob' | 'entropy', entropy: number | undefined): string {
  if (mode === 'logprob') {
    if (t.logprob === undefined) return 'lvna';
    const p = Math.exp(t.logprob);
    return `lv${LOGPROB_LEVELS.findIndex(([lo]) => p >= lo)}`;
  }
  if (entropy === undefined) return 'lvna';
  return `lv${ENTROPY_LEVELS.findIndex(([hi]) => entropy < hi)}`;
}

/** A probability as the view writes it: two significant decimals, small ones in exponent form. */
export function fmtP(p: number): string {
  return p >= 0.01 ? p.toFixed(2) : p > 0 ? p.toExponential(0) : '0';
}

/** What the canvas shows next to a glyph: how sure the model was of the tokens that wrote it. */
export interface GlyphConfidence extends SpanConfidence {
  /** The least likely token's text. */
  readonly minText: string;
  /** Confidence of the label token(s) of a point, when it has a label. */
  readonly label?: SpanConfidence;
}

/**
 * The reasoning token by token: each token a span coloured by its probability or by the entropy estimated from its
 * top-k alternatives, a tooltip with the alternatives on hover, the tokens that wrote a coordinate linked to its
 * glyph. Without tokens it says which log fields would enable it. Text goes in through text nodes only.
 */
export class TokenView {
  /** The mode switch (put in the reasoning header). */
  readonly controls: HTMLElement;
  /** Legend, notes and the tokens (put below the text, shown instead of it in a token mode). */
  readonly el: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tip: HTMLElement;
  private readonly buttons = new Map<TokenMode, HTMLButtonElement>();
  private mode: TokenMode;
  private tokens: readonly Token[] = [];
  private entropy: Array<number | undefined> = [];
  private align?: TokenAlignment;
  private glyphOfToken: Array<string | undefined> = [];
  private spansByGlyph = new Map<string, HTMLElement[]>();
  private confidence = new Map<string, GlyphConfidence>();
  private think?: [number, number];
  private expanded = false;
  /** Called with the new mode when the user switches (to persist it and swap the text for the tokens). */
  onMode: (mode: TokenMode) => void = () => undefined;
  /** Called when a coordinate token is hovered (glyph id) or left (undefined). */
  onHover: (id: string | undefined) => void = () => undefined;

  constructor(mode: TokenMode = 'text') {
    this.mode = mode;
    this.controls = h('span', { class: 'token-mode', id: 'token-mode', role: 'group', 'aria-label': 'Draw the reasoning as' });
    const labels: ReadonlyArray<readonly [TokenMode, string, string]> = [
      ['text', 'text', 'The completion as text'],
      ['logprob', 'tokens · p', 'Token by token, coloured by the probability of the sampled token'],
      ['entropy', 'tokens · H', 'Token by token, coloured by the entropy estimated from the top-k alternatives (a lower bound: the rest of the mass counts as one outcome)'],
    ];
    for (const [m, text, title] of labels) {
      const b = h('button', { class: 'mode', 'data-mode': m, title, 'aria-pressed': String(m === mode) }, text);
      b.addEventListener('click', () => this.setMode(m));
      this.buttons.set(m, b);
      this.controls.append(b);
    }
    this.legend = h('div', { class: 'legend token-legend', id: 'token-legend', 'aria-label': 'Token colours' });
    this.notes = h('div', { class: 'token-notes', id: 'token-notes', role: 'status' });
    this.body = h('pre', { class: 'completion tokens', id: 'tokens', tabindex: 0, 'aria-label': 'Completion tokens' });
    this.tip = h('div', { class: 'token-tip', id: 'token-tip', role: 'tooltip', hidden: true });
    this.el = h('div', { class: 'token-view', hidden: mode === 'text' }, this.legend, this.notes, this.body, this.tip);
    this.body.addEventListener('pointerover', (e) => this.hoverToken(e.target as HTMLElement));
    this.body.addEventListener('pointerleave', () => {
      this.tip.hidden = true;
      this.onHover(undefined);
      this.highlight(undefined);
    });
  }

  /** The current mode. */
  get current(): TokenMode {
    return this.mode;
  }

  /** Switch between text and the two token colourings. */
  setMode(mode: TokenMode): void {
    this.mode = mode;
    for (const [m, b] of this.buttons) b.setAttribute('aria-pressed', String(m === mode));
    this.el.hidden = mode === 'text';
    this.render();
    this.onMode(mode);
  }

  /** Take a new view: align its tokens, estimate entropies, link coordinate tokens to glyphs. */
  show(view: ViewPayload): void {
    const payload = view.rollout?.tokens;
    this.tokens = payload?.tokens ?? [];
    this.expanded = false;
    this.confidence.clear();
    this.entropy = this.tokens.map(topkEntropy);
    this.glyphOfToken = new Array(this.tokens.length);
    this.align = undefined;
    this.think = undefined;
    const r = view.rollout;
    if (r && this.tokens.length) {
      const al = alignTokens(this.tokens, r.completion);
      this.align = al;
      if (r.answer.think) this.think = tokensInSpan(al, r.answer.think.span);
      for (const g of view.glyphs) this.link(g, al);
    }
    clear(this.notes);
    if (payload?.source) this.notes.append(h('div', { class: 'token-source' }, `${this.tokens.length} tokens from ${payload.source}`));
    for (const n of payload?.notes ?? (r ? [] : ['No rollout: nothing to draw token by token.'])) this.notes.append(h('div', { class: 'token-note' }, n));
    if (this.align && !this.align.matches) {
      this.notes.append(h('div', { class: 'token-note warn', id: 'token-mismatch' }, `The token texts do not concatenate to the completion: they differ from character ${this.align.mismatchAt}. Tokens from there on are not linked to glyphs.`));
    } else if (this.align && this.align.offset > 0) {
      this.notes.append(h('div', { class: 'token-note' }, `The tokens start at character ${this.align.offset} of the completion (the prompt prefilled what comes before).`));
    }
    this.render();
  }

  /** How sure the model was of each glyph's coordinates, by glyph id (empty without tokens). */
  glyphConfidence(): ReadonlyMap<string, GlyphConfidence> {
    return this.confidence;
  }

  /** Highlight the tokens of one glyph (from canvas or text hover). */
  highlight(id: string | undefined): void {
    for (const el of this.body.querySelectorAll('.tok.hover')) el.classList.remove('hover');
    if (!id) return;
    const spans = this.spansByGlyph.get(id);
    for (const s of spans ?? []) s.classList.add('hover');
    if (!this.el.hidden) spans?.[0]?.scrollIntoView({ block: 'nearest' });
  }

  private link(g: Glyph, al: TokenAlignment): void {
    const id = `${g.kind}:${g.index}`;
    const range = tokensInSpan(al, g.span);
    for (let i = range[0]; i < range[1]; i++) this.glyphOfToken[i] ??= id;
    const c = spanConfidence(this.tokens, range);
    if (!c) return;
    let label: SpanConfidence | undefined;
    if (g.kind === 'point' && g.labelSpan) {
      const lr = tokensInSpan(al, g.labelSpan);
      for (let i = lr[0]; i < lr[1]; i++) this.glyphOfToken[i] ??= id;
      label = spanConfidence(this.tokens, lr);
    }
    this.confidence.set(id, { ...c, minText: this.tokens[c.minIndex]?.text ?? '', ...(label ? { label } : {}) });
  }

  private render(): void {
    clear(this.body);
    clear(this.legend);
    this.spansByGlyph.clear();
    this.tip.hidden = true;
    if (this.mode === 'text') return;
    const mode = this.mode;
    const levels = mode === 'logprob' ? LOGPROB_LEVELS : ENTROPY_LEVELS;
    levels.forEach(([, text], k) => this.legend.append(h('span', { class: 'legend-item' }, h('span', { class: `swatch tok lv${k}`, 'aria-hidden': 'true' }), text)));
    this.legend.append(h('span', { class: 'legend-item' }, h('span', { class: 'swatch tok lvna', 'aria-hidden': 'true' }), mode === 'logprob' ? 'no logprob' : 'no top-k'));
    this.legend.append(h('span', { class: 'legend-item' }, h('span', { class: 'swatch tok coord', 'aria-hidden': 'true' }), 'wrote a coordinate'));
    if (!this.tokens.length) {
      this.body.classList.add('empty');
      this.body.append(document.createTextNode('No tokens to draw: see above.'));
      return;
    }
    this.body.classList.remove('empty');
    const n = this.tokens.length;
    const [t0, t1] = this.think ?? [0, 0];
    const collapse = !this.expanded && t1 - t0 > COLLAPSE_AT;
    const frag = document.createDocumentFragment();
    for (let i = 0; i < n; i++) {
      if (collapse && i === t0 + HEAD) {
        frag.append(this.expander(t1 - t0 - HEAD - TAIL, t0 + HEAD, t1 - TAIL));
        i = t1 - TAIL - 1;
        continue;
      }
      frag.append(this.tokenSpan(i, mode));
    }
    this.body.append(frag);
  }

  private tokenSpan(i: number, mode: 'logprob' | 'entropy'): HTMLElement {
    const t = this.tokens[i]!;
    const g = this.glyphOfToken[i];
    const span = document.createElement('span');
    span.className = `tok ${tokenLevel(t, mode, this.entropy[i])}${g ? ' coord' : ''}${this.align && this.align.starts[i]! < 0 ? ' unaligned' : ''}`;
    span.dataset.i = String(i);
    span.append(document.createTextNode(t.text));
    if (g) {
      span.dataset.glyph = g;
      const list = this.spansByGlyph.get(g);
      if (list) list.push(span);
      else this.spansByGlyph.set(g, [span]);
    }
    return span;
  }

  /** The control standing for the hidden middle of a long thinking, with what it hides summarised. */
  private expander(hidden: number, from: number, to: number): HTMLElement {
    let h0 = 0;
    let nh = 0;
    let lp = 0;
    for (let i = from; i < to; i++) {
      const e = this.entropy[i];
      if (e !== undefined) {
        h0 += e;
        nh++;
      }
      lp += this.tokens[i]!.logprob ?? 0;
    }
    const summary = nh ? `, mean H ${(h0 / nh).toFixed(2)} nats` : `, mean logprob ${(lp / Math.max(1, to - from)).toFixed(2)}`;
    const b = h('button', { class: 'link token-expand', id: 'token-expand', title: 'Show every token of the thinking' }, `… ${hidden.toLocaleString('en-US')} more thinking tokens${summary} — show all`);
    b.addEventListener('click', () => {
      this.expanded = true;
      this.render();
    });
    return b;
  }

  private hoverToken(target: HTMLElement): void {
    const span = target.closest<HTMLElement>('.tok');
    const i = span?.dataset.i === undefined ? -1 : Number(span.dataset.i);
    const t = this.tokens[i];
    if (!span || !t) {
      this.tip.hidden = true;
      return;
    }
    const g = span.dataset.glyph;
    this.onHover(g);
    this.highlight(g);
    clear(this.tip);
    const line = (cls: string, ...parts: string[]) => this.tip.append(h('div', { class: cls }, ...parts));
    line('tip-head', JSON.stringify(t.text), t.logprob === undefined ? '  logprob unknown' : `  p ${fmtP(Math.exp(t.logprob))} · logprob ${t.logprob.toFixed(3)}`);
    const e = this.entropy[i];
    const mass = topkMass(t);
    if (e !== undefined && mass !== undefined) line('tip-entropy', `entropy ≈ ${e.toFixed(3)} nats (top-${t.top!.length} hold ${(mass * 100).toFixed(1)}%)`);
    else line('tip-entropy', 'no top-k alternatives logged: entropy unknown');
    if (g) {
      const c = this.confidence.get(g);
      line('tip-glyph', `wrote ${g.replace(':', ' ').replace(/(\d+)$/, (d) => String(Number(d) + 1))}${c ? ` (its tokens: joint p ${fmtP(c.joint)})` : ''}`);
    }
    for (const a of t.top ?? []) {
      const sampled = a.text === t.text;
      line(sampled ? 'tip-alt sampled' : 'tip-alt', `${fmtP(Math.exp(a.logprob)).padStart(5)}  ${JSON.stringify(a.text)}${sampled ? '  ← sampled' : ''}`);
    }
    this.tip.hidden = false;
    const r = span.getBoundingClientRect();
    const tw = this.tip.offsetWidth;
    const th = this.tip.offsetHeight;
    const x = Math.max(4, Math.min(window.innerWidth - tw - 4, r.left));
    const y = r.bottom + th + 4 > window.innerHeight ? Math.max(4, r.top - th - 4) : r.bottom + 4;
    this.tip.style.left = `${x}px`;
    this.tip.style.top = `${y}px`;
  }
}

/** The canvas notes for glyphs: `p 0.62` beside the glyph, and a tooltip sentence with the least sure token. */
export function glyphNotes(conf: ReadonlyMap<string, GlyphConfidence>): Map<string, { label: string; title: string }> {
  const out = new Map<string, { label: string; title: string }>();
  for (const [id, c] of conf) {
    const n = c.last - c.first;
    const unknown = c.unknown ? `, ${c.unknown} without a logprob` : '';
    const label = c.label ? `; label token p ${fmtP(c.label.joint)}` : '';
    const title = `written by ${n} token${n === 1 ? '' : 's'}${unknown}: joint p ${fmtP(c.joint)} (logprob ${c.logprob.toFixed(2)}), least sure ${JSON.stringify(c.minText)} at p ${fmtP(c.min)}${label}`;
    out.set(id, { label: `p ${fmtP(c.joint)}`, title });
  }
  return out;
}
