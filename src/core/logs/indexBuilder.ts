import type { LogIssue } from './issues';
import { IssueList } from './issues';
import type { RecordSummary } from './fastRecord';

/** The per-record columns of an indexed rollout log: typed arrays, one entry per valid record, in file order. */
export interface RolloutIndex {
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
  /** 1-based line number of record i. */
  readonly line: Uint32Array;
  /** Byte range of record i. */
  readonly offset: Float64Array;
  readonly length: Uint32Array;
  /** Optimizer step; NaN when absent. */
  readonly step: Float64Array;
  /** Run id per record as an index into `runs`; -1 when absent. */
  readonly run: Int32Array;
  readonly runs: string[];
  /** Group key per record (logged, or inferred from step + image/prompt) as an index into `groups`; -1 when unknown. */
  readonly group: Int32Array;
  readonly groups: string[];
  /** Index within the group; -1 when absent. */
  readonly sample: Int32Array;
  /** Image path per record as an index into `images`; -1 when absent. */
  readonly image: Int32Array;
  readonly images: string[];
  /** Total reward and advantage; NaN when absent. */
  readonly reward: Float64Array;
  readonly advantage: Float64Array;
  /** Logged reward components by name; NaN when absent (or logged as null). */
  readonly components: Map<string, Float64Array>;
  /** Completion length in UTF-16 code units. */
  readonly completionLength: Uint32Array;
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
  ) {
    this.data = make(Math.max(1024, initial ? initial.length * 2 : 0));
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
const u32 = (n: number) => new Uint32Array(n);
const i32 = (n: number) => new Int32Array(n);

/** The group key used when a log does not name groups: GRPO samples G completions per prompt/image at one step. */
export function inferredGroupKey(step: number | undefined, image: string | undefined, prompt: string | undefined): string | undefined {
  const what = image ?? prompt;
  if (step === undefined || what === undefined) return undefined;
  return `step ${step} · ${what}`;
}

/** Builds a RolloutIndex record by record; can resume from an existing index to follow a growing log. */
export class IndexBuilder {
  count = 0;
  readonly issues = new IssueList();
  private readonly line: Column<Uint32Array>;
  private readonly offset: Column<Float64Array>;
  private readonly length: Column<Uint32Array>;
  private readonly step: Column<Float64Array>;
  private readonly run: Column<Int32Array>;
  private readonly group: Column<Int32Array>;
  private readonly sample: Column<Int32Array>;
  private readonly image: Column<Int32Array>;
  private readonly reward: Column<Float64Array>;
  private readonly advantage: Column<Float64Array>;
  private readonly completionLength: Column<Uint32Array>;
  private readonly components = new Map<string, Column<Float64Array>>();
  private readonly runs: Interner;
  private readonly groups: Interner;
  private readonly images: Interner;
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
    this.line = new Column(u32, 0, from?.line);
    this.offset = new Column(f64, 0, from?.offset);
    this.length = new Column(u32, 0, from?.length);
    this.step = new Column(f64, Number.NaN, from?.step);
    this.run = new Column(i32, -1, from?.run);
    this.group = new Column(i32, -1, from?.group);
    this.sample = new Column(i32, -1, from?.sample);
    this.image = new Column(i32, -1, from?.image);
    this.reward = new Column(f64, Number.NaN, from?.reward);
    this.advantage = new Column(f64, Number.NaN, from?.advantage);
    this.completionLength = new Column(u32, 0, from?.completionLength);
    this.runs = new Interner(from?.runs);
    this.groups = new Interner(from?.groups);
    this.images = new Interner(from?.images);
    this.prevInGroup = new Column(i32, -1);
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

  /** Report a record repeating an earlier run/step/group/sample (among its group's last 64 records) and steps going backwards. */
  private checkSequence(i: number, run: number, step: number, group: number, sample: number, line: number): void {
    if (group >= 0 && sample >= 0) {
      const stepCol = this.step.data;
      const sampleCol = this.sample.data;
      const runCol = this.run.data;
      let j = this.lastOfGroup.data[group] ?? -1;
      let first = -1;
      for (let walked = 0; j >= 0 && walked < 64; walked++, j = this.prevInGroup.data[j]!) {
        if (sampleCol[j] === sample && runCol[j] === run && (stepCol[j] === step || (Number.isNaN(step) && Number.isNaN(stepCol[j]!)))) first = j;
      }
      if (first >= 0) this.issues.add({ line, severity: 'warning', message: `same run/step/group/sample as line ${this.line.data[first]} (duplicated record?)` });
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
    const group = this.groups.id(r.group ?? inferredGroupKey(r.step, r.image, r.query));
    const i = this.addSummary(line, offset, length, r.step ?? Number.NaN, this.runs.id(r.run), group, r.sample ?? -1, this.images.id(r.image), r.reward ?? Number.NaN, r.advantage ?? Number.NaN, r.completionLength);
    for (let k = 0; k < r.rewardNames.length; k++) this.component(r.rewardNames[k]!).set(i, r.rewardValues[k] ?? Number.NaN);
  }

  /** The ids the summary columns use for a run, a group, an image (interned on first sight). */
  runId(v: string): number {
    return this.runs.id(v);
  }
  groupId(v: string): number {
    return this.groups.id(v);
  }
  imageId(v: string): number {
    return this.images.id(v);
  }
  /** The column of a reward component (created on first sight). */
  componentColumn(name: string): SummaryColumn {
    return this.component(name);
  }

  /**
   * Add one valid record already reduced to ids (the record scanner's path; `add` is the same from a summary).
   * Returns its index, for the caller to set its reward components.
   */
  addSummary(line: number, offset: number, length: number, step: number, run: number, group: number, sample: number, image: number, reward: number, advantage: number, completionLength: number): number {
    const i = this.count++;
    this.store(i, line, offset, length, step, run, group, sample, image, reward, advantage, completionLength);
    if (this.sequenceChecks) this.checkSequence(i, run, step, group, sample, line);
    return i;
  }

  private store(i: number, line: number, offset: number, length: number, step: number, run: number, group: number, sample: number, image: number, reward: number, advantage: number, completionLength: number): void {
    // Grow all columns together, then plain typed-array stores: one bounds check per record, not eleven.
    if (i >= this.line.data.length) this.reserve(Math.max(2 * this.line.data.length, i + 1));
    this.line.data[i] = line;
    this.offset.data[i] = offset;
    this.length.data[i] = length;
    this.step.data[i] = step;
    this.run.data[i] = run;
    this.group.data[i] = group;
    this.sample.data[i] = sample;
    this.image.data[i] = image;
    this.reward.data[i] = reward;
    this.advantage.data[i] = advantage;
    this.completionLength.data[i] = completionLength;
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
    for (const [col, values] of [
      [this.line, part.line],
      [this.offset, part.offset],
      [this.length, part.length],
      [this.step, part.step],
      [this.sample, part.sample],
      [this.reward, part.reward],
      [this.advantage, part.advantage],
      [this.completionLength, part.completionLength],
    ] as const) (col as Column<Typed>).setAll(base, values);
    const remap = (col: Column<Int32Array>, ids: Int32Array, table: readonly string[], into: Interner) => {
      const map = table.map((v) => into.id(v));
      for (let k = 0; k < n; k++) col.data[base + k] = ids[k]! < 0 ? -1 : map[ids[k]!]!;
    };
    remap(this.run, part.run, part.runs, this.runs);
    remap(this.group, part.group, part.groups, this.groups);
    remap(this.image, part.image, part.images, this.images);
    const lines = this.line.data;
    for (let k = base; k < base + n; k++) lines[k] = lines[k]! + lineShift;
    for (const [name, values] of part.components) this.component(name).setAll(base, values);
    this.count = base + n;
    if (!this.sequenceChecks) return;
    for (let i = base; i < base + n; i++) this.checkSequence(i, this.run.data[i]!, this.step.data[i]!, this.group.data[i]!, this.sample.data[i]!, lines[i]!);
  }

  /** Room for n records in every column, allocated exactly. */
  reserve(n: number): void {
    for (const col of [this.line, this.offset, this.length, this.step, this.run, this.group, this.sample, this.image, this.reward, this.advantage, this.completionLength, this.prevInGroup]) (col as Column<Typed>).reserve(n);
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
    return {
      ...meta,
      count: n,
      line: this.line.slice(n),
      offset: this.offset.slice(n),
      length: this.length.slice(n),
      step: this.step.slice(n),
      run: this.run.slice(n),
      runs: this.runs.values,
      group: this.group.slice(n),
      groups: this.groups.values,
      sample: this.sample.slice(n),
      image: this.image.slice(n),
      images: this.images.values,
      reward: this.reward.slice(n),
      advantage: this.advantage.slice(n),
      components,
      completionLength: this.completionLength.slice(n),
      issues: this.issues.finish(),
    };
  }
}
