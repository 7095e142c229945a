import { readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { MetricsFormat, RolloutAdapter, RolloutFormat } from './adapterTypes';
import { canonicalAdapter } from './canonicalAdapter';
import { easyr1GenerationsAdapter } from './easyr1Generations';
import { parseJsonLine } from './jsonParse';
import { segr1DebugAdapter } from './segr1DebugLog';
import { segzeroStdoutAdapter } from './segzeroStdout';
import { binaryReason, readHead } from './textBytes';
import { TRL_PARQUET_FILE, trlParquetAdapter } from './trlParquet';
import { VERL_FILE, verlAdapter } from './verlJsonl';
import { vlmr1DebugAdapter } from './vlmr1DebugLog';
import { wandbTableAdapter } from './wandbTable';

/** Every rollout adapter by format name. */
export const ADAPTERS: Readonly<Record<RolloutFormat, RolloutAdapter>> = {
  canonical: canonicalAdapter,
  'trl-parquet': trlParquetAdapter,
  'wandb-table': wandbTableAdapter,
  verl: verlAdapter,
  'easyr1-generations': easyr1GenerationsAdapter,
  'segr1-debug': segr1DebugAdapter,
  'vlmr1-debug': vlmr1DebugAdapter,
  'segzero-stdout': segzeroStdoutAdapter,
};

/** The adapter of a format name; throws with the list of names when unknown (an explicit --format override). */
export function readAdapter(name: string): RolloutAdapter {
  const a = (ADAPTERS as Record<string, RolloutAdapter | undefined>)[name];
  if (!a) throw new Error(`unknown log format '${name}' (known: ${Object.keys(ADAPTERS).join(', ')})`);
  return a;
}

/** What a path holds: a rollout log of some format, trainer metrics, or nothing the workbench reads (with why). */
export type DetectedLog = { kind: 'rollouts'; format: RolloutFormat } | { kind: 'metrics'; format: MetricsFormat } | { kind: 'unknown'; reason: string };

/** Classify the first JSON object of a JSON Lines file. */
function jsonlKind(first: Record<string, unknown>): DetectedLog {
  if (typeof first.completion === 'string') return { kind: 'rollouts', format: 'canonical' };
  if ('output' in first && 'input' in first && ('score' in first || 'gts' in first)) return { kind: 'rollouts', format: 'verl' };
  if (typeof first.step === 'number' && Object.values(first).every((v) => typeof v !== 'string')) return { kind: 'metrics', format: 'easyr1-metrics' };
  return { kind: 'unknown', reason: `JSON Lines without a completion field (keys: ${Object.keys(first).slice(0, 8).join(', ')})` };
}

/**
 * Detect a log's format from its name and first bytes (a folder from the files in it). Never reads a
 * file whole; explicit overrides go through readAdapter instead.
 */
export async function detectLogFormat(path: string): Promise<DetectedLog> {
  const st = await stat(path);
  if (st.isDirectory()) {
    const names = await readdir(path);
    if (names.some((n) => TRL_PARQUET_FILE.test(n))) return { kind: 'rollouts', format: 'trl-parquet' };
    if (names.includes('completions') && (await readdir(`${path}/completions`).catch(() => [] as string[])).some((n) => TRL_PARQUET_FILE.test(n))) return { kind: 'rollouts', format: 'trl-parquet' };
    if (names.some((n) => VERL_FILE.test(n))) return { kind: 'rollouts', format: 'verl' };
    return { kind: 'unknown', reason: 'folder without completions_*.parquet or {step}.jsonl files' };
  }
  const name = basename(path);
  if (st.size === 0) return { kind: 'unknown', reason: 'empty file' };
  const bytes = await readHead(path);
  if (bytes.subarray(0, 4).toString('latin1') === 'PAR1') return { kind: 'rollouts', format: 'trl-parquet' };
  // Only a file that is mostly not text is refused; a torn line (NUL run, invalid UTF-8) is that line's error.
  const binary = binaryReason(bytes);
  if (binary !== undefined) return { kind: 'unknown', reason: binary };
  const text = bytes.toString('utf8').replace(/^\ufeff/, '');
  if (name === 'trainer_state.json' || /^\s*\{[\s\S]*"log_history"\s*:/.test(text)) return { kind: 'metrics', format: 'trainer-state' };
  if (name.endsWith('.table.json') || /^\s*\{\s*"(columns|_type)"/.test(text)) return { kind: 'rollouts', format: 'wandb-table' };
  // The first line that is text decides (U+FFFD: a byte of invalid UTF-8, which a torn line holds).
  const firstLine = text.split('\n').find((l) => l.trim() !== '' && !l.includes('\u0000') && !l.includes('\ufffd'));
  if (firstLine !== undefined && firstLine.trimStart().startsWith('{')) {
    const p = parseJsonLine(firstLine, 1);
    if (p.value && typeof p.value === 'object' && !Array.isArray(p.value)) return jsonlKind(p.value as Record<string, unknown>);
    if (name.endsWith('.jsonl')) return { kind: 'rollouts', format: 'canonical' };
  }
  // Seg-Zero's verl fork prints `[response]` where EasyR1's generations.log has `[output]`; its config dump
  // (main_task prints it first) names a compute_score, for a stdout whose first sample is past the first 64 kB.
  const ray = '(?:(?:\\x1b\\[[0-9;]*m)*\\([^()\\n]* pid=\\d+[^)\\n]*\\)(?:\\x1b\\[[0-9;]*m)* ?)?';
  if (new RegExp(`^${ray}\\[prompt\\] `, 'm').test(text) && new RegExp(`^${ray}\\[response\\] `, 'm').test(text)) return { kind: 'rollouts', format: 'segzero-stdout' };
  if (new RegExp(`^${ray}\\s*"compute_score": "`, 'm').test(text)) return { kind: 'rollouts', format: 'segzero-stdout' };
  if (/^\[prompt\] /m.test(text)) return { kind: 'rollouts', format: 'easyr1-generations' };
  if (/^------------- \S+ (Accuracy reward: .*|Format reward) -------------$/m.test(text)) return { kind: 'rollouts', format: 'vlmr1-debug' };
  if (/^\s*Content: /m.test(text) && /^\s*(Final Reward|IOU|Points): /m.test(text)) return { kind: 'rollouts', format: 'segr1-debug' };
  if (/^\s*Content: /m.test(text) && /^\s*-{40}\s*$/m.test(text)) return { kind: 'rollouts', format: 'segr1-debug' };
  if (name.endsWith('.jsonl')) return { kind: 'rollouts', format: 'canonical' };
  return { kind: 'unknown', reason: 'no known rollout or metrics format in the first 64 kB' };
}
