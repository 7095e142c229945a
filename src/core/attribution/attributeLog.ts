import { existsSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { modelFrameSize } from '../geometry/frames';
import type { BinaryMask, GrayImage } from '../image/types';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import { readTextLines } from '../logs/textLines';
import { iouFromCounts } from '../metrics/iou';
import { frameGt, frameOverlap } from '../rewards/frameGt';
import { SEGR1_REWARD_SIDE } from '../rewards/masks';
import { getRewardSet } from '../rewards/registry';
import { PROGRESS_EVERY, ReplayRun, scoreRecord, usesMasks, type ReplayProgress } from '../rewards/replay';
import { linesInWorkers, type ReplayWorkerConfig } from '../rewards/replayPool';
import type { RewardSet } from '../rewards/types';
import type { EncodedImage, Segmenter, SegmenterInfo } from '../segment/segmenter';
import { segmentAnswer } from '../segment/segmentAnswer';
import { attributeRollout, countLabels, DEFAULT_THRESHOLDS, type Attribution, type AttributionLabel, type AttributionThresholds, type RolloutNumbers } from './labels';
import { segmentOracle, type ImageOracle } from './oracle';
import type { NoOracle, OracleKind } from './oraclePrompts';

/**
 * The attribution pass over a canonical log: per rollout, the numbers the labels need (format component, parsed
 * prompts, IoU, total) measured the way replay measures them (same GT loading into the 768² reward frame, same
 * training-time segmentation path, the reward set's own `score`), per image the oracle (once per image), then the
 * labels by group. {@link measureRollout} is the per-rollout work, self-contained over an {@link AttributionContext}
 * so a replay worker runs it too ({@link measureLog} with `workers`).
 */

/** The reward frame rollout IoUs and oracle IoUs are measured in (Seg-R1's 768²; logged masks live there). */
const FRAME = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE };

/** Options of an attribution pass. */
export interface AttributeOptions {
  readonly rewardSet: RewardSet;
  /** Folder that record paths resolve against (paths may not escape it). */
  readonly root: string;
  /** The segmenter in use: a SAM2 export, else the classical fallback. Segments the oracle and maskless rollouts. */
  readonly segmenter: Segmenter;
  readonly thresholds?: Partial<AttributionThresholds>;
  /** Called for every line that cannot be attributed (the others still are). */
  readonly onBadLine?: (line: number, message: string) => void;
  /** Called once per distinct note. */
  readonly onNote?: (message: string) => void;
  /** Lines longer than this are bad lines, never read whole (default 64 MiB, as replay). */
  readonly maxLineBytes?: number;
  readonly signal?: AbortSignal;
  /** Oracles kept across passes (segmented by this segmenter): a hit skips the image's oracle segmentation. */
  readonly oracleCache?: OracleCache;
}

/** An image's oracle as cached: the oracle (null: none) and the note the image raised when it was segmented. */
export interface CachedOracle {
  readonly oracle: ImageOracle | null;
  readonly note?: string;
}

/** An oracle first met while measuring a line: by image (as logged), with its cache key when it can be cached. */
export interface FreshOracle extends CachedOracle {
  readonly image: string;
  readonly key?: string;
}

/**
 * Oracles kept across passes (the editor's re-runs, a bench's repeats): by segmenter, and the image's and GT's real
 * paths, sizes and modification times, so a changed file is segmented again. Bounded by entries (an oracle is a few
 * numbers and prompts); the oldest entry goes first.
 */
export class OracleCache {
  private readonly map = new Map<string, CachedOracle>();

  constructor(private readonly maxEntries = 100_000) {}

  /** The cached oracle under `key`, if any. */
  get(key: string): CachedOracle | undefined {
    return this.map.get(key);
  }

  /** Keep an oracle. */
  set(key: string, value: CachedOracle): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, value);
  }

  /** Every entry (plain data: a worker gets a copy). */
  entries(): Array<[string, CachedOracle]> {
    return [...this.map];
  }
}

