/**
 * The problems of one rollout view: every one is listed above the canvas; those about the record's line also go to
 * the Problems panel, so a bad line is found from the log too.
 */
export class ViewProblems {
  /** Every problem, in the order met, for the view's `problems`. */
  readonly list: string[] = [];

  constructor(
    private readonly line: number | undefined,
    private readonly report: (line: number | undefined, message: string) => void,
  ) {}

  /** A problem with the record's line: listed and reported on the line. */
  note(message: string): void {
    this.list.push(message);
    this.report(this.line, message);
  }

  /** A remark for the view only: nothing is wrong with the line (e.g. a record that names no image). */
  remark(message: string): void {
    this.list.push(message);
  }
}
