import type { AttributionLabel } from '../core/attribution/labels';
import type { SearchSpec } from '../core/search/spec';
import type { FailureFilter, SavedListState } from '../shared/listFilters';
import type { ListQuery, ListRow, TracesPayload } from '../shared/tracesProtocol';
import { clear, h } from './dom';

/** Fixed row height (px): virtualisation computes visible rows from scrollTop. */
const ROW = 22;
/** Extra rows fetched above and below the viewport. */
const OVERSCAN = 20;

/** Columns every list has; others (rewards, the replay difference) come from the host. */
const BASE_COLUMNS = ['line', 'step', 'group', 'sample'];

/** What the list keeps across a hidden webview and reloads (webview state). */
export type ListState = SavedListState;

/**
 * The rollout table of every run: sortable by any column, filtered by the brushed step range and presets
 * ("worst N by X"). Sorting and filtering run on the host; this list asks for the rows in view only, so
 * only visible rows are in the DOM and in memory, at any log size.
 */
export class RolloutList {
  readonly el: HTMLElement;
  private readonly viewport: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rowsEl: HTMLElement;
  private readonly header: HTMLElement;
  private readonly count: HTMLElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly limitInput: HTMLInputElement;
  private columns: readonly string[] = [];
  private grandTotal = 0;
  private total = 0;
  private stepRange?: [number, number];
  private sortKey = 'line';
  private sortDir: 1 | -1 = 1;
  private limit = 0;
  /** Attribution label filter (from the taxonomy), sent with every query. */
  private attribution?: { label: AttributionLabel; image?: string };
  /** Format-failure filter and active saved searches, sent with every query. */
  private failures: FailureFilter = 'all';
  private searches: readonly SearchSpec[] = [];
  /** Whether the label column shows (the attribution pass has run). */
  private labelled = false;
  /** Rows received for the current query, by position. */
  private rows = new Map<number, ListRow>();
  private queryId = 0;
  private inFlight?: { id: number; offset: number; count: number };
  /** A saved state waiting for its sort column to exist (the replay column arrives after the payload). */
  private pendingRestore?: ListState;
  /** Scroll position to return to once the restored query's first rows are in. */
  private pendingScroll?: number;
  /** Called whenever what snapshot() returns may have changed. */
  onStateChange: () => void = () => undefined;

  constructor(
    private readonly request: (id: number, q: ListQuery) => void,
    private readonly open: (log: string, index: number) => void,
    private readonly requestReplay: () => void,
  ) {
    this.count = h('span', { id: 'list-count', class: 'num' });
    this.sortSelect = h('select', { id: 'preset-column', 'aria-label': 'Column for presets' });
    this.limitInput = h('input', { id: 'preset-n', type: 'number', min: 1, value: 20, 'aria-label': 'N for presets' });
    const worst = h('button', { id: 'preset-worst' }, 'Worst N');
    const best = h('button', { id: 'preset-best' }, 'Best N');
    const all = h('button', { id: 'preset-all' }, 'All');
    const replay = h('button', { id: 'preset-replay', title: 'Replay every rollout with the training code\'s reward and list the largest differences from what was logged' }, 'Largest replay Δ');
    replay.addEventListener('click', () => this.requestReplay());
    worst.addEventListener('click', () => this.preset(1));
    best.addEventListener('click', () => this.preset(-1));
    all.addEventListener('click', () => {
      this.limit = 0;
      this.sortKey = 'line';
      this.sortDir = 1;
      this.refresh();
    });
    this.header = h('div', { class: 'list-header', role: 'row' });
    this.spacer = h('div', { class: 'list-spacer' });
    this.rowsEl = h('div', { class: 'list-rows', role: 'rowgroup' });
    this.viewport = h('div', { class: 'list-viewport', id: 'rollout-list', role: 'table', 'aria-label': 'Rollouts', tabindex: 0 }, this.spacer, this.rowsEl);
    this.viewport.addEventListener('scroll', () => {
      this.paint();
      this.onStateChange();
    });
    this.limitInput.addEventListener('change', () => this.onStateChange());
    this.sortSelect.addEventListener('change', () => this.onStateChange());
    new ResizeObserver(() => this.paint()).observe(this.viewport);
    this.el = h(
      'section',
      { class: 'rollout-list', 'aria-label': 'Rollout list' },
      h('div', { class: 'list-toolbar' }, this.count, h('span', { class: 'spacer' }), 'by', this.sortSelect, 'N', this.limitInput, worst, best, all, replay),
      this.header,
      this.viewport,
    );
  }

