import type { GrayImage } from '../image/types';
import { Handler, metricCurve, pairCounts, type ConfusionMetric, type HandlerOptions, type SharedCounts } from './fmeasureV2';
import { maeImage } from './mae';
import { numpyMean } from './pairwiseSum';
import { adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { CURVE_POINTS, countsAbove, countsAtOrAbove, curveMax, curveMean, thresholdCounts } from './thresholds';

/** `parse_connected_components(area_threshold=50)`: components smaller than this are not targets (unless none is larger). */
export const SI_AREA_THRESHOLD = 50;

/** Inclusive bounding box [x0, y0, x1, y1]. */
export type Box = readonly [number, number, number, number];

/** The size-invariant targets of one GT (`size_invariance.py:9-74`). */
export interface SiTargets {
  /** The targets' bounding boxes in skimage label order (raster order of each component's first pixel). Empty: no GT component. */
  readonly boxes: readonly Box[];
  /**
   * Every pixel is GT foreground: PySODMetrics' `encode_bboxwise_tgts_bitwise` asserts (the background label 0 has no
   * pixel, `size_invariance.py:65-67`) and the whole evaluation stops. The workbench excludes such images from the si_* means.
   */
  readonly fullForeground: boolean;
}

/** The note attached to an image excluded from the size-invariant metrics. */
export const SI_FULL_FOREGROUND_NOTE =
  'excluded from si_* metrics: the GT is all foreground, where PySODMetrics raises AssertionError (encode_bboxwise_tgts_bitwise: no background pixel for label 0)';

/**
 * Find the targets: 4-connected GT components (`measure.label(connectivity=1)`) of area ≥ 50, numbered in label order;
 * if none is that large, every component of the largest area (`size_invariance.py:22-48`).
 * PySODMetrics encodes target k as bit k−1 of a float64 weight map; up to 53 targets that is exact, and this mirrors it.
 * Beyond that its float bits are lossy, where this keeps each target's exact box.
 */
export function sizeInvariantTargets(pair: PreparedPair): SiTargets {
  const { width, height, n, gt } = pair;
  if (pair.fg === n && n > 0) return { boxes: [], fullForeground: true };
  if (pair.fg === 0) return { boxes: [], fullForeground: false };
  const seen = new Uint8Array(n);
  const stack = new Int32Array(pair.fg);
  const comps: Array<{ area: number; box: Box }> = [];
  let top = 0;
  const push = (j: number): void => {
    if (gt[j] === 1 && seen[j] === 0) {
      seen[j] = 1;
      stack[top++] = j;
    }
  };
  for (let start = 0; start < n; start++) {
    if (gt[start] === 0 || seen[start] === 1) continue;
    push(start);
    let area = 0;
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    while (top > 0) {
      const i = stack[--top]!;
      const y = Math.floor(i / width);
      const x = i - y * width;
      area++;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (x > 0) push(i - 1);
      if (x + 1 < width) push(i + 1);
      if (y > 0) push(i - width);
      if (y + 1 < height) push(i + width);
    }
    comps.push({ area, box: [x0, y0, x1, y1] });
  }
  const valid = comps.filter((c) => c.area >= SI_AREA_THRESHOLD);
  if (valid.length > 0) return { boxes: valid.map((c) => c.box), fullForeground: false };
  let maxArea = 0;
  for (const c of comps) if (c.area > maxArea) maxArea = c.area;
  return { boxes: comps.filter((c) => c.area === maxArea).map((c) => c.box), fullForeground: false };
}

/** The pair as one target sees it: pred zeroed and GT cut outside the box (`_pred = pred * tgt_mask; _gt = gt & tgt_mask`). */
interface TargetView {
  /** The pair with the histograms of the box only (pixels outside hold p = 0 and are GT background). */
  readonly pair: PreparedPair;
  /** Pixels outside the box. */
  readonly outside: number;
  /** Σ |p − g| over the box. */
  readonly absErr: number;
  /** Box area. */
  readonly area: number;
}

function targetView(pair: PreparedPair, box: Box): TargetView {
  const [x0, y0, x1, y1] = box;
  const fgHist = new Float64Array(256);
  const bgHist = new Float64Array(256);
  let fg = 0;
  for (let y = y0; y <= y1; y++) {
    for (let i = y * pair.width + x0, end = y * pair.width + x1; i <= end; i++) {
      if (pair.gt[i] === 1) {
        fgHist[pair.pred[i]!]!++;
        fg++;
      } else bgHist[pair.pred[i]!]!++;
    }
  }
  const area = (x1 - x0 + 1) * (y1 - y0 + 1);
  const view: PreparedPair = { ...pair, fgHist, bgHist, fg };
  return { pair: view, outside: pair.n - area, absErr: absError(view), area };
}

/** Σ |p − g| from the histograms. */
function absError(pair: PreparedPair): number {
  let s = 0;
  for (let v = 0; v < 256; v++) {
    const f = pair.fgHist[v]!;
    const b = pair.bgHist[v]!;
    if (f !== 0) s += f * (1 - pair.value[v]!);
    if (b !== 0) s += b * pair.value[v]!;
  }
  return s;
}

/** Counts of one target: the box's histograms plus the zeroed outside pixels (bin 0, so counted only at threshold 0). */
function targetCounts(t: TargetView): SharedCounts {
  return {
    dynamic: () => {
      const c = thresholdCounts(t.pair);
      c.fp[CURVE_POINTS - 1]! += t.outside;
      return c;
    },
    adaptive: () => {
      const thr = adaptiveThreshold(t.pair);
      const c = countsAtOrAbove(t.pair, thr);
      return thr <= 0 ? { tp: c.tp, fp: c.fp + t.outside } : c;
    },
    binary: () => countsAbove(t.pair, 0.5),
  };
}

/** `SizeInvarianceMAE.step` (`size_invariance.py:238-271`) on a prepared pair; NaN where PySOD divides 0 by a 0 background area. */
export function sizeInvariantMae(pair: PreparedPair, targets: SiTargets): number {
  if (targets.boxes.length === 0) return maeImage(pair);
  const covered = new Uint8Array(pair.n);
  const views = targets.boxes.map((b) => targetView(pair, b));
  for (const [x0, y0, x1, y1] of targets.boxes) for (let y = y0; y <= y1; y++) covered.fill(1, y * pair.width + x0, y * pair.width + x1 + 1);
  let bgArea = 0;
  let bgErr = 0;
  for (let i = 0; i < pair.n; i++) {
    if (covered[i] === 1) continue;
    bgArea++;
    const p = pair.value[pair.pred[i]!]!;
    bgErr += pair.gt[i] === 1 ? 1 - p : p;
  }
  const ratio = bgArea / (pair.n - bgArea);
  const factor = 1 / (views.length + ratio);
  let mae = ((ratio * bgErr) / bgArea) * factor;
  for (const v of views) mae += (v.absErr / v.area) * factor;
  return mae;
}

/** PySODMetrics `SizeInvarianceMAE`: mean of the per-image values (images with an all-foreground GT excluded). */
export class SizeInvarianceMAE {
  private readonly values: number[] = [];

  /** Score one pair; undefined when the image is excluded (all-foreground GT). */
  step(pred: GrayImage, gt: GrayImage): number | undefined {
    const pair = preparePair(pred, gt);
    return this.stepPair(pair, sizeInvariantTargets(pair));
  }

  /** Score a prepared pair with its targets. */
  stepPair(pair: PreparedPair, targets: SiTargets): number | undefined {
    if (targets.fullForeground) return undefined;
    const v = sizeInvariantMae(pair, targets);
    this.values.push(v);
    return v;
  }

  /** `{ si_mae }`; NaN when nothing was scored. */
  getResults(): { si_mae: number } {
    return { si_mae: numpyMean(this.values) };
  }
}

/** One image's values of a size-invariant handler. */
export interface SiHandlerImage {
  /** The T per-target curves (dynamic mode). */
  readonly curves?: readonly Float64Array[];
  /** Mean over targets of the adaptive value. */
  readonly adaptive?: number;
  /** Binary value: mean over targets (sample-based) or the metric of the image's summed target counts (overall). */
  readonly binary?: number;
}

/** Dataset values of a size-invariant handler (`size_invariance.py:195-222`, reduced as `examples/test_metrics.py:26-32`). */
export interface SiHandlerResults {
  /** Overall dynamic: the curve averaged over all targets of all images. */
  readonly dynamic?: Float64Array;
  /** Sample-based dynamic: mean over images of the mean over targets of each target curve's max. */
  readonly sampleMax?: number;
  /** Sample-based dynamic: mean over images of the mean over targets of each target curve's mean. */
  readonly sampleMean?: number;
  /** Mean over images of the per-image adaptive value. */
  readonly adaptive?: number;
  /** Binary value. */
  readonly binary?: number;
}

/** One size-invariant handler: the per-target values of `_update_metrics` reduced per image as `step` does. */
class SiHandler {
  private readonly inner: Handler;
  private readonly sampleMaxes: number[] = [];
  private readonly sampleMeans: number[] = [];
  private readonly adaptives: number[] = [];
  private readonly binaries: number[] = [];

  constructor(readonly metric: ConfusionMetric, readonly options: HandlerOptions) {
    // The overall accumulators (curve sum over targets, summed counts) are exactly a plain handler's.
    this.inner = new Handler(metric, { dynamic: options.dynamic && !this.sampleBased, binary: options.binary && !this.sampleBased, sampleBased: false });
  }

  get sampleBased(): boolean {
    return this.options.sampleBased ?? true;
  }

  step(targets: ReadonlyArray<{ fg: number; bg: number; counts: SharedCounts }>): SiHandlerImage {
    const out: { curves?: Float64Array[]; adaptive?: number; binary?: number } = {};
    if (!this.sampleBased) {
      const curves: Float64Array[] = [];
      const image = new Handler(this.metric, { binary: this.options.binary, sampleBased: false });
      for (const t of targets) {
        const r = this.inner.step(t.fg, t.bg, t.counts);
        if (r.dynamic) curves.push(r.dynamic);
        if (this.options.binary) image.step(t.fg, t.bg, t.counts);
      }
      if (this.options.dynamic) out.curves = curves;
      if (this.options.binary) out.binary = image.results().binary;
    } else if (this.options.dynamic) {
      const curves = targets.map((t) => metricCurve(this.metric, t.fg, t.bg, t.counts.dynamic()));
      this.sampleMaxes.push(numpyMean(curves.map(curveMax)));
      this.sampleMeans.push(numpyMean(curves.map(curveMean)));
      out.curves = curves;
    }
    if (this.options.adaptive) {
      out.adaptive = numpyMean(targets.map((t) => {
        const c = t.counts.adaptive();
        return this.metric(c.tp, c.fp, t.bg - c.fp, t.fg - c.tp);
      }));
      this.adaptives.push(out.adaptive);
    }
    if (this.options.binary && this.sampleBased) {
      out.binary = numpyMean(targets.map((t) => {
        const c = t.counts.binary();
        return this.metric(c.tp, c.fp, t.bg - c.fp, t.fg - c.tp);
      }));
      this.binaries.push(out.binary);
    }
    return out;
  }

  results(): SiHandlerResults {
    const r: { dynamic?: Float64Array; sampleMax?: number; sampleMean?: number; adaptive?: number; binary?: number } = {};
    const inner = this.inner.results();
    if (this.options.dynamic) {
      if (this.sampleBased) {
        r.sampleMax = numpyMean(this.sampleMaxes);
        r.sampleMean = numpyMean(this.sampleMeans);
      } else r.dynamic = inner.dynamic;
    }
    if (this.options.adaptive) r.adaptive = numpyMean(this.adaptives);
    if (this.options.binary) r.binary = this.sampleBased ? numpyMean(this.binaries) : inner.binary;
    return r;
  }
}

/**
 * PySODMetrics `SizeInvarianceFmeasureV2` (`size_invariance.py:94-222`): every handler is evaluated once per target,
 * with the pred zeroed and the GT cut outside the target's box; a GT without component is one whole-image target.
 */
export class SizeInvarianceFmeasureV2 {
  private readonly handlers = new Map<string, SiHandler>();

  /** Register a metric under a name. */
  addHandler(name: string, metric: ConfusionMetric, options: HandlerOptions): this {
    this.handlers.set(name, new SiHandler(metric, options));
    return this;
  }

  /** Score one pair; undefined when the image is excluded (all-foreground GT, see {@link SiTargets.fullForeground}). */
  step(pred: GrayImage, gt: GrayImage): Record<string, SiHandlerImage> | undefined {
    const pair = preparePair(pred, gt);
    return this.stepPair(pair, sizeInvariantTargets(pair));
  }

  /** Score a prepared pair with its targets. */
  stepPair(pair: PreparedPair, targets: SiTargets): Record<string, SiHandlerImage> | undefined {
    if (this.handlers.size === 0) throw new Error('add a metric handler before step()');
    if (targets.fullForeground) return undefined;
    const views =
      targets.boxes.length === 0
        ? [{ fg: pair.fg, bg: pair.n - pair.fg, counts: pairCounts(pair) }]
        : targets.boxes.map((b) => {
            const v = targetView(pair, b);
            return { fg: v.pair.fg, bg: pair.n - v.pair.fg, counts: memo(targetCounts(v)) };
          });
    const out: Record<string, SiHandlerImage> = {};
    for (const [name, h] of this.handlers) out[name] = h.step(views);
    return out;
  }

  /** Dataset values per handler name. */
  getResults(): Record<string, SiHandlerResults> {
    const out: Record<string, SiHandlerResults> = {};
    for (const [name, h] of this.handlers) out[name] = h.results();
    return out;
  }
}


/** Compute each binarisation once per target, whatever the number of handlers. */
function memo(c: SharedCounts): SharedCounts {
  let d: ReturnType<SharedCounts['dynamic']> | undefined;
  let a: ReturnType<SharedCounts['adaptive']> | undefined;
  let b: ReturnType<SharedCounts['binary']> | undefined;
  return { dynamic: () => (d ??= c.dynamic()), adaptive: () => (a ??= c.adaptive()), binary: () => (b ??= c.binary()) };
}
