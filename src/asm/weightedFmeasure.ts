// AssemblyScript, compiled to weightedFmeasure.wasm by esbuild.mjs (not part of the TypeScript program).
//
// The weighted F-measure's hot loop: scipy's exact feature transform of the GT (Maurer's algorithm with scipy's
// tie-breaking, as src/core/metrics/edt.ts ports it) fused with the background weights Ew = p · B(d²), in raster
// order. It is the same algorithm, step for step, as nearestAndBackgroundWeights in weightedFmeasure.ts, which stays
// as the path when this module is missing; a differential test holds both to the same bits. Here it runs without
// bounds checks or JIT warm-up, which is most of the per-pair cost of the full metric set on small masks.
//
// Memory: the host lays out every array at offsets it chooses past __heap_base and grows the memory itself; this
// module never allocates.

/** A squared distance beyond any real one (images up to 23k px a side): d² + t² stays below 2^31. */
const FAR: i32 = 1 << 30;

function ld(base: usize, i: i32): i32 {
  return load<i32>(base + (<usize>i << 2));
}

function st(base: usize, i: i32, v: i32): void {
  store<i32>(base + (<usize>i << 2), v);
}

/**
 * Pass 1 (d = 0), as edt.ts nearestInColumns: the row of the nearest GT pixel in each pixel's column, the upper one
 * on ties (−1: none), for columns x0..x1. Returns whether the GT has any pixel.
 */
function nearestInColumns(gt: usize, w: i32, h: i32, fy: usize, x0: i32, x1: i32, above: usize, below: usize): bool {
  for (let x = x0; x <= x1; x++) {
    st(above, x, -1);
    st(below, x, -1);
  }
  let any = false;
  for (let y = 0; y < h; y++) {
    let i = y * w + x0;
    for (let x = x0; x <= x1; x++, i++) {
      if (load<u8>(gt + <usize>i)) {
        st(above, x, y);
        any = true;
      }
      st(fy, i, ld(above, x));
    }
  }
  if (!any) return false;
  for (let y = h - 1; y >= 0; y--) {
    const row = y * w;
    for (let x = x0; x <= x1; x++) {
      const i = row + x;
      if (load<u8>(gt + <usize>i)) st(below, x, y);
      const b = ld(below, x);
      if (b < 0) continue;
      const a = ld(fy, i);
      if (a < 0 || b - y < y - a) st(fy, i, b);
    }
  }
  return true;
}

/**
 * For every pixel, in raster order: its nearest GT pixel (flat index) into `nearest`, and for every non-GT pixel
 * value[pred] · B(d²) appended to `ewBg`, B read from `table` (exactly 2 past its end). Returns how many weights
 * were written. `env` holds 6·w int32 of scratch: the row envelope (g, h2, sy, slot) and the column sweeps.
 */
