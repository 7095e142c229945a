import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join, basename } from 'node:path';
import { aggregate, scorePairs, type PairJob, type WorkerLaunch } from '../../core/metrics/dataset';
import { isMetricsWorker, serveMetricsWorker } from '../../core/metrics/datasetWorker';
import type { DatasetScores, ImageScores } from '../../core/metrics/suite';
import { err, out } from '../output';
import { readRgb } from '../../core/image/io';
import { loadMaskGray } from '../../core/image/grayscale';
import type { GrayImage, RgbImage } from '../../core/image/types';
import { FullSet } from '../../core/metrics/fullSet';
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
const EXTENSIONS = ['.png', '.jpg', '.jpeg'];

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

/** Mask files of a directory by stem; a stem seen with several extensions keeps the first by EXTENSIONS order. */
function masksByStem(dir: string, warn: (m: string) => void): Map<string, string> {
  const found = new Map<string, string>();
  const names = readdirSync(dir).filter((n) => EXTENSIONS.includes(extname(n).toLowerCase()));
  names.sort((x, y) => EXTENSIONS.indexOf(extname(x).toLowerCase()) - EXTENSIONS.indexOf(extname(y).toLowerCase()) || (x < y ? -1 : x > y ? 1 : 0));
  for (const n of names) {
    const stem = basename(n, extname(n));
    if (found.has(stem)) warn(`${join(dir, n)}: another file with stem '${stem}' is used (${found.get(stem)})`);
    else found.set(stem, join(dir, n));
  }
  return found;
}

/** Pair pred and GT files by stem, reporting every file that has no partner. */
export function pairByStem(predDir: string, gtDir: string, warn: (m: string) => void): PairJob[] {
  const preds = masksByStem(predDir, warn);
  const gts = masksByStem(gtDir, warn);
  const jobs: PairJob[] = [];
  for (const [stem, predPath] of preds) {
    const gtPath = gts.get(stem);
    if (gtPath) jobs.push({ stem, predPath, gtPath });
    else warn(`${predPath}: no ground truth with stem '${stem}' in ${gtDir}`);
  }
  for (const [stem, gtPath] of gts) if (!preds.has(stem)) warn(`${gtPath}: no prediction with stem '${stem}' in ${predDir}`);
  jobs.sort((x, y) => (x.stem < y.stem ? -1 : x.stem > y.stem ? 1 : 0));
  return jobs;
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
  const jobs = pairByStem(args.pred, args.gt, warn);
  if (args.all) return runFullSet(args, jobs, warn, () => warnings);
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

/** One decoded pair (and its image) of a --all run, or why it could not be read. */
type Loaded = { pred: GrayImage; gt: GrayImage; image?: RgbImage; imageError?: string } | { error: string };

async function loadForAll(job: PairJob, imagePath: string | undefined): Promise<Loaded> {
  try {
    const [pred, gt] = await Promise.all([loadMaskGray(job.predPath), loadMaskGray(job.gtPath)]);
    if (imagePath === undefined) return { pred, gt };
    try {
      return { pred, gt, image: await readRgb(imagePath) };
    } catch (e) {
      return { pred, gt, imageError: `${imagePath}: not readable: ${e instanceof Error ? e.message : String(e)}` };
    }
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

/** Why ccm is absent when no --images directory was given (the key is in the registry once the cm slice registers it). */
const CCM_NEEDS_IMAGES = 'ccm not computed: it takes the RGB image of each pair; give --images <dir> (files paired by stem)';

/** `segr1 metrics --all`: every registered full-set metric over the pairs, on this thread, in stem order. */
async function runFullSet(args: Args, jobs: PairJob[], warn: (m: string) => void, warnings: () => number): Promise<number> {
  const set = new FullSet();
  const imagePaths = args.images !== undefined ? masksByStem(args.images, warn) : undefined;
  if (imagePaths) for (const j of jobs) if (!imagePaths.has(j.stem)) warn(`${j.predPath}: no image with stem '${j.stem}' in ${args.images}`);
  const images: Record<string, Record<string, number | readonly string[]>> = {};
  // Decode the next pair while the current one is scored.
  const load = (k: number): Promise<Loaded> | undefined => (k < jobs.length ? loadForAll(jobs[k]!, imagePaths?.get(jobs[k]!.stem)) : undefined);
  let next = load(0);
  for (let k = 0; k < jobs.length; k++) {
    const current = await next!;
    next = load(k + 1);
    const stem = jobs[k]!.stem;
    if ('error' in current) {
      warn(`${stem}: not scored: ${current.error}`);
      continue;
    }
    if (current.imageError) warn(current.imageError);
    try {
      const r = set.step(stem, current.pred, current.gt, current.image);
      images[stem] = r.notes ? { ...r.values, notes: r.notes } : { ...r.values };
    } catch (e) {
      warn(`${stem}: not scored: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const r = set.results();
  if (r.values.count === 0) {
    err('segr1 metrics: nothing could be scored');
    return 1;
  }
  const notes = [...r.notes];
  if (args.images === undefined && set.keys.includes('ccm')) notes.push(CCM_NEEDS_IMAGES);
  if (args.perImage) {
    const rows = Object.entries(images).map(([stem, v]) => [stem, v] as [string, Record<string, number>]);
    out(table(rows, IMAGE_KEYS) + '\n');
  }
  out(fullSetTable(r.values, set.keys));
  for (const n of notes) out(`note: ${n}`);
  const scored = r.values.count!;
  if (warnings() > 0) err(`${warnings()} warning(s); ${scored} of ${jobs.length} pair(s) scored`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ dataset: r.values, images, notes }, null, 1) + '\n');
  return 0;
}
