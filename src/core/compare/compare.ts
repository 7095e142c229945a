import { bootstrapMeanCi, signTest, type BootstrapCi, type SignTest } from './stats';

/**
 * Two results on the same images, compared: per-image deltas (b − a) by key, dataset deltas, the images that got
 * better and worse on one metric, and whether the paired change is noise. Pure.
 */

/** One side of a comparison: values per image by key, and its dataset values by key. */
export interface CompareSide {
  /** What it is, e.g. `runs/a.jsonl@120` or `metrics-a.json`. */
  readonly label: string;
  readonly kind: 'metrics' | 'log';
  /** Values per image (NaN: not available). */
  readonly images: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** Dataset values as the source aggregates them (a metrics file's `dataset`); absent keys: mean over the common images. */
  readonly dataset: Readonly<Record<string, number>>;
  /** Keys in the order to show them. */
  readonly keys: readonly string[];
}

/** Keys where a smaller value is better. */
export const LOWER_IS_BETTER: ReadonlySet<string> = new Set(['MAE']);

/** One image's values on both sides. */
export interface ImageDelta {
  readonly image: string;
  readonly a: Readonly<Record<string, number>>;
  readonly b: Readonly<Record<string, number>>;
  readonly delta: Readonly<Record<string, number>>;
}

/** A value of both sides and their difference. */
export interface Triple {
  readonly a: number;
  readonly b: number;
  readonly delta: number;
}

/** The comparison. */
export interface Comparison {
  readonly a: { readonly label: string; readonly kind: string; readonly images: number };
  readonly b: { readonly label: string; readonly kind: string; readonly images: number };
  /** Keys both sides have. */
  readonly keys: readonly string[];
  /** The key the better/worse lists and the statistics are about. */
  readonly metric: string;
  readonly lowerIsBetter: boolean;
  readonly dataset: Readonly<Record<string, Triple>>;
  /** Statistics of the metric's per-image deltas over the common images (NaN deltas dropped). */
  readonly paired: { readonly n: number; readonly nanDropped: number; readonly meanDelta: number; readonly signTest: SignTest; readonly bootstrap: BootstrapCi };
  /** Common images, by name. */
  readonly images: readonly ImageDelta[];
  /** Images whose metric improved, largest improvement first; then those that got worse, largest loss first. */
  readonly better: readonly ImageDelta[];
  readonly worse: readonly ImageDelta[];
  readonly onlyInA: readonly string[];
  readonly onlyInB: readonly string[];
}

const byName = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

function meanOf(values: readonly number[]): number {
  const v = values.filter((x) => !Number.isNaN(x));
  return v.length === 0 ? Number.NaN : v.reduce((s, x) => s + x, 0) / v.length;
}

/** The metric compared by default: IoU where both sides have it (any case), else the first common key. */
export function defaultMetric(keys: readonly string[]): string | undefined {
  return keys.find((k) => k === 'IoU') ?? keys.find((k) => k.toLowerCase() === 'iou') ?? keys.find((k) => k === 'reward') ?? keys[0];
}

/** Compare two sides on the images they share. Throws when `metric` is not a key of both. */
export function compareSides(a: CompareSide, b: CompareSide, metric?: string): Comparison {
  const keys = a.keys.filter((k) => b.keys.includes(k));
  const m = metric ?? defaultMetric(keys);
  if (m === undefined) throw new Error(`${a.label} and ${b.label} have no value in common to compare`);
  if (!keys.includes(m)) throw new Error(`metric '${m}' is not in both ${a.label} and ${b.label} (common: ${keys.join(', ') || 'none'})`);
  const common = [...a.images.keys()].filter((i) => b.images.has(i)).sort(byName);
  const onlyInA = [...a.images.keys()].filter((i) => !b.images.has(i)).sort(byName);
  const onlyInB = [...b.images.keys()].filter((i) => !a.images.has(i)).sort(byName);
  const images: ImageDelta[] = common.map((image) => {
    const va = a.images.get(image)!;
    const vb = b.images.get(image)!;
    const pick = (v: Readonly<Record<string, number>>) => Object.fromEntries(keys.map((k) => [k, v[k] ?? Number.NaN]));
    const pa = pick(va);
    const pb = pick(vb);
    return { image, a: pa, b: pb, delta: Object.fromEntries(keys.map((k) => [k, pb[k]! - pa[k]!])) };
  });
  const dataset: Record<string, Triple> = {};
  // Dataset-only values (cIoU, gIoU, count of a metrics file) are compared too.
  const datasetKeys = [...keys, ...Object.keys(a.dataset).filter((k) => !keys.includes(k) && k in b.dataset)];
  for (const k of datasetKeys) {
    const da = a.dataset[k] ?? meanOf(images.map((i) => i.a[k]!));
    const db = b.dataset[k] ?? meanOf(images.map((i) => i.b[k]!));
    dataset[k] = { a: da, b: db, delta: db - da };
  }
  const lowerIsBetter = LOWER_IS_BETTER.has(m);
  const deltas = images.map((i) => i.delta[m]!);
  const valid = deltas.filter((d) => !Number.isNaN(d));
  // The sign test asks "did it get better", so deltas are turned to improvements for a lower-is-better key.
  const gains = valid.map((d) => (lowerIsBetter ? -d : d));
  const gain = (i: ImageDelta): number => (lowerIsBetter ? -i.delta[m]! : i.delta[m]!);
  const better = images.filter((i) => gain(i) > 0).sort((x, y) => gain(y) - gain(x) || byName(x.image, y.image));
  const worse = images.filter((i) => gain(i) < 0).sort((x, y) => gain(x) - gain(y) || byName(x.image, y.image));
  return {
    a: { label: a.label, kind: a.kind, images: a.images.size },
    b: { label: b.label, kind: b.kind, images: b.images.size },
    keys,
    metric: m,
    lowerIsBetter,
    dataset,
    paired: { n: valid.length, nanDropped: deltas.length - valid.length, meanDelta: meanOf(valid), signTest: signTest(gains), bootstrap: bootstrapMeanCi(valid) },
    images,
    better,
    worse,
    onlyInA,
    onlyInB,
  };
}
