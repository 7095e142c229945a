/**
 * Column values for notebook queries, per log and record: logged values from the index, prompt statistics from one
 * streamed parse of the log (cached until the log changes), replay values from {@link QualityColumns}. No vscode
 * import: the unit tests run it on a generated run.
 */
import type { FrameSpec } from '../core/geometry/frames';
import { modelFrameSize } from '../core/geometry/frames';
import type { RolloutIndex } from '../core/logs/jsonlIndex';
import { rankRows, resolveColumn, type ColumnSource } from './notebookColumns';
import { QualityColumns } from './notebookMetrics';
import { promptColumns, type PromptColumns } from './tracesData';

/** A log as queries see it. */
export interface QueryLog {
  /** The log as found (its id in selections). */
  readonly file: string;
  /** Path relative to its workspace folder (what cards and links name). */
  readonly rel: string;
  /** Its workspace folder: record paths resolve inside it. */
  readonly root: string;
  readonly index: RolloutIndex;
}

/** One ranked rollout. */
export interface RankHit {
  readonly log: QueryLog;
  readonly index: number;
  readonly v: number;
}

/** Most rollouts a replay column (IoU, S-measure) scores for one query: each is a mask against a GT (≈ 20 ms). */
export const MAX_REPLAY_ROWS = 2_000;

/** Values of any query column, with the per-log caches a notebook session keeps. */
export class ColumnValues {
  readonly quality: QualityColumns;
  private readonly prompts = new Map<string, { mtimeMs: number; cols: Promise<PromptColumns> }>();

  constructor(private readonly frame: FrameSpec) {
    this.quality = new QualityColumns(frame);
  }

  /** The value of `source` for each of `rows` (record indices) of a log; NaN where unknown. */
  async values(log: QueryLog, rows: readonly number[], source: ColumnSource): Promise<Float64Array> {
    const ix = log.index;
    const out = new Float64Array(rows.length).fill(NaN);
    if (source.kind === 'index') {
      rows.forEach((i, k) => {
        const v = source.key === 'line' ? ix.line[i]! : source.key === 'sample' ? ix.sample[i]! : ix[source.key][i]!;
        // The index stores a missing sample as -1.
        out[k] = source.key === 'sample' && v < 0 ? NaN : v;
      });
    } else if (source.kind === 'component') {
      const col = ix.components.get(source.name);
      if (col) rows.forEach((i, k) => (out[k] = col[i]!));
    } else if (source.kind === 'prompt') {
      const cols = await this.promptsOf(log);
      rows.forEach((i, k) => (out[k] = cols[source.key][i]!));
    } else {
      for (let k = 0; k < rows.length; k++) out[k] = (await this.quality.of(log, rows[k]!))[source.key];
    }
    return out;
  }

  private promptsOf(log: QueryLog): Promise<PromptColumns> {
    const hit = this.prompts.get(log.file);
    if (hit && hit.mtimeMs === log.index.mtimeMs) return hit.cols;
    const cols = promptColumns({ log: log.file, index: log.index, label: log.rel, frame: modelFrameSize(this.frame, { width: 768, height: 768 }) });
    this.prompts.set(log.file, { mtimeMs: log.index.mtimeMs, cols });
    return cols;
  }
}

/** The logs' reward component names, in first-seen order. */
export function componentNames(logs: readonly QueryLog[]): string[] {
  return [...new Set(logs.flatMap((l) => [...l.index.components.keys()]))];
}

/** Resolve a column for these logs, or throw the error that lists the valid ones. */
export function columnOf(logs: readonly QueryLog[], name: string): ColumnSource {
  const c = resolveColumn(name, componentNames(logs));
  if ('error' in c) throw new Error(c.error);
  return c;
}

/** `worst|best n by column [at step s]` over every log: the hits, or an error that says why there are none. */
export async function rankQuery(logs: readonly QueryLog[], q: { readonly order: 'worst' | 'best'; readonly n: number; readonly column: string; readonly step?: number }, values: ColumnValues): Promise<RankHit[]> {
  if (!logs.length) throw new Error('no rollout logs in this workspace');
  const source = columnOf(logs, q.column);
  const rowsOf = logs.map((log) => {
    const rows: number[] = [];
    for (let i = 0; i < log.index.count; i++) if (q.step === undefined || log.index.step[i] === q.step) rows.push(i);
    return rows;
  });
  const total = rowsOf.reduce((a, r) => a + r.length, 0);
  if (source.kind === 'replay' && total > MAX_REPLAY_ROWS) {
    throw new Error(`'${q.column}' is scored per rollout (mask against GT): ${total} rollouts is more than ${MAX_REPLAY_ROWS}; narrow the query with 'at step <s>'`);
  }
  const hits: RankHit[] = [];
  for (let k = 0; k < logs.length; k++) {
    const log = logs[k]!;
    const rows = rowsOf[k]!;
    const v = await values.values(log, rows, source);
    rows.forEach((i, j) => hits.push({ log, index: i, v: v[j]! }));
  }
  const ranked = rankRows(hits, q.order, q.n);
  if (!ranked.length) {
    const at = q.step !== undefined ? ` at step ${q.step}` : '';
    const why = source.kind === 'replay' ? ' (it needs the rollout\'s GT and a logged mask, or an answer the trainer\'s parser rejects)' : '';
    throw new Error(`no rollout has a value for '${q.column}'${at}${why}`);
  }
  return ranked;
}
