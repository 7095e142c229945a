import { thinkAnswerFullmatch } from '../completion/jsonAnswers';
import { parseCompletion } from '../completion/parse';
import { PyError, SEGZERO_COMPONENTS, boxIou, firstBraceObject, guard, loads, pyIndex, pyInt, pyLen, pyNum, segzeroGroundTruth, type Json, type SegZeroSolution } from './segzero';
import type { RewardInput, RewardResult, RewardSet } from './types';

/**
 * Seg-Zero's strict rule rewards (dvlab-research/Seg-Zero, verl/utils/reward_score/seg_restrict.py,
 * `seg_strict_compute_score`), the reward Seg-Zero's released training configs name (`compute_score: seg_strict` in
 * training_scripts/seg_zero_3b.yaml and seg_zero_7b.yaml). Unlike seg.py it reads exactly the keys `bbox`,
 * `points_1` and `points_2` (a missing one is a KeyError, so 0), and its format reward wants each to be a JSON list.
 * Same GT, thinking-format reward and Python semantics as segzero.ts.
 */

type Obj = { [k: string]: Json };

/** `data[key]`: KeyError (→ the caught 0) when absent. */
function item(data: Obj, key: string): Json {
  if (!Object.hasOwn(data, key)) throw new PyError(`KeyError: '${key}'`);
  return data[key]!;
}

/** seg_restrict.py `seg_segmentation_format_reward`: the three keys present, bbox a list of 4, each point a list of 2. */
export function segzeroStrictSegmentationFormat(text: string): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const data = loads(js);
    for (const k of ['bbox', 'points_1', 'points_2']) if (!Object.hasOwn(data, k)) return 0;
    const isList = (v: Json | undefined, n: number) => Array.isArray(v) && v.length === n;
    return isList(data.bbox, 4) && isList(data.points_1, 2) && isList(data.points_2, 2) ? 1 : 0;
  });
}

/** `data['bbox']` when `len(...) == 4` (content_bbox), else undefined (left unbound); as four numbers. */
function strictBox(data: Obj): Json | undefined {
  const b = item(data, 'bbox');
  return pyLen(b) === 4 ? b : undefined;
}

const numbers = (b: Json) => [0, 1, 2, 3].map((i) => pyNum(pyIndex(b, i)));

/** seg_restrict.py `seg_iou_reward`: IoU > 0.5 between `bbox` and the GT box. */
export function segzeroStrictBoxIou(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const b = strictBox(loads(js));
    if (b === undefined) return 0;
    if (!gt) throw new PyError('NameError: gt_bbox');
    return boxIou(numbers(b), gt.box) > 0.5 ? 1 : 0;
  });
}

/** seg_restrict.py `seg_box_l1_reward`: mean absolute corner difference of `bbox` < 10. */
export function segzeroStrictBoxL1(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const b = strictBox(loads(js));
    if (b === undefined) return 0;
    if (!gt) throw new PyError('NameError: gt_bbox');
    const v = numbers(b);
    const g = gt.box;
    return (Math.abs(v[0]! - g[0]) + Math.abs(v[1]! - g[1]) + Math.abs(v[2]! - g[2]) + Math.abs(v[3]! - g[3])) / 4 < 10 ? 1 : 0;
  });
}

/** seg_restrict.py `seg_point_l1_reward`: `points_1`/`points_2` inside `bbox`, mean matched distance to the GT points < 100. */
export function segzeroStrictPointL1(text: string, gt: SegZeroSolution | undefined): number {
  return guard(() => {
    const js = firstBraceObject(text);
    if (js === null) return 0;
    const data = loads(js);
    const box = strictBox(data);
    const read = (k: string) => {
      const p = item(data, k);
      return [pyInt(pyIndex(p, 0)), pyInt(pyIndex(p, 1))] as const;
    };
    // point1 = data['points_1']; point2 = data['points_2'] are both read before either is converted.
    item(data, 'points_1');
    item(data, 'points_2');
    const p1 = read('points_1');
    const p2 = read('points_2');
    if (box === undefined) throw new PyError('NameError: content_bbox');
    // Chained comparisons short-circuit, so a later corner is only read (and type-checked) when needed.
    const inBox = (p: readonly [number, number]) =>
      pyNum(pyIndex(box, 0)) <= p[0] && p[0] <= pyNum(pyIndex(box, 2)) && pyNum(pyIndex(box, 1)) <= p[1] && p[1] <= pyNum(pyIndex(box, 3));
    if (!(inBox(p1) && inBox(p2))) return 0;
    if (!gt) throw new PyError('NameError: gt_points');
    const [g1, g2] = gt.points;
    const d = (a: readonly number[], b: readonly number[]) => Math.sqrt((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2);
    return Math.min(d(p1, g1) + d(p2, g2), d(p1, g2) + d(p2, g1)) / 2 < 100 ? 1 : 0;
  });
}

async function scoreSegZeroStrict(input: RewardInput): Promise<RewardResult> {
  const text = input.completion;
  const { boxGt, pointGt, box } = segzeroGroundTruth(input);
  const components = {
    box_iou: segzeroStrictBoxIou(text, boxGt),
    thinking_format: thinkAnswerFullmatch(text) ? 1 : 0,
    segmentation_format: segzeroStrictSegmentationFormat(text),
    point_l1: segzeroStrictPointL1(text, pointGt),
    box_l1: segzeroStrictBoxL1(text, boxGt),
  };
  // seg_strict_compute_score's order: iou + thinking + segmentation + point + box.
  const total = components.box_iou + components.thinking_format + components.segmentation_format + components.point_l1 + components.box_l1;
  const details: Record<string, number> = {};
  if (box) [details.gtX1, details.gtY1, details.gtX2, details.gtY2] = box;
  return { components, total, details, answer: parseCompletion(text, { format: 'segzero' }) };
}

/** Seg-Zero's strict rule rewards (seg_restrict.py; each 0/1, total 0–5). */
export const segzeroStrictRewards: RewardSet = {
  id: 'segzero-strict',
  label: 'Seg-Zero strict rule rewards (seg_restrict.py)',
  components: SEGZERO_COMPONENTS,
  score: scoreSegZeroStrict,
};
