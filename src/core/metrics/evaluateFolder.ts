import { promises as fsp, readdirSync } from 'node:fs';
import { basename, extname, isAbsolute, join, relative, sep } from 'node:path';
import { readRgb } from '../image/io';
import { loadMaskGray } from '../image/grayscale';
import type { GrayImage, RgbImage } from '../image/types';
import type { PairJob } from './dataset';
import { FullSet } from './fullSet';

/*
 * One folder of predictions against one folder of ground truth, with every full-set metric: what `segr1 metrics --all`
 * prints and what the editor's "Evaluate predictions…" shows. Files pair by stem; images are stepped in stem order on
 * one thread (fixed order keeps the float sums reproducible), with a progress callback and an AbortSignal checked
 * before each image.
 */

/** Extensions of masks (and of the RGB images ccm takes) that pair by stem. */
export const MASK_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

/** Why ccm is absent when no images folder was given. */
export const CCM_NEEDS_IMAGES = 'ccm not computed: it takes the RGB image of each pair; give --images <dir> (files paired by stem)';

/** Mask files of a directory by stem; a stem seen with several extensions keeps the first by MASK_EXTENSIONS order. */
export function masksByStem(dir: string, warn: (m: string) => void): Map<string, string> {
  const found = new Map<string, string>();
  const names = readdirSync(dir).filter((n) => MASK_EXTENSIONS.includes(extname(n).toLowerCase()));
  names.sort((x, y) => MASK_EXTENSIONS.indexOf(extname(x).toLowerCase()) - MASK_EXTENSIONS.indexOf(extname(y).toLowerCase()) || (x < y ? -1 : x > y ? 1 : 0));
  for (const n of names) {
    const stem = basename(n, extname(n));
    if (found.has(stem)) warn(`${join(dir, n)}: another file with stem '${stem}' is used (${found.get(stem)})`);
    else found.set(stem, join(dir, n));
  }
  return found;
}

/** Pair pred and GT files by stem (sorted by stem), reporting every file that has no partner. */
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

/** What to evaluate. */
export interface EvaluateFolderOptions {
  /** Folder of predicted masks. */
  readonly predDir: string;
  /** Folder of ground-truth masks (paired with the predictions by stem). */
  readonly gtDir: string;
  /** Folder of RGB images paired by stem, for ccm; without it ccm is absent and a note says why. */
  readonly imagesDir?: string;
  /** Called after each image (scored or not) with how far the run is. */
  readonly onProgress?: (done: number, total: number, stem: string) => void;
  /** Called for every warning as it happens (they are also collected in the result). */
  readonly warn?: (message: string) => void;
  /** Checked before each image: once aborted, the run stops there and returns what was scored. */
  readonly signal?: AbortSignal;
  /**
   * When given, every file is read only if its real path (symlinks resolved) lies inside one of these folders
   * (themselves real paths): a link in a predictions folder leading out of the workspace is refused, not read.
   */
  readonly insideRoots?: readonly string[];
}

/** Values and notes of one image (JSON shape of `segr1 metrics --all`). */
export type ImageEntry = Record<string, number | readonly string[]>;

/** The outcome of a run over a folder. */
export interface FolderEvaluation {
  /** Dataset values by PySODMetrics key, plus `count` (images scored). */
  readonly dataset: Record<string, number>;
  /** Per-image values (and `notes` when an image has some), by stem. */
  readonly images: Record<string, ImageEntry>;
  /** Dataset-level notes (why a key is absent, images excluded from a mean, …). */
  readonly notes: readonly string[];
  /** Files without a partner, unreadable files, images that could not be scored: each names its file. */
  readonly warnings: readonly string[];
  /** Every key the full set can produce, in display order. */
  readonly keys: readonly string[];
  /** Pred/GT pairs found. */
  readonly pairs: number;
  /** Pairs scored. */
  readonly scored: number;
  /** True when the signal stopped the run before every pair was visited. */
  readonly cancelled: boolean;
}

/** One decoded pair (and its image) or why it could not be read. */
type Loaded = { pred: GrayImage; gt: GrayImage; image?: RgbImage; imageError?: string } | { error: string };

/** The real path of `file`, refused (thrown, naming the file) when it leads outside every root. */
async function confined(file: string, roots: readonly string[] | undefined): Promise<string> {
  if (!roots) return file;
  const real = await fsp.realpath(file);
  const inside = roots.some((r) => {
    const back = relative(r, real);
    return !(back === '..' || back.startsWith(`..${sep}`) || isAbsolute(back));
  });
  if (!inside) throw new Error(`${file}: resolves outside the workspace (symlink to ${real}); not read`);
  return real;
}

