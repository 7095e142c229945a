import type { LogIssue } from './issues';
import { IssueList } from './issues';
import type { RecordSummary } from './fastRecord';
import { allocColumn, COL, emptyRow, INDEX_COLUMNS, type ColumnName, type ColumnSpec, type IndexColumns, type IndexRow } from './indexColumns';

/**
 * An indexed rollout log: the typed columns of INDEX_COLUMNS (indexColumns.ts), one entry per valid record in file
 * order, plus the string tables the id columns index and the reward components.
 */
export interface RolloutIndex extends IndexColumns {
  /** Absolute or caller-given path of the canonical JSONL the byte ranges point into. */
  readonly path: string;
  /** File size and mtime when indexed: a change invalidates the index. */
  readonly size: number;
  readonly mtimeMs: number;
  /** Offset just past the last complete line: where following a growing log resumes. */
  readonly scanned: number;
  /** Number of the line starting at `scanned`. */
  readonly nextLine: number;
  /** Valid records. */
  readonly count: number;
  /** The strings the `run`, `group` and `image` columns' ids index, in first-seen order. */
  readonly runs: string[];
  readonly groups: string[];
  readonly images: string[];
  /** Logged reward components by name; NaN when absent (or logged as null). */
  readonly components: Map<string, Float64Array>;
  /** Every problem found; never fatal. */
  readonly issues: LogIssue[];
  /**
   * Set when the file is JSON Lines but not rollouts (no line has a completion: trainer metrics, a verl
   * dump to open through its adapter); then `issues` is empty rather than one error per line.
   */
  readonly notRollouts?: string;
}

/** A string table: id per distinct string, in first-seen order. */
class Interner {
  readonly values: string[];
  private readonly ids = new Map<string, number>();
  constructor(values: readonly string[] = []) {
    this.values = [...values];
    this.values.forEach((v, i) => this.ids.set(v, i));
  }
  id(v: string | undefined): number {
    if (v === undefined) return -1;
    let id = this.ids.get(v);
    if (id === undefined) {
      id = this.values.length;
      this.values.push(v);
      this.ids.set(v, id);
    }
    return id;
  }
}

type Typed = Float64Array | Uint32Array | Int32Array;

/** A reward component's column as the record scanner fills it. */
export interface SummaryColumn {
  set(i: number, v: number): void;
}

/** A growable typed column. */
class Column<T extends Typed> {
  data: T;
  constructor(
    private readonly make: (n: number) => T,
    private readonly fill: number,
    initial?: T,
    minLength = 1024,
  ) {
    this.data = make(Math.max(minLength, initial ? initial.length * 2 : 0));
    this.data.fill(fill);
    if (initial) this.data.set(initial as never);
  }
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const next = this.make(this.data.length * 2);
      next.fill(this.fill);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[i] = v;
  }
  /** Room for n values, allocated exactly (a merge knows its total, so no doubling slack). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const next = this.make(n);
    next.fill(this.fill);
    next.set(this.data as never);
    this.data = next;
  }
  /** Copy `values` in from index i. */
  setAll(i: number, values: T): void {
    this.reserve(i + values.length);
    this.data.set(values as never, i);
  }
  /** The first n values as a view: capacity grows by doubling, so at most half is spare, and a trimming copy would raise the peak. */
  slice(n: number): T {
    return this.data.subarray(0, n) as T;
  }
}

const f64 = (n: number) => new Float64Array(n);
const i32 = (n: number) => new Int32Array(n);

/** The group key used when a log does not name groups: GRPO samples G completions per prompt/image at one step. */
export function inferredGroupKey(step: number | undefined, image: string | undefined, prompt: string | undefined): string | undefined {
  const what = image ?? prompt;
  if (step === undefined || what === undefined) return undefined;
  return `step ${step} · ${what}`;
}

/** Each element kind's row slots (positions in INDEX_COLUMNS). */
function kindSlots(): { readonly f64: readonly number[]; readonly i32: readonly number[]; readonly u32: readonly number[] } {
  const of = (kind: string) => INDEX_COLUMNS.flatMap((c, k) => (c.kind === kind ? [k] : []));
  return { f64: of('f64'), i32: of('i32'), u32: of('u32') };
}

