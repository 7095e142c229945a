import { thinkAnswerFullmatch } from '../completion/jsonAnswers';
import { parseCompletion } from '../completion/parse';
import { modelFrameSize } from '../geometry/frames';
import type { GrayImage } from '../image/types';
import { featureTransform } from '../metrics/edt';
import type { RewardInput, RewardResult, RewardSet } from './types';

/**
 * Seg-Zero's rule rewards (dvlab-research/Seg-Zero, verl/utils/reward_score/seg.py, `seg_compute_score`), with
 * Python's dynamic typing reproduced where a model's JSON can reach it (strings, bools, floats, missing keys all
 * end in the same caught exception the reference swallows). The GT is Seg-Zero's solution text
 * `<box>(x1,y1),(x2,y2)</box><points>(x,y),(x,y)</points>`; when a log has none it is derived from the GT mask as
 * Seg-Zero's data preparation does (mask-extent box, `get_two_representative_points`, scaled by int(v·840/W + 0.5)).
 */

/** Component names, in `seg_compute_score`'s summation order. */
export const SEGZERO_COMPONENTS = ['box_iou', 'thinking_format', 'segmentation_format', 'point_l1', 'box_l1'] as const;

/** Seg-Zero ground truth in the model frame. */
export interface SegZeroSolution {
  readonly box: readonly [number, number, number, number];
  readonly points: readonly [readonly [number, number], readonly [number, number]];
}

/** Thrown for Python exceptions the reference catches (TypeError, KeyError, NameError, ZeroDivisionError, ...). */
class PyError extends Error {}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** `re.search(r'{[^}]+}', s)`: from the leftmost `{` that has a non-`}` after it, to the next `}`. */
export function firstBraceObject(s: string): string | null {
  for (let i = s.indexOf('{'); i >= 0; i = s.indexOf('{', i + 1)) {
    if (i + 1 < s.length && s[i + 1] !== '}') {
      const close = s.indexOf('}', i + 1);
      return close < 0 ? null : s.slice(i, close + 1);
    }
  }
  return null;
}

function loads(s: string): { [k: string]: Json } {
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw new PyError('json.decoder.JSONDecodeError');
  }
  // `{[^}]+}` is always an object when it parses.
  return v as { [k: string]: Json };
}

/** Python len(): str (code points), list, dict; TypeError otherwise. */
function pyLen(v: Json | undefined): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v !== null && typeof v === 'object') return Object.keys(v).length;
  throw new PyError('TypeError: object has no len()');
}

/** A value usable in arithmetic/comparison with ints: int/float/bool. */
function pyNum(v: Json | undefined): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PyError('TypeError: unsupported operand');
}

/** Python indexing `v[i]` on list or str (dict → KeyError, others TypeError). */
function pyIndex(v: Json | undefined, i: number): Json {
  if (Array.isArray(v)) {
    if (i >= v.length) throw new PyError('IndexError');
    return v[i]!;
  }
  if (typeof v === 'string') {
    const cps = [...v];
    if (i >= cps.length) throw new PyError('IndexError');
    return cps[i]!;
  }
  throw new PyError('TypeError/KeyError');
}

/** Python int(): truncates floats, accepts bools and integer strings. */
function pyInt(v: Json): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new PyError('OverflowError/ValueError');
    return Math.trunc(v);
  }
  if (typeof v === 'string' && /^\s*[+-]?[0-9]+(?:_[0-9]+)*\s*$/.test(v)) return Number(v.replace(/_/g, ''));
  throw new PyError('ValueError/TypeError');
}

