import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stemOf } from './paths';

/** Image file extensions a dataset may use. */
export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);

/** Folder-name pairs that hold images and their masks, as the public datasets lay them out. */
export const DATASET_LAYOUTS: ReadonlyArray<{ readonly images: string; readonly masks: string }> = [
  { images: 'Imgs', masks: 'GT' }, // COD10K, CAMO
  { images: 'Image', masks: 'GT' }, // COD10K test split variants
  { images: 'DUTS-TR-Image', masks: 'DUTS-TR-Mask' },
  { images: 'DUTS-TE-Image', masks: 'DUTS-TE-Mask' },
  { images: 'images', masks: 'masks' },
  { images: 'im', masks: 'gt' }, // DIS5K
];

/** One image and, when found, its ground-truth mask. */
export interface DatasetItem {
  readonly stem: string;
  /** Paths relative to the workspace root, with forward slashes. */
  readonly image: string;
  readonly gt?: string;
}

/** A folder of image/GT pairs. */
export interface Dataset {
  /** Workspace-relative folder holding the image and mask folders; also the dataset id. */
  readonly id: string;
  readonly name: string;
  readonly imagesDir: string;
  readonly masksDir: string;
  readonly items: readonly DatasetItem[];
  /** Masks with no image and images with no mask, by stem. */
  readonly unmatched: { readonly masks: readonly string[]; readonly images: readonly string[] };
}

/** Folders never worth walking into. */
const SKIP = new Set(['node_modules', '.git', '.vscode-test', 'dist', 'dist-test', '.segr1', '__pycache__']);

/** Find every dataset under `root` (depth-bounded walk; no file contents are read). */
export async function discoverDatasets(root: string, maxDepth = 5): Promise<Dataset[]> {
  const found: Dataset[] = [];
  await walkFolders(root, maxDepth, async (dir, entries) => {
    const names = new Set(entries.filter((e) => e.isDirectory()).map((e) => e.name));
    for (const layout of DATASET_LAYOUTS) {
      if (names.has(layout.images) && names.has(layout.masks)) found.push(await readDataset(root, dir, layout.images, layout.masks));
    }
  });
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/** Visit every folder under `root` (depth-bounded, skipping tool and hidden folders) with its entries. */
async function walkFolders(root: string, maxDepth: number, visit: (dir: string, entries: import('node:fs').Dirent[]) => Promise<void> | void): Promise<void> {
  async function walk(dir: string, depth: number): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    await visit(dir, entries);
    if (depth >= maxDepth) return;
    for (const e of entries) {
      if (e.isDirectory() && !SKIP.has(e.name) && !e.name.startsWith('.')) await walk(path.join(dir, e.name), depth + 1);
    }
  }
  await walk(root, 0);
}

async function listImages(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((f) => IMAGE_EXTENSIONS.has(path.extname(f).toLowerCase())).sort();
  } catch {
    return [];
  }
}

async function readDataset(root: string, dir: string, imagesName: string, masksName: string): Promise<Dataset> {
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  const images = await listImages(path.join(dir, imagesName));
  const masks = await listImages(path.join(dir, masksName));
  const maskByStem = new Map<string, string>();
  for (const m of masks) {
    const s = stemOf(m);
    // Prefer PNG when a stem has several mask files (lossless).
    if (!maskByStem.has(s) || m.toLowerCase().endsWith('.png')) maskByStem.set(s, m);
  }
  const items: DatasetItem[] = [];
  const imageStems = new Set<string>();
  const noMask: string[] = [];
  for (const f of images) {
    const s = stemOf(f);
    if (imageStems.has(s)) continue;
    imageStems.add(s);
    const m = maskByStem.get(s);
    if (!m) noMask.push(s);
    items.push({ stem: s, image: rel(path.join(dir, imagesName, f)), gt: m ? rel(path.join(dir, masksName, m)) : undefined });
  }
  const id = rel(dir) || '.';
  return {
    id,
    name: id === '.' ? path.basename(root) : id,
    imagesDir: rel(path.join(dir, imagesName)),
    masksDir: rel(path.join(dir, masksName)),
    items,
    unmatched: { masks: [...maskByStem.keys()].filter((s) => !imageStems.has(s)), images: noMask },
  };
}

/** File names that may hold rollouts or trainer metrics in some tool's format (the format is detected from content). */
const LOG_FILE = /\.jsonl$|\.table\.json$|^trainer_state\.json$|\.log$/;
/** Files that make their folder one log: TRL completions parquet, verl `{step}.jsonl` dumps. */
const FOLDER_LOG_FILE = /^completions_\d+\.parquet$|^\d+\.jsonl$/;

/**
 * Candidate log paths under `root`, workspace-relative: rollout/metrics files by name, and folders whose
 * files form one log (their files are not listed separately). Content decides later what each one is.
 */
export async function discoverLogs(root: string, maxDepth = 6): Promise<string[]> {
  const out: string[] = [];
  const rel = (p: string) => path.relative(root, p).split(path.sep).join('/');
  await walkFolders(root, maxDepth, (dir, entries) => {
    const folderLog = dir !== root && entries.some((e) => e.isFile() && FOLDER_LOG_FILE.test(e.name));
    if (folderLog) out.push(rel(dir));
    for (const e of entries) {
      if (e.isFile() && LOG_FILE.test(e.name) && !(folderLog && FOLDER_LOG_FILE.test(e.name))) out.push(rel(path.join(dir, e.name)));
    }
  });
  return out.sort();
}
