import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { RolloutFormat } from './adapterTypes';
import { writeFileAtomic } from './atomicFile';
import { convertLog, type ConvertSummary } from './convert';
import { detectLogFormat, readAdapter } from './formats';
import type { ImageJoin } from './imageJoin';
import { indexRolloutLogCached, type CacheOutcome } from './indexCache';
import type { RolloutIndex } from './indexBuilder';
import type { LogIssue } from './issues';

/** Bumped when converting the same source gives different records (2: groups by step + prompt + image after the join). */
const CONVERSION_VERSION = 2;

/** An opened rollout log: the index the extension reads records through, and where it came from. */
export interface OpenedLog {
  /** The log as given (file or folder). */
  readonly source: string;
  readonly format: RolloutFormat;
  /** Index of canonical JSONL: the source itself, or its conversion in the cache folder. */
  readonly index: RolloutIndex;
  /** Problems of the source when it was converted (file + line/row of the tool's own log). */
  readonly sourceIssues: readonly LogIssue[];
  /** Conversion figures when the source is not canonical. */
  readonly conversion?: Omit<ConvertSummary, 'issues'>;
  readonly cache: CacheOutcome;
  /** Why the index cache was not used as it was (absent, corrupt, or the log changed), when it was not. */
  readonly cacheReason?: string;
}

/** Options of openRolloutLog. */
export interface OpenLogOptions {
  /** Force a format instead of detecting it. */
  readonly format?: string;
  /** Where indexes and conversions are kept (default: `.segr1/` beside the log). */
  readonly cacheDir?: string;
  readonly imageJoin?: ImageJoin;
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number, total: number) => void;
}

/** Size and mtime of every file a conversion read: the conversion is redone when any changes. */
async function signature(path: string): Promise<string> {
  const st = await stat(path);
  if (!st.isDirectory()) return `${st.size}:${st.mtimeMs}`;
  const parts: string[] = [];
  for (const name of (await readdir(path)).sort()) {
    const s = await stat(join(path, name)).catch(() => undefined);
    if (s?.isFile()) parts.push(`${name}:${s.size}:${s.mtimeMs}`);
    if (s?.isDirectory() && name === 'completions') parts.push(await signature(join(path, name)));
  }
  return parts.join('|');
}

/**
 * Open any supported rollout log for browsing. Canonical JSONL is indexed in place (through the index
 * cache); other formats are converted once to canonical JSONL in the cache folder and re-converted when
 * a source file changes (TRL rewrites its last parquet file; verl adds a file per step).
 */
export async function openRolloutLog(path: string, opts: OpenLogOptions = {}): Promise<OpenedLog> {
  const format = opts.format ? readAdapter(opts.format).name : await detectedFormat(path);
  if (format === 'canonical') {
    const { index, outcome, reason } = await indexRolloutLogCached(path, opts);
    return { source: path, format, index, sourceIssues: [], cache: outcome, ...(reason !== undefined ? { cacheReason: reason } : {}) };
  }
  const abs = resolve(path);
  const dir = opts.cacheDir ?? join(dirname(abs), '.segr1');
  const stem = `${basename(abs)}.${createHash('sha1').update(abs).digest('hex').slice(0, 10)}`;
  const out = join(dir, `${stem}.rollouts.jsonl`);
  const metaPath = join(dir, `${stem}.source.json`);
  await mkdir(dir, { recursive: true });
  // CONVERSION_VERSION: conversions cached by an older reader (e.g. groups numbered before the image join) are redone.
  const sig = `${CONVERSION_VERSION}|${format}|${JSON.stringify(opts.imageJoin ?? null)}|${await signature(path)}`;
  let meta: { sig: string; summary: ConvertSummary } | undefined;
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8')) as { sig: string; summary: ConvertSummary };
    await stat(out);
  } catch {
    meta = undefined;
  }
  if (meta?.sig !== sig) {
    const summary = await convertLog(path, out, { format, ...(opts.imageJoin ? { imageJoin: opts.imageJoin } : {}), ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    // Nothing readable: the previous conversion (if any) is kept on disk, but not shown as this source's.
    if (!summary.written) throw new Error(`${path}: no readable rollouts (${unreadReasons(summary)})`);
    meta = { sig, summary };
    writeFileAtomic(metaPath, JSON.stringify(meta));
  }
  const { index, outcome, reason } = await indexRolloutLogCached(out, opts);
  const { issues, ...conversion } = meta.summary;
  return { source: path, format, index, sourceIssues: issues, conversion, cache: outcome, ...(reason !== undefined ? { cacheReason: reason } : {}) };
}

function unreadReasons(s: ConvertSummary): string {
  const why = [...s.failed.map((f) => `${f.file}: ${f.reason}`), ...s.skipped.map((k) => `${basename(k.path)}: ${k.reason}`)];
  for (const i of s.issues) if (i.severity === 'error' && i.line > 0) why.push(`${i.file ?? ''}:${i.line}: ${i.message}`);
  if (!why.length) why.push('no records in it');
  return why.slice(0, 3).join('; ') + (why.length > 3 ? `; and ${why.length - 3} more` : '');
}

async function detectedFormat(path: string): Promise<RolloutFormat> {
  const d = await detectLogFormat(path);
  if (d.kind === 'rollouts') return d.format;
  // Unreadable or empty .jsonl files still open as canonical so their problems are reported line by line.
  if (path.endsWith('.jsonl') && !(await stat(path)).isDirectory()) return 'canonical';
  throw new Error(d.kind === 'metrics' ? `${path} holds trainer metrics (${d.format}); read it with readTrainerMetrics` : `${path}: ${d.reason}`);
}