function boxIou(b1: number[], b2: readonly number[]): number {
  const ix1 = Math.max(b1[0]!, b2[0]!);
  const iy1 = Math.max(b1[1]!, b2[1]!);
  const ix2 = Math.min(b1[2]!, b2[2]!);
  const iy2 = Math.min(b1[3]!, b2[3]!);
  const inter = ix1 < ix2 && iy1 < iy2 ? (ix2 - ix1 + 1) * (iy2 - iy1 + 1) : 0;
  const a1 = (b1[2]! - b1[0]! + 1) * (b1[3]! - b1[1]! + 1);
  const a2 = (b2[2]! - b2[0]! + 1) * (b2[3]! - b2[1]! + 1);
  const union = a1 + a2 - inter;
  if (union === 0) throw new PyError('ZeroDivisionError');
  return inter / union;
}

/** The predicted bbox as seg.py reads it: first key containing 'bbox', length 4, four numbers. */
function contentBox(data: { [k: string]: Json }): number[] | undefined {
  const key = Object.keys(data).find((k) => k.toLowerCase().includes('bbox'));
  if (key === undefined || pyLen(data[key]) !== 4) return undefined;
  return [0, 1, 2, 3].map((i) => pyNum(pyIndex(data[key], i)));
}

function guard(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyError) return 0;
    throw e;
  }
}

/** seg.py `seg_segmentation_format_reward`. */
export function segzeroSegmentationFormat(text: string): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const data = loads(js);
    let bboxKey: string | undefined;
    const pointKeys: string[] = [];
    for (const k of Object.keys(data)) {
      if (k.toLowerCase().includes('bbox') && bboxKey === undefined) bboxKey = k;
      else if (k.toLowerCase().includes('point')) pointKeys.push(k);
    }
    if (!(bboxKey && pointKeys.length >= 2)) return 0;
    if (pyLen(data[bboxKey]) !== 4) return 0;
    for (const k of pointKeys.slice(0, 2)) if (pyLen(data[k]) !== 2) return 0;
    return 1;
  });
}

/** seg.py `seg_iou_reward`: 1 when the predicted box has IoU > 0.5 with the GT box (pixel-inclusive areas). */
export function segzeroBoxIou(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const b = contentBox(loads(js));
    if (!b) return 0;
    if (!gt) throw new PyError('NameError: gt_bbox');
    return boxIou(b, gt.box) > 0.5 ? 1 : 0;
  });
}

/** seg.py `seg_box_l1_reward`: 1 when the mean absolute corner difference is < 10. */
export function segzeroBoxL1(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const b = contentBox(loads(js));
    if (!b) return 0;
    if (!gt) throw new PyError('NameError: gt_bbox');
    const g = gt.box;
    const l1 = (Math.abs(b[0]! - g[0]) + Math.abs(b[1]! - g[1]) + Math.abs(b[2]! - g[2]) + Math.abs(b[3]! - g[3])) / 4;
    return l1 < 10 ? 1 : 0;
  });
}

/** seg.py `seg_point_l1_reward`: both points inside the predicted box and mean matched distance to the GT points < 100. */
export function segzeroPointL1(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const data = loads(js);
    const bboxKey = Object.keys(data).find((k) => k.toLowerCase().includes('bbox'));
    // content_bbox stays unbound (NameError when used) unless the bbox has length 4.
    const box = bboxKey !== undefined && pyLen(data[bboxKey]) === 4 ? data[bboxKey] : undefined;
    const keys = Object.keys(data).filter((k) => k.toLowerCase().includes('points')).slice(0, 2);
    if (keys.length !== 2) return 0;
    const read = (k: string) => [pyInt(pyIndex(data[k], 0)), pyInt(pyIndex(data[k], 1))] as const;
    const p1 = read(keys[0]!);
    const p2 = read(keys[1]!);
    if (box === undefined) throw new PyError('NameError: content_bbox');
    const inBox = (p: readonly [number, number]) =>
      pyNum(pyIndex(box, 0)) <= p[0] && p[0] <= pyNum(pyIndex(box, 2)) && pyNum(pyIndex(box, 1)) <= p[1] && p[1] <= pyNum(pyIndex(box, 3));
    if (!(inBox(p1) && inBox(p2))) return 0;
    if (!gt) throw new PyError('NameError: gt_points');
    const [g1, g2] = gt.points;
    const d = (a: readonly number[], b: readonly number[]) => Math.sqrt((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2);
    const dist1 = d(p1, g1) + d(p2, g2);
    const dist2 = d(p1, g2) + d(p2, g1);
    return Math.min(dist1, dist2) / 2 < 100 ? 1 : 0;
  });
}