/** Builds a RolloutIndex record by record; can resume from an existing index to follow a growing log. */
export class IndexBuilder {
  count = 0;
  readonly issues = new IssueList();
  /**
   * The next record's values: fill it, then `commit()`. Reused for every record (no allocation per record);
   * commit resets it, so a field a parser does not set is stored as that column's "absent" value.
   */
  readonly row: IndexRow = emptyRow();
  /** One growable column per INDEX_COLUMNS entry, in its order, and the same by name. */
  private readonly columns: Array<Column<Typed>>;
  private readonly col: Record<ColumnName, Column<Typed>>;
  /**
   * Each column's current array (refreshed when they grow), split by element kind with the row slots they take: the
   * commit loops read these, not the Column objects. One loop per kind keeps each store monomorphic; a single loop
   * over mixed Float64/Int32/Uint32 arrays made every store megamorphic and the whole index ~40 % slower.
   */
  private f64: Float64Array[] = [];
  private i32: Int32Array[] = [];
  private u32: Uint32Array[] = [];
  private readonly slots = kindSlots();
  private readonly fills: Float64Array = emptyRow();
  private capacity: number;
  private readonly components = new Map<string, Column<Float64Array>>();
  private readonly tables: Record<NonNullable<ColumnSpec['table']>, Interner>;
  /** Previous record of the same group (-1: none), and each group's latest record: duplicate checks walk a group, not the log. */
  private readonly prevInGroup: Column<Int32Array>;
  private readonly lastOfGroup: Column<Int32Array>;
  private lastStep = Number.NaN;
  private lastStepLine = 0;

  /**
   * `from`: an index to extend (following a growing log). `sequenceChecks: false` leaves duplicate and step-order
   * checks to whoever merges this builder's records in file order (a range indexed by a parallel worker).
   */
  constructor(
    from?: RolloutIndex,
    private readonly sequenceChecks = true,
  ) {
    this.columns = INDEX_COLUMNS.map((c) => new Column<Typed>((n) => allocColumn(c, n), c.fill, from?.[c.name]));
    this.col = Object.fromEntries(INDEX_COLUMNS.map((c, k) => [c.name, this.columns[k]!])) as Record<ColumnName, Column<Typed>>;
    this.capacity = this.columns[0]!.data.length;
    this.refreshData();
    this.tables = { runs: new Interner(from?.runs), groups: new Interner(from?.groups), images: new Interner(from?.images) };
    this.prevInGroup = new Column(i32, -1, undefined, this.capacity);
    this.lastOfGroup = new Column(i32, -1);
    if (!from) return;
    this.count = from.count;
    for (const [name, col] of from.components) this.components.set(name, new Column(f64, Number.NaN, col));
    this.issues.addAll(from.issues);
    for (let i = 0; i < from.count; i++) this.link(i, from.group[i]!);
    for (let i = from.count - 1; i >= 0; i--) {
      if (Number.isNaN(from.step[i]!)) continue;
      this.lastStep = from.step[i]!;
      this.lastStepLine = from.line[i]!;
      break;
    }
  }

  private link(i: number, group: number): void {
    if (group < 0) return;
    this.prevInGroup.set(i, this.lastOfGroup.data[group] ?? -1);
    this.lastOfGroup.set(group, i);
  }

  /** Report record i repeating an earlier run/step/group/sample (among its group's last 64 records) and steps going backwards. */
  private checkSequence(i: number): void {
    const { run: runCol, step: stepCol, group: groupCol, sample: sampleCol, line: lineCol } = this.col;
    const run = runCol.data[i]!;
    const step = stepCol.data[i]!;
    const group = groupCol.data[i]!;
    const sample = sampleCol.data[i]!;
    const line = lineCol.data[i]!;
    if (group >= 0 && sample >= 0) {
      let j = this.lastOfGroup.data[group] ?? -1;
      let first = -1;
      for (let walked = 0; j >= 0 && walked < 64; walked++, j = this.prevInGroup.data[j]!) {
        if (sampleCol.data[j] === sample && runCol.data[j] === run && (stepCol.data[j] === step || (Number.isNaN(step) && Number.isNaN(stepCol.data[j]!)))) first = j;
      }
      if (first >= 0) this.issues.add({ line, severity: 'warning', message: `same run/step/group/sample as line ${lineCol.data[first]} (duplicated record?)` });
    }
    this.link(i, group);
    if (!Number.isNaN(step)) {
      if (step < this.lastStep) this.issues.add({ line, severity: 'warning', field: 'step', message: `step ${step} after step ${this.lastStep} (line ${this.lastStepLine}): steps out of order` });
      this.lastStep = step;
      this.lastStepLine = line;
    }
  }

  /** Add one valid record's summary found at `line`, bytes [offset, offset + length). */
  add(r: RecordSummary, line: number, offset: number, length: number): void {
    const row = this.row;
    row[COL.line] = line;
    row[COL.offset] = offset;
    row[COL.length] = length;
    row[COL.step] = r.step ?? Number.NaN;
    row[COL.run] = this.tables.runs.id(r.run);
    row[COL.group] = this.tables.groups.id(r.group ?? inferredGroupKey(r.step, r.image, r.query));
    row[COL.sample] = r.sample ?? -1;
    row[COL.image] = this.tables.images.id(r.image);
    row[COL.reward] = r.reward ?? Number.NaN;
    row[COL.advantage] = r.advantage ?? Number.NaN;
    row[COL.completionLength] = r.completionLength;
    const i = this.commit();
    for (let k = 0; k < r.rewardNames.length; k++) this.component(r.rewardNames[k]!).set(i, r.rewardValues[k] ?? Number.NaN);
  }

