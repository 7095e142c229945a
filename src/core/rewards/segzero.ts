import { thinkAnswerFullmatch } from '../completion/jsonAnswers';
import { parseCompletion } from '../completion/parse';
import { modelFrameSize } from '../geometry/frames';
import type { GrayImage } from '../image/types';
import { featureTransform } from '../metrics/edt';
import { PY_DIGIT_CLASS, pyStrip } from '../completion/pyChars';
import {
  PyException,
  pyAbs,
  pyAdd,
  pyInt,
  pyIntFromString,
  pyJsonLoads,
  pyLe,
  pyLt,
  pyMathSqrt,
  pyMax,
  pyMin,
  pyMul,
  pySub,
  pyToFloat,
  pyTrueDiv,
  type PyDict,
  type PyNumber,
  type PyValue,
} from '../python/semantics';
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

/** A ground-truth coordinate: a Python int (a `number` here is an integer too: mask-derived GTs are small). */
export type GtInt = number | bigint;

/** Seg-Zero ground truth in the model frame. */
export interface SegZeroSolution {
  readonly box: readonly [GtInt, GtInt, GtInt, GtInt];
  readonly points: readonly [readonly [GtInt, GtInt], readonly [GtInt, GtInt]];
}

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

/** `json.loads` of the brace match; `{[^}]+}` is always an object when it parses. */
function loads(s: string): PyDict {
  return pyJsonLoads(s) as PyDict;
}

/**
 * How every rule of both reward files opens: the first `{…}` of the text read by json.loads, then the rule; no object
 * scores 0, and any Python exception on the way (the reference's bare `except`) scores 0.
 */
export function scoreAnswerJson(text: string, rule: (data: PyDict) => number): number {
  return guard(() => {
    const js = firstBraceObject(text);
    return js === null ? 0 : rule(loads(js));
  });
}

/** Python len(): str (code points), list, dict; TypeError otherwise. */
function pyLen(v: PyValue | undefined): number {
  if (typeof v === 'string') return [...v].length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof Map) return v.size;
  throw new PyException('TypeError', 'object has no len()');
}

/** A value usable in arithmetic/comparison with ints: int/float/bool. */
function pyNum(v: PyValue | undefined): PyNumber {
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  throw new PyException('TypeError', 'unsupported operand');
}

/** Python indexing `v[i]` on list or str (dict → KeyError, others TypeError). */
function pyIndex(v: PyValue | undefined, i: number): PyValue {
  if (Array.isArray(v)) {
    if (i >= v.length) throw new PyException('IndexError', 'list index out of range');
    return v[i]!;
  }
  if (typeof v === 'string') {
    const cps = [...v];
    if (i >= cps.length) throw new PyException('IndexError', 'string index out of range');
    return cps[i]!;
  }
  if (v instanceof Map) throw new PyException('KeyError', String(i));
  throw new PyException('TypeError', 'object is not subscriptable');
}

/** A GT coordinate as the Python int it is. */
function gtInt(v: GtInt): bigint {
  return typeof v === 'bigint' ? v : BigInt(v);
}

/** seg.py's `iou(box1, box2)`, in Python arithmetic (exact ints; `float(inter)/union` raises on a zero union). */
function boxIou(b1: readonly PyNumber[], b2: readonly PyNumber[]): number {
  const ix1 = pyMax(b1[0]!, b2[0]!);
  const iy1 = pyMax(b1[1]!, b2[1]!);
  const ix2 = pyMin(b1[2]!, b2[2]!);
  const iy2 = pyMin(b1[3]!, b2[3]!);
  const inter = pyLt(ix1, ix2) && pyLt(iy1, iy2) ? pyMul(pyAdd(pySub(ix2, ix1), 1n), pyAdd(pySub(iy2, iy1), 1n)) : 0n;
  const a1 = pyMul(pyAdd(pySub(b1[2]!, b1[0]!), 1n), pyAdd(pySub(b1[3]!, b1[1]!), 1n));
  const a2 = pyMul(pyAdd(pySub(b2[2]!, b2[0]!), 1n), pyAdd(pySub(b2[3]!, b2[1]!), 1n));
  const union = pySub(pyAdd(a1, a2), inter);
  return pyTrueDiv(pyToFloat(inter), union);
}

