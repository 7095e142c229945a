import type { AttributionLabel } from '../core/attribution/labels';
import { composeFilters, passesFailureFilter } from '../shared/listFilters';
import type { ListQuery, ListRow } from '../shared/tracesProtocol';

/** The list column that holds 1 where a rollout's answer fails to parse (0 where it parses, NaN until read). */
export const FORMAT_FAILURE_COLUMN = 'formatFailure';

/** Columns of the rollout list, one entry per rollout of every run (typed arrays; they stay on the host). */
export interface RolloutTable {
  /** Run (index into `runs`) of each row. */
  readonly run: Int32Array;
  /** Record index within its log. */
  readonly record: Int32Array;
  readonly line: Uint32Array;
  readonly step: Float64Array;
  readonly sample: Int32Array;
  readonly group: readonly string[];
  /** Numeric columns by name: reward, advantage, each component, prompt statistics. */
  readonly columns: ReadonlyArray<{ readonly name: string; readonly values: Float64Array }>;
}

/** Attribution of every row (override applied), for the label filter and the label cell. */
export interface RowAttribution {
  readonly labels: ReadonlyArray<AttributionLabel | undefined>;
  /** Image path as logged, per row. */
  readonly images: ReadonlyArray<string | undefined>;
  /** True where the label is the user's override. */
  readonly overridden: readonly boolean[];
}

/**
 * The rollout list of the traces view, kept on the host: filter by step range, sort by any column, cut to
 * "worst/best N", and hand out one page of rows at a time. The webview only ever holds the visible rows,
 * so 100,000 rollouts cost one small message per scroll.
 */
export class RolloutTableModel {
  private cache?: { key: string; order: Int32Array };
  private attribution?: RowAttribution;

  constructor(private table: RolloutTable, private readonly logs: readonly string[]) {}

  /** Add or replace a numeric column (one value per row, NaN where unknown). */
  setColumn(name: string, values: Float64Array): void {
    if (values.length !== this.table.run.length) throw new RangeError(`column ${name} has ${values.length} values for ${this.table.run.length} rows`);
    this.table = { ...this.table, columns: [...this.table.columns.filter((c) => c.name !== name), { name, values }] };
    this.cache = undefined;
  }

  /** Set (or clear) the rows' attribution labels: the label filter and the label cell use them. */
  setAttribution(a: RowAttribution | undefined): void {
    if (a && (a.labels.length !== this.total || a.images.length !== this.total)) throw new RangeError(`attribution has ${a.labels.length} labels for ${this.total} rows`);
    this.attribution = a;
    this.cache = undefined;
  }

  /** Rows of one log, by record index (for filling a column log by log). */
  rowsOfLog(log: string): Map<number, number> {
    const r = this.logs.indexOf(log);
    const out = new Map<number, number>();
    for (let i = 0; i < this.table.run.length; i++) if (this.table.run[i] === r) out.set(this.table.record[i]!, i);
    return out;
  }

  /** Numeric column names in display order. */
  get columns(): string[] {
    return this.table.columns.map((c) => c.name);
  }

  get total(): number {
    return this.table.run.length;
  }

  private column(key: string): ArrayLike<number> | undefined {
    const t = this.table;
    if (key === 'line') return t.line;
    if (key === 'step') return t.step;
    if (key === 'sample') return t.sample;
    return t.columns.find((c) => c.name === key)?.values;
  }

  /**
   * Row order for a query (cached for the last sort/filter, so scrolling pages through it cheaply). `masks` are the
   * rows each of the query's saved searches keeps (1 = match), in the order of `q.searches`.
   */
  order(q: Pick<ListQuery, 'sortKey' | 'dir' | 'stepRange' | 'limit' | 'attribution' | 'formatFailures' | 'searches'>, masks: readonly Uint8Array[] = []): Int32Array {
    const key = JSON.stringify([q.sortKey, q.dir, q.stepRange ?? null, q.limit, q.attribution ?? null, q.formatFailures ?? 'all', q.searches ?? []]);
    if (this.cache?.key === key) return this.cache.order;
    const t = this.table;
    const n = t.run.length;
    const r = q.stepRange;
    const lo = r ? Math.ceil(r[0] - 1e-9) : -Infinity;
    const hi = r ? Math.floor(r[1] + 1e-9) : Infinity;
    const keep: number[] = [];
    // A label filter before the pass has run (or after its logs changed) keeps nothing: the list says 0, not all.
    const want = q.attribution;
    const attr = this.attribution;
    const failures = this.column(FORMAT_FAILURE_COLUMN);
    const mode = q.formatFailures ?? 'all';
    const extra = composeFilters([
      mode === 'all' ? undefined : (i) => passesFailureFilter(failures?.[i] ?? Number.NaN, mode),
      ...masks.map((m) => (i: number) => m[i] === 1),
    ]);
    for (let i = 0; i < n; i++) {
      const s = t.step[i]!;
      if (r && !(s >= lo && s <= hi)) continue;
      if (want && (attr?.labels[i] !== want.label || (want.image !== undefined && attr.images[i] !== want.image))) continue;
      if (extra && !extra(i)) continue;
      keep.push(i);
    }
    const col = this.column(q.sortKey);
    if (col) {
      const dir = q.dir;
      // NaN sorts last in both directions: a missing value is never the "worst".
      keep.sort((a, b) => {
        const x = col[a]!;
        const y = col[b]!;
        if (Number.isNaN(x)) return Number.isNaN(y) ? a - b : 1;
        if (Number.isNaN(y)) return -1;
        return (x - y) * dir || a - b;
      });
    }
    const order = Int32Array.from(q.limit > 0 ? keep.slice(0, q.limit) : keep);
    this.cache = { key, order };
    return order;
  }

  /** One page of rows for a query. */
  query(q: ListQuery, masks: readonly Uint8Array[] = []): { total: number; rows: ListRow[] } {
    const order = this.order(q, masks);
    const t = this.table;
    const rows: ListRow[] = [];
    const end = Math.min(order.length, q.offset + Math.max(0, Math.min(q.count, 500)));
    for (let k = Math.max(0, q.offset); k < end; k++) {
      const i = order[k]!;
      rows.push({
        position: k,
        log: this.logs[t.run[i]!]!,
        record: t.record[i]!,
        line: t.line[i]!,
        step: t.step[i]!,
        group: t.group[i] ?? '',
        sample: t.sample[i]!,
        values: t.columns.map((c) => c.values[i]!),
        ...(this.attribution?.labels[i] ? { label: `${this.attribution.labels[i]}${this.attribution.overridden[i] ? '*' : ''}` } : {}),
      });
    }
    return { total: order.length, rows };
  }
}
