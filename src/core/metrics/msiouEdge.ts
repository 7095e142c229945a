/**
 * The pieces of PySODMetrics' `MSIoU` (multiscale_iou.py) that work on one binary map: the Sobel edge map, the
 * box-counting pyramid and NumPy's float16 sum of the GT's shrunk edge maps.
 */

/**
 * `get_edge` (multiscale_iou.py:39-49) on a 0/1 mask. `ndimage.sobel` of a bool array writes each 1-D pass into a
 * bool output byte by byte (a C cast, so −1 is stored as 255 and the next pass reads it back modulo 256); the
 * smoothed value is the true Sobel response modulo 256, and |response| ≤ 4, so "non-zero" is the true response's.
 * `hypot(sx, sy) > 0` is then "either response is non-zero". Outside the image is 0 (`mode="constant"`). A ±1 pair
 * of differences around a zero cancels in the [1, 2, 1] smoothing, so this is not simply "any difference nearby".
 */
export function sobelEdge(mask: Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  const d0 = new Int8Array(n);
  const d1 = new Int8Array(n);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const up = y > 0 ? mask[i - width]! : 0;
      const down = y + 1 < height ? mask[i + width]! : 0;
      const left = x > 0 ? mask[i - 1]! : 0;
      const right = x + 1 < width ? mask[i + 1]! : 0;
      d0[i] = down - up;
      d1[i] = right - left;
    }
  }
  const edge = new Uint8Array(n);
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const sx = 2 * d0[i]! + (x > 0 ? d0[i - 1]! : 0) + (x + 1 < width ? d0[i + 1]! : 0);
      const sy = 2 * d1[i]! + (y > 0 ? d1[i - width]! : 0) + (y + 1 < height ? d1[i + width]! : 0);
      edge[i] = sx !== 0 || sy !== 0 ? 1 : 0;
    }
  }
  return edge;
}

/** One level of the box-counting pyramid: a grid of ceil(h/c) × ceil(w/c) cells, stored flipped (bottom-right first). */
export interface GridLevel {
  /** Cell rows. */
  readonly rows: number;
  /** Cell columns. */
  readonly cols: number;
  /** 0/1 per cell, index = (rows-1-R)·cols + (cols-1-C) for cell (R, C) of `shrink_by_grid`'s output. */
  readonly cells: Uint8Array;
}

/**
 * `shrink_by_grid` for cell sizes 1, 2, 4, … 2^(levels-1) (multiscale_iou.py:51-80). It pads at the top and left,
 * so cells are aligned to the bottom-right corner; in flipped coordinates each level is the 2×2 OR of the one before.
 */
export function gridPyramid(edge: Uint8Array, width: number, height: number, levels: number): GridLevel[] {
  const base = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const fy = height - 1 - y;
    for (let x = 0; x < width; x++) base[fy * width + (width - 1 - x)] = edge[y * width + x]!;
  }
  const out: GridLevel[] = [{ rows: height, cols: width, cells: base }];
  for (let k = 1; k < levels; k++) {
    const prev = out[k - 1]!;
    const rows = Math.ceil(prev.rows / 2);
    const cols = Math.ceil(prev.cols / 2);
    const cells = new Uint8Array(rows * cols);
    for (let a = 0; a < prev.rows; a++) {
      const ra = (a >> 1) * cols;
      const pa = a * prev.cols;
      for (let b = 0; b < prev.cols; b++) if (prev.cells[pa + b]) cells[ra + (b >> 1)] = 1;
    }
    out.push({ rows, cols, cells });
  }
  return out;
}

/** Round a non-negative number to the nearest IEEE half (ties to even), Infinity above the half range. */
export function toFloat16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  if (x >= 65520) return Infinity;
  // Subnormal halves have a fixed spacing of 2^-24; normal ones 2^(e-10).
  const e = Math.max(Math.floor(Math.log2(x)), -14);
  const ulp = 2 ** (e - 10);
  const q = x / ulp;
  const f = Math.floor(q);
  const r = q - f;
  return (r > 0.5 || (r === 0.5 && f % 2 === 1) ? f + 1 : f) * ulp;
}

/** NumPy's inner-loop size for a reduction (the iterator's default buffer size). */
const NUMPY_BUFSIZE = 8192;

/**
 * `grid.sum()` of a 0/1 float16 array in C order as NumPy 1.24 computes it: the reduction hands `HALF_add` chunks of
 * 8192 elements; each chunk is summed pairwise in float32 (exact for 0/1 counts) and added to the running float16
 * total, which is rounded back to float16 after every chunk (loops_arithm_fp: HALF_add with HALF_pairwise_sum).
 * Checked against NumPy on random arrays with up to 2.2M elements, including totals past 2048 and past float16's range.
 */
export function float16GridSum(level: GridLevel): number {
  const { rows, cols, cells } = level;
  let acc = 0;
  let chunk = 0;
  let inChunk = 0;
  for (let R = 0; R < rows; R++) {
    const base = (rows - 1 - R) * cols + cols - 1;
    for (let C = 0; C < cols; C++) {
      chunk += cells[base - C]!;
      if (++inChunk === NUMPY_BUFSIZE) {
        acc = toFloat16(acc + chunk);
        chunk = 0;
        inChunk = 0;
      }
    }
  }
  if (inChunk > 0) acc = toFloat16(acc + chunk);
  return acc;
}

