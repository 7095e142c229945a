import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { AdapterOptions, RolloutAdapter, RolloutSink } from './adapterTypes';
import { parseJsonLine } from './jsonParse';
import { TrlRowMapper, trlRewardNames } from './trlCompletions';

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
  // Without the run's trainer_state, every column holding numbers is taken for a reward function.
  const numeric = columns.map(String).filter((c, j) => c !== 'step' && c !== 'advantage' && data.some((row) => Array.isArray(row) && typeof row[j] === 'number'));
  const mapper = new TrlRowMapper(sink, (await trlRewardNames(dirname(path))) ?? numeric);
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

/** W&B `*.table.json` of TRL's completions table. */
export const wandbTableAdapter: RolloutAdapter = {
  name: 'wandb-table',
  summary: "W&B table export (*.table.json) of TRL's completions table",
  read: readWandbTable,
};