/** The cache key of an image's oracle; undefined when either file cannot be read (then nothing is cached). */
export function oracleKey(segmenter: SegmenterInfo, imagePath: string, gtPath: string): string | undefined {
  try {
    const a = statSync(imagePath);
    const b = statSync(gtPath);
    return JSON.stringify([segmenter.id, imagePath, a.size, a.mtimeMs, gtPath, b.size, b.mtimeMs]);
  } catch {
    return undefined;
  }
}

/** One rollout's measured numbers and where it sits. */
export interface MeasuredRollout {
  readonly line: number;
  /** Group key (run + group), as replay groups rollouts. */
  readonly groupKey: string;
  /** The image path as written in the log, when there is one. */
  readonly image?: string;
  readonly numbers: RolloutNumbers;
}

/** One attributed rollout. */
export interface AttributedRollout extends Attribution {
  readonly line: number;
  readonly image?: string;
  readonly iou: number | null;
  readonly oracleIou: number | null;
  readonly total: number | null;
  readonly format: number | null;
}

/** The oracle IoUs of one image as the report shows them. */
export type OracleIous = Readonly<Record<OracleKind | 'best', number>>;

/** The pass's result. */
export interface AttributionReport {
  readonly summary: Record<AttributionLabel, number>;
  /** Oracle per image path (as written in the log); images with an empty GT have none and are absent. */
  readonly images: Record<string, { readonly oracle: OracleIous }>;
  readonly rollouts: AttributedRollout[];
  /** The engine that segmented oracles and maskless rollouts (label it wherever the oracle appears). */
  readonly segmenter: SegmenterInfo;
  /** Each image's full oracle (prompts in original pixels), for the panel's overlay. */
  readonly oracles: ReadonlyMap<string, ImageOracle>;
}

/**
 * The per-log state {@link measureRollout} keeps: replay's {@link ReplayRun} (decoded GTs, resolved paths, the image
 * last encoded, notes) and the oracle of every image seen. One per thread: a worker holds its own.
 */
export class AttributionContext {
  readonly rewardSet: RewardSet;
  readonly segmenter: Segmenter;
  readonly signal?: AbortSignal;
  /** Replay's per-log state: the per-rollout path is replay's own. */
  readonly run: ReplayRun;
  /** Oracle per image path as written in the log (undefined: none, e.g. empty GT). */
  readonly oracles = new Map<string, ImageOracle | undefined>();
  readonly oracleCache?: OracleCache;
  /** Oracles met since the last {@link takeFresh} (a worker sends them with the line that met them). */
  private fresh: FreshOracle[] = [];

  /** `gtCacheBytes`: the budget of the run's GT cache (a worker keeps its share of replay's). */
  constructor(opts: Pick<AttributeOptions, 'rewardSet' | 'root' | 'segmenter' | 'onNote' | 'signal' | 'oracleCache'> & { readonly gtCacheBytes?: number }) {
    this.rewardSet = opts.rewardSet;
    this.segmenter = opts.segmenter;
    if (opts.signal) this.signal = opts.signal;
    if (opts.oracleCache) this.oracleCache = opts.oracleCache;
    this.run = new ReplayRun({ root: opts.root, ...(opts.onNote ? { onNote: opts.onNote } : {}), ...(opts.gtCacheBytes !== undefined ? { gtCacheBytes: opts.gtCacheBytes } : {}) });
  }

  /** Report a note once per pass. */
  note(m: string): void {
    this.run.note(m);
  }

  /** Record an image's oracle (segmented here or cached) for this pass. */
  setOracle(fresh: FreshOracle): void {
    this.oracles.set(fresh.image, fresh.oracle ?? undefined);
    this.fresh.push(fresh);
  }

