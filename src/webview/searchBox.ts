import { specProblem, type SearchSpec } from '../core/search/spec';
import { specKey, type SavedSearch, type SearchBoxState } from '../shared/listFilters';
import type { TraceSearchHit, TraceSearchProgress } from '../shared/tracesProtocol';
import { clear, h } from './dom';

/** Quiet time after the last keystroke before a search starts (Enter starts at once). */
const TYPING_DELAY_MS = 300;

/** What the search box asks of the traces view. */
export interface SearchBoxHost {
  start(id: number, spec: SearchSpec): void;
  cancel(id: number): void;
  /** Open a rollout in the workbench panel (beside the traces). */
  open(log: string, record: number): void;
  /** A step's bar in the count strip was clicked: pick that step. */
  pickStep(step: number): void;
  /** The saved searches changed (persist them); `active` restrict the rollout list. */
  savedChanged(saved: readonly SavedSearch[]): void;
  /** Something snapshot() returns changed. */
  stateChanged(): void;
}

/**
 * Search every completion of every run from the traces view: literal or regex (JavaScript syntax, as the core's
 * spec decides), case toggle, results streamed from the host as they arrive with counts per step, a hit opens its
 * rollout; a search can be saved as a named filter chip that restricts the rollout list. Text goes in as text
 * nodes only: completions are model output.
 */
export class SearchBox {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly regexBtn: HTMLButtonElement;
  private readonly caseBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly error: HTMLElement;
  private readonly strip: HTMLElement;
  private readonly hits: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly chips: HTMLElement;
  private readonly nameInput: HTMLInputElement;
  private readonly saveBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;
  private regex = false;
  private ignoreCase = false;
  private saved: SavedSearch[] = [];
  private searchId = 0;
  private running?: number;
  private timer?: ReturnType<typeof setTimeout>;
  /** The spec whose results are on screen (what "Save as filter" saves). */
  private shownSpec?: SearchSpec;

