import type { GrayImage, RgbImage } from '../image/types';
import { BASE_METRICS, flippedAuc, FmeasureV2, type HandlerImage } from './fmeasureV2';
import { numpyMean } from './pairwiseSum';
import { preparePair, type PreparedPair } from './prepare';
import { SI_FULL_FOREGROUND_NOTE, sizeInvariantMae, sizeInvariantTargets, SizeInvarianceFmeasureV2, type SiHandlerImage } from './sizeInvariance';
import { imageMetricsOfPair, MetricSuite } from './suite';
import { CURVE_POINTS, curveMax, curveMean } from './thresholds';
import { CamouflageContextMeasure, CamouflageInputError } from './camouflageContext';
import { ContextMeasure } from './contextMeasure';
import { HumanCorrectionEffortMeasure } from './hce';
import { MSIoU } from './msiou';

/*
 * The "full set": every metric PySODMetrics 1.6.x computes, under the key names of its `examples/test_metrics.py`
 * (= its `version_performance.json`). `segr1 metrics --all` runs one FullSet over a dataset.
 *
 * Plug-in interface (for MSIoU/HCE, cm/ccm and any later metric):
 *   - write a `FullSetMetric`: `keys` lists the PySODMetrics names it produces; `step(input)` scores one image and
 *     returns that image's values (the dataset value the metric would give on this image alone) plus optional notes;
 *     `results()` returns the dataset values; `notes()` (optional) says why a key is absent or how it was reduced.
 *   - append its factory to FULL_SET_FACTORIES below (one line). Images are stepped in stem order on one thread.
 *   - `input.pair` is the PySODMetrics `prepare_data` result shared by all metrics (normalised pred table, GT > 128);
 *     `input.image` is the RGB image matched by stem when `--images` is given (ccm), else undefined.
 * A key a metric cannot produce (e.g. ccm without images) is simply left out of its records.
 */

/** What every full-set metric sees of one image. */
export interface FullSetInput {
  /** File stem (the image's name in per-image output and notes). */
  readonly stem: string;
  /** Prediction as cv2.imread(IMREAD_GRAYSCALE) reads it. */
  readonly pred: GrayImage;
  /** Ground truth as cv2.imread(IMREAD_GRAYSCALE) reads it. */
  readonly gt: GrayImage;
  /** `prepare_data(pred, gt)` of PySODMetrics, computed once for all metrics. */
  readonly pair: PreparedPair;
  /** The RGB image with the same stem (`--images`), for metrics that take the image (ccm). */
  readonly image?: RgbImage;
}

/** One image's values (PySODMetrics names) and notes (why a key is missing, NaN, …). */
export interface FullSetImage {
  /** Values by PySODMetrics key. */
  readonly values: Record<string, number>;
  /** Human-readable notes about this image. */
  readonly notes?: readonly string[];
}

/** A metric family of the full set (see the file comment for how to add one). */
export interface FullSetMetric {
  /** Every key this metric can produce, in display order. */
  readonly keys: readonly string[];
  /** Score one image and add it to the dataset accumulators. */
  step(input: FullSetInput): FullSetImage;
  /** Dataset values by key (keys it cannot produce are absent). */
  results(): Record<string, number>;
  /** Dataset-level notes (e.g. why a key is absent). */
  notes?(): readonly string[];
}

/** Creates a fresh full-set metric for one dataset run. */
export type FullSetFactory = () => FullSetMetric;

/** The 9 paper metrics (`Smeasure`, `wFmeasure`, `MAE`, adp/mean/max `Em` and `Fm`) plus the workbench IoU/cIoU/gIoU. */
export function paperMetrics(): FullSetMetric {
  const suite = new MetricSuite();
  const keys = ['Smeasure', 'wFmeasure', 'MAE', 'adpEm', 'meanEm', 'maxEm', 'adpFm', 'meanFm', 'maxFm', 'IoU', 'cIoU', 'gIoU'] as const;
  return {
    keys,
    step(input) {
      const m = imageMetricsOfPair(input.pair);
      suite.add(m);
      const values: Record<string, number> = {};
      // cIoU/gIoU are dataset aggregates of the workbench IoU: per image only IoU, as without --all.
      for (const k of keys) if (k !== 'cIoU' && k !== 'gIoU') values[k] = m[k];
      return { values };
    },
    results() {
      const r = suite.getResults();
      const values: Record<string, number> = {};
      for (const k of keys) values[k] = r[k];
      return values;
    },
  };
}

