/**
 * The classical fallback segmenter: a GrabCut-style promptable segmenter that needs no model weights, so the
 * workbench can replay rewards and draw masks before a SAM2 export is installed. It is labelled as "not
 * SAM2" everywhere a mask is shown; its masks are plausible, not SAM2's.
 *
 * encode: per-cell colour/texture features on a ≤192² grid plus contrast-sensitive neighbour affinities.
 * decode: foreground/background Gaussian mixtures (fg seeded inside the box and around positive points, bg
 * from a ring around the box and around negative points) → unary log-likelihood ratio plus a box-shaped
 * spatial prior and point attractors/repellers → mean-field smoothing → refit (2 rounds) → connected
 * components holding the positive points → hole filling → bilinear upsampling to pixels, clipped to the box.
 * `maskInput` is ignored and no low-res logits are returned: there is no SAM2 logit space to feed back into.
 */
import { createHash } from 'node:crypto';
import type { BinaryMask, RgbImage } from '../image/types';
import type { EncodedImage, PromptPoint, SegmentPrompt, SegmentResult, Segmenter, SegmenterInfo } from './segmenter';
import { computeGridFeatures, type GridFeatures } from './classicalFeatures';
import { fitDiagGmm, gmmLogPdf, type DiagGmm } from './classicalGmm';
import { components, fillHoles, meanField, upsampleCells, type CellRect } from './classicalRegion';

/** Identity of the classical engine, shown next to every mask it makes. */
export const CLASSICAL_SEGMENTER_INFO: SegmenterInfo = { id: 'classical', label: 'classical fallback — not SAM2', kind: 'classical' };

/** Tuning constants of the classical segmenter (exported so tests and benchmarks can report them). */
export const CLASSICAL_PARAMS = {
  /** Longest grid side in cells. */
  maxCells: 192,
  /** Mixture components per class. */
  components: 3,
  /** EM iterations per fit. */
  emIterations: 2,
  /** Most cells a mixture is fitted on (a sparser lattice beyond that). */
  maxFitCells: 2500,
  /** Fit → smooth rounds (GrabCut iterations). */
  rounds: 2,
  /** Weight of the colour/texture log-likelihood ratio, and its clamp. */
  likelihoodGain: 1.0,
  likelihoodClamp: 6,
  /** Peak of the elliptical box prior (log-odds at the box centre). */
  boxPrior: 1.2,
  /** Peak log-odds added near a positive point, removed near a negative one. */
  pointPrior: 2.5,
  /** Point influence radius as a fraction of the smaller box side. */
  pointSigma: 0.22,
  /** Pairwise smoothing strength and mean-field iterations. */
  lambda: 1.1,
  meanFieldIterations: 6,
  /** Width of the background ring around the box, as a fraction of the larger box side. */
  ringFraction: 0.35,
  /** Without a box: the search region around the positive points, as a fraction of the shorter image side. */
  pointRegionFraction: 0.2,
} as const;

/** What `encode` returns: the features live in the object, so a decode never recomputes them. */
class ClassicalEncoding implements EncodedImage {
  constructor(readonly key: string, readonly width: number, readonly height: number, readonly grid: GridFeatures) {}
}

/** Create the classical promptable segmenter (box + positive/negative points → mask). Deterministic. */
export function createClassicalSegmenter(): Segmenter {
  return {
    info: CLASSICAL_SEGMENTER_INFO,
    async encode(image: RgbImage, signal?: AbortSignal): Promise<EncodedImage> {
      signal?.throwIfAborted();
      return encodeClassical(image);
    },
    async decode(encoded: EncodedImage, prompt: SegmentPrompt, signal?: AbortSignal): Promise<SegmentResult> {
      signal?.throwIfAborted();
      if (!(encoded instanceof ClassicalEncoding)) throw new Error('classical segmenter: this image was encoded by another engine');
      return decodeClassical(encoded, prompt);
    },
    async dispose(): Promise<void> {},
  };
}

/** Synchronous encode (used by the async wrapper; exported for benchmarks). */
export function encodeClassical(image: RgbImage): EncodedImage {
  const key = createHash('sha1').update(`${image.width}x${image.height}:rgb:`).update(image.data).digest('hex');
  return new ClassicalEncoding(key, image.width, image.height, computeGridFeatures(image, CLASSICAL_PARAMS.maxCells));
}

