import type { DiagnosticDto as ParseDiagnostic } from '../shared/protocol';
import type { ViewPayload } from '../shared/protocol';
import { buildMarks, segments } from '../shared/textMarks';
import { clear, h } from './dom';
import { markedText } from './markedText';

/**
 * The completion as text: `<think>` reasoning and the answer distinguished, each parsed coordinate a
 * hover target linked to its glyph on the canvas. Built from text nodes only.
 */
export class ReasoningView {
  readonly el: HTMLElement;
  private readonly text: HTMLElement;
  private readonly diags: HTMLElement;
  private readonly query: HTMLElement;
  private spansByGlyph = new Map<string, HTMLElement[]>();
  /** Called when a coordinate in the text is hovered (glyph id) or left (undefined). */
  onHover: (id: string | undefined) => void = () => undefined;
  /** Called when the user asks to see the raw log line. */
  onOpenSource: () => void = () => undefined;
  private readonly source: HTMLButtonElement;

  constructor() {
    this.query = h('div', { class: 'query', id: 'query' });
    this.text = h('pre', { class: 'completion', id: 'reasoning', tabindex: 0, 'aria-label': 'Completion text' });
    this.diags = h('ul', { class: 'diagnostics', id: 'diagnostics', 'aria-label': 'Parse diagnostics' });
    this.source = h('button', { id: 'open-source', class: 'link', title: 'Open the log at this rollout\'s line' });
    this.source.addEventListener('click', () => this.onOpenSource());
    this.el = h('section', { class: 'reasoning-pane', 'aria-label': 'Reasoning' }, h('h2', {}, 'Reasoning ', this.source), this.query, this.text, this.diags);
    this.text.addEventListener('pointerover', (e) => {
      const g = (e.target as HTMLElement).closest<HTMLElement>('[data-glyph]')?.dataset.glyph;
      this.onHover(g);
      this.highlight(g);
    });
    this.text.addEventListener('pointerleave', () => {
      this.onHover(undefined);
      this.highlight(undefined);
    });
  }

  /** Show a rollout's completion (or a note when the view has none). */
  show(view: ViewPayload): void {
    clear(this.text);
    clear(this.diags);
    clear(this.query);
    this.spansByGlyph.clear();
    const r = view.rollout;
    this.source.hidden = !r;
    if (r) this.source.textContent = `log line ${r.line} ↗`;
    if (!r) {
      this.text.append(document.createTextNode('No rollout: this is a dataset image. Open a rollout from the Runs view to see reasoning.'));
      this.text.classList.add('empty');
      return;
    }
    this.text.classList.remove('empty');
    if (r.query) this.query.append(h('span', { class: 'label' }, 'Query '), document.createTextNode(r.query));
    const marks = buildMarks(r.completion, view.glyphs, r.answer.think?.span, r.answer.answerSpan);
    const marked = markedText(segments(r.completion, marks));
    this.spansByGlyph = marked.spansByGlyph;
    this.text.append(marked.fragment);
    for (const d of r.answer.diagnostics) this.diags.append(diagnosticItem(d, () => this.reveal(d)));
    if (!r.answer.diagnostics.length) this.diags.append(h('li', { class: 'diag ok' }, 'Parsed cleanly.'));
  }

  /** Put a control in the header (the token mode switch) and a body below the text (the token view). */
  attach(control: HTMLElement, body: HTMLElement): void {
    this.el.querySelector('h2')?.append(control);
    this.text.after(body);
  }

  /** Hide the plain text while another view of the completion (the tokens) stands in for it. */
  setTextHidden(hidden: boolean): void {
    this.text.hidden = hidden;
  }

  /** Highlight the text of one glyph (from canvas hover). */
  highlight(id: string | undefined): void {
    for (const el of this.text.querySelectorAll('.hover')) el.classList.remove('hover');
    if (!id) return;
    const spans = this.spansByGlyph.get(id);
    for (const s of spans ?? []) s.classList.add('hover');
    spans?.[0]?.scrollIntoView({ block: 'nearest' });
  }

  private reveal(d: ParseDiagnostic): void {
    if (!d.span) return;
    let pos = 0;
    for (const node of Array.from(this.text.childNodes)) {
      const len = node.textContent?.length ?? 0;
      if (pos + len > d.span.start && node instanceof HTMLElement) {
        node.scrollIntoView({ block: 'center' });
        node.classList.add('flash');
        setTimeout(() => node.classList.remove('flash'), 900);
        return;
      }
      pos += len;
    }
  }
}

function diagnosticItem(d: ParseDiagnostic, onClick: () => void): HTMLElement {
  const icon = d.severity === 'error' ? '✖' : d.severity === 'warning' ? '⚠' : 'ℹ';
  const li = h('li', { class: `diag ${d.severity}`, tabindex: 0, 'data-code': d.code }, h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), `${d.message}`, h('span', { class: 'code' }, ` ${d.code}`));
  li.addEventListener('click', onClick);
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') onClick();
  });
  return li;
}
