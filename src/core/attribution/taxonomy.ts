import { ATTRIBUTION_LABELS, type AttributionLabel } from './labels';

/**
 * The failure taxonomy (issue 17 item 3): how many rollouts carry each label, per training step and per image. Pure
 * over (step, image, label) triples, so the traces view, a report or a test count the same way. The label counted is
 * the one the user sees: an override where there is one, else the computed label.
 */

/** One labelled rollout as the taxonomy counts it. */
export interface TaxonomyItem {
  /** Training step; NaN when the record has none (counted under no step). */
  readonly step: number;
  /** Image path as written in the log; absent when the record has none. */
  readonly image?: string;
  readonly label: AttributionLabel;
}

/** Counts per label, every label present, in precedence order. */
export type LabelCounts = Record<AttributionLabel, number>;

/** Label counts per step and per image. */
export interface Taxonomy {
  /** Steps in ascending order (records without a step are left out of this view). */
  readonly steps: ReadonlyArray<{ readonly step: number; readonly counts: LabelCounts }>;
  /** Images by path (code-unit order); records without an image are left out of this view. */
  readonly images: ReadonlyArray<{ readonly image: string; readonly counts: LabelCounts }>;
  /** Counts over every item. */
  readonly total: LabelCounts;
}

/** Zero counts for every label. */
export function emptyCounts(): LabelCounts {
  return { format: 0, segmenter: 0, policy: 0, reward: 0, ok: 0 };
}

/** Count labels per step and per image. */
export function taxonomyOf(items: Iterable<TaxonomyItem>): Taxonomy {
  const steps = new Map<number, LabelCounts>();
  const images = new Map<string, LabelCounts>();
  const total = emptyCounts();
  for (const it of items) {
    total[it.label]++;
    if (Number.isFinite(it.step)) {
      let c = steps.get(it.step);
      if (!c) steps.set(it.step, (c = emptyCounts()));
      c[it.label]++;
    }
    if (it.image !== undefined) {
      let c = images.get(it.image);
      if (!c) images.set(it.image, (c = emptyCounts()));
      c[it.label]++;
    }
  }
  return {
    steps: [...steps].sort(([a], [b]) => a - b).map(([step, counts]) => ({ step, counts })),
    images: [...images].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([image, counts]) => ({ image, counts })),
    total,
  };
}

/** Stacked segments of one step's bar, bottom up in precedence order: [label, from, to] in counts; empty labels left out. */
export function stackCounts(counts: LabelCounts): Array<{ readonly label: AttributionLabel; readonly from: number; readonly to: number }> {
  const out: Array<{ label: AttributionLabel; from: number; to: number }> = [];
  let at = 0;
  for (const l of ATTRIBUTION_LABELS) {
    const n = counts[l];
    if (n <= 0) continue;
    out.push({ label: l, from: at, to: at + n });
    at += n;
  }
  return out;
}
