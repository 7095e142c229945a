/**
 * Replay columns of the notebook (IoU, S-measure, intended reward), scored as the panel's group strip scores a
 * sibling: the rollout's mask against its GT under `segr1-intended`, in the reward frame. No vscode import, so the
 * unit tests run it on real files.
 */
import { ByteLru } from '../core/cache/byteLru';
import { resolveRecordPath } from '../core/dataset/paths';
import { modelFrameSize, type FrameSpec } from '../core/geometry/frames';
import { resizeNearest } from '../core/image/resize';
import { decodeRle } from '../core/image/rle';
import type { BinaryMask, GrayImage } from '../core/image/types';
import { readRollout, type RolloutIndex } from '../core/logs/jsonlIndex';
import type { RolloutRecord } from '../core/logs/rollout';
import { loadGtPilL } from '../core/rewards/groundTruth';
import { getRewardSet } from '../core/rewards/registry';

/** One rollout's replay values; NaN where there is nothing to score (no GT, or no mask to score). */
export interface RolloutQuality {
  readonly iou: number;
  readonly sm: number;
  readonly intended: number;
}

/** Bytes of decoded GTs kept between rollouts (a group shares one GT; a step spreads over a few hundred). */
const GT_CACHE_BYTES = 128 * 1024 * 1024;

const NONE: RolloutQuality = { iou: NaN, sm: NaN, intended: NaN };

/**
 * Score a mask against a GT as the panel does. `mask`: the logged mask (reward frame) or a segmenter's (any size,
 * brought to the reward frame). Without a mask, an answer the trainer's parser rejects still scores: it has no mask,
 * so IoU 0 as its segment reward counts it; one it would segment cannot be scored here (NaN).
 */
export async function scoreQuality(completion: string, frame: FrameSpec, gt: GrayImage | undefined, mask: BinaryMask | undefined): Promise<RolloutQuality> {
  const set = getRewardSet('segr1-intended');
  if (!set || !gt) return NONE;
  const rf = modelFrameSize(frame, gt);
  const inFrame = mask && (mask.width !== rf.width || mask.height !== rf.height) ? resizeNearest(mask, rf.width, rf.height) : mask;
  try {
    const r = await set.score({ completion, gt, modelFrame: frame, loggedMask: inFrame });
    const iou = r.details.iou;
    const sm = r.details.sm;
    return { iou: iou ?? (r.components.segment === 0 ? 0 : NaN), sm: sm ?? NaN, intended: r.total };
  } catch {
    // No mask for an answer the trainer would have segmented: nothing to score.
    return NONE;
  }
}

/** Replay values of many rollouts of one log, with the GTs cached; rows beyond what was asked are never read. */
export class QualityColumns {
  private readonly gts = new ByteLru<string, GrayImage | null>(GT_CACHE_BYTES, (g) => g?.data.length ?? 0);
  private readonly done = new Map<string, RolloutQuality>();

  constructor(private readonly frame: FrameSpec) {}

  /**
   * Replay values of record `i` of a log (cached per log and record); `root`: its workspace folder, `file`: the log as
   * found. `segmented`: the segmenter's mask for a rollout that logged none (the card has it; not cached).
   */
  async of(log: { readonly index: RolloutIndex; readonly file: string; readonly root: string }, i: number, segmented?: BinaryMask): Promise<RolloutQuality & { readonly logged: boolean }> {
    const { index, file, root } = log;
    const key = `${file}\u0000${index.mtimeMs}\u0000${i}`;
    const r: RolloutRecord = await readRollout(index, i);
    const hit = segmented ? undefined : this.done.get(key);
    if (hit) return { ...hit, logged: !!r.mask };
    const gt = r.gt ? await this.gt(root, file, r.gt) : undefined;
    let mask: BinaryMask | undefined;
    if (r.mask && gt) {
      try {
        mask = decodeRle(r.mask, { field: 'mask', maxPixels: Math.max(768 * 768, gt.width * gt.height) });
      } catch {
        // A mask that cannot be decoded is no mask: the value stays unknown.
      }
    }
    const frame: FrameSpec = r.model_frame ? { kind: 'fixed', ...r.model_frame } : this.frame;
    const q = await scoreQuality(r.completion, frame, gt, mask ?? (r.mask ? undefined : segmented));
    if (!segmented) this.done.set(key, q);
    return { ...q, logged: !!r.mask };
  }

  private async gt(root: string, logFile: string, rel: string): Promise<GrayImage | undefined> {
    const p = resolveRecordPath(root, logFile, rel);
    if (!('path' in p)) return undefined;
    const cached = this.gts.get(p.path);
    if (cached !== undefined) return cached ?? undefined;
    const g = await loadGtPilL(p.path).catch(() => null);
    this.gts.set(p.path, g);
    return g ?? undefined;
  }
}
