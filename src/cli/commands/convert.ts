import { convertLog } from '../../core/logs/convert';
import { ADAPTERS } from '../../core/logs/formats';
import { parseImageJoin, type ImageJoin } from '../../core/logs/imageJoin';
import type { LogIssue } from '../../core/logs/issues';

const USAGE = `usage: segr1 convert <file or folder> --out <file.jsonl> [--format <name>] [--images-by <how>] [--max-issues <n>]

Converts a training run's rollout log into the workbench's canonical JSON Lines, streaming, and reports what it found.
A folder of mixed files converts every rollout log in it and lists the files it skipped.
  --format <name>      skip detection: ${Object.keys(ADAPTERS).join(', ')}
  --images-by <how>    attach dataset images to formats that do not log them:
                         column:<name>           a logged column (e.g. column:image_path)
                         prompt:<list.txt>       lines "image<TAB>key"; the longest key found in the prompt wins
                         order:<list.txt>:<G>    one image per line, G rollouts each, in dataset order
  --max-issues <n>     issues to print (default 20; all are counted)`;

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

/** `segr1 convert`: any supported rollout log → canonical JSONL, with a summary of records, steps, groups and problems. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const a = parseArgs(argv);
  if (typeof a === 'string') {
    console.error(`segr1 convert: ${a}\n\n${USAGE}`);
    return 2;
  }
  const t0 = performance.now();
  const s = await convertLog(a.input, a.out, { ...(a.format ? { format: a.format } : {}), ...(a.join ? { imageJoin: a.join } : {}) });
  const ms = performance.now() - t0;
  for (const src of s.sources) console.log(`read     ${src.path} (${src.format})`);
  for (const sk of s.skipped) console.log(`skipped  ${sk.path}: ${sk.reason}`);
  const errors = s.issues.filter((i) => i.severity === 'error').length;
  console.log(`wrote    ${a.out}: ${s.records} records, ${s.steps} steps, ${s.groups} groups, ${s.withoutImage} without image (${(ms / 1000).toFixed(2)} s)`);
  console.log(`issues   ${errors} malformed entries (errors), ${s.issues.length - errors} warnings`);
  for (const i of s.issues.slice(0, a.maxIssues)) console.log(`  ${i.severity.padEnd(7)} ${where(i)}  ${i.field ? `${i.field}: ` : ''}${i.message}`);
  if (s.issues.length > a.maxIssues) console.log(`  … ${s.issues.length - a.maxIssues} more (--max-issues)`);
  return s.sources.length === 0 ? 1 : 0;
}
