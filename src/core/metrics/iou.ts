import type { GrayImage } from '../image/types';
import { ShapeMismatchError, type PreparedPair } from './prepare';

/** Raw pred bytes at or above this count as foreground for the workbench IoU (no min-max stretch). */
export const IOU_PRED_THRESHOLD = 128;
/** Raw GT bytes above this count as foreground for the workbench IoU (Seg-R1's `> 127`). */
export const IOU_GT_THRESHOLD = 127;

/** Intersection and union pixel counts of one binarised pair. */
export interface IoUCounts {
  /** |P ∧ G|. */
  readonly intersection: number;
  /** |P ∨ G|. */
  readonly union: number;
}

/** Counts for the workbench IoU contract: raw pred ≥ 128, raw gt > 127. */
export function iouCounts(pred: GrayImage, gt: GrayImage): IoUCounts {
  if (pred.width !== gt.width || pred.height !== gt.height) throw new ShapeMismatchError(pred, gt);
  const n = gt.width * gt.height;
  const p = pred.data;
  const g = gt.data;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < n; i++) {
    const a = p[i]! >= IOU_PRED_THRESHOLD;
    const b = g[i]! > IOU_GT_THRESHOLD;
    if (a && b) inter++;
    if (a || b) union++;
  }
  return { intersection: inter, union };
}

/** The same counts from a prepared pair's histograms (no extra pass): GT 128 joins the foreground here. */
export function iouCountsFromPair(pair: PreparedPair): IoUCounts {
  let gtFg = pair.fg;
  for (let v = 0; v < 256; v++) gtFg += pair.gt128Hist[v]!;
  let inter = 0;
  let predOnly = 0;
  for (let v = IOU_PRED_THRESHOLD; v < 256; v++) {
    const in128 = pair.gt128Hist[v]!;
    inter += pair.fgHist[v]! + in128;
    predOnly += pair.bgHist[v]! - in128;
  }
  return { intersection: inter, union: gtFg + predOnly };
}

/** IoU of one pair; both empty counts as a correct "no target" and scores 1 (LISA/GRES convention). */
export function iouFromCounts(c: IoUCounts): number {
  return c.union === 0 ? 1 : c.intersection / c.union;
}

/** Dataset IoU in both referring-segmentation flavours. */
export interface IoUResults {
  /** Mean of per-image IoU (both-empty = 1). */
  readonly gIoU: number;
  /** Cumulative intersection over cumulative union; NaN when every union was empty. */
  readonly cIoU: number;
  /** Number of images stepped. */
  readonly count: number;
}

/** Accumulates gIoU = mean per-image IoU and cIoU = ΣI / ΣU. */
export class IoU {
  private sumIoU = 0;
  private sumI = 0;
  private sumU = 0;
  private count = 0;

  /** Score one pred/GT pair and return its IoU. */
  step(pred: GrayImage, gt: GrayImage): number {
    return this.add(iouCounts(pred, gt));
  }

  /** Add already computed counts; returns that image's IoU. */
  add(c: IoUCounts): number {
    const v = iouFromCounts(c);
    this.sumIoU += v;
    this.sumI += c.intersection;
    this.sumU += c.union;
    this.count++;
    return v;
  }

  /** gIoU and cIoU over everything stepped. */
  getResults(): IoUResults {
    return { gIoU: this.sumIoU / this.count, cIoU: this.sumU === 0 ? NaN : this.sumI / this.sumU, count: this.count };
  }
}