/** The predicted bbox as seg.py reads it: first key containing 'bbox', length 4, four numbers. */
function contentBox(data: PyDict): PyNumber[] | undefined {
  const key = [...data.keys()].find((k) => k.toLowerCase().includes('bbox'));
  if (key === undefined || pyLen(data.get(key)) !== 4) return undefined;
  return [0, 1, 2, 3].map((i) => pyNum(pyIndex(data.get(key), i)));
}

/** Runs one reward body as the reference's `try: ... except Exception: pass; return 0.0` does. */
function guard(f: () => number): number {
  try {
    return f();
  } catch (e) {
    if (e instanceof PyException) return 0;
    throw e;
  }
}

/** seg.py `seg_segmentation_format_reward`. */
export function segzeroSegmentationFormat(text: string): number {
  return scoreAnswerJson(text, (data) => {
    let bboxKey: string | undefined;
    const pointKeys: string[] = [];
    for (const k of data.keys()) {
      if (k.toLowerCase().includes('bbox') && bboxKey === undefined) bboxKey = k;
      else if (k.toLowerCase().includes('point')) pointKeys.push(k);
    }
    if (!(bboxKey && pointKeys.length >= 2)) return 0;
    if (pyLen(data.get(bboxKey)) !== 4) return 0;
    for (const k of pointKeys.slice(0, 2)) if (pyLen(data.get(k)) !== 2) return 0;
    return 1;
  });
}

/** seg.py `seg_iou_reward`: 1 when the predicted box has IoU > 0.5 with the GT box (pixel-inclusive areas). */
export function segzeroBoxIou(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const b = contentBox(data);
    if (!b) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_bbox' is not defined");
    return boxIou(b, gt.box.map(gtInt)) > 0.5 ? 1 : 0;
  });
}

/** seg.py `seg_box_l1_reward`: 1 when the mean absolute corner difference is < 10. */
export function segzeroBoxL1(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const b = contentBox(data);
    if (!b) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_bbox' is not defined");
    return pyLt(boxL1Distance(b, gt), 10n) ? 1 : 0;
  });
}

/** `l1_distance(content_bbox, gt_bbox)` of seg.py/seg_restrict.py, in Python arithmetic. */
function boxL1Distance(b: readonly PyNumber[], gt: SegZeroSolution): number {
  const g = gt.box.map(gtInt);
  const sum = [0, 1, 2, 3].reduce<PyNumber>((acc, i) => (i === 0 ? pyAbs(pySub(b[0]!, g[0]!)) : pyAdd(acc, pyAbs(pySub(b[i]!, g[i]!)))), 0n);
  return pyTrueDiv(sum, 4n);
}

/** seg.py `seg_point_l1_reward`: both points inside the predicted box and mean matched distance to the GT points < 100. */
export function segzeroPointL1(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const bboxKey = [...data.keys()].find((k) => k.toLowerCase().includes('bbox'));
    // content_bbox stays unbound (NameError when used) unless the bbox has length 4.
    const box = bboxKey !== undefined && pyLen(data.get(bboxKey)) === 4 ? data.get(bboxKey) : undefined;
    const keys = [...data.keys()].filter((k) => k.toLowerCase().includes('points')).slice(0, 2);
    if (keys.length !== 2) return 0;
    // int() of each coordinate: floats truncate, strings read as Python reads them (Unicode digits, whitespace, `_`).
    const read = (k: string) => [pyInt(pyIndex(data.get(k), 0)), pyInt(pyIndex(data.get(k), 1))] as const;
    const p1 = read(keys[0]!);
    const p2 = read(keys[1]!);
    if (box === undefined) throw new PyException('NameError', "name 'content_bbox' is not defined");
    const inBox = (p: readonly [bigint, bigint]) =>
      pyLe(pyNum(pyIndex(box, 0)), p[0]) && pyLe(p[0], pyNum(pyIndex(box, 2))) && pyLe(pyNum(pyIndex(box, 1)), p[1]) && pyLe(p[1], pyNum(pyIndex(box, 3)));
    if (!(inBox(p1) && inBox(p2))) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_points' is not defined");
    return pointsDistance(p1, p2, gt) < 100 ? 1 : 0;
  });
}

