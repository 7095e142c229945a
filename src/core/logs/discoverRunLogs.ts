import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative, sep } from 'node:path';
import type { MetricsFormat, RolloutFormat } from './adapterTypes';
import { detectLogFormat } from './formats';
import { TRL_PARQUET_FILE } from './trlParquet';
import { VERL_FILE } from './verlJsonl';

/** A training-run log found in a workspace: a file or a tool's folder, with its format. */
export type FoundLog = { readonly path: string; readonly rel: string } & ({ readonly kind: 'rollouts'; readonly format: RolloutFormat } | { readonly kind: 'metrics'; readonly format: MetricsFormat });

/** Folders never searched: dependencies, VCS, and the workbench's own caches. */
const SKIP = new Set(['node_modules', '.git', '.segr1', '.venv', '__pycache__', 'wandb-cache']);

/** File names worth sniffing; everything else is never opened. */
function candidate(name: string): boolean {
  return name.endsWith('.jsonl') || name.endsWith('.table.json') || name === 'trainer_state.json' || name === 'generations.log' || name === 'training.log' || /^debug_log.*\.txt$/.test(name);
}

/**
 * Find every rollout log and metrics file of the formats the workbench reads under `root`: canonical and
 * verl JSONL, TRL completions folders, W&B tables, EasyR1/Seg-R1/VLM-R1 text logs, trainer_state.json and
 * experiment_log.jsonl. A folder of verl `{step}.jsonl` or TRL parquet files is one log; of a TRL run's
 * trainer states only the newest (output_dir's own, else the highest checkpoint) is listed.
 */
export async function discoverRunLogs(root: string, opts: { maxDepth?: number; signal?: AbortSignal } = {}): Promise<FoundLog[]> {
  const maxDepth = opts.maxDepth ?? 8;
  const found: FoundLog[] = [];
  const states = new Map<string, { path: string; rank: number }>();
  const add = async (path: string) => {
    const d = await detectLogFormat(path).catch(() => undefined);
    if (!d || d.kind === 'unknown') return;
    const rel = relative(root, path).split(sep).join('/');
    found.push(d.kind === 'rollouts' ? { path, rel, kind: 'rollouts', format: d.format } : { path, rel, kind: 'metrics', format: d.format });
  };
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (opts.signal?.aborted) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    const files = entries.filter((e) => e.isFile()).map((e) => e.name);
    if (files.some((n) => TRL_PARQUET_FILE.test(n))) await add(dir);
    const verlDir = files.some((n) => VERL_FILE.test(n));
    if (verlDir) await add(dir);
    for (const name of files) {
      if (!candidate(name) || (verlDir && VERL_FILE.test(name))) continue;
      const path = join(dir, name);
      if (name === 'trainer_state.json') {
        // checkpoint-N/trainer_state.json repeats the output_dir's history up to step N: keep the newest per run.
        const m = /^checkpoint-(\d+)$/.exec(basename(dir));
        const run = m ? dirname(dir) : dir;
        const rank = m ? Number(m[1]) : Number.POSITIVE_INFINITY;
        const prev = states.get(run);
        if (!prev || rank > prev.rank) states.set(run, { path, rank });
        continue;
      }
      await add(path);
    }
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.isDirectory() && !SKIP.has(e.name)) await walk(join(dir, e.name), depth + 1);
    }
  };
  await walk(root, 0);
  for (const { path } of states.values()) await add(path);
  return found.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}
