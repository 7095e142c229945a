import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AdapterOptions, RolloutFormat } from './adapterTypes';
import { AtomicFile, isWorkbenchTemp, unwritableTarget } from './atomicFile';
import { detectLogFormat, readAdapter } from './formats';
import { GroupNumbering } from './groupInference';
import { inferredGroupKey } from './indexBuilder';
import { IssueList, type LogIssue } from './issues';
import { ImageJoiner, type ImageJoin } from './imageJoin';
import { abortError } from './lineScanner';
import type { RolloutRecord } from './rollout';
import { SequenceChecks } from './sequenceChecks';

/** A rollout source, or one file of it, that could not be read in full: its rows read before the failure are kept. */
export interface FailedSource {
  /** The source as planned (file or tool folder). */
  readonly source: string;
  /** The file concerned (a name inside a tool folder, else the source's name). */
  readonly file: string;
  readonly reason: string;
}

/** What a conversion found. */
export interface ConvertSummary {
  /** Format per source file or folder read. */
  readonly sources: ReadonlyArray<{ readonly path: string; readonly format: RolloutFormat }>;
  /** Files not taken for rollout logs, with why (metrics, unknown, binary, empty, the output itself). */
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  /** Rollout sources (or files of them) that could not be read in full; any makes the conversion incomplete. */
  readonly failed: readonly FailedSource[];
  /** Whether `out` was (re)written; false when nothing was readable, in which case an existing `out` is left as it was. */
  readonly written: boolean;
  readonly records: number;
  /** Distinct steps and groups (logged or inferred) among the records. */
  readonly steps: number;
  readonly groups: number;
  /** Records with no image after joining. */
  readonly withoutImage: number;
  /** Where the first of them came from (`<file>:<line|row>`, at most {@link FIRST_WITHOUT_IMAGE}). */
  readonly withoutImageFirst: readonly string[];
  /** Formats of the sources that gave records without an image. */
  readonly withoutImageFormats: readonly RolloutFormat[];
  /** Issues of the sources, each naming its file. */
  readonly issues: LogIssue[];
}

/** How many sources of records without an image a summary keeps. */
export const FIRST_WITHOUT_IMAGE = 5;

/** Options of a conversion. */
export interface ConvertOptions extends AdapterOptions {
  /** Force one format instead of detecting it. */
  readonly format?: string;
  /** Attach dataset images to formats that do not name them. */
  readonly imageJoin?: ImageJoin;
}

/** A conversion that cannot start: `out` is a folder, its folder is missing. Nothing was written. */
export class ConvertTargetError extends Error {
  override readonly name = 'ConvertTargetError';
}

/** Canonical field order, so converted logs diff well. */
function canonicalLine(r: RolloutRecord): string {
  const { extra, ...known } = r;
  const o: Record<string, unknown> = {};
  for (const k of ['run', 'step', 'group', 'sample', 'image', 'gt', 'task', 'query', 'completion', 'tokens', 'model_frame', 'rewards', 'reward', 'advantage', 'mask'] as const) {
    if (known[k] !== undefined) o[k] = known[k];
  }
  // Extras stay nested: a tool's column may share a name with a canonical field.
  if (extra && Object.keys(extra).length) o.extra = extra;
  return JSON.stringify(o);
}