const BASE_NAMES = BASE_METRICS.map(([n]) => n);

/** `FmeasureV2` as `examples/test_metrics.py:63-104` configures it: adp/mean/max, `sample_bi*`, `overall_bi*`, plus `auc_pr`/`auc_roc` (lines 253-257). */
export function fmeasureV2Metrics(): FullSetMetric {
  const v2 = new FmeasureV2();
  for (const [name, metric] of BASE_METRICS) {
    v2.addHandler(name, metric, { dynamic: true, adaptive: true });
    v2.addHandler(`sample_bi${name}`, metric, { binary: true, sampleBased: true });
    v2.addHandler(`overall_bi${name}`, metric, { binary: true, sampleBased: false });
  }
  const keys = [...BASE_NAMES.flatMap((m) => [`adp${m}`, `mean${m}`, `max${m}`, `sample_bi${m}`, `overall_bi${m}`]), 'auc_pr', 'auc_roc'];
  const fill = (values: Record<string, number>, get: (name: string) => { dynamic?: Float64Array; adaptive?: number; binary?: number }): void => {
    for (const m of BASE_NAMES) {
      const g = get(m);
      values[`adp${m}`] = g.adaptive!;
      values[`mean${m}`] = curveMean(g.dynamic!);
      values[`max${m}`] = curveMax(g.dynamic!);
      values[`sample_bi${m}`] = get(`sample_bi${m}`).binary!;
      values[`overall_bi${m}`] = get(`overall_bi${m}`).binary!;
    }
    const pre = get('pre').dynamic!;
    const rec = get('rec').dynamic!;
    values.auc_pr = flippedAuc(pre, rec);
    values.auc_roc = flippedAuc(rec, get('fpr').dynamic!);
  };
  return {
    keys,
    step(input) {
      const r = v2.stepPair(input.pair);
      const values: Record<string, number> = {};
      fill(values, (n) => r[n] as HandlerImage);
      return { values };
    },
    results() {
      const r = v2.getResults();
      const values: Record<string, number> = {};
      fill(values, (n) => r[n]!);
      return values;
    },
  };
}

/** Mean curve of several (sequential axis-0 mean, as `np.mean(np.array(curves), axis=0)`). */
function meanCurve(curves: readonly Float64Array[]): Float64Array {
  const s = new Float64Array(CURVE_POINTS);
  for (const c of curves) for (let i = 0; i < CURVE_POINTS; i++) s[i]! += c[i]!;
  return s.map((v) => v / curves.length);
}

/**
 * `SizeInvarianceMAE` and `SizeInvarianceFmeasureV2` as `examples/test_metrics.py:106-160` configures them, reduced as its
 * lines 207-275 do (`si_sample_mean*`/`max*` per image then averaged; `si_overall_*` from the curve averaged over all
 * targets; `si_*_auc_pr`/`auc_roc`). An all-foreground GT, where PySODMetrics asserts, is excluded with a note.
 */
