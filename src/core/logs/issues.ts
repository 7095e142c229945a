/** A problem found in a log at a line; never fatal: the rest of the log still opens. */
export interface LogIssue {
  /** 1-based line number (0 when the issue concerns the whole file). */
  readonly line: number;
  readonly severity: 'error' | 'warning';
  readonly message: string;
  /** The record field concerned, when there is one. */
  readonly field?: string;
  /** The file concerned when a log spans several files (a TRL completions folder, a verl rollout_data_dir). */
  readonly file?: string;
}

/** Issues kept per log before the rest are only counted: a binary or foreign file must not fill memory with messages. */
export const MAX_ISSUES = 1000;

/** Collects issues up to a cap and summarises the overflow in one last issue. */
export class IssueList {
  readonly items: LogIssue[] = [];
  private dropped = 0;

  constructor(private readonly cap = MAX_ISSUES) {}

  /** Record one issue (or count it once the cap is reached). */
  add(issue: LogIssue): void {
    if (this.items.length < this.cap) this.items.push(issue);
    else this.dropped++;
  }

  /** Issues past the cap, only counted so far. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Count issues another list dropped (merging the lists of log ranges indexed apart). */
  addDropped(n: number): void {
    this.dropped += n;
  }

  /** Start over with `items` (in order, kept up to the cap) plus `dropped` already only counted. */
  replace(items: readonly LogIssue[], dropped: number): void {
    this.items.length = 0;
    this.dropped = dropped;
    this.addAll(items);
  }

  /** Record several issues. */
  addAll(issues: readonly LogIssue[]): void {
    for (const i of issues) this.add(i);
  }

  /** The issues, with a final note when some were only counted. */
  finish(): LogIssue[] {
    if (this.dropped > 0) this.items.push({ line: 0, severity: 'warning', message: `${this.dropped} more issues not listed` });
    return this.items;
  }
}
