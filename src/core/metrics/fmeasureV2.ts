import type { GrayImage } from '../image/types';
import { adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { CURVE_POINTS, countsAbove, countsAtOrAbove, thresholdCounts } from './thresholds';
import { numpyMean } from './pairwiseSum';

/** PySOD `_BaseHandler.divide`: 0 where the denominator is 0 (so both-empty IoU/Dice is 0 here, unlike §7 gIoU). */
function divide(num: number, den: number): number {
  return den === 0 ? 0 : num / den;
}

/** A confusion-count metric of PySODMetrics `fmeasurev2.py`. */
export type ConfusionMetric = (tp: number, fp: number, tn: number, fn: number) => number;

/** `IOUHandler`: tp / (tp + fp + fn). */
export const iouHandler: ConfusionMetric = (tp, fp, _tn, fn) => divide(tp, tp + fp + fn);
/** `DICEHandler`: 2tp / (tp + fn + tp + fp). */
export const diceHandler: ConfusionMetric = (tp, fp, _tn, fn) => divide(2 * tp, tp + fn + tp + fp);
/** `PrecisionHandler`: tp / (tp + fp). */
export const precisionHandler: ConfusionMetric = (tp, fp) => divide(tp, tp + fp);
/** `RecallHandler`: tp / (tp + fn). */
export const recallHandler: ConfusionMetric = (tp, _fp, _tn, fn) => divide(tp, tp + fn);
/** `FmeasureHandler(beta)`, beta being β². */
export function fmeasureHandler(beta2 = 0.3): ConfusionMetric {
  return (tp, fp, tn, fn) => {
    const p = precisionHandler(tp, fp, tn, fn);
    const r = recallHandler(tp, fp, tn, fn);
    return divide((beta2 + 1) * p * r, beta2 * p + r);
  };
}

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

/** One named metric inside FmeasureV2 with its own accumulators. */
class Handler {
  private readonly curves: Float64Array | undefined;
  private readonly adaptives: number[] = [];
  private readonly binaries: number[] = [];
  private readonly totals = { tp: 0, fp: 0, tn: 0, fn: 0 };
  private images = 0;

  constructor(readonly metric: ConfusionMetric, readonly options: HandlerOptions) {
    this.curves = options.dynamic ? new Float64Array(CURVE_POINTS) : undefined;
  }

  step(pair: PreparedPair, shared: SharedCounts): HandlerImage {
    const fgTotal = pair.fg;
    const bgTotal = pair.n - pair.fg;
    const out: { dynamic?: Float64Array; adaptive?: number; binary?: number } = {};
    this.images++;
    if (this.curves) {
      const c = shared.dynamic();
      const curve = new Float64Array(CURVE_POINTS);
      for (let i = 0; i < CURVE_POINTS; i++) {
        const tp = c.tp[i]!;
        const fp = c.fp[i]!;
        curve[i] = this.metric(tp, fp, bgTotal - fp, fgTotal - tp);
        this.curves[i]! += curve[i]!;
      }
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

/** Lazily computed counts shared by all handlers of one step, as PySOD computes each binarisation once. */
interface SharedCounts {
  dynamic(): { tp: Float64Array; fp: Float64Array };
  adaptive(): { tp: number; fp: number };
  binary(): { tp: number; fp: number };
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
    if (this.handlers.size === 0) throw new Error('add a metric handler before step()');
    const pair = preparePair(pred, gt);
    let dyn: ReturnType<SharedCounts['dynamic']> | undefined;
    let adp: ReturnType<SharedCounts['adaptive']> | undefined;
    let bin: ReturnType<SharedCounts['binary']> | undefined;
    const shared: SharedCounts = {
      dynamic: () => (dyn ??= thresholdCounts(pair)),
      adaptive: () => (adp ??= countsAtOrAbove(pair, adaptiveThreshold(pair))),
      binary: () => (bin ??= countsAbove(pair, 0.5)),
    };
    const out: Record<string, HandlerImage> = {};
    for (const [name, h] of this.handlers) out[name] = h.step(pair, shared);
    return out;
  }

  /** Dataset results per handler name. */
  getResults(): Record<string, HandlerResults> {
    const out: Record<string, HandlerResults> = {};
    for (const [name, h] of this.handlers) out[name] = h.results();
    return out;
  }
}