  /** Sort, presets and scroll as they are now, for the webview state. */
  snapshot(): ListState {
    const p = this.pendingRestore;
    if (p) return p;
    return { sortKey: this.sortKey, sortDir: this.sortDir, limit: this.limit, presetColumn: this.sortSelect.value || undefined, n: Number(this.limitInput.value) || 20, scrollTop: this.pendingScroll ?? this.viewport.scrollTop };
  }

  /** Return to a saved state: applied with the next columns that hold its sort column. */
  restore(s: ListState): void {
    this.pendingRestore = s;
  }

  /** The step range before the first query (a restored brush), without querying yet. */
  presetStepRange(r: [number, number] | undefined): void {
    this.stepRange = r;
  }

  /** A new payload: columns and size; rows come by query. */
  setData(p: TracesPayload): void {
    this.grandTotal = p.table.total;
    const chosen = this.sortSelect.value;
    this.setColumns(p.table.columns, undefined, chosen);
  }

  /** The host added columns (e.g. a replay difference): show them, optionally sorted by one, largest first. */
  setColumns(columns: readonly string[], sortBy?: string, keepChoice?: string): void {
    this.columns = columns;
    clear(this.sortSelect);
    for (const c of columns) this.sortSelect.append(h('option', { value: c }, c));
    if (keepChoice && columns.includes(keepChoice)) this.sortSelect.value = keepChoice;
    const saved = this.pendingRestore;
    if (saved && (BASE_COLUMNS.includes(saved.sortKey) || columns.includes(saved.sortKey))) {
      this.pendingRestore = undefined;
      this.sortKey = saved.sortKey;
      this.sortDir = saved.sortDir;
      this.limit = saved.limit;
      this.limitInput.value = String(saved.n);
      if (saved.presetColumn && columns.includes(saved.presetColumn)) this.sortSelect.value = saved.presetColumn;
      this.pendingScroll = saved.scrollTop;
    }
    if (sortBy) {
      this.sortSelect.value = sortBy;
      this.sortKey = sortBy;
      this.sortDir = -1;
      // "Largest replay Δ" is a preset like "Worst N": it keeps the N the user set.
      this.limit = Math.max(1, Number(this.limitInput.value) || 20);
    }
    this.refresh();
  }

  /** Keep only rollouts whose step lies in the range (inclusive); undefined = all. */
  setStepRange(r: [number, number] | undefined): void {
    this.stepRange = r;
    this.refresh();
  }

  /** Format-failure filter and saved-search filters (all must match); `query` false sets them before the first query. */
  setFilters(f: { failures: FailureFilter; searches: readonly SearchSpec[] }, query = true): void {
    this.failures = f.failures;
    this.searches = f.searches;
    if (query) this.refresh();
  }

  /** Keep only rollouts with this label (and image); undefined = all. */
  setAttribution(f: { label: AttributionLabel; image?: string } | undefined): void {
    this.attribution = f;
    this.refresh();
  }

  /** Show the label column (the attribution pass has run) or hide it, without re-querying. */
  showLabels(on: boolean): void {
    if (this.labelled === on) return;
    this.labelled = on;
    this.renderHeader();
    this.paint();
  }

  /** Rows for a query arrived from the host. */
  receive(id: number, total: number, rows: readonly ListRow[]): void {
    if (id !== this.queryId) return; // an answer to a superseded query
    this.inFlight = undefined;
    this.total = total;
    for (const r of rows) this.rows.set(r.position, r);
    this.count.textContent = `${total} of ${this.grandTotal} rollouts`;
    this.viewport.dataset.total = String(total);
    this.spacer.style.height = `${total * ROW}px`;
    if (this.pendingScroll !== undefined) {
      // The restored query's rows are in: scroll to where the user was (paint() fetches the rows there).
      this.viewport.scrollTop = this.pendingScroll;
      this.pendingScroll = undefined;
    }
    this.paint();
  }