  constructor(private readonly host: SearchBoxHost) {
    this.input = h('input', { id: 'search-input', type: 'text', placeholder: 'Search completions', 'aria-label': 'Search the completions of every run', spellcheck: false });
    this.regexBtn = h('button', { id: 'search-regex', 'aria-pressed': 'false', title: 'Regular expression (JavaScript syntax, Unicode mode)' }, '.*');
    this.caseBtn = h('button', { id: 'search-case', 'aria-pressed': 'false', title: 'Match case' }, 'Aa');
    this.nameInput = h('input', { id: 'search-save-name', type: 'text', placeholder: 'filter name', 'aria-label': 'Name of the saved filter' });
    this.saveBtn = h('button', { id: 'search-save', title: 'Save this search as a filter chip that restricts the rollout list', disabled: true }, 'Save as filter');
    this.stopBtn = h('button', { id: 'search-stop', title: 'Stop this search (the counts so far stay)', hidden: true }, 'Stop');
    this.stopBtn.addEventListener('click', () => this.stop());
    this.status = h('span', { id: 'search-status', class: 'num', 'aria-live': 'polite' });
    this.error = h('div', { id: 'search-error', class: 'search-error', role: 'alert', hidden: true });
    this.strip = h('div', { id: 'search-steps', class: 'search-steps', role: 'list', 'aria-label': 'Matching rollouts per step' });
    this.hits = h('div', { id: 'search-hits', class: 'search-hits', role: 'list', 'aria-label': 'Search hits' });
    this.notes = h('div', { id: 'search-notes', class: 'search-notes' });
    this.chips = h('div', { id: 'search-chips', class: 'search-chips', 'aria-label': 'Saved search filters' });
    this.input.addEventListener('input', () => this.schedule());
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.runNow();
      else if (e.key === 'Escape') {
        this.input.value = '';
        this.runNow();
      }
    });
    this.regexBtn.addEventListener('click', () => {
      this.regex = !this.regex;
      this.runNow();
    });
    this.caseBtn.addEventListener('click', () => {
      this.ignoreCase = !this.ignoreCase;
      this.runNow();
    });
    this.saveBtn.addEventListener('click', () => this.saveShown());
    this.nameInput.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.saveShown();
    });
    this.el = h(
      'section',
      { class: 'search-box', 'aria-label': 'Search completions' },
      h('div', { class: 'search-bar' }, this.input, this.regexBtn, this.caseBtn, this.stopBtn, this.status, h('span', { class: 'spacer' }), this.nameInput, this.saveBtn),
      this.error,
      this.chips,
      this.strip,
      this.hits,
      this.notes,
    );
    this.renderToggles();
  }

  /** The box as the user left it, and the saved searches. */
  snapshot(): { search: SearchBoxState; saved: readonly SavedSearch[] } {
    return { search: { pattern: this.input.value, regex: this.regex, ignoreCase: this.ignoreCase }, saved: this.saved };
  }

  /** Put back a saved box (the search itself runs with run()). */
  restore(s: SearchBoxState, saved: readonly SavedSearch[]): void {
    this.input.value = s.pattern;
    this.regex = s.regex;
    this.ignoreCase = s.ignoreCase;
    this.saved = [...saved];
    this.renderToggles();
    this.renderChips();
  }

  /** The saved searches as the host keeps them (replacing what the webview state had). */
  setSaved(saved: readonly SavedSearch[]): void {
    this.saved = [...saved];
    this.renderChips();
  }

  /** The specs of the active chips, in chip order. */
  activeSpecs(): SearchSpec[] {
    return this.saved.filter((s) => s.active).map((s) => s.spec);
  }

  /** Run the search in the box now (a restored one, once the runs are loaded). */
  run(): void {
    this.runNow();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runNow(), TYPING_DELAY_MS);
    this.host.stateChanged();
  }

  private spec(): SearchSpec {
    return { pattern: this.input.value, regex: this.regex, ignoreCase: this.ignoreCase };
  }

  private runNow(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.renderToggles();
    if (this.running !== undefined) this.host.cancel(this.running);
    this.running = undefined;
    this.searchId++;
    this.clearResults();
    this.host.stateChanged();
    const spec = this.spec();
    if (spec.pattern === '') return;
    const problem = specProblem(spec);
    if (problem) {
      this.showError(problem);
      return;
    }
    this.running = this.searchId;
    this.shownSpec = spec;
    // A valid search can be saved at once: the filter runs its own pass on the host.
    this.saveBtn.disabled = false;
    this.status.textContent = 'searching…';
    this.el.dataset.state = 'running';
    this.stopBtn.hidden = false;
    this.host.start(this.searchId, spec);
  }

  /** Cancel the running search; what arrived stays on screen, marked as stopped. */
  private stop(): void {
    if (this.running === undefined) return;
    this.host.cancel(this.running);
    this.running = undefined;
    // Late batches of the cancelled search are dropped.
    this.searchId++;
    this.stopBtn.hidden = true;
    this.status.textContent = `${this.status.textContent ?? ''} · stopped`;
    this.el.dataset.state = 'stopped';
  }

  private clearResults(): void {
    clear(this.hits);
    clear(this.strip);
    clear(this.notes);
    this.status.textContent = '';
    this.error.hidden = true;
    this.error.textContent = '';
    this.shownSpec = undefined;
    this.saveBtn.disabled = true;
    this.stopBtn.hidden = true;
    delete this.el.dataset.state;
  }

  private showError(message: string): void {
    this.error.hidden = false;
    this.error.textContent = message;
    this.status.textContent = '';
    this.el.dataset.state = 'error';
  }

  /** Hits and counts of search `id` arrived. */
  batch(id: number, hits: readonly TraceSearchHit[], progress: TraceSearchProgress): void {
    if (id !== this.searchId) return;
    for (const hit of hits) this.hits.append(this.hitRow(hit));
    this.showProgress(progress, true);
  }

  /** Search `id` finished. */
  done(id: number, progress: TraceSearchProgress, notes: readonly string[]): void {
    if (id !== this.searchId) return;
    this.running = undefined;
    this.stopBtn.hidden = true;
    this.showProgress(progress, false);
    clear(this.notes);
    for (const n of notes) this.notes.append(h('div', {}, n));
    this.el.dataset.state = 'done';
  }

  /** Search `id` could not run. */
  failed(id: number, message: string): void {
    if (id !== this.searchId) return;
    this.running = undefined;
    this.stopBtn.hidden = true;
    this.showError(message);
  }

  private showProgress(p: TraceSearchProgress, running: boolean): void {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : w.endsWith('h') ? 'es' : 's'}`;
    this.status.textContent = `${plural(p.matches, 'match')} in ${plural(p.matched, 'rollout')}${running ? ` · searched ${p.searched} of ${p.total}…` : ` · ${p.total} searched`}`;
    this.status.dataset.matches = String(p.matches);
    this.status.dataset.matched = String(p.matched);
    this.renderStrip(p);
  }

  /** One bar per step: height = share of the step's rollouts that match; the count is written under it. */
  private renderStrip(p: TraceSearchProgress): void {
    clear(this.strip);
    for (const s of p.steps) {
      const share = s.rollouts > 0 ? s.matched / s.rollouts : 0;
      const bar = h('span', { class: 'bar' });
      bar.style.height = `${Math.round(share * 100)}%`;
      const label = s.step === null ? '—' : String(s.step);
      const cell = h(
        'button',
        { class: 'step-count', role: 'listitem', 'data-step': s.step === null ? '' : s.step, 'data-matched': s.matched, 'data-matches': s.matches, 'data-rollouts': s.rollouts, title: `step ${label}: ${s.matched} of ${s.rollouts} rollouts match (${s.matches} matches)`, 'aria-label': `step ${label}: ${s.matched} of ${s.rollouts} rollouts match` },
        h('span', { class: 'bar-box' }, bar),
        h('span', { class: 'num' }, String(s.matched)),
        h('span', { class: 'step-label num' }, label),
      );
      if (s.step !== null) {
        const step = s.step;
        cell.addEventListener('click', () => this.host.pickStep(step));
      }
      this.strip.append(cell);
    }
  }

  private hitRow(hit: TraceSearchHit): HTMLElement {
    const where = `line ${hit.line} · step ${hit.step ?? '—'} · group ${hit.group ?? '—'} · sample ${hit.sample ?? '—'}${hit.matchCount > 1 ? ` · ${hit.matchCount} matches` : ''}`;
    const snippet = h('span', { class: 'snippet' });
    // The snippet with its matches marked, built from text nodes: completions are model output.
    let at = 0;
    const text = hit.snippet;
    if (hit.snippetStart > 0) snippet.append('…');
    for (let k = 0; k + 1 < hit.marks.length; k += 2) {
      const s = Math.max(at, hit.marks[k]!);
      const e = Math.min(text.length, hit.marks[k + 1]!);
      if (e <= s) continue;
      snippet.append(text.slice(at, s), h('mark', {}, text.slice(s, e)));
      at = e;
    }
    snippet.append(text.slice(at));
    const row = h('div', { class: 'search-hit', role: 'listitem', tabindex: 0, 'data-log': hit.log, 'data-record': hit.record, 'data-line': hit.line, 'data-step': hit.step ?? '' }, h('span', { class: 'where num' }, where), snippet);
    row.addEventListener('click', () => this.host.open(hit.log, hit.record));
    row.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') this.host.open(hit.log, hit.record);
    });
    return row;
  }

  private renderToggles(): void {
    this.regexBtn.setAttribute('aria-pressed', String(this.regex));
    this.caseBtn.setAttribute('aria-pressed', String(!this.ignoreCase));
    this.regexBtn.classList.toggle('on', this.regex);
    this.caseBtn.classList.toggle('on', !this.ignoreCase);
  }

  /** Save the search on screen as an active chip (a chip of the same name is replaced). */
  private saveShown(): void {
    const spec = this.shownSpec;
    if (!spec) return;
    const name = (this.nameInput.value.trim() || spec.pattern).slice(0, 200);
    const existing = this.saved.findIndex((s) => s.name === name);
    const chip: SavedSearch = { name, spec, active: true };
    if (existing >= 0) this.saved[existing] = chip;
    else this.saved.push(chip);
    this.nameInput.value = '';
    this.changed();
  }

  private changed(): void {
    this.renderChips();
    this.host.savedChanged(this.saved);
    this.host.stateChanged();
  }

  private renderChips(): void {
    clear(this.chips);
    for (const [k, s] of this.saved.entries()) {
      const desc = `${s.spec.regex ? `/${s.spec.pattern}/` : `"${s.spec.pattern}"`}${s.spec.ignoreCase ? ' (any case)' : ''}`;
      const toggle = h('button', { class: 'chip-toggle', 'aria-pressed': String(s.active), title: `${s.active ? 'Filtering' : 'Not filtering'} the rollout list to completions matching ${desc}; click to ${s.active ? 'turn off' : 'turn on'}` }, s.name);
      toggle.addEventListener('click', () => {
        this.saved[k] = { ...s, active: !s.active };
        this.changed();
      });
      const remove = h('button', { class: 'chip-remove', 'aria-label': `Remove filter ${s.name}` }, '×');
      remove.addEventListener('click', () => {
        this.saved.splice(k, 1);
        this.changed();
      });
      this.chips.append(h('span', { class: `filter-chip${s.active ? ' active' : ''}`, 'data-name': s.name, 'data-key': specKey(s.spec) }, toggle, remove));
    }
    this.chips.hidden = this.saved.length === 0;
  }
}
