import { ByteLru } from '../cache/byteLru';
import { parseCompletion } from '../completion/parse';
import { resolveRecordPath } from '../dataset/paths';
import { decodeRle } from '../image/rle';
import type { GrayImage, Size } from '../image/types';
import type { RolloutIndex } from '../logs/indexBuilder';
import { parsePythonJsonLine } from '../logs/jsonParse';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import type { CocoRle } from '../logs/rollout';
import { readTextLines } from '../logs/textLines';
import { iouCounts, iouFromCounts } from '../metrics/iou';
import { loadGtInFrame, loadGtPilL } from '../rewards/groundTruth';
import { maskTo255, SEGR1_REWARD_SIDE } from '../rewards/masks';
import { REPLAY_GT_CACHE_BYTES } from '../rewards/replay';
import { answerPrompts, gtTightBox } from './fromAnswer';
import type { SignalBox, SignalRollout } from './stepSignals';

/**
 * The per-rollout inputs of the reward-hacking signals, read from a canonical log the way the editor and the CLI
 * both need them (one function, so `segr1 signals` and the traces chart the same numbers): the logged total, the
 * answer's points and boxes (model frame → image pixels), the GT's tight box, and the IoU of the *logged* mask with
 * the GT in the 768² reward frame (the project's IoU, as replay and attribution take it). A rollout without a logged
 * mask has no IoU here: segmenting it would need the segmenter (attribution's pass does that).
 */

/** Options of {@link readSignalRollouts}. */
export interface SignalLogOptions {
  /** Workspace folder record paths resolve against (never outside it, symlinks resolved). */
  readonly root: string;
  /** Model frame for records without `model_frame` (default 768², Seg-R1's). */
  readonly frame?: Size;
  /** Called for each line whose GT or mask cannot be read (the rollout keeps the values it has). */
  readonly onBadLine?: (line: number, message: string) => void;
  readonly signal?: AbortSignal;
}

const REWARD_FRAME = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE };

function isFrame(v: unknown): v is Size {
  if (typeof v !== 'object' || v === null) return false;
  const { width, height } = v as { width?: unknown; height?: unknown };
  return typeof width === 'number' && typeof height === 'number' && Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0;
}

/** GTs decoded once per path and frame, bounded by bytes as replay's cache. */
class GtCache {
  private readonly lru = new ByteLru<string, { full: GrayImage; inFrame: GrayImage; box: SignalBox | undefined }>(REPLAY_GT_CACHE_BYTES, (g) => g.full.data.byteLength + g.inFrame.data.byteLength);

  async get(path: string): Promise<{ full: GrayImage; inFrame: GrayImage; box: SignalBox | undefined }> {
    let g = this.lru.get(path);
    if (!g) {
      const full = await loadGtPilL(path);
      const inFrame = await loadGtInFrame(path, SEGR1_REWARD_SIDE);
      g = { full, inFrame, box: gtTightBox(full) };
      this.lru.set(path, g);
    }
    return g;
  }
}

/**
 * One `SignalRollout` per record of the index, in record order. Step, group (keyed by run too) and total come from
 * the index; lines the index rejected are not read. Records without a parseable completion get NaN points; without
 * a GT no box ratio and no IoU.
 */
export async function readSignalRollouts(index: RolloutIndex, opts: SignalLogOptions): Promise<SignalRollout[]> {
  const n = index.count;
  const out: SignalRollout[] = [];
  const recordOfLine = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    recordOfLine.set(index.line[i]!, i);
    const g = index.group[i]!;
    out.push({
      line: index.line[i]!,
      step: index.step[i]!,
      // Group ids are only unique within a run: key by both, as replay groups.
      group: JSON.stringify([index.runs[index.run[i]!] ?? '', g >= 0 ? index.groups[g]! : `#${i}`]),
      reward: index.reward[i]!,
      iou: Number.NaN,
      points: Number.NaN,
      boxes: [],
    });
  }
  const gts = new GtCache();
  const bad = (line: number, m: string) => opts.onBadLine?.(line, m);
  for await (const { lineNo, text } of readTextLines(index.path, { maxLineBytes: DEFAULT_MAX_LINE_BYTES })) {
    if (opts.signal?.aborted) throw Object.assign(new Error('signals: cancelled'), { name: 'AbortError' });
    const k = recordOfLine.get(lineNo);
    if (k === undefined || text === undefined) continue;
    let rec: Record<string, unknown>;
    try {
      rec = parsePythonJsonLine(text, lineNo) as Record<string, unknown>;
    } catch {
      // The index accepted this line; a parse failure here means the file changed under us: skip the record.
      continue;
    }
    if (rec === null || typeof rec !== 'object' || typeof rec.completion !== 'string') continue;
    let gt: Awaited<ReturnType<GtCache['get']>> | undefined;
    if (typeof rec.gt === 'string') {
      const p = resolveRecordPath(opts.root, index.path, rec.gt);
      if ('error' in p) bad(lineNo, `field gt: ${p.error}`);
      else
        try {
          gt = await gts.get(p.path);
        } catch (e) {
          bad(lineNo, `field gt '${rec.gt}': ${e instanceof Error ? e.message : String(e)}`);
        }
    }
    const frame = isFrame(rec.model_frame) ? rec.model_frame : (opts.frame ?? REWARD_FRAME);
    const answer = parseCompletion(rec.completion, { frame });
    const parsed = !answer.diagnostics.some((d) => d.severity === 'error');
    // Box coordinates go to the GT's own pixels, where its tight box is; without a GT they are kept in the frame.
    const prompts = answerPrompts(answer, frame, gt ? gt.full : frame);
    let iou = Number.NaN;
    if (gt && rec.mask !== undefined && rec.mask !== null) {
      try {
        const mask = decodeRle(rec.mask as CocoRle, { field: 'mask', frame: REWARD_FRAME });
        iou = iouFromCounts(iouCounts(maskTo255(mask), gt.inFrame));
      } catch (e) {
        bad(lineNo, e instanceof Error ? e.message : String(e));
      }
    }
    out[k] = { ...out[k]!, iou, points: parsed ? prompts.points : Number.NaN, boxes: prompts.boxes, ...(gt?.box ? { gtBox: gt.box } : {}) };
  }
  return out;
}