/** Parse Seg-Zero's GT solution text; undefined where the reference regexes do not match. */
export function parseSegZeroSolution(text: string): { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } {
  const t = text.trim();
  const b = /<box>\((\d+),(\d+)\),\((\d+),(\d+)\)<\/box>/.exec(t);
  const p = /<points>\((\d+),(\d+)\),\((\d+),(\d+)\)<\/points>/.exec(t);
  const out: { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } = {};
  if (b) out.box = [Number(b[1]), Number(b[2]), Number(b[3]), Number(b[4])];
  if (p) out.points = [[Number(p[1]), Number(p[2])], [Number(p[3]), Number(p[4])]];
  return out;
}

/**
 * Seg-Zero's `get_two_representative_points` on a 0/1 mask (original pixels): the EDT maximum, then the EDT
 * maximum among pixels farther than the median distance from it (else near the centroid), each snapped onto the
 * mask. Null for an empty mask. Squared integer distances stand in for the float EDT: same order, same ties.
 */
export function twoRepresentativePoints(mask: { width: number; height: number; data: Uint8Array }): [[number, number], [number, number]] | null {
  const { width: w, height: h, data } = mask;
  const n = w * h;
  const fg: number[] = [];
  for (let i = 0; i < n; i++) if (data[i] === 1) fg.push(i);
  if (fg.length === 0) return null;
  const background = new Uint8Array(n);
  for (let i = 0; i < n; i++) background[i] = data[i] ? 0 : 1;
  // Squared EDT (distance of each mask pixel to the nearest background pixel), as exact integers.
  const edt2 = featureTransform(background, w, h).dist2;
  let best = 0;
  for (let i = 1; i < n; i++) if (edt2[i]! > edt2[best]!) best = i;
  let y1 = Math.floor(best / w);
  let x1 = best % w;
  let sy = 0;
  let sx = 0;
  for (const i of fg) {
    sy += Math.floor(i / w);
    sx += i % w;
  }
  const cy = Math.trunc(sy / fg.length);
  const cx = Math.trunc(sx / fg.length);
  const dist = fg.map((i) => Math.sqrt((Math.floor(i / w) - y1) ** 2 + ((i % w) - x1) ** 2));
  const sorted = Float64Array.from(dist).sort();
  const m = sorted.length;
  const median = m % 2 === 1 ? sorted[(m - 1) / 2]! : (sorted[m / 2 - 1]! + sorted[m / 2]!) / 2;
  let y2: number;
  let x2: number;
  let far = -1;
  for (let k = 0; k < fg.length; k++) if (dist[k]! > median && (far < 0 || edt2[fg[k]!]! > edt2[fg[far]!]!)) far = k;
  if (far >= 0) {
    y2 = Math.floor(fg[far]! / w);
    x2 = fg[far]! % w;
  } else {
    const ry0 = Math.max(0, cy - 10);
    const rx0 = Math.max(0, cx - 10);
    const ry1 = Math.min(h, cy + 10);
    const rx1 = Math.min(w, cx + 10);
    let by = ry0;
    let bx = rx0;
    for (let y = ry0; y < ry1; y++) for (let x = rx0; x < rx1; x++) if (edt2[y * w + x]! > edt2[by * w + bx]!) [by, bx] = [y, x];
    y2 = by;
    x2 = bx;
  }
  const snap = (x: number, y: number): [number, number] => {
    if (data[y * w + x]) return [x, y];
    let bi = fg[0]!;
    let bd = Infinity;
    for (const i of fg) {
      const d2 = ((i % w) - x) ** 2 + (Math.floor(i / w) - y) ** 2;
      if (d2 < bd) [bd, bi] = [d2, i];
    }
    return [bi % w, Math.floor(bi / w)];
  };
  [x1, y1] = snap(x1, y1);
  return [[x1, y1], snap(x2, y2)];
}