async function load(job: PairJob, imagePath: string | undefined, roots: readonly string[] | undefined): Promise<Loaded> {
  try {
    const [pred, gt] = await Promise.all([confined(job.predPath, roots).then(loadMaskGray), confined(job.gtPath, roots).then(loadMaskGray)]);
    if (imagePath === undefined) return { pred, gt };
    try {
      return { pred, gt, image: await readRgb(await confined(imagePath, roots)) };
    } catch (e) {
      const m = message(e);
      return { pred, gt, imageError: m.startsWith(imagePath) ? m : `${imagePath}: not readable: ${m}` };
    }
  } catch (e) {
    return { error: message(e) };
  }
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Refuse a folder that is missing or not a folder, naming it. */
async function checkDir(role: string, dir: string): Promise<void> {
  const st = await fsp.stat(dir).catch(() => undefined);
  if (!st) throw new Error(`${role} folder not found: ${dir}`);
  if (!st.isDirectory()) throw new Error(`${role} folder is not a folder: ${dir}`);
}

/** Every full-set metric over the pred/GT pairs of two folders (stem order, this thread). Throws only for a missing folder. */
export async function evaluateFolder(opts: EvaluateFolderOptions): Promise<FolderEvaluation> {
  await checkDir('predictions', opts.predDir);
  await checkDir('ground-truth', opts.gtDir);
  if (opts.imagesDir !== undefined) await checkDir('images', opts.imagesDir);
  const warnings: string[] = [];
  const warn = (m: string): void => {
    warnings.push(m);
    opts.warn?.(m);
  };
  const jobs = pairByStem(opts.predDir, opts.gtDir, warn);
  const imagePaths = opts.imagesDir !== undefined ? masksByStem(opts.imagesDir, warn) : undefined;
  let withoutImage = 0;
  if (imagePaths) {
    for (const j of jobs) {
      if (imagePaths.has(j.stem)) continue;
      withoutImage++;
      warn(`${j.predPath}: no image with stem '${j.stem}' in ${opts.imagesDir}`);
    }
  }
  const set = new FullSet();
  const images: Record<string, ImageEntry> = {};
  let done = 0;
  let cancelled = false;
  // Decode the next pair while the current one is scored.
  const loadAt = (k: number): Promise<Loaded> | undefined => (k < jobs.length ? load(jobs[k]!, imagePaths?.get(jobs[k]!.stem), opts.insideRoots) : undefined);
  let next = opts.signal?.aborted ? undefined : loadAt(0);
  for (let k = 0; k < jobs.length; k++) {
    if (opts.signal?.aborted) {
      cancelled = true;
      break;
    }
    const current = await next!;
    next = loadAt(k + 1);
    const stem = jobs[k]!.stem;
    if ('error' in current) warn(`${stem}: not scored: ${current.error}`);
    else {
      if (current.imageError) warn(current.imageError);
      try {
        const r = set.step(stem, current.pred, current.gt, current.image);
        images[stem] = r.notes ? { ...r.values, notes: r.notes } : { ...r.values };
      } catch (e) {
        warn(`${jobs[k]!.predPath}: not scored: ${message(e)}`);
      }
    }
    done++;
    opts.onProgress?.(done, jobs.length, stem);
    // Let the event loop run between images: a caller on this thread stays responsive, and an abort sent by
    // message (the worker) is delivered before the next image starts.
    await new Promise((r) => setImmediate(r));
  }
  const r = set.results();
  const notes = [...r.notes];
  if (set.keys.includes('ccm')) {
    if (opts.imagesDir === undefined) notes.push(CCM_NEEDS_IMAGES);
    else if (withoutImage > 0) notes.push(`ccm over the ${jobs.length - withoutImage} of ${jobs.length} pair(s) that have an image with the same stem in ${opts.imagesDir}`);
  }
  return { dataset: r.values, images, notes, warnings, keys: set.keys, pairs: jobs.length, scored: r.values.count ?? 0, cancelled };
}

/** The JSON `segr1 metrics --all --json` writes (NaN as null), for a run's result. */
export function evaluationJson(e: FolderEvaluation): string {
  return JSON.stringify({ dataset: e.dataset, images: e.images, notes: e.notes }, null, 1) + '\n';
}
