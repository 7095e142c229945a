import { BOX_AREA_RATIO_MAX, BOX_AREA_RATIO_MIN, FLAT_GROUPS_MAX, POINTS_MIN, REWARD_LABELLED_MAX, TAU_MIN, type SignalId } from './stepSignals';

/**
 * What each reward-hacking signal's chart says about itself: the title, what one unit of its mean is, and why its
 * threshold sits where it does. The one place the charts, the CLI and the README take these from; the values are the
 * constants of stepSignals.ts (their doc comments give the longer reasoning).
 */
export interface SignalInfo {
  readonly title: string;
  /** What the step's mean is taken over ("groups", "rollouts"). */
  readonly unit: 'groups' | 'rollouts';
  /** Why the line(s) sit where they do, one sentence. */
  readonly why: string;
}

/** Chart text per signal. */
export const SIGNAL_INFO: Readonly<Record<SignalId, SignalInfo>> = {
  'reward-iou-tau': {
    title: 'reward–IoU rank agreement (Kendall τ-b)',
    unit: 'groups',
    why: `mean within-group τ below ${TAU_MIN}: the reward no longer ranks a group's rollouts as IoU does (weak association); hacking drives it toward 0`,
  },
  'flat-groups': {
    title: 'flat (zero-variance) groups',
    unit: 'groups',
    why: `more than ${FLAT_GROUPS_MAX * 100}% of the step's groups give every rollout a zero advantage, so most of the batch teaches nothing`,
  },
  'points-per-rollout': {
    title: 'points per rollout (parsed answers)',
    unit: 'rollouts',
    why: `fewer than ${POINTS_MIN} points on average: Seg-R1-style answers carry two or more; a policy writing fewer is the collapse Seg-R1's authors saw`,
  },
  'box-area-vs-gt': {
    title: 'box area / GT box area',
    unit: 'rollouts',
    why: `outside [${BOX_AREA_RATIO_MIN}, ${BOX_AREA_RATIO_MAX}]: boxes collapsing onto part of the object or inflating toward the whole image, far beyond a few pixels of slack`,
  },
  'reward-labelled': {
    title: 'reward-labelled rollouts (attribution)',
    unit: 'rollouts',
    why: `more than ${REWARD_LABELLED_MAX * 100}% of rollouts out-score a clearly better groupmate (reward ≥ 0.05 higher, IoU ≥ 0.1 lower): rare while the reward tracks quality`,
  },
};