export function nearestAndBackground(
  gt: usize,
  pred: usize,
  value: usize,
  table: usize,
  tableLen: i32,
  nearest: usize,
  ewBg: usize,
  fy: usize,
  env: usize,
  w: i32,
  h: i32,
  x0: i32,
  x1: i32,
): i32 {
  const g = env;
  const h2 = env + (<usize>w << 2);
  const sy = env + (<usize>w << 3);
  const slot = env + <usize>w * 12;
  nearestInColumns(gt, w, h, fy, x0, x1, env + (<usize>w << 4), env + <usize>w * 20);
  for (let x = 0; x < w; x++) st(sy, x, -1);
  let jb = 0;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    // Pass 2 (d = 1): the column winners through the Maurer stack (RowEnvelope.build), top two sites in locals.
    // The stack test is exact in 64-bit integers, as it is in doubles in edt.ts (all terms far below 2^53).
    let l = -1;
    let gT: i64 = 0;
    let hT: i64 = 0;
    let gP: i64 = 0;
    let hP: i64 = 0;
    for (let ii = x0; ii <= x1; ii++) {
      const r = ld(fy, row + ii);
      st(sy, ii, r);
      if (r < 0) continue;
      const wR = <i64>((r - y) * (r - y));
      const x = <i64>ii;
      while (l >= 1) {
        const a = gT - gP;
        const b = x - gT;
        const c = a + b;
        if (c * hT - b * hP - a * wR - a * b * c <= 0) break;
        l--;
        gT = gP;
        hT = hP;
        if (l >= 1) {
          gP = <i64>ld(g, l - 1);
          hP = <i64>ld(h2, l - 1);
        }
      }
      l++;
      st(g, l, ii);
      st(h2, l, <i32>wR);
      st(slot, ii, l);
      gP = gT;
      hP = hT;
      gT = x;
      hT = wR;
    }
    const maxl = l;
    // The query walks the stack left to right, moving on while the next site is strictly nearer.
    l = 0;
    let stale = true;
    let gl = 0;
    let hl = 0;
    let gn = 0;
    let hn = FAR;
    let site = 0;
    for (let ii = 0; ii < w; ii++) {
      const i = row + ii;
      if (ld(sy, ii) == y) {
        // A GT pixel is its own unique nearest site.
        l = ld(slot, ii);
        stale = true;
        st(nearest, i, i);
        continue;
      }
      if (stale) {
        gl = ld(g, l);
        hl = ld(h2, l);
        site = ld(sy, gl) * w + gl;
        gn = l < maxl ? ld(g, l + 1) : 0;
        hn = l < maxl ? ld(h2, l + 1) : FAR;
        stale = false;
      }
      let t = gl - ii;
      let d1 = hl + t * t;
      for (;;) {
        t = gn - ii;
        const d2 = hn + t * t;
        if (d1 <= d2) break;
        d1 = d2;
        l++;
        gl = gn;
        hl = hn;
        site = ld(sy, gl) * w + gl;
        gn = l < maxl ? ld(g, l + 1) : 0;
        hn = l < maxl ? ld(h2, l + 1) : FAR;
      }
      st(nearest, i, site);
      const p = load<f64>(value + (<usize>load<u8>(pred + <usize>i) << 3));
      const b = d1 < tableLen ? load<f64>(table + (<usize>d1 << 3)) : 2.0;
      store<f64>(ewBg + (<usize>jb << 3), p * b);
      jb++;
    }
  }
  return jb;
}

function ldf(base: usize, i: i32): f64 {
  return load<f64>(base + (<usize>i << 3));
}

function stf(base: usize, i: i32, v: f64): void {
  store<f64>(base + (<usize>i << 3), v);
}

/** numpy's pairwise_sum_DOUBLE over n values at `a` (as pairwiseSum.ts): 8 accumulators up to 128, halving above. */
function pairwiseSum(a: usize, n: i32): f64 {
  if (n < 8) {
    let res = 0.0;
    for (let i = 0; i < n; i++) res += ldf(a, i);
    return res;
  }
  if (n <= 128) {
    let r0 = ldf(a, 0), r1 = ldf(a, 1), r2 = ldf(a, 2), r3 = ldf(a, 3);
    let r4 = ldf(a, 4), r5 = ldf(a, 5), r6 = ldf(a, 6), r7 = ldf(a, 7);
    let i = 8;
    for (const end = n - (n % 8); i < end; i += 8) {
      r0 += ldf(a, i);
      r1 += ldf(a, i + 1);
      r2 += ldf(a, i + 2);
      r3 += ldf(a, i + 3);
      r4 += ldf(a, i + 4);
      r5 += ldf(a, i + 5);
      r6 += ldf(a, i + 6);
      r7 += ldf(a, i + 7);
    }
    let res = r0 + r1 + (r2 + r3) + (r4 + r5 + (r6 + r7));
    for (; i < n; i++) res += ldf(a, i);
    return res;
  }
  let n2 = n / 2;
  n2 -= n2 % 8;
  return pairwiseSum(a, n2) + pairwiseSum(a + (<usize>n2 << 3), n - n2);
}

/** `np.sum` of a float64 array: 8192-value blocks, each summed pairwise, added in order. */
export function numpySum(a: usize, n: i32): f64 {
  let s = 0.0;
  for (let i = 0; i < n; i += 8192) s += pairwiseSum(a + (<usize>i << 3), min(8192, n - i));
  return s;
}