/** Seg-Zero's GT from a mask: extent box and representative points, scaled to the frame with int(v·f + 0.5). */
export function segzeroSolutionFromMask(gt: GrayImage, frame: { width: number; height: number }): SegZeroSolution | undefined {
  const bin = { width: gt.width, height: gt.height, data: gt.data.map((v) => (v > 127 ? 1 : 0)) };
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < gt.height; y++) {
    for (let x = 0; x < gt.width; x++) {
      if (bin.data[y * gt.width + x]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        y1 = y;
      }
    }
  }
  const pts = twoRepresentativePoints(bin);
  if (!pts) return undefined;
  const xf = frame.width / gt.width;
  const yf = frame.height / gt.height;
  const sx = (v: number) => Math.trunc(v * xf + 0.5);
  const sy = (v: number) => Math.trunc(v * yf + 0.5);
  return { box: [sx(x0), sy(y0), sx(x1), sy(y1)], points: [[sx(pts[0][0]), sy(pts[0][1])], [sx(pts[1][0]), sy(pts[1][1])]] };
}

/** Seg-Zero's GT for one rollout, box and points each usable only where the reference's regex matched. */
export interface SegZeroGt {
  readonly boxGt: SegZeroSolution | undefined;
  readonly pointGt: SegZeroSolution | undefined;
  readonly box: SegZeroSolution['box'] | undefined;
}

/** The GT a rollout is scored against: its solution text, else derived from the GT mask (see the file comment). */
export function segzeroGroundTruth(input: RewardInput): SegZeroGt {
  let partial: { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } = {};
  if (input.solution !== undefined) partial = parseSegZeroSolution(input.solution);
  else if (input.gt) partial = segzeroSolutionFromMask(input.gt, modelFrameSize(input.modelFrame, input.gt)) ?? {};
  return {
    boxGt: partial.box ? { box: partial.box, points: partial.points ?? [[0, 0], [0, 0]] } : undefined,
    pointGt: partial.points ? { box: partial.box ?? [0, 0, 0, 0], points: partial.points } : undefined,
    box: partial.box,
  };
}

async function scoreSegZero(input: RewardInput): Promise<RewardResult> {
  const text = input.completion;
  const { boxGt, pointGt, box } = segzeroGroundTruth(input);
  const components = {
    box_iou: segzeroBoxIou(text, boxGt),
    thinking_format: thinkAnswerFullmatch(text) ? 1 : 0,
    segmentation_format: segzeroSegmentationFormat(text),
    point_l1: segzeroPointL1(text, pointGt),
    box_l1: segzeroBoxL1(text, boxGt),
  };
  const total = components.box_iou + components.thinking_format + components.segmentation_format + components.point_l1 + components.box_l1;
  const details: Record<string, number> = {};
  if (box) [details.gtX1, details.gtY1, details.gtX2, details.gtY2] = box;
  return { components, total, details, answer: parseCompletion(text, { format: 'segzero' }) };
}

/** Seg-Zero's five rule rewards (each 0/1, total 0–5). */
export const segzeroRewards: RewardSet = {
  id: 'segzero',
  label: 'Seg-Zero rule rewards',
  components: SEGZERO_COMPONENTS,
  score: scoreSegZero,
};

/** The Python-semantics helpers seg.py's rewards share with seg_restrict.py's (segzeroStrict.ts). */
export { PyError, boxIou, guard, loads, pyIndex, pyInt, pyLen, pyNum, type Json };
