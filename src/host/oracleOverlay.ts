import { AttributionContext } from '../core/attribution/attributeLog';
import { oracleFramePrompts, segmentOracle } from '../core/attribution/oracle';
import { resolveRecordPath } from '../core/dataset/paths';
import { readRollout, type RolloutIndex } from '../core/logs/jsonlIndex';
import { getRewardSet } from '../core/rewards/registry';
import type { Segmenter } from '../core/segment/segmenter';
import type { OracleOverlay, Selection } from '../shared/protocol';

/**
 * The panel's oracle overlay: the image's GT-derived prompts (box, box+point, box+points) segmented with the
 * segmenter in use, exactly as the attribution pass does (image in the 768² reward frame, BGR as training fed SAM2,
 * IoU against the GT in that frame), and the mask of the best prompt set. No vscode here: the panel passes the
 * segmenter and its label.
 */

/** What one oracle needs from the panel. */
export interface OracleRequest {
  readonly index: RolloutIndex;
  readonly record: number;
  readonly selection: Selection;
  /** Workspace folder of the log (record paths resolve inside it). */
  readonly root: string;
  /** The log file (record paths may also be relative to its folder). */
  readonly logFile: string;
  readonly segmenter: Segmenter;
  /** The segmenter's badge label (names the classical fallback as such). */
  readonly label: string;
  readonly signal?: AbortSignal;
}

/** Oracles segmented recently, by image, GT and engine: toggling back and forth does not encode again. */
const cache = new Map<string, Promise<Omit<OracleOverlay, 'selection'>>>();
const CACHE_ENTRIES = 8;

/** The oracle overlay of a rollout's image, or why there is none (the reason names the field). */
export async function oracleOverlay(req: OracleRequest): Promise<OracleOverlay> {
  const classical = req.segmenter.info.kind === 'classical';
  const base = { selection: req.selection, segmenter: req.label, classical };
  let record;
  try {
    record = await readRollout(req.index, req.record);
  } catch (e) {
    return { ...base, reason: `line ${req.index.line[req.record] ?? '?'}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const line = req.index.line[req.record];
  if (!record.image) return { ...base, reason: `line ${line}: field image is absent: no image to segment` };
  if (!record.gt) return { ...base, reason: `line ${line}: field gt is absent: an oracle needs the GT` };
  const image = resolveRecordPath(req.root, req.logFile, record.image);
  if ('error' in image) return { ...base, reason: `line ${line}: field image ${image.error}` };
  const gt = resolveRecordPath(req.root, req.logFile, record.gt);
  if ('error' in gt) return { ...base, reason: `line ${line}: field gt ${gt.error}` };
  const key = JSON.stringify([image.path, gt.path, req.label]);
  let p = cache.get(key);
  if (!p) {
    p = segment(req, { rel: record.image, path: image.path }, { rel: record.gt, path: gt.path }).catch((e: unknown) => {
      cache.delete(key);
      return { segmenter: req.label, classical, reason: `line ${line}: ${e instanceof Error ? e.message : String(e)}` };
    });
    cache.set(key, p);
    if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
  }
  return { ...(await p), selection: req.selection };
}

async function segment(req: OracleRequest, image: { rel: string; path: string }, gt: { rel: string; path: string }): Promise<Omit<OracleOverlay, 'selection'>> {
  const ctx = new AttributionContext({ rewardSet: getRewardSet('segr1-reference')!, root: req.root, segmenter: req.segmenter, ...(req.signal ? { signal: req.signal } : {}) });
  const classical = req.segmenter.info.kind === 'classical';
  // The GT resolves under the root as the record's did (gt.path is that resolution).
  const full = await ctx.run.gt(gt.rel, false);
  const inFrame = await ctx.run.gt(gt.rel, true);
  const encoded = await ctx.run.encode(req.segmenter, image.rel, image.path, req.signal);
  const oracle = await segmentOracle({ segmenter: req.segmenter, encoded, gt: full, gtInFrame: inFrame, ...(req.signal ? { signal: req.signal } : {}) });
  if ('reason' in oracle) {
    return { segmenter: req.label, classical, reason: oracle.reason === 'empty' ? `GT '${gt.rel}' is empty: no oracle prompts` : `GT '${gt.rel}': box of ${oracle.boxPixels} pixels is over the limit` };
  }
  // segmentOracle scores the three prompt sets; the overlay draws the best one's mask (decoding is deterministic).
  const prompt = oracleFramePrompts(oracle.prompts, full, encoded)[oracle.bestKind];
  const r = await req.segmenter.decode(encoded, prompt, req.signal);
  const data = new Uint8Array(r.mask.data.length);
  for (let i = 0; i < data.length; i++) data[i] = r.mask.data[i] ? 1 : 0;
  return { segmenter: req.label, classical, mask: { width: r.mask.width, height: r.mask.height, data }, iou: oracle.best, kind: oracle.bestKind, ious: { ...oracle.iou } };
}
