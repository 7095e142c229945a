import type { GrayImage } from '../image/types';
import { preparePair, type PreparedPair } from './prepare';
import { numpyMean } from './pairwiseSum';

/** Per-image mean absolute error between the normalised pred and the 0/1 GT (`sod_metrics.py:163-171`). */
export function maeImage(pair: PreparedPair): number {
  let s = 0;
  for (let v = 0; v < 256; v++) {
    const p = pair.value[v]!;
    const f = pair.fgHist[v]!;
    const b = pair.bgHist[v]!;
    if (f !== 0) s += f * (1 - p);
    if (b !== 0) s += b * p;
  }
  return s / pair.n;
}

/** PySODMetrics `MAE`: mean of the per-image values. */
export class MAE {
  private readonly values: number[] = [];

  /** Score one pred/GT pair. */
  step(pred: GrayImage, gt: GrayImage): number {
    const v = maeImage(preparePair(pred, gt));
    this.values.push(v);
    return v;
  }

  /** Add an already computed per-image value. */
  add(v: number): void {
    this.values.push(v);
  }

  /** Dataset MAE; NaN when nothing was stepped. */
  getResults(): { mae: number } {
    return { mae: numpyMean(this.values) };
  }
}
