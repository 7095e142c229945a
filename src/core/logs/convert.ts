import { closeSync, openSync, renameSync, writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AdapterOptions, RolloutFormat } from './adapterTypes';
import { detectLogFormat, readAdapter } from './formats';
import { inferredGroupKey } from './indexBuilder';
import { IssueList, type LogIssue } from './issues';
import { ImageJoiner, type ImageJoin } from './imageJoin';
import type { RolloutRecord } from './rollout';
import { SequenceChecks } from './sequenceChecks';

/** What a conversion found. */
export interface ConvertSummary {
  /** Format per source file or folder read. */
  readonly sources: ReadonlyArray<{ readonly path: string; readonly format: RolloutFormat }>;
  /** Files skipped, with why (metrics, unknown, binary, empty). */
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly records: number;
  /** Distinct steps and groups (logged or inferred) among the records. */
  readonly steps: number;
  readonly groups: number;
  /** Records with no image after joining. */
  readonly withoutImage: number;
  /** Issues of the sources, each naming its file. */
  readonly issues: LogIssue[];
}

/** Options of a conversion. */
export interface ConvertOptions extends AdapterOptions {
  /** Force one format instead of detecting it. */
  readonly format?: string;
  /** Attach dataset images to formats that do not name them. */
  readonly imageJoin?: ImageJoin;
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
  constructor(private readonly fd: number) {}
  write(line: string): void {
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    if (this.parts.length) writeSync(this.fd, this.parts.join(''));
    this.parts = [];
    this.size = 0;
  }
}

/** The sources to read for `path`: itself when its format is known, else each file of a mixed folder. */
async function plan(path: string, format: string | undefined): Promise<{ sources: { path: string; format: RolloutFormat }[]; skipped: { path: string; reason: string }[] }> {
  if (format) return { sources: [{ path, format: readAdapter(format).name }], skipped: [] };
  const d = await detectLogFormat(path);
  if (d.kind === 'rollouts') return { sources: [{ path, format: d.format }], skipped: [] };
  if (!(await stat(path)).isDirectory()) return { sources: [], skipped: [{ path, reason: d.kind === 'metrics' ? `trainer metrics (${d.format}), not rollouts` : d.reason }] };
  const sources: { path: string; format: RolloutFormat }[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const name of (await readdir(path)).sort()) {
    const p = join(path, name);
    const e = await detectLogFormat(p).catch((err: unknown) => ({ kind: 'unknown' as const, reason: err instanceof Error ? err.message : String(err) }));
    if (e.kind === 'rollouts') sources.push({ path: p, format: e.format });
    else skipped.push({ path: p, reason: e.kind === 'metrics' ? `trainer metrics (${e.format}), not rollouts` : e.reason });
  }
  return { sources, skipped };
}

/**
 * Convert a log (file, tool folder, or a folder of mixed logs) into canonical JSON Lines at `out`,
 * streaming: records are written as adapters produce them. The output appears atomically (temp + rename).
 */
export async function convertLog(path: string, out: string, opts: ConvertOptions = {}): Promise<ConvertSummary> {
  const { sources, skipped } = await plan(path, opts.format);
  const issues = new IssueList();
  const steps = new Set<number>();
  const groups = new Set<string>();
  const joiner = new ImageJoiner(opts.imageJoin);
  let records = 0;
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const fd = openSync(tmp, 'w');
  const w = new LineWriter(fd);
  try {
    for (const src of sources) {
      const srcName = basename(src.path);
      const checks = new Map<string, SequenceChecks>();
      await readAdapter(src.format).read(
        src.path,
        {
          record(r, line, file) {
            let c = checks.get(file ?? srcName);
            if (!c) checks.set(file ?? srcName, (c = new SequenceChecks()));
            for (const i of c.check(r.run, r.step ?? Number.NaN, r.group, r.sample, line ?? 0)) issues.add({ ...i, file: file ?? srcName });
            const withImage = joiner.apply(r);
            const source = `${file ?? srcName}${line !== undefined ? `:${line}` : ''}`;
            const rec: RolloutRecord = { ...withImage, extra: { ...withImage.extra, source } };
            w.write(canonicalLine(rec));
            records++;
            if (rec.step !== undefined) steps.add(rec.step);
            const g = rec.group ?? inferredGroupKey(rec.step, rec.image, rec.query);
            if (g !== undefined) groups.add(`${rec.run ?? ''}\u0000${g}`);
          },
          issue(i) {
            issues.add(i.file ? i : { ...i, file: srcName });
          },
        },
        opts,
      );
    }
    w.flush();
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, out);
  for (const s of skipped) issues.add({ line: 0, file: basename(s.path), severity: 'warning', message: `skipped: ${s.reason}` });
  return { sources, skipped, records, steps: steps.size, groups: groups.size, withoutImage: joiner.withoutImage.length, issues: issues.finish() };
}
