import { existsSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { aggregate, scorePairs, type WorkerLaunch } from '../../core/metrics/dataset';
import { isMetricsWorker, serveMetricsWorker } from '../../core/metrics/datasetWorker';
import type { DatasetScores, ImageScores } from '../../core/metrics/suite';
import { err, out } from '../output';
import { evaluateFolder, evaluationJson, pairByStem } from '../../core/metrics/evaluateFolder';
import { fullSetTable } from '../../core/metrics/fullSetTable';

/** argv flag with which the CLI bundle re-enters itself as a scoring worker thread. */
export const WORKER_FLAG = '--worker';

const USAGE = `usage: segr1 metrics --pred <dir> --gt <dir> [--json <file>] [--workers <n>] [--per-image]
       segr1 metrics --pred <dir> --gt <dir> --all [--images <dir>] [--json <file>] [--per-image]

Scores predicted masks against ground truth with PySODMetrics 1.6.2 semantics (Sm, wFm, MAE, adp/mean/max Em and Fm)
plus the workbench IoU (raw pred >= 128 vs gt > 127; cIoU = sum I / sum U, gIoU = mean IoU). Files pair by stem
(.png, .jpg, .jpeg). Masks are read as cv2.imread(IMREAD_GRAYSCALE) reads them.
  --json <file>   write {"dataset": {...}, "images": {"<stem>": {...}}}; NaN is written as null
  --workers <n>   worker threads (default: min(2, cores); 1 = this thread)
  --per-image     also print one row per image
  --all           every metric PySODMetrics 1.6.x computes, keyed as its examples/test_metrics.py names them
                  (adpiou, meandice, sample_bikappa, overall_bifm, si_overall_maxber, si_mae, auc_pr, ...);
                  the JSON then also has per-image "notes" and a top-level "notes" list; one thread
  --images <dir>  with --all: RGB images paired by stem, for the metrics that take the image (ccm)`;

const IMAGE_KEYS = ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm', 'IoU'] as const;
const DATASET_KEYS = [...IMAGE_KEYS, 'cIoU', 'gIoU', 'count'] as const;

interface Args {
  pred: string;
  gt: string;
  json?: string;
  images?: string;
  workers: number;
  perImage: boolean;
  all: boolean;
}

function parseArgs(argv: string[]): Args | string {
  const a: Partial<Args> = { workers: Math.min(2, availableParallelism()), perImage: false, all: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (k === '--pred') a.pred = value();
    else if (k === '--gt') a.gt = value();
    else if (k === '--json') a.json = value();
    else if (k === '--workers') a.workers = Number(value());
    else if (k === '--per-image') a.perImage = true;
    else if (k === '--all') a.all = true;
    else if (k === '--images') a.images = value();
    else return `unknown option '${k}'`;
  }
  if (!a.pred || !a.gt) return '--pred and --gt are required';
  if (!Number.isInteger(a.workers) || a.workers! < 1) return '--workers must be a positive integer';
  if (a.json === undefined && argv.includes('--json')) return '--json needs a file';
  if (a.images === undefined && argv.includes('--images')) return '--images needs a directory';
  if (a.images !== undefined && !a.all) return '--images is only used with --all';
  return a as Args;
}

/** How this build starts scoring workers: the core worker module when unbundled, else the CLI bundle re-entered. */
function workerLaunch(): WorkerLaunch {
  const standalone = join(__dirname, '..', '..', 'core', 'metrics', 'datasetWorker.js');
  return existsSync(standalone) ? { script: standalone } : { script: __filename, argv: ['metrics', WORKER_FLAG] };
}

function fmt(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v.toFixed(4);
}

function table(rows: Array<[string, Record<string, number>]>, keys: readonly string[]): string {
  const w = Math.max(6, ...rows.map(([n]) => n.length));
  const head = ['name'.padEnd(w), ...keys.map((k) => k.padStart(9))].join(' ');
  return [head, ...rows.map(([n, r]) => [n.padEnd(w), ...keys.map((k) => (k === 'count' ? String(r[k]) : fmt(r[k]!)).padStart(9))].join(' '))].join('\n');
}

function pick<K extends string>(src: Record<K, number>, keys: readonly K[]): Record<K, number> {
  const o = {} as Record<K, number>;
  for (const k of keys) o[k] = src[k];
  return o;
}

/** `segr1 metrics`: score a prediction directory against a GT directory. */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === WORKER_FLAG && isMetricsWorker()) {
    await serveMetricsWorker();
    return 0;
  }
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    err(`segr1 metrics: ${args}\n\n${USAGE}`);
    return 2;
  }
  for (const d of [args.pred, args.gt, ...(args.images !== undefined ? [args.images] : [])]) {
    if (!existsSync(d)) {
      err(`segr1 metrics: no such directory: ${d}`);
      return 2;
    }
  }
  let warnings = 0;
  const warn = (m: string): void => {
    warnings++;
    err(`warning: ${m}`);
  };
  if (args.all) return runFullSet(args, warn, () => warnings);
  const jobs = pairByStem(args.pred, args.gt, warn);
  const outcomes = await scorePairs(jobs, { workers: args.workers, launch: workerLaunch() });
  const images: Record<string, ImageScores> = {};
  for (const o of outcomes) {
    if (o.ok) images[o.stem] = pick(o.metrics, IMAGE_KEYS);
    else warn(`${o.stem}: not scored: ${o.error}`);
  }
  const d = aggregate(outcomes);
  if (d.count === 0) {
    err('segr1 metrics: nothing could be scored');
    return 1;
  }
  const dataset: DatasetScores = pick(d, DATASET_KEYS);
  if (args.perImage) out(table(Object.entries(images) as unknown as Array<[string, Record<string, number>]>, IMAGE_KEYS) + '\n');
  out(table([['dataset', dataset as unknown as Record<string, number>]], DATASET_KEYS));
  if (warnings > 0) err(`${warnings} warning(s); ${d.count} of ${jobs.length} pair(s) scored`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ dataset, images }, null, 1) + '\n');
  return 0;
}

/** `segr1 metrics --all`: every registered full-set metric over the pairs, on this thread, in stem order. */
async function runFullSet(args: Args, warn: (m: string) => void, warnings: () => number): Promise<number> {
  const r = await evaluateFolder({ predDir: args.pred, gtDir: args.gt, ...(args.images !== undefined ? { imagesDir: args.images } : {}), warn });
  if (r.scored === 0) {
    err('segr1 metrics: nothing could be scored');
    return 1;
  }
  if (args.perImage) {
    const rows = Object.entries(r.images).map(([stem, v]) => [stem, v] as [string, Record<string, number>]);
    out(table(rows, IMAGE_KEYS) + '\n');
  }
  out(fullSetTable(r.dataset, r.keys));
  for (const n of r.notes) out(`note: ${n}`);
  if (warnings() > 0) err(`${warnings()} warning(s); ${r.scored} of ${r.pairs} pair(s) scored`);
  if (args.json) writeFileSync(args.json, evaluationJson(r));
  return 0;
}