/** `points_distance([point1, point2], gt_points)` of seg.py/seg_restrict.py: the mean distance of the better matching. */
function pointsDistance(p1: readonly [bigint, bigint], p2: readonly [bigint, bigint], gt: SegZeroSolution): number {
  const g1 = gt.points[0].map(gtInt);
  const g2 = gt.points[1].map(gtInt);
  // Exact int squares, then math.sqrt converts each sum to float (OverflowError beyond a double).
  const d = (a: readonly bigint[], b: readonly bigint[]) => pyMathSqrt((a[0]! - b[0]!) ** 2n + (a[1]! - b[1]!) ** 2n);
  const dist1 = d(p1, g1) + d(p2, g2);
  const dist2 = d(p1, g2) + d(p2, g1);
  return Math.min(dist1, dist2) / 2;
}

const D = PY_DIGIT_CLASS;
/** seg.py's GT regexes; `\d` is Python's (any Unicode decimal digit), so the class is spelled out. */
const GT_BOX = new RegExp(`<box>\\((${D}+),(${D}+)\\),\\((${D}+),(${D}+)\\)</box>`, 'u');
const GT_POINTS = new RegExp(`<points>\\((${D}+),(${D}+)\\),\\((${D}+),(${D}+)\\)</points>`, 'u');

/** `int()` of each captured group, or undefined when one raises (over 4300 digits): the reference then scores 0. */
function intGroups(m: RegExpExecArray | null): bigint[] | undefined {
  if (!m) return undefined;
  try {
    return [m[1]!, m[2]!, m[3]!, m[4]!].map(pyIntFromString);
  } catch (e) {
    if (e instanceof PyException) return undefined;
    throw e;
  }
}

/** Parse Seg-Zero's GT solution text exactly (Python ints); undefined where the reference regexes do not match. */
export function parseSegZeroSolutionExact(text: string): { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } {
  const b = intGroups(GT_BOX.exec(pyStrip(text)));
  const p = intGroups(GT_POINTS.exec(text));
  const out: { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } = {};
  if (b) out.box = [b[0]!, b[1]!, b[2]!, b[3]!];
  if (p) out.points = [[p[0]!, p[1]!], [p[2]!, p[3]!]];
  return out;
}

/** Parse Seg-Zero's GT solution text; undefined where the reference regexes do not match (values as Numbers). */
export function parseSegZeroSolution(text: string): { box?: readonly [number, number, number, number]; points?: readonly [readonly [number, number], readonly [number, number]] } {
  const e = parseSegZeroSolutionExact(text);
  const n = (v: GtInt) => Number(v);
  const out: { box?: readonly [number, number, number, number]; points?: readonly [readonly [number, number], readonly [number, number]] } = {};
  if (e.box) out.box = [n(e.box[0]), n(e.box[1]), n(e.box[2]), n(e.box[3])];
  if (e.points) out.points = [[n(e.points[0][0]), n(e.points[0][1])], [n(e.points[1][0]), n(e.points[1][1])]];
  return out;
}

/**
 * Squared `scipy.ndimage.distance_transform_edt(m)` of a 0/1 mask (distance of each non-zero pixel to the nearest
 * zero), as exact integers. Pixels outside the image are not background. A mask with no zero at all gets what scipy
 * gives it (SciPy 1.10 and 1.17 alike, test/fixtures/gen/rewards_gt_from_mask.py): its feature transform finds no
 * feature and leaves every index at row −1, column 0, so each pixel measures (y+1)² + x² from that phantom point,
 * and the maximum is the bottom-right pixel rather than 0 everywhere.
 */
export function scipyEdt2(data: Uint8Array, w: number, h: number): ArrayLike<number> {
  const n = w * h;
  const background = new Uint8Array(n);
  let any = false;
  for (let i = 0; i < n; i++) {
    background[i] = data[i] ? 0 : 1;
    any ||= background[i] === 1;
  }
  if (any) return featureTransform(background, w, h).dist2;
  // Float64: (h)² + (w−1)² outgrows int32 for sides past ~32k.
  const d2 = new Float64Array(n);
  for (let y = 0, i = 0; y < h; y++) for (let x = 0; x < w; x++, i++) d2[i] = (y + 1) * (y + 1) + x * x;
  return d2;
}