  /** The ids the summary columns use for a run, a group, an image (interned on first sight). */
  runId(v: string): number {
    return this.tables.runs.id(v);
  }
  groupId(v: string): number {
    return this.tables.groups.id(v);
  }
  imageId(v: string): number {
    return this.tables.images.id(v);
  }
  /** The column of a reward component (created on first sight). */
  componentColumn(name: string): SummaryColumn {
    return this.component(name);
  }

  /**
   * Add `row` as one valid record (ids already interned) and reset it to "absent"; returns the record's index,
   * for the caller to set its reward components.
   */
  commit(): number {
    const i = this.count++;
    // Grow all columns together, then plain typed-array stores: one bounds check per record, not one per column.
    if (i >= this.capacity) this.reserve(Math.max(2 * this.capacity, i + 1));
    const { row, f64, i32, u32, slots } = this;
    for (let k = 0; k < f64.length; k++) f64[k]![i] = row[slots.f64[k]!]!;
    for (let k = 0; k < i32.length; k++) i32[k]![i] = row[slots.i32[k]!]!;
    for (let k = 0; k < u32.length; k++) u32[k]![i] = row[slots.u32[k]!]!;
    row.set(this.fills);
    if (this.sequenceChecks) this.checkSequence(i);
    return i;
  }

  private component(name: string): Column<Float64Array> {
    let col = this.components.get(name);
    if (!col) {
      col = new Column(f64, Number.NaN);
      this.components.set(name, col);
    }
    return col;
  }

  /**
   * Append the records of a range indexed on its own, as if they had been read here: string ids remapped,
   * line numbers shifted by `lineShift` (the part numbers its lines from 1), sequence checks run across the seam.
   * The part's own issues are not taken: the caller merges those in line order.
   */
  appendPart(part: RolloutIndex, lineShift: number): void {
    const base = this.count;
    const n = part.count;
    this.reserve(base + n);
    INDEX_COLUMNS.forEach((c: ColumnSpec, k) => {
      const col = this.columns[k]!;
      const values = part[c.name as ColumnName];
      if (!c.table) {
        col.setAll(base, values);
        return;
      }
      const map = part[c.table].map((v) => this.tables[c.table!].id(v));
      for (let j = 0; j < n; j++) col.data[base + j] = values[j]! < 0 ? -1 : map[values[j]!]!;
    });
    const lines = this.col.line.data;
    for (let k = base; k < base + n; k++) lines[k] = lines[k]! + lineShift;
    for (const [name, values] of part.components) this.component(name).setAll(base, values);
    this.count = base + n;
    if (!this.sequenceChecks) return;
    for (let i = base; i < base + n; i++) this.checkSequence(i);
  }

  /** Room for n records in every column, allocated exactly. */
  reserve(n: number): void {
    for (const col of this.columns) col.reserve(n);
    this.prevInGroup.reserve(n);
    this.capacity = Math.max(this.capacity, n);
    this.refreshData();
  }

  /** The per-kind views of the columns' current arrays (after construction or growth). */
  private refreshData(): void {
    const { slots } = this;
    this.f64 = slots.f64.map((k) => this.columns[k]!.data as Float64Array);
    this.i32 = slots.i32.map((k) => this.columns[k]!.data as Int32Array);
    this.u32 = slots.u32.map((k) => this.columns[k]!.data as Uint32Array);
  }

  /** Freeze into an index (arrays trimmed to `count`). */
  finish(meta: { path: string; size: number; mtimeMs: number; scanned: number; nextLine: number }, extraIssues: readonly LogIssue[] = []): RolloutIndex {
    const n = this.count;
    const components = new Map<string, Float64Array>();
    for (const [name, col] of this.components) {
      const a = new Float64Array(n).fill(Number.NaN);
      a.set(col.data.subarray(0, n));
      components.set(name, a);
    }
    this.issues.addAll(extraIssues);
    const columns = Object.fromEntries(INDEX_COLUMNS.map((c, k) => [c.name, this.columns[k]!.slice(n)])) as unknown as IndexColumns;
    return {
      ...meta,
      count: n,
      ...columns,
      runs: this.tables.runs.values,
      groups: this.tables.groups.values,
      images: this.tables.images.values,
      components,
      issues: this.issues.finish(),
    };
  }
}