  private preset(dir: 1 | -1): void {
    this.sortKey = this.sortSelect.value;
    this.sortDir = dir;
    this.limit = Math.max(1, Number(this.limitInput.value) || 20);
    this.refresh();
  }

  private query(offset: number, count: number): ListQuery {
    return { sortKey: this.sortKey, dir: this.sortDir, stepRange: this.stepRange, limit: this.limit, offset, count, ...(this.attribution ? { attribution: this.attribution } : {}), ...(this.failures !== 'all' ? { formatFailures: this.failures } : {}), ...(this.searches.length ? { searches: this.searches } : {}) };
  }

  /** The query changed: forget rows, ask for the first screen. */
  private refresh(): void {
    this.rows.clear();
    this.queryId++;
    this.inFlight = undefined;
    this.viewport.scrollTop = 0;
    this.renderHeader();
    this.fetch(0);
    this.onStateChange();
  }

  private fetch(first: number): void {
    const count = Math.ceil(this.viewport.clientHeight / ROW) + 2 * OVERSCAN;
    const offset = Math.max(0, first - OVERSCAN);
    if (this.inFlight && this.inFlight.offset === offset) return;
    this.inFlight = { id: this.queryId, offset, count };
    this.request(this.queryId, this.query(offset, count));
  }

  private renderHeader(): void {
    clear(this.header);
    const cols = ['line', 'step', 'group', 'sample', ...(this.labelled ? ['label'] : []), ...this.columns];
    for (const c of cols) {
      const arrow = this.sortKey === c ? (this.sortDir === 1 ? ' ▲' : ' ▼') : '';
      const b = h('button', { class: 'col', role: 'columnheader', 'aria-sort': this.sortKey === c ? (this.sortDir === 1 ? 'ascending' : 'descending') : 'none' }, c + arrow);
      if (c !== 'group' && c !== 'label') {
        b.addEventListener('click', () => {
          this.sortDir = this.sortKey === c ? ((-this.sortDir) as 1 | -1) : 1;
          this.sortKey = c;
          this.limit = 0;
          this.refresh();
        });
      }
      this.header.append(b);
    }
  }

  /** Render the rows in view; ask the host for any that are missing. */
  private paint(): void {
    const top = this.viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - 6);
    const last = Math.min(this.total, Math.ceil((top + this.viewport.clientHeight) / ROW) + 6);
    clear(this.rowsEl);
    this.rowsEl.style.transform = `translateY(${first * ROW}px)`;
    let missing = false;
    for (let k = first; k < last; k++) {
      const r = this.rows.get(k);
      if (!r) {
        missing = true;
        this.rowsEl.append(h('div', { class: 'list-row pending', role: 'row' }, h('span', { class: 'cell' }, '…')));
        continue;
      }
      const cells = [String(r.line), fmt(r.step), r.group, r.sample >= 0 ? String(r.sample) : '—', ...(this.labelled ? [r.label ?? '—'] : []), ...r.values.map(fmt)];
      const row = h('div', { class: 'list-row', role: 'row', tabindex: -1, 'data-row': k, 'data-step': r.step, 'data-line': r.line, 'data-label': r.label ?? '' }, ...cells.map((c) => h('span', { class: 'cell num', role: 'cell' }, c)));
      row.addEventListener('click', () => this.open(r.log, r.record));
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.open(r.log, r.record);
      });
      this.rowsEl.append(row);
    }
    this.viewport.dataset.rendered = String(last - first);
    if (missing) this.fetch(first);
    // Keep memory bounded while scrolling far through a huge list.
    if (this.rows.size > 4000) for (const k of [...this.rows.keys()]) if (k < first - 500 || k > last + 500) this.rows.delete(k);
  }
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return '—';
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