/**
 * The rest of the metric after nearestAndBackground, as weightedFmeasure.ts does it pass by pass: Et where the blur
 * needs it, the zero-padded separable 7×7 Gaussian (rows, then columns at GT pixels), min(E, EA) on the GT in raster
 * order into `ewFg`. Returns Σ ewFg (numpy's order); the caller sums the background weights with numpySum.
 * `rowStart`/`rowEnd`: each row's first and last GT column (−1: none); `lo`/`hi`: h int32 of scratch each.
 */
export function foregroundError(
  gt: usize,
  pred: usize,
  value: usize,
  gauss: usize,
  nearest: usize,
  rowStart: usize,
  rowEnd: usize,
  lo: usize,
  hi: usize,
  et: usize,
  rows: usize,
  ewFg: usize,
  w: i32,
  h: i32,
): f64 {
  const g0 = ldf(gauss, 0), g1 = ldf(gauss, 1), g2 = ldf(gauss, 2), g3 = ldf(gauss, 3), g4 = ldf(gauss, 4), g5 = ldf(gauss, 5), g6 = ldf(gauss, 6);
  // Spans: per row, the union of the GT spans of the rows within 3.
  for (let y = 0; y < h; y++) {
    let a = w;
    let b = -1;
    for (let yy = max(0, y - 3), y1 = min(h - 1, y + 3); yy <= y1; yy++) {
      const s = ld(rowStart, yy);
      if (s < 0) continue;
      if (s < a) a = s;
      const e = ld(rowEnd, yy);
      if (e > b) b = e;
    }
    st(lo, y, a);
    st(hi, y, b);
  }
  // Et over each span grown by 3 columns: the error of the nearest GT pixel.
  for (let y = 0; y < h; y++) {
    const a = ld(lo, y);
    const b = ld(hi, y);
    if (a > b) continue;
    const row = y * w;
    for (let i = row + max(0, a - 3), end = row + min(w - 1, b + 3); i <= end; i++) {
      stf(et, i, 1.0 - load<f64>(value + (<usize>load<u8>(pred + <usize>ld(nearest, i)) << 3)));
    }
  }
  // Row pass over each span; Et is zero outside the image.
  for (let y = 0; y < h; y++) {
    const r = y * w;
    for (let x = ld(lo, y), b = ld(hi, y); x <= b; x++) {
      const i = r + x;
      if (x >= 3 && x < w - 3) {
        stf(rows, i, ldf(et, i - 3) * g0 + ldf(et, i - 2) * g1 + ldf(et, i - 1) * g2 + ldf(et, i) * g3 + ldf(et, i + 1) * g4 + ldf(et, i + 2) * g5 + ldf(et, i + 3) * g6);
      } else {
        let s = 0.0;
        for (let d = -3; d <= 3; d++) if (x + d >= 0 && x + d < w) s += ldf(et, i + d) * ldf(gauss, d + 3);
        stf(rows, i, s);
      }
    }
  }
  // Column pass at GT pixels and min(E, EA), in raster order.
  let jf = 0;
  for (let y = 0; y < h; y++) {
    const x0 = ld(rowStart, y);
    if (x0 < 0) continue;
    const interiorY = y >= 3 && y < h - 3;
    for (let x = x0, i = y * w + x0, x1 = ld(rowEnd, y); x <= x1; x++, i++) {
      if (!load<u8>(gt + <usize>i)) continue;
      const e = 1.0 - load<f64>(value + (<usize>load<u8>(pred + <usize>i) << 3));
      let m = e;
      if (e > 0) {
        let ea: f64;
        if (interiorY) {
          ea = ldf(rows, i - 3 * w) * g0 + ldf(rows, i - 2 * w) * g1 + ldf(rows, i - w) * g2 + ldf(rows, i) * g3 + ldf(rows, i + w) * g4 + ldf(rows, i + 2 * w) * g5 + ldf(rows, i + 3 * w) * g6;
        } else {
          ea = 0.0;
          for (let d = -3; d <= 3; d++) if (y + d >= 0 && y + d < h) ea += ldf(rows, i + d * w) * ldf(gauss, d + 3);
        }
        if (ea < e) m = ea;
      }
      stf(ewFg, jf++, m);
    }
  }
  return numpySum(ewFg, jf);
}
