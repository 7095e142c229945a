import type { RolloutSink } from '../../../src/core/logs/adapterTypes';
import { readAdapter } from '../../../src/core/logs/formats';
import type { LogIssue } from '../../../src/core/logs/issues';
import type { RolloutRecord } from '../../../src/core/logs/rollout';

/** A record as an adapter delivered it, with the line and file it named. */
export type CollectedRecord = RolloutRecord & { line?: number; file?: string };

/** Read a log through an adapter into arrays. */
export async function collect(format: string, path: string): Promise<{ records: CollectedRecord[]; issues: LogIssue[] }> {
  const records: CollectedRecord[] = [];
  const issues: LogIssue[] = [];
  const sink: RolloutSink = {
    record: (r, line, file) => records.push({ ...r, ...(line !== undefined ? { line } : {}), ...(file !== undefined ? { file } : {}) }),
    issue: (i) => issues.push(i),
  };
  await readAdapter(format).read(path, sink);
  return { records, issues };
}
