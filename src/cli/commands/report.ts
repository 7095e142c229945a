import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { buildReport } from '../../core/report/buildReport';
import { argsOrExit, err, out } from '../output';

const USAGE = `usage: segr1 report <log.jsonl or workspace> --out <report.html> [--root <dir>] [--attribution <attribute.json>]
                    [--metrics <metrics.json>] [--max-side <px>] [--top <n>] [--no-step-metrics] [--timestamp]

Writes one self-contained HTML file (no network access needed to view it; images embedded as downscaled JPEGs; strict
CSP, no script): dataset metrics per step (the logged masks scored against the GT in the reward frame with the suite of
segr1 metrics), reward traces as SVG, the failure taxonomy when --attribution is given, and the best and worst rollouts
(by IoU of the logged mask, else by total reward) with image, mask, GT outline, prompt glyphs, reasoning and rewards.
  --root <dir>          folder the records' image/gt paths are relative to (default: the workspace, or the log's folder)
  --attribution <file>  the JSON of segr1 attribute: adds the failure taxonomy and labels the rollouts shown
  --metrics <file>      the JSON of segr1 metrics --json: adds its dataset row to the metrics table
  --max-side <px>       longest side of embedded images (default 384, at most 2048)
  --top <n>             rollouts shown at each end (default 3)
  --no-step-metrics     skip the per-step metric suite (Sm, wFm, Em, Fm, MAE, IoU) on large logs
  --timestamp           print the time of writing in the footer (off: the same inputs give the same bytes)`;

interface Args {
  input: string;
  out: string;
  root?: string;
  attribution?: string;
  metrics?: string;
  maxSide: number;
  top: number;
  stepMetrics: boolean;
  timestamp: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Partial<Args> = { maxSide: 384, top: 3, stepMetrics: true, timestamp: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = (): string | undefined => {
      const v = argv[++i];
      return v === undefined || v.startsWith('--') ? undefined : v;
    };
    if (k === '--out') a.out = value() ?? '';
    else if (k === '--root') a.root = value() ?? '';
    else if (k === '--attribution') a.attribution = value() ?? '';
    else if (k === '--metrics') a.metrics = value() ?? '';
    else if (k === '--max-side') a.maxSide = Number(value());
    else if (k === '--top') a.top = Number(value());
    else if (k === '--no-step-metrics') a.stepMetrics = false;
    else if (k === '--timestamp') a.timestamp = true;
    else if (k.startsWith('--')) return `unknown option '${k}'`;
    else if (a.input === undefined) a.input = k;
    else return `unexpected argument '${k}'`;
  }
  if (!a.input) return 'a log file or workspace folder is required';
  if (!a.out) return '--out <report.html> is required';
  for (const f of ['root', 'attribution', 'metrics'] as const) if (a[f] === '') return `--${f} needs a path`;
  if (!Number.isInteger(a.maxSide) || a.maxSide! < 16 || a.maxSide! > 2048) return '--max-side must be an integer from 16 to 2048';
  if (!Number.isInteger(a.top) || a.top! < 1 || a.top! > 50) return '--top must be an integer from 1 to 50';
  return a as Args;
}

/** Write beside the target, sync, rename: an existing report is only ever replaced by a complete one. */
function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** `segr1 report`: exit 0 when written, 1 when the input could not be reported, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  const args = argsOrExit('report', argv, USAGE, parseArgs);
  if (typeof args === 'number') return args;
  try {
    const { html, log, notes } = await buildReport({
      input: args.input,
      ...(args.root ? { root: args.root } : {}),
      ...(args.attribution ? { attribution: args.attribution } : {}),
      ...(args.metrics ? { metrics: args.metrics } : {}),
      maxSide: args.maxSide,
      top: args.top,
      stepMetrics: args.stepMetrics,
      ...(args.timestamp ? { generatedAt: new Date().toISOString() } : {}),
    });
    writeAtomic(args.out, html);
    for (const n of notes) err(`note: ${n}`);
    out(`segr1 report: wrote ${args.out} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB) for ${log}`);
    return 0;
  } catch (e) {
    err(`segr1 report: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}
