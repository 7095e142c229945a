import type { GrayImage } from '../image/types';
import { emeasureImage, Emeasure } from './emeasure';
import { fmeasureImage, Fmeasure } from './fmeasure';
import { iouCountsFromPair, IoU } from './iou';
import { maeImage, MAE } from './mae';
import { preparePair, type PreparedPair } from './prepare';
import { smeasureImage, Smeasure } from './smeasure';
import { curveMax, curveMean, thresholdCounts } from './thresholds';
import { weightedFmeasureImage, WeightedFmeasure } from './weightedFmeasure';

/** The scalar metrics reported per image (the `images` entries of `segr1 metrics --json`). */
export interface ImageScores {
  /** S-measure (α 0.5); NaN where PySODMetrics 1.6.2 gives NaN (centroid in the last row/column). */
  readonly Smeasure: number;
  /** Weighted F-measure (β 1). */
  readonly wFmeasure: number;
  /** Mean absolute error of the normalised pred. */
  readonly MAE: number;
  /** Adaptive E-measure. */
  readonly adpEm: number;
  /** Mean of the 256-point E-measure curve. */
  readonly meanEm: number;
  /** Max of the 256-point E-measure curve. */
  readonly maxEm: number;
  /** Adaptive F-measure (β² 0.3). */
  readonly adpFm: number;
  /** Mean of the 256-point F-measure curve. */
  readonly meanFm: number;
  /** Max of the 256-point F-measure curve. */
  readonly maxFm: number;
  /** Workbench IoU: raw pred ≥ 128 vs gt > 127, both empty = 1. */
  readonly IoU: number;
}

/** Everything one image contributes to a dataset: its scores plus the curves and counts the aggregates need. */
export interface ImageMetrics extends ImageScores {
  /** |P ∧ G| of the workbench IoU. */
  readonly intersection: number;
  /** |P ∨ G| of the workbench IoU. */
  readonly union: number;
  /** E-measure curve (index i ↔ threshold 255 − i). */
  readonly emCurve: Float64Array;
  /** F-measure curve. */
  readonly fmCurve: Float64Array;
  /** Precision curve. */
  readonly precision: Float64Array;
  /** Recall curve. */
  readonly recall: Float64Array;
}

/** Every metric of one pair, sharing one normalisation pass and one threshold histogram. */
export function imageMetrics(pred: GrayImage, gt: GrayImage): ImageMetrics {
  return imageMetricsOfPair(preparePair(pred, gt));
}

/** {@link imageMetrics} of an already prepared pair (the full set prepares each pair once). */
export function imageMetricsOfPair(pair: PreparedPair): ImageMetrics {
  const counts = thresholdCounts(pair);
  const em = emeasureImage(pair, counts);
  const fm = fmeasureImage(pair, counts);
  const io = iouCountsFromPair(pair);
  return {
    Smeasure: smeasureImage(pair),
    wFmeasure: weightedFmeasureImage(pair),
    MAE: maeImage(pair),
    adpEm: em.adaptive,
    meanEm: curveMean(em.curve),
    maxEm: curveMax(em.curve),
    adpFm: fm.adaptive,
    meanFm: curveMean(fm.curve),
    maxFm: curveMax(fm.curve),
    IoU: io.union === 0 ? 1 : io.intersection / io.union,
    intersection: io.intersection,
    union: io.union,
    emCurve: em.curve,
    fmCurve: fm.curve,
    precision: fm.precision,
    recall: fm.recall,
  };
}

/** Dataset aggregates (the `dataset` object of `segr1 metrics --json`, plus the mean curves). */
export interface DatasetScores {
  /** Mean per-image S-measure. */
  readonly Smeasure: number;
  /** Mean per-image weighted F-measure. */
  readonly wFmeasure: number;
  /** Mean per-image MAE. */
  readonly MAE: number;
  /** Mean per-image adaptive E-measure. */
  readonly adpEm: number;
  /** Mean of the mean E-measure curve. */
  readonly meanEm: number;
  /** Max of the mean E-measure curve (max_t mean_i, not mean_i max_t). */
  readonly maxEm: number;
  /** Mean per-image adaptive F-measure. */
  readonly adpFm: number;
  /** Mean of the mean F-measure curve. */
  readonly meanFm: number;
  /** Max of the mean F-measure curve. */
  readonly maxFm: number;
  /** Mean per-image workbench IoU (same as gIoU). */
  readonly IoU: number;
  /** ΣI / ΣU. */
  readonly cIoU: number;
  /** Mean per-image IoU. */
  readonly gIoU: number;
  /** Images scored. */
  readonly count: number;
}

/** Dataset aggregates with the mean curves for plots. */
export interface DatasetMetrics extends DatasetScores {
  /** Mean E-measure curve. */
  readonly emCurve: Float64Array;
  /** Mean F-measure curve. */
  readonly fmCurve: Float64Array;
  /** Mean precision curve. */
  readonly precision: Float64Array;
  /** Mean recall curve. */
  readonly recall: Float64Array;
}

/** The full PySODMetrics-style metric set over a dataset; images must be added in a fixed order for reproducible sums. */
export class MetricSuite {
  private readonly sm = new Smeasure();
  private readonly wfm = new WeightedFmeasure();
  private readonly mae = new MAE();
  private readonly em = new Emeasure();
  private readonly fm = new Fmeasure();
  private readonly iou = new IoU();

  /** Score one pair and add it. */
  step(pred: GrayImage, gt: GrayImage): ImageMetrics {
    const m = imageMetrics(pred, gt);
    this.add(m);
    return m;
  }

  /** Add one image computed elsewhere (e.g. in a worker). */
  add(m: ImageMetrics): void {
    this.sm.add(m.Smeasure);
    this.wfm.add(m.wFmeasure);
    this.mae.add(m.MAE);
    this.em.add({ adaptive: m.adpEm, curve: m.emCurve });
    this.fm.add({ adaptive: m.adpFm, curve: m.fmCurve, precision: m.precision, recall: m.recall });
    this.iou.add({ intersection: m.intersection, union: m.union });
  }

  /** Dataset values (NaN everywhere when nothing was added). */
  getResults(): DatasetMetrics {
    const em = this.em.getResults();
    const fm = this.fm.getResults();
    const io = this.iou.getResults();
    return {
      Smeasure: this.sm.getResults().sm,
      wFmeasure: this.wfm.getResults().wfm,
      MAE: this.mae.getResults().mae,
      adpEm: em.adp,
      meanEm: curveMean(em.curve),
      maxEm: curveMax(em.curve),
      adpFm: fm.adp,
      meanFm: curveMean(fm.curve),
      maxFm: curveMax(fm.curve),
      IoU: io.gIoU,
      cIoU: io.cIoU,
      gIoU: io.gIoU,
      count: io.count,
      emCurve: em.curve,
      fmCurve: fm.curve,
      precision: fm.precision,
      recall: fm.recall,
    };
  }
}
