import { thinkAnswerFullmatch } from '../completion/jsonAnswers';
import { parseCompletion } from '../completion/parse';
import { isPySpace, pyStrip } from '../completion/pyChars';
import {
  PyException,
  npAbs,
  npAdd,
  npCompare,
  npMatrix,
  npMaximum,
  npMinimum,
  npMul,
  npPromote,
  npSqrt,
  npSub,
  npToFloat,
  npTrueDiv,
  pyAdd,
  pyJsonLoads,
  pyLt,
  pyTrueDiv,
  type NpMatrix,
  type PyNumber,
  type PyValue,
} from '../python/semantics';
import { modelFrameSize } from '../geometry/frames';
import type { RewardInput, RewardResult, RewardSet } from './types';
import { segzeroSolutionFromMask } from './segzero';

/**
 * VisionReasoner's rewards (dvlab-research/Seg-Zero, verl/utils/reward_score/vision_reasoner.py): format (think
 * layout + per-object JSON shape, 0–2), accuracy (Hungarian matching of predicted to GT objects on box IoU > 0.5,
 * box L1 < 10 and point distance < 30 inside its box, averaged over max(#pred, #GT), 0–3) and non-repeat (0/1).
 * NumPy's behaviour is reproduced for what JSON can hold: any non-numeric or ragged value, an empty list or a box
 * that is not 4 numbers raises in the reference (caught: accuracy 0). Not reproduced: box rows whose length is
 * another multiple of 4, which NumPy would broadcast into nonsense rather than reject (treated as errors here).
 * Without a solution text the GT is the mask as one object: extent box and Seg-Zero's first representative point.
 */

/** Component names, in `vision_reasoner_compute_score`'s summation order. */
export const VISIONREASONER_COMPONENTS = ['format', 'accuracy', 'non_repeat'] as const;

/** Objects beyond this count are ignored by the reference (MAX_OBJECTS). */
const MAX_OBJECTS = 120;