/** Synchronous decode of one prompt against an encoding made by `encodeClassical`. */
export function decodeClassical(encoded: EncodedImage, prompt: SegmentPrompt): SegmentResult {
  if (!(encoded instanceof ClassicalEncoding)) throw new Error('classical segmenter: this image was encoded by another engine');
  const { width, height } = encoded;
  const P = CLASSICAL_PARAMS;
  const inImage = (p: PromptPoint): boolean => p.x >= 0 && p.y >= 0 && p.x < width && p.y < height;
  const positives = prompt.points.filter((p) => p.label === 1 && inImage(p));
  const negatives = prompt.points.filter((p) => p.label === 0 && inImage(p));
  const pixelBox = regionOf(prompt, positives, width, height);
  const empty = (): SegmentResult => ({ mask: { width, height, data: new Uint8Array(width * height) }, score: 0 });
  if (!pixelBox) return empty();
  const { grid } = encoded;
  const { step, gw, gh, dims, features } = grid;

  const toCell = (v: number, n: number): number => Math.min(n - 1, Math.max(0, Math.floor(v / step)));
  const box: CellRect = { x0: toCell(pixelBox.x0, gw), y0: toCell(pixelBox.y0, gh), x1: toCell(pixelBox.x1, gw), y1: toCell(pixelBox.y1, gh) };
  const bw = box.x1 - box.x0 + 1, bh = box.y1 - box.y0 + 1;
  const ringW = Math.max(2, Math.round(P.ringFraction * Math.max(bw, bh)));
  const ring: CellRect = { x0: Math.max(0, box.x0 - ringW), y0: Math.max(0, box.y0 - ringW), x1: Math.min(gw - 1, box.x1 + ringW), y1: Math.min(gh - 1, box.y1 + ringW) };
  const n = gw * gh;
  const inBox = (x: number, y: number): boolean => x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1;

  // Spatial prior inside the box: an ellipse inscribed in the box (objects fill their box roughly that way),
  // plus attractors/repellers around the points. Prompts move the prior; the mixtures move the outline.
  const prior = new Float32Array(n);
  const fixed = new Int8Array(n).fill(-1);
  const cxm = (box.x0 + box.x1) / 2, cym = (box.y0 + box.y1) / 2;
  const rx = Math.max(1, bw / 2), ry = Math.max(1, bh / 2);
  const sigma = Math.max(1.5, P.pointSigma * Math.min(bw, bh));
  const cellPoints = (pts: readonly PromptPoint[]): Array<{ x: number; y: number }> => pts.map((p) => ({ x: (p.x + 0.5) / step - 0.5, y: (p.y + 0.5) / step - 0.5 }));
  const pos = cellPoints(positives), neg = cellPoints(negatives);
  // Gaussians are separable: one row and one column of factors per point instead of an exp per cell and point.
  const gauss = (pts: ReadonlyArray<{ x: number; y: number }>): Array<{ gx: Float32Array; gy: Float32Array }> =>
    pts.map((p) => {
      const gx = new Float32Array(bw), gy = new Float32Array(bh);
      for (let i = 0; i < bw; i++) gx[i] = Math.exp(-((box.x0 + i - p.x) ** 2) / (2 * sigma * sigma));
      for (let i = 0; i < bh; i++) gy[i] = Math.exp(-((box.y0 + i - p.y) ** 2) / (2 * sigma * sigma));
      return { gx, gy };
    });
  const posG = gauss(pos), negG = gauss(neg);
  for (let y = box.y0; y <= box.y1; y++) {
    const ey = ((y - cym) / ry) ** 2;
    for (let x = box.x0; x <= box.x1; x++) {
      const e = ((x - cxm) / rx) ** 2 + ey;
      let v = P.boxPrior * Math.max(-1, Math.min(1, 1 - e));
      for (const g of posG) v += P.pointPrior * g.gx[x - box.x0]! * g.gy[y - box.y0]!;
      for (const g of negG) v -= P.pointPrior * g.gx[x - box.x0]! * g.gy[y - box.y0]!;
      prior[y * gw + x] = v;
    }
  }
  // Points pin their own cell: a user who clicks "this is object" should never see that spot left out.
  const pin = (pts: Array<{ x: number; y: number }>, label: 0 | 1): void => {
    for (const p of pts) {
      const x = Math.round(p.x), y = Math.round(p.y);
      if (inBox(x, y)) fixed[y * gw + x] = label;
    }
  };
  pin(neg, 0);
  pin(pos, 1);

  // Cells the mixtures are fitted on: box cells (fg candidates, bg candidates) and ring cells (bg); a
  // sparse lattice bounds the fit's cost without changing the statistics of a stationary texture.
  const fitIdx: number[] = [];
  const stride = Math.max(2, Math.ceil(Math.sqrt(((ring.x1 - ring.x0 + 1) * (ring.y1 - ring.y0 + 1)) / P.maxFitCells)));
  for (let y = ring.y0; y <= ring.y1; y += stride) {
    for (let x = ring.x0; x <= ring.x1; x += stride) fitIdx.push(y * gw + x);
  }
  const idx = Int32Array.from(fitIdx);
  const wFg = new Float32Array(idx.length), wBg = new Float32Array(idx.length);
  let q: Float32Array = new Float32Array(n);
  for (let y = box.y0; y <= box.y1; y++) for (let x = box.x0; x <= box.x1; x++) q[y * gw + x] = 1 / (1 + Math.exp(-prior[y * gw + x]!));
  // Cells near points are evidence for their side whatever the current labelling says: positive points seed
  // the foreground model, negative points the background model.
  const posBoost = new Float32Array(idx.length), negBoost = new Float32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const c = idx[j]!;
    const x = c % gw, y = (c - x) / gw;
    for (const p of pos) posBoost[j]! += 2 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * sigma * sigma));
    for (const p of neg) negBoost[j]! += 2 * Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * sigma * sigma));
  }
  const unary = new Float32Array(n);
  let fg: DiagGmm | undefined, bg: DiagGmm | undefined;
  for (let round = 0; round < P.rounds; round++) {
    for (let j = 0; j < idx.length; j++) {
      const c = idx[j]!;
      const x = c % gw, y = (c - x) / gw;
      if (inBox(x, y)) {
        wFg[j] = q[c]! + posBoost[j]!;
        wBg[j] = 1 - q[c]! + negBoost[j]!;
      } else {
        wFg[j] = 0;
        wBg[j] = 1;
      }
    }
    fg = fitDiagGmm(features, dims, idx, wFg, P.components, P.emIterations, fg);
    bg = fitDiagGmm(features, dims, idx, wBg, P.components, P.emIterations, bg);
    for (let y = box.y0; y <= box.y1; y++) {
      for (let x = box.x0; x <= box.x1; x++) {
        const c = y * gw + x;
        let llr = 0;
        if (fg && bg) llr = Math.max(-P.likelihoodClamp, Math.min(P.likelihoodClamp, gmmLogPdf(fg, features, c * dims) - gmmLogPdf(bg, features, c * dims)));
        unary[c] = P.likelihoodGain * llr + prior[c]!;
      }
    }
    // Later rounds start from the previous labelling, so a few sweeps suffice until the last one.
    const sweeps = round === P.rounds - 1 ? P.meanFieldIterations : Math.ceil(P.meanFieldIterations / 2);
    q = meanField(unary, fixed, grid.wRight, grid.wDown, gw, box, P.lambda, sweeps, round > 0 ? q : undefined);
  }

  const on = new Uint8Array(n);
  for (let y = box.y0; y <= box.y1; y++) for (let x = box.x0; x <= box.x1; x++) if (q[y * gw + x]! >= 0.5) on[y * gw + x] = 1;
  keepPromptedComponents(on, gw, box, pos);
  fillHoles(on, gw, box);
  let confidence = 0, count = 0;
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const c = y * gw + x;
      if (on[c] === 1) { confidence += q[c]!; count++; }
    }
  }
  const mask: BinaryMask = upsampleCells(on, gw, gh, step, width, height, pixelBox);
  // The score is the mean foreground posterior of the kept cells: a confidence, not SAM2's predicted IoU.
  return { mask, score: count > 0 ? confidence / count : 0 };
}

