import { parseCompletion } from '../core/completion/parse';
import { modelFrameSize, type FrameSpec } from '../core/geometry/frames';
import { decodeRle } from '../core/image/rle';
import { resizeNearest } from '../core/image/resize';
import type { BinaryMask, GrayImage } from '../core/image/types';
import { readRollout, type RolloutIndex } from '../core/logs/jsonlIndex';
import type { RolloutRecord } from '../core/logs/rollout';
import { groupAdvantages } from '../core/rewards/advantages';
import { getRewardSet } from '../core/rewards/registry';
import type { GroupMember, MaskPayload, RewardRow } from '../shared/protocol';
import type { RolloutMasks } from './rolloutMasks';
import type { ParsedRollout } from './rolloutParse';

/** Reward sets replayed for every rollout in the panel: the training code's, and the one it meant. */
export const PANEL_REWARD_SETS = ['segr1-reference', 'segr1-intended'] as const;

/** Longest side of group-strip thumbnail masks. */
const THUMB_SIDE = 96;

/** Tolerance for "ranks differently": smaller gaps are ties. */
const RANK_EPS = 1e-6;

/** A rollout's reward table: one row per component, then the total and the advantage. */
export interface RewardRows {
  readonly rewards: RewardRow[];
  readonly total: RewardRow;
  readonly advantage: RewardRow;
}

/** What replaying a rollout's rewards scores against. */
export interface ReplayOptions {
  /** The frame spec the completion's coordinates are written in. */
  readonly frame: FrameSpec;
  /** The GT as the trainer read it; without one nothing is replayed. */
  readonly gt?: GrayImage;
  /** The logged mask (the reward frame's mask the trainer scored). */
  readonly loggedMask?: BinaryMask;
  /** Without a logged mask: the segmenter's mask brought to a frame (the reward frame), for the rewards that need one. */
  readonly segmentToFrame?: (frame: { width: number; height: number }) => BinaryMask;
}

/** Whom a rollout's group strip lists and what it is scored against. */
export interface GroupOptions {
  readonly frame: FrameSpec;
  readonly gt?: GrayImage;
  /** Score every member under the intended reward (several S-measures: the slow half of a view). */
  readonly scoreIntended: boolean;
}

/** A rollout's scores: logged at once, replayed on demand. */
export interface RolloutScores {
  /** The reward table with logged values only: the view paints with it at once. */
  readonly rows: RewardRows;
  /** The group strip with logged values only. */
  readonly group: GroupMember[];
  /** Recompute the rollout's and its group's rewards (the panel's follow-up message). */
  replay(): Promise<{ rows: RewardRows; group: GroupMember[] }>;
}

/** The reward table with logged values only (nothing replayed). */
export function loggedRewards(record: RolloutRecord): RewardRows {
  return rewardRows(record, {});
}

/**
 * Logged vs recomputed reward components, total and advantage under every panel reward set. Replay uses the logged
 * mask; without one, the segmenter's mask brought to the reward frame; a set that cannot score shows no value.
 */
export async function replayRewards(record: RolloutRecord, opts: ReplayOptions): Promise<RewardRows> {
  const replayed: Record<string, { components: Record<string, number>; total: number }> = {};
  const { gt, frame, loggedMask, segmentToFrame } = opts;
  if (gt) {
    for (const id of PANEL_REWARD_SETS) {
      const set = getRewardSet(id);
      if (!set) continue;
      try {
        const rewardFrame = modelFrameSize(frame, gt);
        const r = await set.score({
          completion: record.completion,
          gt,
          modelFrame: frame,
          loggedMask,
          segment: !loggedMask && segmentToFrame ? async () => segmentToFrame(rewardFrame) : undefined,
        });
        replayed[id] = { components: { ...r.components }, total: r.total };
      } catch {
        // A reward that cannot be recomputed (e.g. no mask) just shows no replayed value.
      }
    }
  }
  return rewardRows(record, replayed);
}

/** Rows for the logged components and every replayed one, each with its replayed values by reward set. */
function rewardRows(record: RolloutRecord, replayed: Readonly<Record<string, { components: Record<string, number>; total: number }>>): RewardRows {
  const names = new Set<string>([...Object.keys(record.rewards ?? {}), ...Object.values(replayed).flatMap((r) => Object.keys(r.components))]);
  const rewards: RewardRow[] = [...names].map((name) => ({
    name,
    logged: numOrUndef(record.rewards?.[name]),
    replayed: Object.fromEntries(Object.entries(replayed).flatMap(([id, r]) => (name in r.components ? [[id, r.components[name]!]] : []))),
  }));
  return {
    rewards,
    total: { name: 'total', logged: numOrUndef(record.reward), replayed: Object.fromEntries(Object.entries(replayed).map(([id, r]) => [id, r.total])) },
    advantage: { name: 'advantage', logged: numOrUndef(record.advantage), replayed: {} },
  };
}