/** `re.search(r'<answer>\s*(.*?)\s*</answer>', s, re.DOTALL)` group 1, or null. */
export function answerGroup(s: string): string | null {
  const a = s.indexOf('<answer>');
  if (a < 0) return null;
  let start = a + 8;
  const close = s.indexOf('</answer>', start);
  if (close < 0) return null;
  while (start < close && isPySpace(s.charCodeAt(start))) start++;
  let end = close;
  while (end > start && isPySpace(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** Python `len()`. */
function pyLen(v: PyValue): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  throw new PyException('TypeError', 'object has no len()');
}

/** Python iteration: list items, dict keys, str characters. */
function pyIter(v: PyValue): PyValue[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v instanceof Map) return [...v.keys()];
  throw new PyException('TypeError', 'object is not iterable');
}

/** Python `key in item`. */
function pyContains(item: PyValue, key: string): boolean {
  if (typeof item === 'string') return item.includes(key);
  if (Array.isArray(item)) return item.some((x) => x === key);
  if (item instanceof Map) return item.has(key);
  throw new PyException('TypeError', 'argument of type is not iterable');
}

/** Python `item[key]` with a string key. */
function pyGet(item: PyValue, key: string): PyValue {
  if (item instanceof Map) {
    if (!item.has(key)) throw new PyException('KeyError', key);
    return item.get(key)!;
  }
  throw new PyException('TypeError', 'indices must be integers');
}

/** `vision_reasoner_format_reward`: think layout (0/1) plus per-object shape credit (0–1), partial on a mid-loop raise. */
export function visionReasonerFormat(text: string): number {
  const thinking = thinkAnswerFullmatch(text) ? 1 : 0;
  let seg = 0;
  try {
    const g = answerGroup(text);
    if (g !== null) {
      const data = pyJsonLoads(g);
      const count = pyLen(data);
      for (const item of pyIter(data)) {
        let cur = 0;
        if (pyContains(item, 'bbox_2d')) {
          const b = pyGet(item, 'bbox_2d');
          if (Array.isArray(b) && b.length === 4) cur += 1;
        }
        if (pyContains(item, 'point_2d')) {
          const p = pyGet(item, 'point_2d');
          if (Array.isArray(p) && p.length === 2) cur += 1;
        }
        seg += cur / count;
      }
    }
  } catch (e) {
    if (!(e instanceof PyException)) throw e;
  }
  return thinking + seg;
}

/** Maximum-weight assignment (Hungarian, O(n³)) over a rectangular matrix; returns the best total weight. */
export function maxAssignment(weights: readonly (readonly number[])[]): number {
  const m = weights.length;
  const n = weights[0]?.length ?? 0;
  const size = Math.max(m, n);
  if (size === 0) return 0;
  let maxW = 0;
  for (const r of weights) for (const v of r) if (v > maxW) maxW = v;
  // Minimise cost = maxW − w on a square matrix padded with maxW (weight 0).
  const cost = (i: number, j: number) => maxW - (i < m && j < n ? weights[i]![j]! : 0);
  const u = new Float64Array(size + 1);
  const v = new Float64Array(size + 1);
  const p = new Int32Array(size + 1);
  const way = new Int32Array(size + 1);
  for (let i = 1; i <= size; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(size + 1).fill(Infinity);
    const used = new Uint8Array(size + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= size; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= size; j++) {
        if (used[j]) {
          u[p[j]!] = u[p[j]!]! + delta;
          v[j] = v[j]! - delta;
        } else minv[j] = minv[j]! - delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  let total = 0;
  for (let j = 1; j <= size; j++) {
    const i = p[j]! - 1;
    if (i < m && j - 1 < n) total += weights[i]![j - 1]!;
  }
  return total;
}

/** A VisionReasoner GT object list: the `bbox_2d` and `point_2d` values as `json.loads` gave them. */
export interface VisionReasonerGt {
  readonly boxes: readonly PyValue[];
  readonly points: readonly PyValue[];
}

/**
 * `batch_iou` + `batch_l1_distance` + `batch_points_distance` + `batch_points_in_box` → the reward matrix
 * (iou > 0.5) + (l1 < 10) + (dist < 30 & in box), elementwise in each operand pair's NumPy dtype (see npMatrix):
 * int64 wraps, an object array computes with Python ints (exact) until np.sqrt raises on it.
 */
function rewardMatrix(pb: NpMatrix, pp: NpMatrix, gb: NpMatrix, gp: NpMatrix): number[][] {
  const kb = npPromote(pb.kind, gb.kind);
  const kp = npPromote(pp.kind, gp.kind);
  // Per-array terms first, as the reference computes them (box areas in each array's own dtype).
  const area = (m: NpMatrix, r: readonly PyNumber[]) => npMul(m.kind, npAdd(m.kind, npSub(m.kind, r[2]!, r[0]!), 1n), npAdd(m.kind, npSub(m.kind, r[3]!, r[1]!), 1n));
  const predArea = pb.rows.map((r) => area(pb, r));
  const gtArea = gb.rows.map((r) => area(gb, r));
  const inBox = pp.rows.map((p, i) => {
    const b = pb.rows[i]!;
    const ge = (x: PyNumber, y: PyNumber) => npCompare(pp.kind, x, pb.kind, y) >= 0;
    const le = (x: PyNumber, y: PyNumber) => npCompare(pp.kind, x, pb.kind, y) <= 0;
    return ge(p[0]!, b[0]!) && le(p[0]!, b[2]!) && ge(p[1]!, b[1]!) && le(p[1]!, b[3]!);
  });
  const zero = kb === 'f' ? 0 : 0n;
  return pb.rows.map((b, i) =>
    gb.rows.map((q, j) => {
      const side = (lo: number, hi: number) => npMaximum(kb, zero, npAdd(kb, npSub(kb, npMinimum(kb, b[hi]!, q[hi]!), npMaximum(kb, b[lo]!, q[lo]!)), 1n));
      const inter = npMul(kb, side(0, 2), side(1, 3));
      const union = npSub(kb, npAdd(kb, predArea[i]!, gtArea[j]!), inter);
      const iou = npTrueDiv(kb, inter, union);
      // np.mean(|Δ|, axis=2) < 10: the mean is sum / 4, exact, so compare the sum (float64 accumulator for numeric dtypes).
      let l1Sum: PyNumber = kb === 'O' ? 0n : 0;
      for (let c = 0; c < 4; c++) {
        const d = npAbs(kb, npSub(kb, b[c]!, q[c]!));
        l1Sum = kb === 'O' ? pyAdd(l1Sum, d) : (l1Sum as number) + npToFloat(kb, d);
      }
      const l1Reward = (kb === 'O' ? pyLt(pyTrueDiv(l1Sum, 4n), 10n) : (l1Sum as number) / 4 < 10) ? 1 : 0;
      const p = pp.rows[i]!;
      const g = gp.rows[j]!;
      const dx = npSub(kp, p[0]!, g[0]!);
      const dy = npSub(kp, p[1]!, g[1]!);
      const dist = npSqrt(kp, npAdd(kp, npMul(kp, dx, dx), npMul(kp, dy, dy)));
      return (iou > 0.5 ? 1 : 0) + l1Reward + (dist < 30 && inBox[i] ? 1 : 0);
    }),
  );
}

/** `vision_reasoner_accuracy_reward` against parsed GT objects (null GT: the reference's json.loads fails → 0). */
export function visionReasonerAccuracy(text: string, gt: VisionReasonerGt | null): number {
  try {
    if (!gt) throw new PyException('ValueError', 'bad ground truth');
    const g = answerGroup(text);
    if (g === null) return 0;
    const items = pyIter(pyJsonLoads(g));
    let predB = items.map((it) => pyGet(it, 'bbox_2d'));
    let predP = items.map((it) => pyGet(it, 'point_2d'));
    if (predB.length > MAX_OBJECTS) {
      predB = predB.slice(0, MAX_OBJECTS);
      predP = predP.slice(0, MAX_OBJECTS);
    }
    const pb = npMatrix(predB, 4);
    const pp = npMatrix(predP, 2);
    const gb = npMatrix(gt.boxes.slice(0, MAX_OBJECTS), 4);
    const gp = npMatrix(gt.points.slice(0, MAX_OBJECTS), 2);
    if (pp.rows.length !== pb.rows.length || gp.rows.length !== gb.rows.length) throw new PyException('ValueError', 'operands could not be broadcast together');
    return maxAssignment(rewardMatrix(pb, pp, gb, gp)) / Math.max(pb.rows.length, gb.rows.length);
  } catch (e) {
    if (e instanceof PyException) return 0;
    throw e;
  }
}

/** `vision_reasoner_non_repeat_reward`: 0 once two sentences (split on '.') repeat an earlier one. */
export function visionReasonerNonRepeat(text: string): number {
  const seen = new Set<string>();
  let repeats = 0;
  for (const raw of text.split('.')) {
    const s = pyStrip(raw);
    if (!s) continue;
    if (seen.has(s)) repeats++;
    if (repeats >= 2) return 0;
    seen.add(s);
  }
  return 1;
}

/** Parse VisionReasoner's GT text (`[{"bbox_2d": [...], "point_2d": [...]}, ...]`); null where the reference would raise. */
export function parseVisionReasonerGt(text: string): VisionReasonerGt | null {
  try {
    const items = pyIter(pyJsonLoads(text));
    return { boxes: items.map((it) => pyGet(it, 'bbox_2d')), points: items.map((it) => pyGet(it, 'point_2d')) };
  } catch (e) {
    if (e instanceof PyException) return null;
    throw e;
  }
}

async function scoreVisionReasoner(input: RewardInput): Promise<RewardResult> {
  let gt: VisionReasonerGt | null = null;
  if (input.solution !== undefined) gt = parseVisionReasonerGt(input.solution);
  else if (input.gt) {
    const s = segzeroSolutionFromMask(input.gt, modelFrameSize(input.modelFrame, input.gt));
    if (s) gt = { boxes: [s.box.map((v) => BigInt(v))], points: [s.points[0].map((v) => BigInt(v))] };
  }
  const components = { format: visionReasonerFormat(input.completion), accuracy: visionReasonerAccuracy(input.completion, gt), non_repeat: visionReasonerNonRepeat(input.completion) };
  return { components, total: components.format + components.accuracy + components.non_repeat, details: { gtObjects: gt?.boxes.length ?? 0 }, answer: parseCompletion(input.completion, { format: 'visionreasoner' }) };
}

/** VisionReasoner's rewards (format 0–2 + accuracy 0–3 + non-repeat 0/1). */
export const visionReasonerRewards: RewardSet = {
  id: 'visionreasoner',
  label: 'VisionReasoner rewards',
  components: VISIONREASONER_COMPONENTS,
  score: scoreVisionReasoner,
};
