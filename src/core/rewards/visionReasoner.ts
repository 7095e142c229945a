import { thinkAnswerFullmatch } from '../completion/jsonAnswers';
import { parseCompletion } from '../completion/parse';
import { isPySpace, pyStrip } from '../completion/pyChars';
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

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Thrown for the Python exceptions the reference swallows. */
class PyError extends Error {}

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

function loads(s: string): Json {
  try {
    return JSON.parse(s) as Json;
  } catch {
    throw new PyError('JSONDecodeError');
  }
}

/** Python `len()`. */
function pyLen(v: Json): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw new PyError('TypeError: no len()');
}

/** Python iteration: list items, dict keys, str characters. */
function pyIter(v: Json): Json[] {
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (v !== null && typeof v === 'object') return Object.keys(v);
  throw new PyError('TypeError: not iterable');
}

/** Python `key in item`. */
function pyContains(item: Json, key: string): boolean {
  if (typeof item === 'string') return item.includes(key);
  if (Array.isArray(item)) return item.some((x) => x === key);
  if (item !== null && typeof item === 'object') return Object.prototype.hasOwnProperty.call(item, key);
  throw new PyError('TypeError: argument is not iterable');
}

/** Python `item[key]` with a string key. */
function pyGet(item: Json, key: string): Json {
  if (item !== null && typeof item === 'object' && !Array.isArray(item)) {
    if (!Object.prototype.hasOwnProperty.call(item, key)) throw new PyError('KeyError');
    return item[key]!;
  }
  throw new PyError('TypeError: indices must be integers');
}

/** `vision_reasoner_format_reward`: think layout (0/1) plus per-object shape credit (0–1), partial on a mid-loop raise. */
export function visionReasonerFormat(text: string): number {
  const thinking = thinkAnswerFullmatch(text) ? 1 : 0;
  let seg = 0;
  try {
    const g = answerGroup(text);
    if (g !== null) {
      const data = loads(g);
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
    if (!(e instanceof PyError)) throw e;
  }
  return thinking + seg;
}

/** `np.array(rows)` for rows that must all be `width` numbers; anything else raises (as its later use would). */
function numericRows(rows: Json[], width: number, boolRaises: boolean): number[][] {
  if (rows.length === 0) throw new PyError('AxisError: empty');
  const out: number[][] = [];
  let allBool = true;
  for (const r of rows) {
    if (!Array.isArray(r) || r.length !== width) throw new PyError('ValueError: shape');
    const row: number[] = [];
    for (const v of r) {
      if (typeof v === 'number') {
        row.push(v);
        allBool = false;
      } else if (typeof v === 'boolean') row.push(v ? 1 : 0);
      else throw new PyError('TypeError: non-numeric');
    }
    out.push(row);
  }
  // An all-bool array has dtype bool; NumPy refuses bool − bool, which box areas need (points only meet ints).
  if (allBool && boolRaises) throw new PyError('TypeError: boolean subtract');
  return out;
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

/** A VisionReasoner GT object list. */
export interface VisionReasonerGt {
  readonly boxes: number[][];
  readonly points: number[][];
}

/** `vision_reasoner_accuracy_reward` against parsed GT objects (null GT: the reference's json.loads fails → 0). */
export function visionReasonerAccuracy(text: string, gt: VisionReasonerGt | null): number {
  try {
    if (!gt) throw new PyError('bad ground truth');
    const g = answerGroup(text);
    if (g === null) return 0;
    const data = loads(g);
    const items = pyIter(data);
    let predB = items.map((it) => pyGet(it, 'bbox_2d'));
    let predP = items.map((it) => pyGet(it, 'point_2d'));
    if (predB.length > MAX_OBJECTS) {
      predB = predB.slice(0, MAX_OBJECTS);
      predP = predP.slice(0, MAX_OBJECTS);
    }
    const gtB = gt.boxes.slice(0, MAX_OBJECTS);
    const gtP = gt.points.slice(0, MAX_OBJECTS);
    const pb = numericRows(predB, 4, true);
    const pp = numericRows(predP, 2, false);
    const w: number[][] = pb.map((b, i) => {
      const p = pp[i]!;
      const inBox = p[0]! >= b[0]! && p[0]! <= b[2]! && p[1]! >= b[1]! && p[1]! <= b[3]!;
      return gtB.map((q, j) => {
        const inter = Math.max(0, Math.min(b[2]!, q[2]!) - Math.max(b[0]!, q[0]!) + 1) * Math.max(0, Math.min(b[3]!, q[3]!) - Math.max(b[1]!, q[1]!) + 1);
        const union = (b[2]! - b[0]! + 1) * (b[3]! - b[1]! + 1) + (q[2]! - q[0]! + 1) * (q[3]! - q[1]! + 1) - inter;
        const iou = inter / union;
        const l1 = (((Math.abs(b[0]! - q[0]!) + Math.abs(b[1]! - q[1]!)) + Math.abs(b[2]! - q[2]!)) + Math.abs(b[3]! - q[3]!)) / 4;
        const g2 = gtP[j]!;
        const dist = Math.sqrt((p[0]! - g2[0]!) ** 2 + (p[1]! - g2[1]!) ** 2);
        return (iou > 0.5 ? 1 : 0) + (l1 < 10 ? 1 : 0) + (dist < 30 && inBox ? 1 : 0);
      });
    });
    return maxAssignment(w) / Math.max(pb.length, gtB.length);
  } catch (e) {
    if (e instanceof PyError) return 0;
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
    const items = pyIter(loads(text));
    const boxes = numericRows(items.map((it) => pyGet(it, 'bbox_2d')), 4, true);
    const points = numericRows(items.map((it) => pyGet(it, 'point_2d')), 2, false);
    return { boxes, points };
  } catch (e) {
    if (e instanceof PyError) return null;
    throw e;
  }
}

async function scoreVisionReasoner(input: RewardInput): Promise<RewardResult> {
  let gt: VisionReasonerGt | null = null;
  if (input.solution !== undefined) gt = parseVisionReasonerGt(input.solution);
  else if (input.gt) {
    const s = segzeroSolutionFromMask(input.gt, modelFrameSize(input.modelFrame, input.gt));
    if (s) gt = { boxes: [[...s.box]], points: [[...s.points[0]]] };
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
