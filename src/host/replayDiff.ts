import type { RolloutIndex } from '../core/logs/indexBuilder';
import { replayLog, type ReplayedRollout } from '../core/rewards/replay';
import { describeReplaySummary, summariseReplay, type ReplaySummary, type SummaryRollout } from '../core/rewards/replaySummary';
import type { RewardSet } from '../core/rewards/types';

/** The list column "Largest replay Δ" adds. */
export const REPLAY_DIFF_COLUMN = 'replay |Δ total|';

/**
 * Worker threads of a replay. Always more than one, so the per-line pass (parsing, masks, S-measure) runs off the
 * extension host's thread even on a one-core machine; two, as before, because the host shares the machine.
 */
export const REPLAY_DIFF_WORKERS = 2;

/** One indexed log as the replay needs it. */
export interface ReplayDiffLog {
  /** Log id (the rollout table's key). */
  readonly file: string;
  /** Workspace-relative path, in progress messages and group names. */
  readonly rel: string;
  /** Folder images and GT resolve against. */
  readonly root: string;
  readonly format: string;
  readonly index: RolloutIndex;
}

/** What the replay is given besides the logs. */
export interface ReplayDiffOptions {
  readonly rewardSet: RewardSet;
  /** Advantage estimator id (`auto` resolves per log). */
  readonly estimator: string;
  /** Rows of the rollout table for a log: record → row. */
  readonly rowsOfLog: (log: string) => Map<number, number>;
  /** Rows of the rollout table. */
  readonly rows: number;
  readonly signal: AbortSignal;
  readonly onProgress: (message: string) => void;
  /** Worker script override (tests); default: the bundle's `replayWorker.js`. */
  readonly workerScript?: string;
}

/** The |replayed − logged| total per table row (NaN where not compared) and the replay's summary. */
export interface ReplayDiff {
  readonly column: Float64Array;
  readonly summary: ReplaySummary;
  readonly text: string;
}

/**
 * Replay every rollout of every log under a reward set (logged masks; rollouts without one keep only their format
 * component) on worker threads, and compute the difference column and the summary: how many totals change and which
 * rankings invert within GRPO groups. Cancelling `signal` stops the workers and rejects with an AbortError.
 */
export async function replayDiff(logs: readonly ReplayDiffLog[], o: ReplayDiffOptions): Promise<ReplayDiff> {
  const summaryRows: SummaryRollout[] = [];
  const column = new Float64Array(o.rows).fill(Number.NaN);
  for (const log of logs) {
    o.onProgress(`${log.rel} under ${o.rewardSet.id}`);
    const rows = o.rowsOfLog(log.file);
    const lineToRecord = new Map<number, number>();
    for (let i = 0; i < log.index.count; i++) lineToRecord.set(log.index.line[i]!, i);
    const { report } = await replayLog(log.index.path, {
      rewardSet: o.rewardSet,
      root: log.root,
      estimator: o.estimator,
      format: log.format,
      workers: REPLAY_DIFF_WORKERS,
      ...(o.workerScript !== undefined ? { workerScript: o.workerScript } : {}),
      signal: o.signal,
      onProgress: (p) => o.onProgress(`${log.rel}: ${p.rollouts} rollouts`),
    });
    for (const r of report.rollouts) {
      const record = lineToRecord.get(r.line);
      const row = record === undefined ? undefined : rows.get(record);
      if (row !== undefined && r.total.logged !== null && r.total.replayed !== null) column[row] = Math.abs(r.total.replayed - r.total.logged);
      // The log names a group only where several logs could hold groups of the same name.
      summaryRows.push(summaryRollout(logs.length > 1 ? log.rel : undefined, log.index, record, r));
    }
  }
  const summary = summariseReplay(o.rewardSet.id, summaryRows);
  return { column, summary, text: describeReplaySummary(summary) };
}

/**
 * A replayed rollout for the summary: its group is the log's GRPO group (with the log when there are several, so
 * groups of different logs never mix; a rollout without a group is alone in one), its name the log line.
 */
function summaryRollout(logRel: string | undefined, index: RolloutIndex, record: number | undefined, r: ReplayedRollout): SummaryRollout {
  const g = record === undefined ? -1 : index.group[record]!;
  const groupName = (g >= 0 ? index.groups[g] : undefined) ?? `line ${r.line}`;
  return { group: logRel === undefined ? groupName : `${groupName} (${logRel})`, name: `line ${r.line}`, total: r.total };
}
