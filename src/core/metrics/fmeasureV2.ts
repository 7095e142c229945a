import type { GrayImage } from '../image/types';
import { adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { CURVE_POINTS, countsAbove, countsAtOrAbove, thresholdCounts, type BinaryCounts, type ThresholdCounts } from './thresholds';
import { numpyMean, pairwiseSum } from './pairwiseSum';

/** PySOD `_BaseHandler.divide`: 0 where the denominator is 0 (so both-empty IoU/Dice is 0 here, unlike §7 gIoU). */
function divide(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** A confusion-count metric of PySODMetrics `fmeasurev2.py`. */
export type ConfusionMetric = (tp: number, fp: number, tn: number, fn: number) => number;

/** `IOUHandler` (`fmeasurev2.py:74-83`): tp / (tp + fp + fn). */
export const iouHandler: ConfusionMetric = (tp, fp, _tn, fn) => divide(tp, tp + fp + fn);
/** `SpecificityHandler` / `TNRHandler` (`fmeasurev2.py:86-100`): tn / (tn + fp). */
export const specificityHandler: ConfusionMetric = (_tp, fp, tn) => divide(tn, tn + fp);
/** `DICEHandler` (`fmeasurev2.py:103-112`): 2tp / (tp + fn + tp + fp). */
export const diceHandler: ConfusionMetric = (tp, fp, _tn, fn) => divide(2 * tp, tp + fn + tp + fp);
/** `OverallAccuracyHandler` (`fmeasurev2.py:115-124`): (tp + tn) / (tp + fp + tn + fn). */
export const overallAccuracyHandler: ConfusionMetric = (tp, fp, tn, fn) => divide(tp + tn, tp + fp + tn + fn);

/**
 * `KappaHandler` (`fmeasurev2.py:127-167`). numpy/Python compute the chance agreement's numerator and n² exactly (int64
 * or Python int) and round once when dividing; doubles are exact only below 2^53, so larger totals go through BigInt.
 */
export const kappaHandler: ConfusionMetric = (tp, fp, tn, fn) => {
  const oa = overallAccuracyHandler(tp, fp, tn, fn);
  const n = tp + fp + tn + fn;
  let num: number;
  let den: number;
  if (n * n <= Number.MAX_SAFE_INTEGER) {
    num = (tp + fp) * (tp + fn) + (tn + fn) * (tn + tp);
    den = n * n;
  } else {
    const [a, b, c, d] = [BigInt(tp), BigInt(fp), BigInt(tn), BigInt(fn)];
    num = Number((a + b) * (a + d) + (c + d) * (c + a));
    den = Number((a + b + c + d) ** 2n);
  }
  const hpyP = divide(num, den);
  return divide(oa - hpyP, 1 - hpyP);
};
/** `PrecisionHandler` (`fmeasurev2.py:170-179`): tp / (tp + fp). */
export const precisionHandler: ConfusionMetric = (tp, fp) => divide(tp, tp + fp);
/** `RecallHandler` / `TPRHandler` / `SensitivityHandler` (`fmeasurev2.py:182-197`): tp / (tp + fn). */
export const recallHandler: ConfusionMetric = (tp, _fp, _tn, fn) => divide(tp, tp + fn);
/** `TNRHandler` (`fmeasurev2.py:100`): the specificity. */
export const tnrHandler = specificityHandler;
/** `TPRHandler` (`fmeasurev2.py:196`): the recall. */
export const tprHandler = recallHandler;
/** `SensitivityHandler` (`fmeasurev2.py:197`): the recall. */
export const sensitivityHandler = recallHandler;
/** `FPRHandler` (`fmeasurev2.py:200-210`): fp / (tn + fp). */
export const fprHandler: ConfusionMetric = (_tp, fp, tn) => divide(fp, tn + fp);
/** `BERHandler` (`fmeasurev2.py:213-225`): 1 − ½(tp/(tp+fn) + tn/(tn+fp)), each ratio 0 when its class is empty. */
export const berHandler: ConfusionMetric = (tp, fp, tn, fn) => 1 - 0.5 * (divide(tp, tp + fn) + divide(tn, tn + fp));
/** `FmeasureHandler(beta)` (`fmeasurev2.py:228-272`), beta being β²: F from the separately computed precision and recall. */
export function fmeasureHandler(beta2 = 0.3): ConfusionMetric {
  return (tp, fp, tn, fn) => {
    const p = precisionHandler(tp, fp, tn, fn);
    const r = recallHandler(tp, fp, tn, fn);
    return divide((beta2 + 1) * p * r, beta2 * p + r);
  };
}

/** The eleven base metrics of PySODMetrics' `examples/test_metrics.py`, by the name its keys use (`adp<name>`, `sample_bi<name>`, …). */
export const BASE_METRICS: ReadonlyArray<readonly [string, ConfusionMetric]> = [
  ['fm', fmeasureHandler(0.3)],
  ['f1', fmeasureHandler(1)],
  ['pre', precisionHandler],
  ['rec', recallHandler],
  ['fpr', fprHandler],
  ['iou', iouHandler],
  ['dice', diceHandler],
  ['spec', specificityHandler],
  ['ber', berHandler],
  ['oa', overallAccuracyHandler],
  ['kappa', kappaHandler],
];

/** Which binarisations a handler records, as in PySOD's `_BaseHandler(with_dynamic, with_adaptive, with_binary, sample_based)`. */
export interface HandlerOptions {
  /** 256-point curve over `uint8(p·255) >= t`. */
  readonly dynamic?: boolean;
  /** `p >= min(2·mean, 1)`. */
  readonly adaptive?: boolean;
  /** `p > 0.5` on the min-max-normalised pred. */
  readonly binary?: boolean;
  /** Binary mode: mean of per-image values (true) or one value from dataset-summed counts (false, i.e. cIoU for IoU). */
  readonly sampleBased?: boolean;
}

/** Dataset results of one handler. */
export interface HandlerResults {
  /** Mean curve over images (dynamic mode). */
  readonly dynamic?: Float64Array;
  /** Mean adaptive value (adaptive mode). */
  readonly adaptive?: number;
  /** Binary value (binary mode). */
  readonly binary?: number;
}

/** Per-image values one handler produced. */
export interface HandlerImage {
  /** The image's curve (dynamic mode). */
  readonly dynamic?: Float64Array;
  /** The image's adaptive value. */
  readonly adaptive?: number;
  /** The image's binary value (`p > 0.5`). */
  readonly binary?: number;
}

/** One named metric with its own accumulators (`_BaseHandler` state + `FmeasureV2.step`/`get_results`, `fmeasurev2.py:363-431`). */
export class Handler {
  private readonly curves: Float64Array | undefined;
  private readonly adaptives: number[] = [];
  private readonly binaries: number[] = [];
  private readonly totals = { tp: 0, fp: 0, tn: 0, fn: 0 };
  private images = 0;

  /** A handler computing `metric` in the modes `options` enables. */
  constructor(readonly metric: ConfusionMetric, readonly options: HandlerOptions) {
    this.curves = options.dynamic ? new Float64Array(CURVE_POINTS) : undefined;
  }

  /** Add one image (or one size-invariant target) given its GT foreground/background sizes and its counts. */
  step(fgTotal: number, bgTotal: number, shared: SharedCounts): HandlerImage {
    const out: { dynamic?: Float64Array; adaptive?: number; binary?: number } = {};
    this.images++;
    if (this.curves) {
      const curve = metricCurve(this.metric, fgTotal, bgTotal, shared.dynamic());
      for (let i = 0; i < CURVE_POINTS; i++) this.curves[i]! += curve[i]!;
      out.dynamic = curve;
    }
    if (this.options.adaptive) {
      const c = shared.adaptive();
      out.adaptive = this.metric(c.tp, c.fp, bgTotal - c.fp, fgTotal - c.tp);
      this.adaptives.push(out.adaptive);
    }
    if (this.options.binary) {
      const c = shared.binary();
      const tn = bgTotal - c.fp;
      const fn = fgTotal - c.tp;
      out.binary = this.metric(c.tp, c.fp, tn, fn);
      if (this.options.sampleBased ?? true) this.binaries.push(out.binary);
      else {
        this.totals.tp += c.tp;
        this.totals.fp += c.fp;
        this.totals.tn += tn;
        this.totals.fn += fn;
      }
    }
    return out;
  }

  /** Dataset values: mean curve (axis-0 mean: rows added in order), mean adaptive, binary mean or metric of summed counts. */
  results(): HandlerResults {
    const r: { dynamic?: Float64Array; adaptive?: number; binary?: number } = {};
    if (this.curves) r.dynamic = this.curves.map((s) => s / this.images);
    if (this.options.adaptive) r.adaptive = numpyMean(this.adaptives);
    if (this.options.binary) {
      const t = this.totals;
      r.binary = (this.options.sampleBased ?? true) ? numpyMean(this.binaries) : this.metric(t.tp, t.fp, t.tn, t.fn);
    }
    return r;
  }
}

/** The metric at each of the 256 thresholds (`handler(**dynamical_tpfptnfn)`). */
export function metricCurve(metric: ConfusionMetric, fgTotal: number, bgTotal: number, c: ThresholdCounts): Float64Array {
  const curve = new Float64Array(CURVE_POINTS);
  for (let i = 0; i < CURVE_POINTS; i++) {
    const tp = c.tp[i]!;
    const fp = c.fp[i]!;
    curve[i] = metric(tp, fp, bgTotal - fp, fgTotal - tp);
  }
  return curve;
}

/** Lazily computed counts shared by all handlers of one step, as PySOD computes each binarisation once. */
export interface SharedCounts {
  /** Counts at the 256 thresholds (`dynamically_binarizing`). */
  dynamic(): ThresholdCounts;
  /** Counts at `p >= min(2·mean, 1)` (`adaptively_binarizing`). */
  adaptive(): BinaryCounts;
  /** Counts at `p > 0.5` (`get_statistics(pred > 0.5)`). */
  binary(): BinaryCounts;
}

/** The shared counts of a whole prepared pair. */
export function pairCounts(pair: PreparedPair): SharedCounts {
  let dyn: ThresholdCounts | undefined;
  let adp: BinaryCounts | undefined;
  let bin: BinaryCounts | undefined;
  return {
    dynamic: () => (dyn ??= thresholdCounts(pair)),
    adaptive: () => (adp ??= countsAtOrAbove(pair, adaptiveThreshold(pair))),
    binary: () => (bin ??= countsAbove(pair, 0.5)),
  };
}

/** PySODMetrics `FmeasureV2`: confusion-count metrics (IoU, Dice, F, …) under dynamic, adaptive and binary binarisation. */
export class FmeasureV2 {
  private readonly handlers = new Map<string, Handler>();

  /** Register a metric under a name. */
  addHandler(name: string, metric: ConfusionMetric, options: HandlerOptions): this {
    this.handlers.set(name, new Handler(metric, options));
    return this;
  }

  /** Score one pred/GT pair; returns each handler's per-image values. */
  step(pred: GrayImage, gt: GrayImage): Record<string, HandlerImage> {
    return this.stepPair(preparePair(pred, gt));
  }

  /** Score an already prepared pair (the full set prepares each pair once for all its metrics). */
  stepPair(pair: PreparedPair): Record<string, HandlerImage> {
    if (this.handlers.size === 0) throw new Error('add a metric handler before step()');
    const shared = pairCounts(pair);
    const out: Record<string, HandlerImage> = {};
    for (const [name, h] of this.handlers) out[name] = h.step(pair.fg, pair.n - pair.fg, shared);
    return out;
  }

  /** Dataset results per handler name. */
  getResults(): Record<string, HandlerResults> {
    const out: Record<string, HandlerResults> = {};
    for (const [name, h] of this.handlers) out[name] = h.results();
    return out;
  }
}

/**
 * `cal_auc(y, x)` of PySODMetrics' `examples/test_metrics.py:18-23`: sort by x (stable), then `np.trapz`.
 * The trapezoid terms are summed pairwise as numpy's `add.reduce` does.
 */
export function calAuc(y: ArrayLike<number>, x: ArrayLike<number>): number {
  if (y.length !== x.length) throw new RangeError(`calAuc: y has ${y.length} points, x ${x.length}`);
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a]! - x[b]!);
  const terms = new Float64Array(Math.max(0, idx.length - 1));
  for (let k = 0; k + 1 < idx.length; k++) {
    const i = idx[k]!;
    const j = idx[k + 1]!;
    terms[k] = ((x[j]! - x[i]!) * (y[j]! + y[i]!)) / 2.0;
  }
  return pairwiseSum(terms);
}

/** `cal_auc(np.flip(y), np.flip(x))`: curves here run from the strictest threshold, the AUC wants them ascending (`test_metrics.py:256-257`). */
export function flippedAuc(y: Float64Array, x: Float64Array): number {
  return calAuc(y.slice().reverse(), x.slice().reverse());
}
