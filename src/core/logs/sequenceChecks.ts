import type { LogIssue } from './issues';

/** Flags records that repeat an earlier run/step/group/sample, and steps going backwards, in log order (convert's check; the index walks groups instead). */
export class SequenceChecks {
  private readonly seen = new Map<string, number>();
  private lastStep = Number.NaN;
  private lastStepLine = 0;

  /** Issues for one record; group/sample undefined (or -1) skip the duplicate check, NaN step the order check. */
  check(run: string | number | undefined, step: number, group: string | number | undefined, sample: number | undefined, line: number): LogIssue[] {
    const issues: LogIssue[] = [];
    if (group !== undefined && group !== -1 && sample !== undefined && sample >= 0) {
      const key = `${run ?? -1}|${step}|${group}|${sample}`;
      const first = this.seen.get(key);
      if (first === undefined) this.seen.set(key, line);
      else issues.push({ line, severity: 'warning', message: `same run/step/group/sample as line ${first} (duplicated record?)` });
    }
    if (!Number.isNaN(step)) {
      if (step < this.lastStep) issues.push({ line, severity: 'warning', field: 'step', message: `step ${step} after step ${this.lastStep} (line ${this.lastStepLine}): steps out of order` });
      this.lastStep = step;
      this.lastStepLine = line;
    }
    return issues;
  }
}
