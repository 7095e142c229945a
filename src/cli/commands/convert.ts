import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { unwritableTarget } from '../../core/logs/atomicFile';
import { convertLog, type ConvertSummary } from '../../core/logs/convert';
import { ADAPTERS } from '../../core/logs/formats';
import { parseImageJoin, type ImageJoin } from '../../core/logs/imageJoin';
import type { LogIssue } from '../../core/logs/issues';
import { err, out } from '../output';

const USAGE = `usage: segr1 convert <file or folder> --out <file.jsonl> [--format <name>] [--images-by <how>] [--max-issues <n>]

Converts a training run's rollout log into the workbench's canonical JSON Lines, streaming, and reports what it found.
A folder of mixed files converts every rollout log in it and lists the files it skipped.
  --format <name>      skip detection: ${Object.keys(ADAPTERS).join(', ')}
  --images-by <how>    attach dataset images to formats that do not log them:
                         column:<name>           a logged column (e.g. column:image_path)
                         prompt:<list.txt>       lines "image<TAB>key"; the longest key found in the prompt wins
                         order:<list.txt>:<G>    one image per line, G rollouts each, in dataset order
  --max-issues <n>     issues to print (default 20; all are counted)

--out is replaced only by a complete conversion (written beside it, then renamed) holding at least one record,
and is never read as input. Exit 0: every source read; 1: a rollout source (or one of its files) could not be
read in full (the others' records are still written), or nothing was readable (--out left as it was); 2: usage.`;

interface Args {
  input: string;
  out: string;
  format?: string;
  join?: ImageJoin;
  maxIssues: number;
}

function parseArgs(argv: string[]): Args | string {
  let input: string | undefined;
  let out: string | undefined;
  let format: string | undefined;
  let join: ImageJoin | undefined;
  let maxIssues = 20;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--out') out = argv[++i];
    else if (k === '--format') format = argv[++i];
    else if (k === '--images-by') {
      const j = parseImageJoin(argv[++i] ?? '');
      if (typeof j === 'string') return `--images-by: ${j}`;
      join = j;
    } else if (k === '--max-issues') maxIssues = Number(argv[++i]);
    else if (k.startsWith('--')) return `unknown option '${k}'`;
    else if (input === undefined) input = k;
    else return `one input only (got '${input}' and '${k}')`;
  }
  if (!input || !out) return 'an input and --out <file.jsonl> are required';
  if (format !== undefined && !(format in ADAPTERS)) return `unknown --format '${format}' (known: ${Object.keys(ADAPTERS).join(', ')})`;
  if (!Number.isInteger(maxIssues) || maxIssues < 0) return '--max-issues must be a non-negative integer';
  return { input, out, maxIssues, ...(format ? { format } : {}), ...(join ? { join } : {}) };
}

function where(i: LogIssue): string {
  return `${i.file ?? ''}${i.line ? `:${i.line}` : ''}`;
}

/** The extension's warning about rollouts that name no image (workspaceModel), with the CLI's option and the first sources. */
function withoutImageWarning(s: ConvertSummary, joined: boolean): string {
  const first = s.withoutImageFirst.join(', ');
  return (
    `warning  ${s.withoutImage} of ${s.records} rollouts name no image (${s.withoutImageFormats.join(', ')} logs do not${joined ? ', and the --images-by join found none for them' : ''}): ` +
    `join them to dataset images with --images-by, e.g. --images-by order:<images.txt>:<G>; first: ${first}${s.withoutImage > s.withoutImageFirst.length ? ', …' : ''}`
  );
}

/** `segr1 convert`: any supported rollout log → canonical JSONL, with a summary of records, steps, groups and problems. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    err(`segr1 convert: ${a}\n\n${USAGE}`);
    return 2;
  }
  const why = unwritableTarget(a.out);
  if (why) {
    err(`segr1 convert: --out: ${why}`);
    return 2;
  }
  // Ctrl-C stops at the next record; the temporary is removed and --out left as it was.
  const stop = new AbortController();
  const onSigint = () => stop.abort();
  process.once('SIGINT', onSigint);
  const t0 = performance.now();
  let s: ConvertSummary;
  try {
    s = await convertLog(a.input, a.out, { signal: stop.signal, ...(a.format ? { format: a.format } : {}), ...(a.join ? { imageJoin: a.join } : {}) });
  } catch (e) {
    if (!stop.signal.aborted) throw e;
    err(`segr1 convert: interrupted; ${a.out} left as it was`);
    return 130;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  const ms = performance.now() - t0;
  for (const src of s.sources) out(`read     ${src.path} (${src.format})`);
  for (const sk of s.skipped) out(`skipped  ${sk.path}: ${sk.reason}`);
  for (const f of s.failed) out(`failed   ${f.source}${f.file !== basename(f.source) ? ` (${f.file})` : ''}: ${f.reason}`);
  const errors = s.issues.filter((i) => i.severity === 'error').length;
  const figures = `${s.records} records, ${s.steps} steps, ${s.groups} groups, ${s.withoutImage} without image (${(ms / 1000).toFixed(2)} s)`;
  if (s.written) out(`wrote    ${a.out}: ${figures}`);
  else out(`nothing  written: no readable rollouts, ${a.out} ${existsSync(a.out) ? 'left as it was' : 'not created'}`);
  if (s.withoutImage > 0) out(withoutImageWarning(s, a.join !== undefined));
  out(`issues   ${errors} malformed entries (errors), ${s.issues.length - errors} warnings`);
  for (const i of s.issues.slice(0, a.maxIssues)) out(`  ${i.severity.padEnd(7)} ${where(i)}  ${i.field ? `${i.field}: ` : ''}${i.message}`);
  if (s.issues.length > a.maxIssues) out(`  … ${s.issues.length - a.maxIssues} more (--max-issues)`);
  if (s.failed.length) err(`segr1 convert: ${s.failed.length} rollout source file(s) could not be read in full (listed as failed); exit 1`);
  return s.written && s.failed.length === 0 ? 0 : 1;
}