/**
 * The pixel rectangle to segment in: the box (corners in either order, clamped to the image), or without a
 * box a square region around the positive points; undefined when nothing says where the object is.
 */
function regionOf(prompt: SegmentPrompt, positives: readonly PromptPoint[], width: number, height: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  const clampX = (v: number): number => Math.min(width - 1, Math.max(0, v));
  const clampY = (v: number): number => Math.min(height - 1, Math.max(0, v));
  if (prompt.box) {
    const b = prompt.box;
    const x0 = clampX(Math.min(b.x1, b.x2)), x1 = clampX(Math.max(b.x1, b.x2));
    const y0 = clampY(Math.min(b.y1, b.y2)), y1 = clampY(Math.max(b.y1, b.y2));
    // A box wholly outside the image collapses onto its edge: nothing to segment there.
    if (Math.min(b.x1, b.x2) >= width || Math.max(b.x1, b.x2) < 0 || Math.min(b.y1, b.y2) >= height || Math.max(b.y1, b.y2) < 0) return undefined;
    return { x0, y0, x1, y1 };
  }
  if (positives.length === 0) return undefined;
  const xs = positives.map((p) => p.x), ys = positives.map((p) => p.y);
  const spread = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  const margin = Math.max(CLASSICAL_PARAMS.pointRegionFraction * Math.min(width, height), 0.6 * spread);
  return { x0: clampX(Math.min(...xs) - margin), y0: clampY(Math.min(...ys) - margin), x1: clampX(Math.max(...xs) + margin), y1: clampY(Math.max(...ys) + margin) };
}

/**
 * Keep the components that hold a positive point; with no positive point in the box, keep the largest and any
 * at least 30% of its size (two objects under one box stay, speckle goes).
 */
function keepPromptedComponents(on: Uint8Array, gw: number, box: CellRect, pos: ReadonlyArray<{ x: number; y: number }>): void {
  const { labels, sizes } = components(on, gw, box);
  if (sizes.length <= 1) return;
  const keep = new Set<number>();
  for (const p of pos) {
    const x = Math.round(p.x), y = Math.round(p.y);
    if (x >= box.x0 && x <= box.x1 && y >= box.y0 && y <= box.y1) {
      const l = labels[y * gw + x]!;
      if (l > 0) keep.add(l);
    }
  }
  if (keep.size === 0) {
    const largest = Math.max(...sizes.slice(1));
    sizes.forEach((s, l) => { if (l > 0 && s >= 0.3 * largest) keep.add(l); });
  }
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = box.x0; x <= box.x1; x++) {
      const c = y * gw + x;
      if (on[c] === 1 && !keep.has(labels[c]!)) on[c] = 0;
    }
  }
}
