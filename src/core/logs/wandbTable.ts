import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import { parseJsonLine } from './jsonParse';
import { TrlRowMapper, rewardNamesFromLogHistory, trlRewardNames } from './trlCompletions';

/** W&B caps tables at 200k rows; a file far beyond this is not one, and is never loaded whole. */
export const MAX_TABLE_BYTES = 512 * 1024 * 1024;

/** Whether a parsed JSON value is a W&B table file (`{"columns": [...], "data": [[...]]}`). */
export function isWandbTable(v: unknown): v is { columns: unknown[]; data: unknown[] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { columns?: unknown }).columns) && Array.isArray((v as { data?: unknown }).data);
}

/**
 * Read a W&B table export of TRL's `completions` table. wandb's Table.bind_to_run writes
 * `_to_table_json()` = `{"columns": self.columns, "data": self.data}` with json_dump_safer (NaN allowed)
 * to `media/table/completions_<step>_<hash>.table.json`. W&B tables are small (≤ 200k rows), so the file is read whole.
 */
export async function readWandbTable(path: string, sink: RolloutSink, _opts: AdapterOptions = {}): Promise<void> {
  const name = basename(path);
  const size = (await stat(path)).size;
  if (size > MAX_TABLE_BYTES) {
    sink.issue({ line: 0, file: name, severity: 'error', message: `${size} bytes: larger than any W&B table (cap ${MAX_TABLE_BYTES}); not read` });
    return;
  }
  const parsed = parseJsonLine(await readFile(path, 'utf8'), 1);
  for (const i of parsed.issues) sink.issue({ ...i, file: name });
  if (parsed.value === undefined) return;
  if (!isWandbTable(parsed.value)) {
    sink.issue({ line: 1, file: name, severity: 'error', message: 'not a W&B table: expected {"columns": [...], "data": [[...]]}' });
    return;
  }
  const { columns, data } = parsed.value;
  if (!columns.includes('completion')) {
    sink.issue({ line: 1, file: name, severity: 'error', field: 'completion', message: "column 'completion' missing; not a TRL completions table" });
    return;
  }
  // TRL's table puts reward columns and log_extra columns side by side (grpo_trainer.py 3434-3441: step, prompt,
  // completion, **rewards, **extra, advantage), so only the run's metrics can tell them apart.
  let names = (await trlRewardNames(dirname(path))) ?? (await wandbSummaryRewardNames(path));
  if (names === undefined) {
    names = columns.map(String).filter((c, j) => c !== 'step' && c !== 'advantage' && data.some((row) => Array.isArray(row) && typeof row[j] === 'number'));
    sink.issue({
      line: 0,
      file: name,
      severity: 'warning',
      message: `no wandb-summary.json of the run (files/, two folders up) or trainer_state.json names the reward functions: every numeric column taken for a reward (${names.join(', ')}), log_extra columns included`,
    });
  }
  const mapper = new TrlRowMapper(sink, names);
  data.forEach((row, k) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      sink.issue({ line: 1, file: name, severity: 'error', message: `row ${k} has ${Array.isArray(row) ? row.length : 'no'} cells for ${columns.length} columns` });
      return;
    }
    const o: Record<string, unknown> = {};
    columns.forEach((c, j) => (o[String(c)] = row[j]));
    mapper.row(o, name, k);
  });
  mapper.finish();
}

/**
 * Reward function names from the W&B run of a table: `<run>/files/media/table/<table>.table.json` sits two folders
 * below `<run>/files/wandb-summary.json`, whose keys are TRL's metrics as transformers' WandbCallback logs them
 * (`rewrite_logs`: `train/` or `eval/` + `rewards/<name>/mean`). Undefined when there is no readable summary.
 */
export async function wandbSummaryRewardNames(tablePath: string): Promise<string[] | undefined> {
  const p = join(dirname(tablePath), '..', '..', 'wandb-summary.json');
  let summary: unknown;
  try {
    const st = await stat(p);
    if (st.size > MAX_TABLE_BYTES) return undefined;
    summary = parseJsonLine(await readFile(p, 'utf8'), 1).value;
  } catch {
    return undefined;
  }
  if (typeof summary !== 'object' || summary === null || Array.isArray(summary)) return undefined;
  const keys = Object.fromEntries(Object.keys(summary).map((k) => [k.replace(/^(?:train|eval)\//, ''), true]));
  const names = rewardNamesFromLogHistory([keys]);
  return names.length ? names : undefined;
}

/** W&B `*.table.json` of TRL's completions table. */
export const wandbTableAdapter: RolloutAdapter = {
  name: 'wandb-table',
  summary: "W&B table export (*.table.json) of TRL's completions table",
  read: readWandbTable,
};