/**
 * Seg-Zero's `get_two_representative_points` on a 0/1 mask (original pixels): the EDT maximum, then the EDT
 * maximum among pixels farther than the median distance from it (else near the centroid), each snapped onto the
 * mask; NumPy's argmax/argmin keep the first in row-major order. Null for an empty mask (the reference returns
 * (None, None)). Squared integer distances stand in for the float EDT: same order, same ties.
 */
export function twoRepresentativePoints(mask: { width: number; height: number; data: Uint8Array }): [[number, number], [number, number]] | null {
  const { width: w, height: h, data } = mask;
  const n = w * h;
  const fg: number[] = [];
  for (let i = 0; i < n; i++) if (data[i] === 1) fg.push(i);
  if (fg.length === 0) return null;
  const edt2 = scipyEdt2(data, w, h);
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

/**
 * Seg-Zero's GT from a mask (> 127 is foreground): extent box and representative points, scaled to the frame with
 * int(v·f + 0.5). Undefined for a mask with no foreground: the reference's box (`np.where(m == 1)[1].min()`) raises
 * ValueError there, so such a mask never became a training sample and has no GT to score against.
 */
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

/** The GT a rollout is scored against: its solution text (exact Python ints), else derived from the GT mask (see the file comment). */
export function segzeroGroundTruth(input: RewardInput): SegZeroGt {
  let partial: { box?: SegZeroSolution['box']; points?: SegZeroSolution['points'] } = {};
  if (input.solution !== undefined) partial = parseSegZeroSolutionExact(input.solution);
  else if (input.gt) partial = segzeroSolutionFromMask(input.gt, modelFrameSize(input.modelFrame, input.gt)) ?? {};
  return {
    boxGt: partial.box ? { box: partial.box, points: partial.points ?? [[0, 0], [0, 0]] } : undefined,
    pointGt: partial.points ? { box: partial.box ?? [0, 0, 0, 0], points: partial.points } : undefined,
    box: partial.box,
  };
}

/** The GT box as `details` numbers (a huge Python int becomes the nearest double, for display only). */
export function segzeroGtDetails(box: SegZeroSolution['box'] | undefined): Record<string, number> {
  return box ? { gtX1: Number(box[0]), gtY1: Number(box[1]), gtX2: Number(box[2]), gtY2: Number(box[3]) } : {};
}

/** The answer-dependent rules of one Seg-Zero reward file (seg.py or seg_restrict.py). */
export interface SegZeroRules {
  boxIou(text: string, gt: SegZeroSolution | undefined): number;
  segmentationFormat(text: string): number;
  pointL1(text: string, gt: SegZeroSolution | undefined): number;
  boxL1(text: string, gt: SegZeroSolution | undefined): number;
}

/** A reward file's compute_score over its rules: both files sum iou + thinking + segmentation + point + box, in that order. */
export function segzeroScorer(rules: SegZeroRules): (input: RewardInput) => Promise<RewardResult> {
  return async (input) => {
    const text = input.completion;
    const { boxGt, pointGt, box } = segzeroGroundTruth(input);
    const components = {
      box_iou: rules.boxIou(text, boxGt),
      thinking_format: thinkAnswerFullmatch(text) ? 1 : 0,
      segmentation_format: rules.segmentationFormat(text),
      point_l1: rules.pointL1(text, pointGt),
      box_l1: rules.boxL1(text, boxGt),
    };
    const total = components.box_iou + components.thinking_format + components.segmentation_format + components.point_l1 + components.box_l1;
    return { components, total, details: segzeroGtDetails(box), answer: parseCompletion(text, { format: 'segzero' }) };
  };
}

/** Seg-Zero's five rule rewards (each 0/1, total 0–5). */
export const segzeroRewards: RewardSet = {
  id: 'segzero',
  label: 'Seg-Zero rule rewards',
  components: SEGZERO_COMPONENTS,
  score: segzeroScorer({ boxIou: segzeroBoxIou, segmentationFormat: segzeroSegmentationFormat, pointL1: segzeroPointL1, boxL1: segzeroBoxL1 }),
};

/** The Python-semantics helpers seg.py's rewards share with seg_restrict.py's (segzeroStrict.ts). */
export { boxIou, boxL1Distance, gtInt, pointsDistance, pyIndex, pyLen, pyNum };