function numOrUndef(v: number | null | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

/** True when the group's logged rewards give GRPO no signal (the trainer's std ≈ 0). */
export function zeroVariance(group: readonly GroupMember[]): boolean {
  const r = group.map((m) => m.reward).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return r.length > 1 && groupAdvantages(r).zeroVariance;
}

/** Nearest-neighbour downsample of a mask so its longest side is at most `side`. */
export function thumbnailMask(m: BinaryMask, side = THUMB_SIDE): MaskPayload {
  const s = Math.min(1, side / Math.max(m.width, m.height));
  const w = Math.max(1, Math.round(m.width * s));
  const h = Math.max(1, Math.round(m.height * s));
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(m.height - 1, Math.floor(((y + 0.5) * m.height) / h));
    for (let x = 0; x < w; x++) out[y * w + x] = m.data[sy * m.width + Math.min(m.width - 1, Math.floor(((x + 0.5) * m.width) / w))]!;
  }
  return { width: w, height: h, data: out };
}

/**
 * The group strip: each sibling's logged reward/advantage/components, a thumbnail of its logged mask, and (with
 * `scoreIntended`) its total under the intended reward, so ranking inversions (logged order ≠ intended order) can be
 * marked. A member that cannot be read is shown as malformed.
 */
export async function groupMembers(index: RolloutIndex, members: readonly number[], opts: GroupOptions): Promise<GroupMember[]> {
  const { frame, gt } = opts;
  const intendedSet = opts.scoreIntended ? getRewardSet('segr1-intended') : undefined;
  const base = await Promise.all(
    members.map(async (m) => {
      let thumb: MaskPayload | undefined;
      let malformed: boolean;
      let intended: number | undefined;
      let iou: number | undefined;
      let components: Record<string, number> = {};
      try {
        const r = await readRollout(index, m);
        const mask = r.mask ? decodeRle(r.mask, { field: 'mask', maxPixels: Math.max(768 * 768, gt ? gt.width * gt.height : 0) }) : undefined;
        if (mask) thumb = thumbnailMask(mask);
        components = Object.fromEntries(Object.entries(r.rewards ?? {}).filter((e): e is [string, number] => typeof e[1] === 'number'));
        malformed = parseCompletion(r.completion, {}).diagnostics.some((d) => d.severity === 'error');
        if (intendedSet && gt) {
          const res = await intendedSet.score({ completion: r.completion, gt, modelFrame: r.model_frame ? { kind: 'fixed', ...r.model_frame } : frame, loggedMask: mask });
          intended = res.total;
          iou = res.details.iou;
        }
      } catch {
        malformed = true;
      }
      const sample = index.sample[m]!;
      const reward = index.reward[m]!;
      const advantage = index.advantage[m]!;
      return {
        index: m,
        sample: sample >= 0 ? sample : undefined,
        reward: Number.isNaN(reward) ? undefined : reward,
        advantage: Number.isNaN(advantage) ? undefined : advantage,
        thumb,
        malformed,
        components,
        intended,
        iou,
      };
    }),
  );
  return base.map((a) => ({ ...a, inversions: rankingInversions(a, base) }));
}

/**
 * Siblings that the logged reward orders opposite to the intended quality (intended reward, else IoU):
 * the pairs where the reward misleads the policy.
 */
export function rankingInversions(
  a: { readonly index: number; readonly sample?: number; readonly reward?: number; readonly intended?: number; readonly iou?: number },
  all: ReadonlyArray<{ readonly index: number; readonly sample?: number; readonly reward?: number; readonly intended?: number; readonly iou?: number }>,
): number[] {
  const quality = (x: typeof a) => x.intended ?? x.iou;
  const qa = quality(a);
  if (a.reward === undefined || qa === undefined) return [];
  const out: number[] = [];
  for (const b of all) {
    const qb = quality(b);
    if (b.index === a.index || b.reward === undefined || qb === undefined) continue;
    const dr = a.reward - b.reward;
    const dq = qa - qb;
    if ((dr > RANK_EPS && dq < -RANK_EPS) || (dr < -RANK_EPS && dq > RANK_EPS)) out.push(b.sample ?? b.index);
  }
  return out;
}

/** What scoring a rollout needs: its group in the index, the logged record, the parsed rollout, its masks and GT. */
export interface ScoreInput {
  readonly index: RolloutIndex;
  /** The rollout's group: indices into `index`. */
  readonly members: readonly number[];
  /** The record as logged: its logged rewards stay for comparison even when the view is edited. */
  readonly logged: RolloutRecord;
  readonly parsed: ParsedRollout;
  readonly masks: RolloutMasks;
  readonly gt?: GrayImage;
}

/**
 * Step 4 of a rollout view: the reward table and the group strip, logged values now and replayed on demand (several
 * S-measures at 768² per member). Without a logged mask, the segmenter's mask (image pixels) is brought to the
 * reward frame for scoring.
 */
export async function scoreRollout(input: ScoreInput): Promise<RolloutScores> {
  const { index, members, logged, parsed, masks, gt } = input;
  const { loggedMask, mask } = masks;
  const segMask = !loggedMask && mask ? { width: mask.width, height: mask.height, data: mask.data } : undefined;
  const scored: RolloutRecord = { ...parsed.record, rewards: logged.rewards, reward: logged.reward, advantage: logged.advantage };
  const segmentToFrame = segMask && ((f: { width: number; height: number }) => resizeNearest(segMask, f.width, f.height));
  const frame = parsed.frameSpec;
  return {
    rows: loggedRewards(scored),
    group: await groupMembers(index, members, { frame, gt, scoreIntended: false }),
    replay: async () => ({
      rows: await replayRewards(scored, { frame, gt, loggedMask, segmentToFrame }),
      group: await groupMembers(index, members, { frame, gt, scoreIntended: true }),
    }),
  };
}