/**
 * Intersection counts of a thresholded pred's edge pyramid with the GT's, for many thresholds of one pred.
 * Every binarisation MSIoU makes is `raw ≥ r` for some cut r (the normalisation and `uint8(p·255)` are monotone in
 * the raw byte), and a pixel's Sobel response can only be non-zero when its 3×3 neighbourhood (the image outside
 * counting as 0) is not constant, i.e. when min < r ≤ max there. So each cut scans two byte arrays, evaluates the
 * Sobel test only on those pixels and stamps their cells level by level: the same counts as `sobelEdge` +
 * `gridPyramid` + `intersectCount`, without building 257 edge maps and pyramids per image.
 */
export class EdgeCounter {
  private readonly lo: Int16Array;
  private readonly hi: Int16Array;
  private readonly stamps: Int32Array[];
  private run = 0;
  /** Pixels bucketed by the first cut they are live for (lo + 1, 0..256): `byEntry[entryFrom[e] ..]`. */
  private readonly entryFrom: Int32Array;
  private readonly byEntry: Int32Array;
  /** The live pixels of the last cut swept to (a superset for later cuts until those that ended are dropped). */
  private readonly active: Int32Array;
  private activeCount = 0;
  private sweptTo = -1;
  /** `pred` with a one-pixel frame of −1 (below every cut: outside is mask 0), so the Sobel reads need no checks. */
  private readonly framed: Int16Array;

  /** Prepares the neighbourhood bounds of `pred` (raw bytes, row-major) against the GT pyramid `gt`. */
  constructor(
    private readonly pred: Uint8Array,
    private readonly width: number,
    private readonly height: number,
    private readonly gt: GridLevel[],
  ) {
    const n = width * height;
    this.lo = new Int16Array(n);
    this.hi = new Int16Array(n);
    const entryCount = new Int32Array(258);
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        let lo = 256;
        let hi = -1;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            // Outside the image is mask 0 at every cut: a value below any cut.
            const v = yy < 0 || yy >= height || xx < 0 || xx >= width ? -1 : pred[yy * width + xx]!;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
          }
        }
        this.lo[i] = lo;
        this.hi[i] = hi;
        if (lo < hi) entryCount[lo + 2]!++;
      }
    }
    // Counting sort by entry cut lo + 1, so a sweep over increasing cuts touches each pixel only while it is live.
    this.entryFrom = new Int32Array(258);
    for (let e = 1; e < 258; e++) this.entryFrom[e] = this.entryFrom[e - 1]! + entryCount[e]!;
    const fill = this.entryFrom.slice();
    this.byEntry = new Int32Array(this.entryFrom[257]!);
    for (let i = 0; i < n; i++) if (this.lo[i]! < this.hi[i]!) this.byEntry[fill[this.lo[i]! + 1]!++] = i;
    this.active = new Int32Array(this.byEntry.length);
    this.framed = new Int16Array((width + 2) * (height + 2)).fill(-1);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) this.framed[(y + 1) * (width + 2) + x + 1] = pred[y * width + x]!;
    this.stamps = gt.map((l) => new Int32Array(l.cells.length));
  }

  /**
   * The pixels live at `cut` (lo < cut ≤ hi) into `active[0 .. activeCount)`. Increasing cuts (the dynamic curve)
   * continue the sweep: add the pixels entering, drop those that ended. A lower cut restarts it.
   */
  private sweep(cut: number): void {
    if (cut < this.sweptTo) {
      this.activeCount = 0;
      this.sweptTo = -1;
    }
    const { active, byEntry, entryFrom, hi } = this;
    let count = this.activeCount;
    const last = Math.min(cut, 256);
    for (let e = this.sweptTo + 1; e <= last; e++) {
      for (let k = entryFrom[e]!; k < entryFrom[e + 1]!; k++) active[count++] = byEntry[k]!;
    }
    let kept = 0;
    for (let k = 0; k < count; k++) {
      const i = active[k]!;
      if (hi[i]! >= cut) active[kept++] = i;
    }
    this.activeCount = kept;
    this.sweptTo = Math.max(this.sweptTo, last);
  }

  /** Per level, the cells where both the edge map of `raw ≥ cut` and the GT's edge map have a pixel. */
  counts(cut: number): Int32Array {
    const { width, height, gt, stamps } = this;
    const levels = gt.length;
    const out = new Int32Array(levels);
    const run = ++this.run;
    this.sweep(cut);
    const { active, framed } = this;
    const fw = width + 2;
    for (let k = 0; k < this.activeCount; k++) {
      const i = active[k]!;
      const x = i % width;
      const y = (i - x) / width;
      const f = (y + 1) * fw + x + 1;
      const nw = framed[f - fw - 1]! >= cut ? 1 : 0;
      const n = framed[f - fw]! >= cut ? 1 : 0;
      const ne = framed[f - fw + 1]! >= cut ? 1 : 0;
      const w = framed[f - 1]! >= cut ? 1 : 0;
      const e = framed[f + 1]! >= cut ? 1 : 0;
      const sw = framed[f + fw - 1]! >= cut ? 1 : 0;
      const s = framed[f + fw]! >= cut ? 1 : 0;
      const se = framed[f + fw + 1]! >= cut ? 1 : 0;
      const sx = sw - nw + 2 * (s - n) + se - ne;
      const sy = ne - nw + 2 * (e - w) + se - sw;
      if (sx === 0 && sy === 0) continue;
      const fy = height - 1 - y;
      const fx = width - 1 - x;
      for (let k2 = 0; k2 < levels; k2++) {
        const g = gt[k2]!;
        const c = (fy >> k2) * g.cols + (fx >> k2);
        const st = stamps[k2]!;
        if (st[c] === run) break; // this cell, and so every coarser one, is already counted for this cut
        st[c] = run;
        if (g.cells[c]) out[k2]!++;
      }
    }
    return out;
  }
}