  /** The oracles met since the last call. */
  takeFresh(): FreshOracle[] {
    const f = this.fresh;
    this.fresh = [];
    return f;
  }
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/**
 * IoU of a mask in the reward frame with the GT in that frame (the project's IoU: pred non-zero, GT > 127, both
 * empty = 1), counted against the GT's derived reward-frame mask, which replay's reward derives and caches per GT.
 */
function maskIou(mask: BinaryMask, gt: GrayImage): number {
  const o = frameOverlap(mask, frameGt(gt), false).overlap;
  return iouFromCounts(o);
}

/**
 * Measure one log line: score it with replay's per-record path ({@link scoreRecord}: the GT in the reward frame from
 * the run's cache, a logged mask when present, else the segmenter on the training-time path), take the IoU of the
 * mask it scored, and the oracle of its image (segmented once per image). Throws with the field for a line that
 * cannot be measured.
 */
export async function measureRollout(text: string, line: number, ctx: AttributionContext): Promise<MeasuredRollout> {
  const set = ctx.rewardSet;
  const masks = usesMasks(set);
  const run = ctx.run;
  const scored = await scoreRecord(text, line, { rewardSet: set, segmenter: ctx.segmenter, ...(ctx.signal ? { signal: ctx.signal } : {}) }, run);
  const { rec, result, loggedMask, modelFrame } = scored;
  if (scored.missing) ctx.note(scored.missing === 'gt' ? 'rollouts without a gt path have no IoU and no oracle' : 'rollouts without a logged mask or an image path have no IoU');
  if (loggedMask && (loggedMask.width !== FRAME.width || loggedMask.height !== FRAME.height)) {
    throw new Error(`field mask.size: [${loggedMask.height}, ${loggedMask.width}] is not the reward frame [${FRAME.height}, ${FRAME.width}] IoUs are measured in`);
  }
  const gtRel = typeof rec.gt === 'string' ? rec.gt : undefined;
  const imageRel = typeof rec.image === 'string' ? rec.image : undefined;
  const imagePath = imageRel !== undefined ? run.inside('image', imageRel) : undefined;
  // The set scored the GT in its own frame; the IoU needs it in the reward frame. A text-scoring set's GT is at full
  // size (its answer is segmented in that size's model frame); the oracle loads its own full-size GT only on a cache
  // miss, so a pass with cached oracles never decodes a GT twice.
  const gtFrame = gtRel === undefined ? undefined : masks ? scored.gt : await run.gt(gtRel, true);
  const gtFull = !masks && gtRel !== undefined ? scored.gt : undefined;
  const encode = imagePath ? () => run.encode(ctx.segmenter, imageRel!, imagePath, ctx.signal) : undefined;
  const answer = result.answer;
  const parsed = answer.boxes.length + answer.points.length > 0;

  let iou: number | null = null;
  if (gtFrame) {
    let mask = loggedMask ?? result.mask;
    if (!mask && !masks && parsed && encode && gtFull) {
      // Sets that score text only: segment the answer (written in the model frame) as the trainer would have.
      mask = await segmentAnswer(ctx.segmenter, await encode(), answer, modelFrameSize(modelFrame, gtFull), ctx.signal);
    }
    if (result.overlap && !scored.missing && mask === result.mask && scored.gt === gtFrame) {
      // The set already counted this mask against this GT in the reward frame: the project's IoU from its counts.
      iou = iouFromCounts(result.overlap);
    } else if (!mask && (masks || !parsed)) {
      // An answer the trainer segmented nothing for has an empty mask, as the trainer's starts all zeros.
      iou = frameGt(gtFrame).area === 0 ? 1 : 0;
    } else if (mask) iou = maskIou(mask, gtFrame);
  }

  let oracleIou: number | null = null;
  if (imageRel !== undefined && gtFrame && gtRel !== undefined && encode) {
    const oracle = await imageOracle(ctx, { imageRel, imagePath: imagePath!, gtRel }, encode);
    oracleIou = oracle ? oracle.best : null;
  }
  const group = typeof rec.group === 'string' || typeof rec.group === 'number' ? String(rec.group) : `${String(rec.step ?? '')}|${String(rec.image ?? '')}|${String(rec.query ?? '')}`;
  const loggedTotal = num(rec.reward);
  return {
    line,
    groupKey: JSON.stringify([typeof rec.run === 'string' ? rec.run : '', group]),
    ...(imageRel !== undefined ? { image: imageRel } : {}),
    numbers: { format: num(result.components.format), parsed, iou, oracleIou, total: loggedTotal ?? (scored.missing ? null : result.total) },
  };
}

/** The image's oracle, segmented on first sight (or taken from the cache); a failure is a note and the image has no oracle. */
async function imageOracle(ctx: AttributionContext, where: { imageRel: string; imagePath: string; gtRel: string }, encode: () => Promise<EncodedImage>): Promise<ImageOracle | undefined> {
  const { imageRel, gtRel } = where;
  if (ctx.oracles.has(imageRel)) return ctx.oracles.get(imageRel);
  const key = ctx.oracleCache ? oracleKey(ctx.segmenter.info, where.imagePath, ctx.run.inside('gt', gtRel)) : undefined;
  const hit = key !== undefined ? ctx.oracleCache?.get(key) : undefined;
  if (hit) {
    // The same notes as when it was segmented: a cached pass tells the same story.
    if (hit.note !== undefined) ctx.note(hit.note);
    ctx.setOracle({ image: imageRel, ...hit });
    return hit.oracle ?? undefined;
  }
  let oracle: ImageOracle | NoOracle | undefined;
  let note: string | undefined;
  let failed = false;
  try {
    const [gt, gtInFrame] = [await ctx.run.gt(gtRel, false), await ctx.run.gt(gtRel, true)];
    oracle = await segmentOracle({ segmenter: ctx.segmenter, encoded: await encode(), gt, gtInFrame, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (e) {
    ctx.signal?.throwIfAborted();
    failed = true;
    ctx.note(`image '${imageRel}': no oracle: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (oracle && 'reason' in oracle) {
    note = oracle.reason === 'empty' ? 'images with an empty GT have no oracle (their rollouts are never labelled segmenter or policy)' : `image '${imageRel}': no oracle: GT box of ${oracle.boxPixels} pixels is over the limit`;
    ctx.note(note);
    oracle = undefined;
  }
  const cached: CachedOracle = { oracle: oracle ?? null, ...(note !== undefined ? { note } : {}) };
  // A failure (unreadable file) is not kept: the next pass tries again.
  if (key !== undefined && !failed) ctx.oracleCache?.set(key, cached);
  ctx.setOracle({ image: imageRel, ...cached, ...(key !== undefined && !failed ? { key } : {}) });
  return oracle;
}

/** One line measured on a worker: its numbers and the oracles first computed while measuring it (plain data). */
export interface MeasuredLine {
  readonly measured: MeasuredRollout;
  readonly oracles: readonly FreshOracle[];
}

/** Options of {@link measureLog}: an attribution pass's, plus threads and progress. */
export interface MeasureOptions extends AttributeOptions {
  /**
   * Worker threads (default 1: this thread); every number, bad line and note is the same for any count. Workers need
   * a registered reward set and the classical segmenter (each worker makes its own); otherwise the pass stays here.
   */
  readonly workers?: number;
  /** Worker script; default replayWorker.js beside replay's pool (dist/ in the bundles, dist-test/… in tests). */
  readonly workerScript?: string;
  /** Called every {@link PROGRESS_EVERY} rollouts and at the end. */
  readonly onProgress?: (p: ReplayProgress) => void;
}

/** Every line of a log measured (in line order), the oracle per image, and the bad-line count. */
export async function measureLog(logPath: string, opts: MeasureOptions): Promise<{ measured: MeasuredRollout[]; oracles: Map<string, ImageOracle | undefined>; badLines: number }> {
  opts.signal?.throwIfAborted();
  // Bundles put the worker beside this code (dist/); the transpiled tests keep the source tree's folders.
  const script = opts.workerScript ?? [join(__dirname, 'replayWorker.js'), join(__dirname, '../rewards/replayWorker.js')].find((f) => existsSync(f));
  const workers = opts.workers ?? 1;
  if (workers > 1 && script && getRewardSet(opts.rewardSet.id) === opts.rewardSet && opts.segmenter.info.kind === 'classical' && existsSync(script)) {
    const config: ReplayWorkerConfig = { job: 'attribute', rewardSet: opts.rewardSet.id, root: opts.root, segmenter: 'classical', ...(opts.oracleCache ? { oracles: opts.oracleCache.entries() } : {}) };
    const r = await linesInWorkers<MeasuredLine>(logPath, config, { ...opts, workers, workerScript: script });
    const oracles = new Map<string, ImageOracle | undefined>();
    // Two workers may both meet an image first: the oracle is the same either way (one engine, one encoding path).
    for (const v of r.values) {
      for (const o of v.oracles) {
        if (!oracles.has(o.image)) oracles.set(o.image, o.oracle ?? undefined);
        if (o.key !== undefined) opts.oracleCache?.set(o.key, { oracle: o.oracle, ...(o.note !== undefined ? { note: o.note } : {}) });
      }
    }
    return { measured: r.values.map((v) => v.measured), oracles, badLines: r.badLines };
  }
  const ctx = new AttributionContext(opts);
  const measured: MeasuredRollout[] = [];
  let badLines = 0;
  const totalBytes = (await stat(logPath)).size;
  let bytesRead = 0;
  let lastReport = 0;
  for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES })) {
    opts.signal?.throwIfAborted();
    if (problem !== undefined) {
      badLines++;
      opts.onBadLine?.(lineNo, problem);
      continue;
    }
    bytesRead += text.length + 1;
    if (text.trim() === '') continue;
    try {
      measured.push(await measureRollout(text, lineNo, ctx));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      badLines++;
      opts.onBadLine?.(lineNo, e instanceof Error ? e.message : String(e));
    }
    if (opts.onProgress && measured.length - lastReport >= PROGRESS_EVERY) {
      lastReport = measured.length;
      opts.onProgress({ rollouts: measured.length, bytesRead: Math.min(bytesRead, totalBytes), totalBytes });
    }
  }
  opts.onProgress?.({ rollouts: measured.length, bytesRead: totalBytes, totalBytes });
  return { measured, oracles: ctx.oracles, badLines };
}

/** Label measured rollouts by group (pure over the numbers): the same core as the panel. */
export function labelMeasured(measured: readonly MeasuredRollout[], thresholds: AttributionThresholds = DEFAULT_THRESHOLDS): AttributedRollout[] {
  const groups = new Map<string, MeasuredRollout[]>();
  for (const m of measured) {
    const g = groups.get(m.groupKey);
    if (g) g.push(m);
    else groups.set(m.groupKey, [m]);
  }
  return measured.map((m) => {
    const mates = groups.get(m.groupKey)!.map((o) => ({ line: o.line, iou: o.numbers.iou, total: o.numbers.total }));
    const a = attributeRollout(m.line, m.numbers, mates, thresholds);
    const { iou, oracleIou, total, format } = m.numbers;
    return { line: m.line, ...(m.image !== undefined ? { image: m.image } : {}), ...a, iou, oracleIou, total, format };
  });
}

/** Attribute every rollout of a canonical JSONL log (streamed line by line); bad lines are reported and skipped. */
export async function attributeLog(logPath: string, opts: MeasureOptions): Promise<{ report: AttributionReport; badLines: number }> {
  const { measured, oracles: byImage, badLines } = await measureLog(logPath, opts);
  const rollouts = labelMeasured(measured, { ...DEFAULT_THRESHOLDS, ...opts.thresholds });
  const images: Record<string, { oracle: OracleIous }> = {};
  const oracles = new Map<string, ImageOracle>();
  for (const [image, o] of [...byImage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!o) continue;
    oracles.set(image, o);
    images[image] = { oracle: { box: o.iou.box, 'box+point': o.iou['box+point'], 'box+points': o.iou['box+points'], best: o.best } };
  }
  return { report: { summary: countLabels(rollouts.map((r) => r.label)), images, rollouts, segmenter: opts.segmenter.info, oracles }, badLines };
}