export function sizeInvarianceMetrics(): FullSetMetric {
  const si = new SizeInvarianceFmeasureV2();
  for (const [name, metric] of BASE_METRICS) {
    si.addHandler(`si_sample_${name}`, metric, { dynamic: true, adaptive: true });
    si.addHandler(`si_overall_${name}`, metric, { dynamic: true, sampleBased: false });
    si.addHandler(`si_sample_bi${name}`, metric, { binary: true, sampleBased: true });
    si.addHandler(`si_overall_bi${name}`, metric, { binary: true, sampleBased: false });
  }
  const maes: number[] = [];
  const sampleAucPr: number[] = [];
  const sampleAucRoc: number[] = [];
  let excluded = 0;
  const keys = [
    'si_mae',
    ...BASE_NAMES.flatMap((m) => [`si_sample_adp${m}`, `si_sample_mean${m}`, `si_sample_max${m}`, `si_sample_bi${m}`, `si_overall_mean${m}`, `si_overall_max${m}`, `si_overall_bi${m}`]),
    'si_overall_auc_pr',
    'si_overall_auc_roc',
    'si_sample_auc_pr',
    'si_sample_auc_roc',
  ];
  const targetAucs = (ys: readonly Float64Array[], xs: readonly Float64Array[]): number => numpyMean(ys.map((y, t) => flippedAuc(y, xs[t]!)));
  return {
    keys,
    step(input) {
      const targets = sizeInvariantTargets(input.pair);
      if (targets.fullForeground) {
        excluded++;
        return { values: {}, notes: [SI_FULL_FOREGROUND_NOTE] };
      }
      const r = si.stepPair(input.pair, targets)!;
      const values: Record<string, number> = {};
      const notes: string[] = [];
      const mae = sizeInvariantMae(input.pair, targets);
      maes.push(mae);
      values.si_mae = mae;
      if (Number.isNaN(mae)) notes.push('si_mae is NaN as in PySODMetrics: the target boxes cover the whole image (background area 0 in SizeInvarianceMAE)');
      const get = (n: string): SiHandlerImage => r[n]!;
      for (const m of BASE_NAMES) {
        const s = get(`si_sample_${m}`);
        values[`si_sample_adp${m}`] = s.adaptive!;
        values[`si_sample_mean${m}`] = numpyMean(s.curves!.map(curveMean));
        values[`si_sample_max${m}`] = numpyMean(s.curves!.map(curveMax));
        values[`si_sample_bi${m}`] = get(`si_sample_bi${m}`).binary!;
        const o = meanCurve(get(`si_overall_${m}`).curves!);
        values[`si_overall_mean${m}`] = curveMean(o);
        values[`si_overall_max${m}`] = curveMax(o);
        values[`si_overall_bi${m}`] = get(`si_overall_bi${m}`).binary!;
      }
      const pre = get('si_overall_pre').curves!;
      const rec = get('si_overall_rec').curves!;
      const fpr = get('si_overall_fpr').curves!;
      values.si_overall_auc_pr = flippedAuc(meanCurve(pre), meanCurve(rec));
      values.si_overall_auc_roc = flippedAuc(meanCurve(rec), meanCurve(fpr));
      values.si_sample_auc_pr = targetAucs(get('si_sample_pre').curves!, get('si_sample_rec').curves!);
      values.si_sample_auc_roc = targetAucs(get('si_sample_rec').curves!, get('si_sample_fpr').curves!);
      sampleAucPr.push(values.si_sample_auc_pr);
      sampleAucRoc.push(values.si_sample_auc_roc);
      return notes.length > 0 ? { values, notes } : { values };
    },
    results() {
      if (maes.length === 0) return {};
      const r = si.getResults();
      const values: Record<string, number> = { si_mae: numpyMean(maes) };
      for (const m of BASE_NAMES) {
        const s = r[`si_sample_${m}`]!;
        const o = r[`si_overall_${m}`]!.dynamic!;
        values[`si_sample_adp${m}`] = s.adaptive!;
        values[`si_sample_mean${m}`] = s.sampleMean!;
        values[`si_sample_max${m}`] = s.sampleMax!;
        values[`si_sample_bi${m}`] = r[`si_sample_bi${m}`]!.binary!;
        values[`si_overall_mean${m}`] = curveMean(o);
        values[`si_overall_max${m}`] = curveMax(o);
        values[`si_overall_bi${m}`] = r[`si_overall_bi${m}`]!.binary!;
      }
      values.si_overall_auc_pr = flippedAuc(r.si_overall_pre!.dynamic!, r.si_overall_rec!.dynamic!);
      values.si_overall_auc_roc = flippedAuc(r.si_overall_rec!.dynamic!, r.si_overall_fpr!.dynamic!);
      values.si_sample_auc_pr = numpyMean(sampleAucPr);
      values.si_sample_auc_roc = numpyMean(sampleAucRoc);
      return values;
    },
    notes() {
      return excluded > 0 ? [`${excluded} image(s) with an all-foreground GT excluded from the si_* metrics (PySODMetrics raises AssertionError on them)`] : [];
    },
  };
}

/**
 * The registry: one factory per metric family, in output order.
 */
