import { PyException, pyInt, pyLe, pyLt, type PyDict, type PyNumber, type PyValue } from '../python/semantics';
import {
  SEGZERO_COMPONENTS,
  boxIou,
  boxL1Distance,
  gtInt,
  pointsDistance,
  pyIndex,
  pyLen,
  pyNum,
  scoreAnswerJson,
  segzeroScorer,
  type SegZeroSolution,
} from './segzero';
import type { RewardSet } from './types';

/**
 * Seg-Zero's strict rule rewards (dvlab-research/Seg-Zero, verl/utils/reward_score/seg_restrict.py,
 * `seg_strict_compute_score`), the reward Seg-Zero's released training configs name (`compute_score: seg_strict` in
 * training_scripts/seg_zero_3b.yaml and seg_zero_7b.yaml). Unlike seg.py it reads exactly the keys `bbox`,
 * `points_1` and `points_2` (a missing one is a KeyError, so 0), and its format reward wants each to be a JSON list.
 * Same GT, thinking-format reward and Python semantics (src/core/python/semantics.ts) as segzero.ts.
 */

/** `data[key]`: KeyError (→ the caught 0) when absent; a duplicated key has its last value, as in a Python dict. */
function item(data: PyDict, key: string): PyValue {
  const v = data.get(key);
  if (v === undefined) throw new PyException('KeyError', `'${key}'`);
  return v;
}

/** seg_restrict.py `seg_segmentation_format_reward`: the three keys present, bbox a list of 4, each point a list of 2. */
export function segzeroStrictSegmentationFormat(text: string): number {
  return scoreAnswerJson(text, (data) => {
    for (const k of ['bbox', 'points_1', 'points_2']) if (!data.has(k)) return 0;
    const isList = (v: PyValue | undefined, n: number) => Array.isArray(v) && v.length === n;
    return isList(data.get('bbox'), 4) && isList(data.get('points_1'), 2) && isList(data.get('points_2'), 2) ? 1 : 0;
  });
}

/** `data['bbox']` when `len(...) == 4` (content_bbox), else undefined (left unbound). */
function strictBox(data: PyDict): PyValue | undefined {
  const b = item(data, 'bbox');
  return pyLen(b) === 4 ? b : undefined;
}

/** The four corners as Python numbers; anything else raises where the reference's arithmetic would (TypeError/KeyError). */
const numbers = (b: PyValue): PyNumber[] => [0, 1, 2, 3].map((i) => pyNum(pyIndex(b, i)));

/** seg_restrict.py `seg_iou_reward`: IoU > 0.5 between `bbox` and the GT box. */
export function segzeroStrictBoxIou(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const b = strictBox(data);
    if (b === undefined) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_bbox' is not defined");
    return boxIou(numbers(b), gt.box.map(gtInt)) > 0.5 ? 1 : 0;
  });
}

/** seg_restrict.py `seg_box_l1_reward`: mean absolute corner difference of `bbox` < 10. */
export function segzeroStrictBoxL1(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const b = strictBox(data);
    if (b === undefined) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_bbox' is not defined");
    return pyLt(boxL1Distance(numbers(b), gt), 10n) ? 1 : 0;
  });
}

/** seg_restrict.py `seg_point_l1_reward`: `points_1`/`points_2` inside `bbox`, mean matched distance to the GT points < 100. */
export function segzeroStrictPointL1(text: string, gt: SegZeroSolution | undefined): number {
  return scoreAnswerJson(text, (data) => {
    const box = strictBox(data);
    // point1 = data['points_1']; point2 = data['points_2'] are both read before either is converted with int().
    const q1 = item(data, 'points_1');
    const q2 = item(data, 'points_2');
    const p1 = [pyInt(pyIndex(q1, 0)), pyInt(pyIndex(q1, 1))] as const;
    const p2 = [pyInt(pyIndex(q2, 0)), pyInt(pyIndex(q2, 1))] as const;
    if (box === undefined) throw new PyException('NameError', "name 'content_bbox' is not defined");
    // Chained comparisons short-circuit, so a later corner is only read (and type-checked) when needed.
    const inBox = (p: readonly [bigint, bigint]) =>
      pyLe(pyNum(pyIndex(box, 0)), p[0]) && pyLe(p[0], pyNum(pyIndex(box, 2))) && pyLe(pyNum(pyIndex(box, 1)), p[1]) && pyLe(p[1], pyNum(pyIndex(box, 3)));
    if (!(inBox(p1) && inBox(p2))) return 0;
    if (!gt) throw new PyException('NameError', "name 'gt_points' is not defined");
    return pointsDistance(p1, p2, gt) < 100 ? 1 : 0;
  });
}

/** Seg-Zero's strict rule rewards (seg_restrict.py; each 0/1, total 0–5). */
export const segzeroStrictRewards: RewardSet = {
  id: 'segzero-strict',
  label: 'Seg-Zero strict rule rewards (seg_restrict.py)',
  components: SEGZERO_COMPONENTS,
  // seg_strict_compute_score sums in the same order as seg.py.
  score: segzeroScorer({ boxIou: segzeroStrictBoxIou, segmentationFormat: segzeroStrictSegmentationFormat, pointL1: segzeroStrictPointL1, boxL1: segzeroStrictBoxL1 }),
};