/** Buffered synchronous writer: adapters call sinks synchronously, so records are written in order without awaiting. */
class LineWriter {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly file: AtomicFile) {}
  write(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length) this.file.write(this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/**
 * Why a path must not be read as input, or undefined: the output itself (same device and inode, so a
 * symlink or hard link to it is caught too) and the workbench's temporaries are half-written or own output.
 */
function inputGuard(out: string): (path: string) => string | undefined {
  const o = statSync(out, { throwIfNoEntry: false });
  return (path) => {
    if (isWorkbenchTemp(basename(path))) return 'a temporary file of a workbench write (in progress or interrupted); not read';
    if (!o) return undefined;
    const s = statSync(path, { throwIfNoEntry: false });
    return s && s.dev === o.dev && s.ino === o.ino ? 'the output file of this conversion; not read' : undefined;
  };
}

type Plan = { sources: { path: string; format: RolloutFormat }[]; skipped: { path: string; reason: string }[] };

/** The sources to read for `path`: itself when its format is known, else each file of a mixed folder. */
async function plan(path: string, format: string | undefined, guard: (p: string) => string | undefined): Promise<Plan> {
  const own = guard(path);
  if (own) return { sources: [], skipped: [{ path, reason: own }] };
  if (format) return { sources: [{ path, format: readAdapter(format).name }], skipped: [] };
  const d = await detectLogFormat(path);
  if (d.kind === 'rollouts') return { sources: [{ path, format: d.format }], skipped: [] };
  if (!(await stat(path)).isDirectory()) return { sources: [], skipped: [{ path, reason: d.kind === 'metrics' ? `trainer metrics (${d.format}), not rollouts` : d.reason }] };
  const sources: Plan['sources'] = [];
  const skipped: Plan['skipped'] = [];
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    const why = guard(p);
    if (why) {
      skipped.push({ path: p, reason: why });
      continue;
    }
    const e = await detectLogFormat(p).catch((err: unknown) => ({ kind: 'unknown' as const, reason: err instanceof Error ? err.message : String(err) }));
    if (e.kind === 'rollouts') sources.push({ path: p, format: e.format });
    else skipped.push({ path: p, reason: e.kind === 'metrics' ? `trainer metrics (${e.format}), not rollouts` : e.reason });
  }
  return { sources, skipped };
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/**
 * Convert a log (file, tool folder, or a folder of mixed files) into canonical JSON Lines at `out`, streaming.
 * Never loses data: records go to a temporary beside `out` that replaces it (fsync + rename) only when at least
 * one record was read, and is removed on every other outcome (nothing readable, abort, an exception); `out`
 * itself and the workbench's temporaries are never read as input; a source (or one file of it) that fails is
 * reported in `failed` and `issues`, naming the file, and the other sources' records are kept.
 * Throws {@link ConvertTargetError} before reading anything when `out` cannot be a file.
 */
export async function convertLog(path: string, out: string, opts: ConvertOptions = {}): Promise<ConvertSummary> {
  const bad = unwritableTarget(out);
  if (bad) throw new ConvertTargetError(bad);
  const guard = inputGuard(out);
  const { sources, skipped } = await plan(path, opts.format, guard);
  const issues = new IssueList();
  const failed: FailedSource[] = [];
  const steps = new Set<number>();
  const groups = new Set<string>();
  const joiner = new ImageJoiner(opts.imageJoin);
  // Groups are numbered after the join: an image it attaches splits a prompt shared by every image.
  const numbering = new GroupNumbering();
  const withoutImageFirst: string[] = [];
  const withoutImageFormats = new Set<RolloutFormat>();
  let records = 0;
  let written = false;
  const file = new AtomicFile(out);
  const w = new LineWriter(file);
  const adapterOpts: ConvertOptions = { ...opts, skipFile: (p) => guard(p) !== undefined || opts.skipFile?.(p) === true };
  try {
    for (const src of sources) {
      if (opts.signal?.aborted) throw abortError();
      const srcName = basename(src.path);
      const checks = new Map<string, SequenceChecks>();
      const before = records;
      try {
        await readAdapter(src.format).read(
          src.path,
          {
            record(r, line, name) {
              // Adapters that never look at the signal still stop at their next record.
              if (opts.signal?.aborted) throw abortError();
              const f = name ?? srcName;
              let c = checks.get(f);
              if (!c) checks.set(f, (c = new SequenceChecks()));
              for (const i of c.check(r.run, r.step ?? Number.NaN, r.group, r.sample, line ?? 0)) issues.add({ ...i, file: f });
              const withImage = numbering.assign(joiner.apply(r));
              const source = `${f}${line !== undefined ? `:${line}` : ''}`;
              const rec: RolloutRecord = { ...withImage, extra: { ...withImage.extra, source } };
              if (rec.image === undefined) {
                withoutImageFormats.add(src.format);
                if (withoutImageFirst.length < FIRST_WITHOUT_IMAGE) withoutImageFirst.push(source);
              }
              w.write(canonicalLine(rec));
              records++;
              if (rec.step !== undefined) steps.add(rec.step);
              const g = rec.group ?? inferredGroupKey(rec.step, rec.image, rec.query);
              if (g !== undefined) groups.add(`${rec.run ?? ''}\u0000${g}`);
            },
            issue(i) {
              const named = i.file ? i : { ...i, file: srcName };
              // An error on line 0 is a file the adapter gave up on, in whole or in part (see RolloutSink.issue).
              if (named.severity === 'error' && named.line === 0) failed.push({ source: src.path, file: named.file ?? srcName, reason: named.message });
              issues.add(named);
            },
          },
          adapterOpts,
        );
      } catch (e) {
        if (isAbort(e)) throw e;
        const reason = `could not be read (${e instanceof Error ? e.message : String(e)}); ${records > before ? `its ${records - before} records read before the failure kept` : 'no records from it'}`;
        failed.push({ source: src.path, file: srcName, reason });
        issues.add({ line: 0, file: srcName, severity: 'error', message: reason });
      }
    }
    w.flush();
    if (records > 0) {
      file.commit();
      written = true;
    }
  } finally {
    file.discard();
  }
  for (const s of skipped) issues.add({ line: 0, file: basename(s.path), severity: 'warning', message: `skipped: ${s.reason}` });
  return { sources, skipped, failed, written, records, steps: steps.size, groups: groups.size, withoutImage: joiner.withoutImage.length, withoutImageFirst, withoutImageFormats: [...withoutImageFormats], issues: issues.finish() };
}