export const FULL_SET_FACTORIES: FullSetFactory[] = [
  paperMetrics,
  fmeasureV2Metrics,
  sizeInvarianceMetrics,
  msiouMetrics,
  hceMetrics,
  contextMetrics,
  camouflageContextMetrics,
];

/** PySODMetrics `MSIoU` with dynamic, adaptive and binary modes (`adpmsiou`, `meanmsiou`, `maxmsiou`, `sample_bimsiou`). */
export function msiouMetrics(): FullSetMetric {
  const m = new MSIoU();
  let stepped = 0;
  return {
    keys: ['adpmsiou', 'meanmsiou', 'maxmsiou', 'sample_bimsiou'],
    step: (input) => {
      stepped++;
      return { values: m.step(input.pred, input.gt) };
    },
    results: () => (stepped ? m.results() : {}),
  };
}

/** PySODMetrics `HumanCorrectionEffortMeasure` (`HCE`, lower is better). */
export function hceMetrics(): FullSetMetric {
  const m = new HumanCorrectionEffortMeasure();
  let stepped = 0;
  return {
    keys: ['HCE'],
    step: (input) => {
      stepped++;
      return { values: m.step(input.pred, input.gt) };
    },
    results: () => (stepped ? m.results() : {}),
  };
}

/** PySODMetrics `ContextMeasure` (`cm`). */
export function contextMetrics(): FullSetMetric {
  const m = new ContextMeasure();
  let stepped = 0;
  return {
    keys: ['cm'],
    step: (input) => {
      stepped++;
      return { values: { cm: m.stepPair(input.pair) } };
    },
    results: () => (stepped ? m.results() : {}),
  };
}

/**
 * PySODMetrics `CamouflageContextMeasure` (`ccm`): needs the RGB image of the same stem. Without one the key is
 * absent (the CLI says why); an image PySODMetrics would reject (size differs from the masks, too small for a 7×7
 * patch) gets a note and stays out of the dataset mean instead of stopping the run.
 */
export function camouflageContextMetrics(): FullSetMetric {
  const m = new CamouflageContextMeasure();
  let stepped = 0;
  return {
    keys: ['ccm'],
    step: (input): FullSetImage => {
      if (!input.image) return { values: {} };
      try {
        const ccm = m.stepPair(input.pair, input.image);
        stepped++;
        return { values: { ccm } };
      } catch (e) {
        if (!(e instanceof CamouflageInputError)) throw e;
        return { values: {}, notes: [`ccm: ${e.message}; left out of the dataset ccm`] };
      }
    },
    results: () => (stepped ? m.results() : {}),
  };
}

/** Dataset values of a full-set run. */
export interface FullSetResults {
  /** Dataset values by PySODMetrics key, plus `count` (images scored). */
  readonly values: Record<string, number>;
  /** Dataset-level notes of all metrics. */
  readonly notes: readonly string[];
}

/** Every registered metric over one dataset. Step images in a fixed (stem) order for reproducible sums. */
export class FullSet {
  private readonly metrics: FullSetMetric[];
  private count = 0;

  /** A run of the given factories (default: the registry). */
  constructor(factories: readonly FullSetFactory[] = FULL_SET_FACTORIES) {
    this.metrics = factories.map((f) => f());
  }

  /** Every key the registered metrics can produce, in display order. */
  get keys(): string[] {
    return this.metrics.flatMap((m) => [...m.keys]);
  }

  /** Score one image with every metric (the pair is prepared once). */
  step(stem: string, pred: GrayImage, gt: GrayImage, image?: RgbImage): FullSetImage {
    const input: FullSetInput = { stem, pred, gt, pair: preparePair(pred, gt), ...(image ? { image } : {}) };
    const values: Record<string, number> = {};
    const notes: string[] = [];
    for (const m of this.metrics) {
      const r = m.step(input);
      Object.assign(values, r.values);
      if (r.notes) notes.push(...r.notes);
    }
    this.count++;
    return notes.length > 0 ? { values, notes } : { values };
  }

  /** Dataset values and notes. */
  results(): FullSetResults {
    const values: Record<string, number> = {};
    const notes: string[] = [];
    for (const m of this.metrics) {
      Object.assign(values, m.results());
      if (m.notes) notes.push(...m.notes());
    }
    values.count = this.count;
    return { values, notes };
  }
}
