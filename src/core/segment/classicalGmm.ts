/**
 * Weighted diagonal-covariance Gaussian mixtures: the colour/texture models of foreground and background
 * in the classical segmenter (GrabCut uses full-covariance mixtures of 5; diagonal 3 is enough on
 * decorrelated opponent features and keeps a fit to a few thousand cells under a millisecond).
 */
export interface DiagGmm {
  readonly k: number;
  readonly dims: number;
  /** Mixture weights (sum 1). */
  readonly weights: Float64Array;
  /** k × dims means. */
  readonly means: Float64Array;
  /** k × dims variances. */
  readonly vars: Float64Array;
  /** k × dims inverse variances (the hot loop multiplies instead of dividing). */
  readonly invVars: Float64Array;
  /** Per-component log normaliser: log wₖ − ½Σ log(2π σ²). */
  readonly logNorm: Float64Array;
}

/** Variance floor in feature units (features are scaled to unit global std). */
const VAR_FLOOR = 0.02;

/**
 * Fit a k-component diagonal GMM to the cells listed in `idx` with per-cell weights, by EM. Starts from
 * `init` when given (GrabCut rounds refit on slowly changing weights, so a warm start saves the
 * initialisation), else deterministically from components seeded at weighted quantiles of the first
 * feature (luminance). Returns undefined when the total weight is too small to fit anything.
 */
export function fitDiagGmm(features: Float32Array, dims: number, idx: Int32Array, w: Float32Array, k: number, iterations: number, init?: DiagGmm): DiagGmm | undefined {
  const m = idx.length;
  let total = 0;
  for (let j = 0; j < m; j++) total += w[j]!;
  if (m === 0 || total <= 1e-6) return undefined;
  const resp = new Float64Array(m * k);
  let gmm: DiagGmm;
  if (init && init.k === k && init.dims === dims) {
    gmm = init;
  } else {
    // Hard assignments by luminance rank: cheap, deterministic, and spreads the components over the
    // dark/light modes of an earthy texture.
    const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => features[idx[a]! * dims]! - features[idx[b]! * dims]! || a - b);
    let acc = 0;
    for (const j of order) {
      const c = Math.min(k - 1, Math.floor((acc / total) * k));
      resp[j * k + c] = 1;
      acc += w[j]!;
    }
    gmm = mStep(features, dims, idx, w, resp, k);
  }
  for (let it = 0; it < iterations; it++) {
    for (let j = 0; j < m; j++) {
      const base = idx[j]! * dims;
      let best = -Infinity;
      for (let c = 0; c < k; c++) {
        const lp = componentLogPdf(gmm, c, features, base);
        resp[j * k + c] = lp;
        if (lp > best) best = lp;
      }
      let s = 0;
      for (let c = 0; c < k; c++) {
        const e = best === -Infinity ? 1 : Math.exp(resp[j * k + c]! - best);
        resp[j * k + c] = e;
        s += e;
      }
      for (let c = 0; c < k; c++) resp[j * k + c] = resp[j * k + c]! / s;
    }
    gmm = mStep(features, dims, idx, w, resp, k);
  }
  return gmm;
}

/** Log-density of the mixture at the feature vector starting at `base`. */
export function gmmLogPdf(g: DiagGmm, features: Float32Array, base: number): number {
  // Online log-sum-exp: one pass, no scratch array (this runs for every cell of every round).
  let best = -Infinity;
  let s = 0;
  for (let c = 0; c < g.k; c++) {
    const lp = componentLogPdf(g, c, features, base);
    if (lp === -Infinity) continue;
    if (lp > best) {
      s = s * Math.exp(best - lp) + 1;
      best = lp;
    } else {
      s += Math.exp(lp - best);
    }
  }
  return best === -Infinity ? best : best + Math.log(s);
}

function componentLogPdf(g: DiagGmm, c: number, features: Float32Array, base: number): number {
  if (g.weights[c]! <= 0) return -Infinity;
  let q = 0;
  const o = c * g.dims;
  const means = g.means, inv = g.invVars;
  for (let d = 0; d < g.dims; d++) {
    const t = features[base + d]! - means[o + d]!;
    q += t * t * inv[o + d]!;
  }
  return g.logNorm[c]! - 0.5 * q;
}

function mStep(features: Float32Array, dims: number, idx: Int32Array, w: Float32Array, resp: Float64Array, k: number): DiagGmm {
  const m = idx.length;
  const nk = new Float64Array(k);
  const means = new Float64Array(k * dims);
  const vars = new Float64Array(k * dims);
  for (let j = 0; j < m; j++) {
    const base = idx[j]! * dims;
    for (let c = 0; c < k; c++) {
      const r = resp[j * k + c]! * w[j]!;
      if (r === 0) continue;
      nk[c]! += r;
      for (let d = 0; d < dims; d++) means[c * dims + d]! += r * features[base + d]!;
    }
  }
  for (let c = 0; c < k; c++) if (nk[c]! > 0) for (let d = 0; d < dims; d++) means[c * dims + d] = means[c * dims + d]! / nk[c]!;
  for (let j = 0; j < m; j++) {
    const base = idx[j]! * dims;
    for (let c = 0; c < k; c++) {
      const r = resp[j * k + c]! * w[j]!;
      if (r === 0) continue;
      for (let d = 0; d < dims; d++) {
        const t = features[base + d]! - means[c * dims + d]!;
        vars[c * dims + d]! += r * t * t;
      }
    }
  }
  let total = 0;
  for (let c = 0; c < k; c++) total += nk[c]!;
  const weights = new Float64Array(k);
  const logNorm = new Float64Array(k);
  const invVars = new Float64Array(k * dims);
  for (let c = 0; c < k; c++) {
    weights[c] = total > 0 ? nk[c]! / total : 0;
    let ln = Math.log(Math.max(weights[c]!, 1e-300));
    for (let d = 0; d < dims; d++) {
      const v = Math.max(VAR_FLOOR, nk[c]! > 0 ? vars[c * dims + d]! / nk[c]! : 1);
      vars[c * dims + d] = v;
      invVars[c * dims + d] = 1 / v;
      ln -= 0.5 * Math.log(2 * Math.PI * v);
    }
    logNorm[c] = ln;
  }
  return { k, dims, weights, means, vars, invVars, logNorm };
}
