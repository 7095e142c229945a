import type { TracesPayload } from '../shared/protocol';
import { clear, h } from './dom';

/** Fixed row height (px): virtualisation computes visible rows from scrollTop. */
const ROW = 22;
/** Extra rows rendered above and below the viewport. */
const OVERSCAN = 6;

/**
 * The rollout table of every run: sortable by any column, filtered by the brushed step range, a column
 * threshold and presets ("worst N by X"); only the visible rows are in the DOM, so 100,000 rollouts scroll.
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
  private data?: TracesPayload;
  /** Row indices after filtering and sorting. */
  private order = new Int32Array(0);
  private stepRange?: [number, number];
  private sortKey = 'line';
  private sortDir: 1 | -1 = 1;
  private limit = 0;

  constructor(private readonly open: (log: string, index: number) => void) {
    this.count = h('span', { id: 'list-count', class: 'num' });
    this.sortSelect = h('select', { id: 'preset-column', 'aria-label': 'Column for presets' });
    this.limitInput = h('input', { id: 'preset-n', type: 'number', min: 1, value: 20, 'aria-label': 'N for presets' });
    const worst = h('button', { id: 'preset-worst' }, 'Worst N');
    const best = h('button', { id: 'preset-best' }, 'Best N');
    const all = h('button', { id: 'preset-all' }, 'All');
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
    this.viewport.addEventListener('scroll', () => this.paint());
    new ResizeObserver(() => this.paint()).observe(this.viewport);
    this.el = h(
      'section',
      { class: 'rollout-list', 'aria-label': 'Rollout list' },
      h('div', { class: 'list-toolbar' }, this.count, h('span', { class: 'spacer' }), 'by', this.sortSelect, 'N', this.limitInput, worst, best, all),
      this.header,
      this.viewport,
    );
  }

  /** Load a new table (all runs). */
  setData(p: TracesPayload): void {
    this.data = p;
    clear(this.sortSelect);
    for (const c of p.table.columns) this.sortSelect.append(h('option', { value: c.name }, c.name));
    this.refresh();
  }

  /** Keep only rollouts whose step lies in the range (inclusive); undefined = all. */
  setStepRange(r: [number, number] | undefined): void {
    this.stepRange = r;
    this.refresh();
  }

  private preset(dir: 1 | -1): void {
    this.sortKey = this.sortSelect.value;
    this.sortDir = dir;
    this.limit = Math.max(1, Number(this.limitInput.value) || 20);
    this.refresh();
  }

  private column(key: string): ArrayLike<number> | undefined {
    const t = this.data?.table;
    if (!t) return undefined;
    if (key === 'line') return t.line;
    if (key === 'step') return t.step;
    if (key === 'sample') return t.sample;
    return t.columns.find((c) => c.name === key)?.values;
  }

  private refresh(): void {
    const t = this.data?.table;
    if (!t) return;
    const n = t.run.length;
    const keep: number[] = [];
    const r = this.stepRange;
    for (let i = 0; i < n; i++) {
      const s = t.step[i]!;
      if (r && !(s >= Math.ceil(r[0] - 1e-9) && s <= Math.floor(r[1] + 1e-9))) continue;
      keep.push(i);
    }
    const col = this.column(this.sortKey);
    if (col) {
      const dir = this.sortDir;
      // NaN sorts last in both directions: a missing value is never the "worst".
      keep.sort((a, b) => {
        const x = col[a]!;
        const y = col[b]!;
        if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
        if (Number.isNaN(y)) return -1;
        return (x - y) * dir || a - b;
      });
    }
    this.order = Int32Array.from(this.limit ? keep.slice(0, this.limit) : keep);
    this.count.textContent = `${this.order.length} of ${n} rollouts`;
    this.viewport.dataset.total = String(this.order.length);
    this.renderHeader();
    this.spacer.style.height = `${this.order.length * ROW}px`;
    this.paint();
  }

  private renderHeader(): void {
    clear(this.header);
    const t = this.data!.table;
    const cols = ['line', 'step', 'group', 'sample', ...t.columns.map((c) => c.name)];
    for (const c of cols) {
      const arrow = this.sortKey === c ? (this.sortDir === 1 ? ' ▲' : ' ▼') : '';
      const b = h('button', { class: 'col', role: 'columnheader', 'aria-sort': this.sortKey === c ? (this.sortDir === 1 ? 'ascending' : 'descending') : 'none' }, c + arrow);
      if (c !== 'group') {
        b.addEventListener('click', () => {
          this.sortDir = this.sortKey === c ? ((-this.sortDir) as 1 | -1) : 1;
          this.sortKey = c;
          this.refresh();
        });
      }
      this.header.append(b);
    }
  }

  /** Render only the rows in view. */
  private paint(): void {
    const t = this.data?.table;
    if (!t) return;
    const top = this.viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
    const last = Math.min(this.order.length, Math.ceil((top + this.viewport.clientHeight) / ROW) + OVERSCAN);
    clear(this.rowsEl);
    this.rowsEl.style.transform = `translateY(${first * ROW}px)`;
    for (let k = first; k < last; k++) {
      const i = this.order[k]!;
      const cells = [String(t.line[i]), fmt(t.step[i]!), t.group[i] ?? '', t.sample[i]! >= 0 ? String(t.sample[i]) : '—', ...t.columns.map((c) => fmt(c.values[i]!))];
      const row = h('div', { class: 'list-row', role: 'row', tabindex: -1, 'data-row': i, 'data-step': t.step[i] }, ...cells.map((c) => h('span', { class: 'cell num', role: 'cell' }, c)));
      const run = this.data!.runs[t.run[i]!]!;
      row.addEventListener('click', () => this.open(run.log, t.record[i]!));
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.open(run.log, t.record[i]!);
      });
      this.rowsEl.append(row);
    }
    this.viewport.dataset.rendered = String(last - first);
  }
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return '—';
  return Number.isInteger(v) ? String(v) : v.toFixed(3);
}
