import { readFileSync, statSync } from 'node:fs';
import type { RolloutIndex } from '../logs/indexBuilder';
import type { CompareSide } from './compare';

/** Where a side of `segr1 compare` comes from: a file, and for a log the step (`<log>@<step>`). */
export interface SideSpec {
  readonly path: string;
  /** A step number, or the log's first or last step; undefined for a metrics file (a log then takes `last`). */
  readonly step?: number | 'first' | 'last';
}

/**
 * Parse `<file>` or `<log>@<step>` (step: an integer, `first` or `last`). An argument that names an existing file
 * is that file even when it ends in `@…`, so a path holding `@` still works.
 */
export function parseSideSpec(arg: string, exists: (path: string) => boolean): SideSpec {
  if (exists(arg)) return { path: arg };
  const m = /^(.+)@(-?\d+|first|last)$/.exec(arg);
  if (!m) return { path: arg };
  const step = m[2] === 'first' || m[2] === 'last' ? m[2] : Number(m[2]);
  return { path: m[1]!, step };
}

/** Metrics files larger than this are refused before reading (a `segr1 metrics --json` of 100k images is ~30 MB). */
export const MAX_METRICS_JSON_BYTES = 256 * 1024 * 1024;

/** Whether a side is a `segr1 metrics --json` result: a `.json` file (a log is `.jsonl`, read through its index). */
export function isMetricsFile(path: string): boolean {
  return /\.json$/i.test(path);
}

function numberOrNaN(v: unknown, where: string, warn: (m: string) => void): number | undefined {
  if (v === null) return Number.NaN;
  if (typeof v === 'number') return v;
  warn(`${where}: not a number (${typeof v}); ignored`);
  return undefined;
}

/**
 * One `segr1 metrics --json` result (`{"dataset": {...}, "images": {"<stem>": {...}}}`; null = NaN). A value that is
 * not a number is reported by file, image and key, and left out; the rest is compared.
 */
export function loadMetricsSide(path: string, warn: (m: string) => void): CompareSide {
  const size = statSync(path).size;
  if (size > MAX_METRICS_JSON_BYTES) throw new Error(`${path}: ${size} bytes is over the ${MAX_METRICS_JSON_BYTES}-byte cap for a metrics file`);
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`${path}: not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const rec = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!rec(doc) || !rec(doc.images)) throw new Error(`${path}: field "images": expected an object of images as 'segr1 metrics --json' writes`);
  const images = new Map<string, Record<string, number>>();
  const keys: string[] = [];
  for (const [stem, v] of Object.entries(doc.images)) {
    if (!rec(v)) {
      warn(`${path}: images["${stem}"]: not an object; ignored`);
      continue;
    }
    const values: Record<string, number> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = numberOrNaN(x, `${path}: images["${stem}"].${k}`, warn);
      if (n === undefined) continue;
      values[k] = n;
      if (!keys.includes(k)) keys.push(k);
    }
    images.set(stem, values);
  }
  const dataset: Record<string, number> = {};
  if (rec(doc.dataset)) {
    for (const [k, x] of Object.entries(doc.dataset)) {
      const n = numberOrNaN(x, `${path}: dataset.${k}`, warn);
      if (n !== undefined) dataset[k] = n;
    }
  } else if (doc.dataset !== undefined) warn(`${path}: field "dataset": not an object; dataset values are means over the common images`);
  return { label: path, kind: 'metrics', images, dataset, keys };
}

/** The IoU column of a log: a reward component named `iou` (any case), else the first whose name contains it. */
export function iouComponent(names: readonly string[]): string | undefined {
  return names.find((n) => n.toLowerCase() === 'iou') ?? names.find((n) => n.toLowerCase().includes('iou'));
}

/**
 * One step of an indexed log as a comparison side: per image (the record's `image`), the mean over the image's
 * rollouts at that step of `reward`, of `iou` (the logged IoU component, when there is one) and of every reward
 * component (`rewards.<name>`). NaN (absent) values are left out of the means.
 */
export function loadLogSide(index: RolloutIndex, spec: SideSpec, warn: (m: string) => void): CompareSide {
  const steps = [...new Set(Array.from(index.step).filter((s) => !Number.isNaN(s)))].sort((x, y) => x - y);
  const want = spec.step ?? 'last';
  const step = want === 'first' ? steps[0] : want === 'last' ? steps.at(-1) : want;
  if (step === undefined) throw new Error(`${spec.path}: no rollout logs a step, so no step can be compared`);
  const names = [...index.components.keys()];
  const iou = iouComponent(names);
  const columns: Array<[string, Float64Array]> = [['reward', index.reward], ...(iou ? [['iou', index.components.get(iou)!] as [string, Float64Array]] : []), ...names.map((n) => [`rewards.${n}`, index.components.get(n)!] as [string, Float64Array])];
  const sums = new Map<string, { n: Float64Array; s: Float64Array }>();
  let atStep = 0;
  let noImage = 0;
  const runs = new Set<number>();
  for (let i = 0; i < index.count; i++) {
    if (index.step[i] !== step) continue;
    atStep++;
    runs.add(index.run[i]!);
    const image = index.images[index.image[i]!];
    if (image === undefined) {
      noImage++;
      continue;
    }
    let acc = sums.get(image);
    if (!acc) sums.set(image, (acc = { n: new Float64Array(columns.length), s: new Float64Array(columns.length) }));
    columns.forEach(([, col], c) => {
      const v = col[i]!;
      if (Number.isNaN(v)) return;
      acc.n[c]!++;
      acc.s[c]! += v;
    });
  }
  if (atStep === 0) throw new Error(`${spec.path}: no rollout at step ${step} (steps ${steps[0]}–${steps.at(-1)})`);
  if (noImage > 0) warn(`${spec.path}@${step}: ${noImage} of ${atStep} rollouts log no image and are not compared`);
  if (runs.size > 1) warn(`${spec.path}@${step}: ${runs.size} runs log this step; their rollouts are averaged together per image`);
  if (!iou) warn(`${spec.path}: no IoU reward component logged; compare its reward components instead (rewards.<name>)`);
  const images = new Map<string, Record<string, number>>();
  for (const [image, acc] of sums) images.set(image, Object.fromEntries(columns.map(([k], c) => [k, acc.n[c]! > 0 ? acc.s[c]! / acc.n[c]! : Number.NaN])));
  return { label: `${spec.path}@${step}`, kind: 'log', images, dataset: {}, keys: columns.map(([k]) => k) };
}
