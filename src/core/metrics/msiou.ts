import type { GrayImage } from '../image/types';
import { adaptiveThreshold, preparePair, type PreparedPair } from './prepare';
import { numpyMean, pairwiseSum } from './pairwiseSum';
import { EdgeCounter, float16GridSum, gridPyramid, sobelEdge, type GridLevel } from './msiouEdge';

/** Number of scales, `num_levels=10` (multiscale_iou.py:24): cell sizes 1, 2, 4, … 512. */
const LEVELS = 10;
/** Dynamic thresholds 0..256 on `uint8(pred·255)` (multiscale_iou.py:150). */
const CURVE_POINTS = 257;

/** The GT side of one image: its edge pyramid and the float16 denominators `shrunk_gt_edge.sum() + 1`. */
interface GtSide {
  readonly levels: GridLevel[];
  readonly denominators: Float64Array;
}

function gtSide(pair: PreparedPair): GtSide {
  const levels = gridPyramid(sobelEdge(pair.gt, pair.width, pair.height), pair.width, pair.height, LEVELS);
  // `shrunk_gt_edge.sum() + 1` (multiscale_iou.py:105): the sum is a float16 scalar, but NumPy 1.24's scalar math
  // promotes float16 + Python int to float64, so the + 1 is not rounded again (NumPy 2's NEP 50 keeps float16 there).
  const denominators = Float64Array.from(levels, (l) => float16GridSum(l) + 1);
  return { levels, denominators };
}

/**
 * `binarizing` (multiscale_iou.py:110-127) of `raw ≥ cut`: IoU ratio per scale (`(and + 1) / (gt_sum + 1)`) and the
 * trapezoid area over [0, 1].
 */
function binarizing(counter: EdgeCounter, cut: number, gt: GtSide): number {
  const inter = counter.counts(cut);
  const ratios = new Float64Array(LEVELS);
  for (let k = 0; k < LEVELS; k++) ratios[k] = (inter[k]! + 1) / gt.denominators[k]!;
  // np.trapz(y, dx): (dx · (y[1:] + y[:-1]) / 2.0).sum(), the sum pairwise.
  const dx = 1 / (LEVELS - 1);
  const terms = new Float64Array(LEVELS - 1);
  for (let k = 0; k < LEVELS - 1; k++) terms[k] = (dx * (ratios[k + 1]! + ratios[k]!)) / 2.0;
  return pairwiseSum(terms);
}

/** The smallest raw byte whose mapped value passes `keep` (256 when none): value tables are monotone in the byte. */
function cutWhere(keep: (raw: number) => boolean): number {
  for (let v = 0; v < 256; v++) if (keep(v)) return v;
  return 256;
}

/** Per-image MSIoU values. */
export interface MSIoUImage {
  /** The 257-point curve over thresholds 0..256 on `uint8(pred·255)`. */
  readonly dynamic: Float64Array;
  /** At `pred >= min(2·mean, 1)`. */
  readonly adaptive: number;
  /** At `pred > 0.5`. */
  readonly binary: number;
}

/** All three MSIoU modes for one pred/GT pair (multiscale_iou.py `step`, lines 129-170). */
export function msiouImage(pair: PreparedPair): MSIoUImage {
  const gt = gtSide(pair);
  const counter = new EdgeCounter(pair.pred, pair.width, pair.height, gt.levels);
  const present = new Uint8Array(257);
  for (let v = 0; v < 256; v++) if (pair.fgHist[v]! + pair.bgHist[v]! > 0) present[pair.bin[v]! + 1] = 1;
  const dynamic = new Float64Array(CURVE_POINTS);
  for (let t = 0; t < CURVE_POINTS; t++) {
    // Only thresholds that change the binary map are computed; the others repeat the previous value.
    if (t === 0 || t === 256 || present[t]) dynamic[t] = binarizing(counter, cutWhere((v) => pair.bin[v]! >= t), gt);
    else dynamic[t] = dynamic[t - 1]!;
  }
  const thr = adaptiveThreshold(pair);
  const adaptive = binarizing(counter, cutWhere((v) => pair.value[v]! >= thr), gt);
  const binary = binarizing(counter, cutWhere((v) => pair.value[v]! > 0.5), gt);
  return { dynamic, adaptive, binary };
}

/**
 * PySODMetrics `MSIoU(with_dynamic=True, with_adaptive=True, with_binary=True)` (multiscale_iou.py), with the keys
 * `examples/test_metrics.py` gives it: `adpmsiou`, `meanmsiou`, `maxmsiou`, `sample_bimsiou`.
 */
export class MSIoU {
  private readonly curves: Float64Array[] = [];
  private readonly adaptive: number[] = [];
  private readonly binary: number[] = [];

  /** Score one pred/GT pair; returns the image's values under the dataset keys. */
  step(pred: GrayImage, gt: GrayImage): Record<string, number> {
    const m = msiouImage(preparePair(pred, gt));
    this.curves.push(m.dynamic);
    this.adaptive.push(m.adaptive);
    this.binary.push(m.binary);
    let max = -Infinity;
    for (const v of m.dynamic) if (v > max) max = v;
    return { adpmsiou: m.adaptive, meanmsiou: numpyMean(m.dynamic), maxmsiou: max, sample_bimsiou: m.binary };
  }

  /** The mean curve over images: `np.mean(axis=0)` adds the rows one after another, then divides. */
  curve(): Float64Array {
    const out = new Float64Array(CURVE_POINTS);
    if (this.curves.length === 0) return out.fill(NaN);
    for (const c of this.curves) for (let t = 0; t < CURVE_POINTS; t++) out[t] = out[t]! + c[t]!;
    for (let t = 0; t < CURVE_POINTS; t++) out[t] = out[t]! / this.curves.length;
    return out;
  }

  /** Dataset values under PySODMetrics' names; NaN when nothing was stepped. */
  results(): Record<string, number> {
    const c = this.curve();
    let max = -Infinity;
    for (const v of c) if (v > max) max = v;
    return {
      adpmsiou: numpyMean(this.adaptive),
      meanmsiou: numpyMean(c),
      maxmsiou: this.curves.length === 0 ? NaN : max,
      sample_bimsiou: numpyMean(this.binary),
    };
  }
}
