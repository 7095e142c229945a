import { resolve } from 'node:path';
import { ByteLru } from '../cache/byteLru';
import type { ParsedAnswer } from '../completion/types';
import { checkInsideSync, refusalMessage } from '../dataset/paths';
import { modelFrameSize, SEGR1_TRAIN_FRAME, SEGZERO_FRAME, type FrameSpec } from '../geometry/frames';
import { loadFrameImage } from '../image/frameImage';
import { decodeRle } from '../image/rle';
import type { BinaryMask, GrayImage } from '../image/types';
import { parsePythonJsonLine } from '../logs/jsonParse';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import type { CocoRle } from '../logs/rollout';
import { readTextLines } from '../logs/textLines';
import { iouCounts, iouFromCounts } from '../metrics/iou';
import { loadGtInFrame, loadGtPilL } from '../rewards/groundTruth';
import { maskTo255, SEGR1_REWARD_SIDE } from '../rewards/masks';
import { REPLAY_GT_CACHE_BYTES, usesMasks } from '../rewards/replay';
import { MissingGtError, MissingMaskError } from '../rewards/segr1';
import type { RewardResult, RewardSet } from '../rewards/types';
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
 * so a worker thread can run it.
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

/** The per-log state {@link measureRollout} keeps: decoded GTs, resolved paths, the image last encoded, oracles. */
export class AttributionContext {
  readonly rewardSet: RewardSet;
  readonly root: string;
  readonly segmenter: Segmenter;
  readonly signal?: AbortSignal;
  /** GTs (reward frame and original size), bounded by bytes as replay's. */
  readonly gts = new ByteLru<string, GrayImage>(REPLAY_GT_CACHE_BYTES, (g) => g.data.byteLength);
  /** Oracle per image path as written in the log (undefined: none, e.g. empty GT). */
  readonly oracles = new Map<string, ImageOracle | undefined>();
  private readonly paths = new Map<string, { path: string } | { error: string }>();
  private readonly notes = new Set<string>();
  private readonly onNote?: (m: string) => void;
  /** Records of a group are adjacent: the image encoded last is usually the next one's. */
  private lastEncoded?: { path: string; encoded: EncodedImage };

  constructor(opts: Pick<AttributeOptions, 'rewardSet' | 'root' | 'segmenter' | 'onNote' | 'signal'>) {
    this.rewardSet = opts.rewardSet;
    this.root = opts.root;
    this.segmenter = opts.segmenter;
    if (opts.signal) this.signal = opts.signal;
    if (opts.onNote) this.onNote = opts.onNote;
  }

  /** Report a note once per pass. */
  note(m: string): void {
    if (this.notes.has(m)) return;
    this.notes.add(m);
    this.onNote?.(m);
  }

  /** A record's file under the root, symlinks resolved; throws naming the field when it resolves outside. */
  inside(field: string, rel: string): string {
    const key = `${field}\0${rel}`;
    let r = this.paths.get(key);
    if (!r) {
      const c = checkInsideSync(this.root, rel);
      r = c.ok ? { path: c.real } : c.reason === 'missing' ? { path: resolve(this.root, rel) } : { error: refusalMessage(field, c) };
      this.paths.set(key, r);
    }
    if ('error' in r) throw new Error(r.error);
    return r.path;
  }

  /** A GT file, in the reward frame or at its original size, decoded once (errors name the field). */
  async gt(rel: string, path: string, inFrame: boolean): Promise<GrayImage> {
    const key = `${inFrame ? 'frame' : 'full'}:${path}`;
    let g = this.gts.get(key);
    if (!g) {
      g = await (inFrame ? loadGtInFrame(path, SEGR1_REWARD_SIDE) : loadGtPilL(path)).catch((e: unknown) => {
        throw new Error(`field gt '${rel}': ${e instanceof Error ? e.message : String(e)}`);
      });
      this.gts.set(key, g);
    }
    return g;
  }

  /** The image squashed to the reward frame in training's channel order (as replay feeds the segmenter), encoded. */
  async encode(rel: string, path: string): Promise<EncodedImage> {
    if (this.lastEncoded?.path === path) return this.lastEncoded.encoded;
    const img = await loadFrameImage(path, SEGR1_REWARD_SIDE, 'bgr').catch((e: unknown) => {
      throw new Error(`field image '${rel}': ${e instanceof Error ? e.message : String(e)}`);
    });
    const encoded = await this.segmenter.encode(img, this.signal);
    this.lastEncoded = { path, encoded };
    return encoded;
  }
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

function isFrame(v: unknown): v is { width: number; height: number } {
  return typeof v === 'object' && v !== null && Number.isInteger((v as { width?: unknown }).width) && Number.isInteger((v as { height?: unknown }).height);
}

/** IoU of a 0/1 mask in the reward frame with the GT in that frame (the project's IoU). */
function maskIou(mask: BinaryMask, gt: GrayImage): number {
  return iouFromCounts(iouCounts(maskTo255(mask), gt));
}

/**
 * Measure one log line: parse the record, load its GT into the reward frame, score it with the reward set (a
 * logged mask when present, else the segmenter on the training-time path), take the IoU of the mask it scored,
 * and the oracle of its image (segmented once per image). Throws with the field for a line that cannot be measured.
 */
export async function measureRollout(text: string, line: number, ctx: AttributionContext): Promise<MeasuredRollout> {
  const rec = parsePythonJsonLine(text, line) as Record<string, unknown>;
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new Error('not a JSON object');
  if (typeof rec.completion !== 'string') throw new Error("field completion: expected a string");
  const set = ctx.rewardSet;
  const masks = usesMasks(set);
  const modelFrame: FrameSpec = isFrame(rec.model_frame) ? { kind: 'fixed', width: rec.model_frame.width, height: rec.model_frame.height } : masks ? SEGR1_TRAIN_FRAME : SEGZERO_FRAME;
  // A logged mask is scored in the reward frame: a different declared size is refused before anything is allocated.
  const loggedMask = rec.mask !== undefined && rec.mask !== null ? decodeRle(rec.mask as CocoRle, { field: 'mask', frame: FRAME }) : undefined;
  const gtRel = typeof rec.gt === 'string' ? rec.gt : undefined;
  const imageRel = typeof rec.image === 'string' ? rec.image : undefined;
  const gtPath = gtRel !== undefined ? ctx.inside('gt', gtRel) : undefined;
  const imagePath = imageRel !== undefined ? ctx.inside('image', imageRel) : undefined;
  const gtFrame = gtPath ? await ctx.gt(gtRel!, gtPath, true) : undefined;
  // Seg-Zero's and VisionReasoner's sets read the GT at its original size, as replay hands it to them.
  const gtFull = gtPath && (!masks || imagePath) ? await ctx.gt(gtRel!, gtPath, false) : undefined;
  const encode = imagePath ? () => ctx.encode(imageRel!, imagePath) : undefined;
  const segment = !loggedMask && encode ? async (answer: ParsedAnswer) => segmentAnswer(ctx.segmenter, await encode(), answer, undefined, ctx.signal) : undefined;

  const input = { completion: rec.completion, modelFrame, ...(masks ? (gtFrame ? { gt: gtFrame } : {}) : gtFull ? { gt: gtFull } : {}), ...(loggedMask ? { loggedMask } : {}), ...(segment ? { segment } : {}), ...(typeof rec.solution === 'string' ? { solution: rec.solution } : {}) };
  let result: RewardResult;
  let replayedTotal: number | null;
  try {
    result = await set.score(input);
    replayedTotal = result.total;
  } catch (e) {
    if (!(e instanceof MissingMaskError || e instanceof MissingGtError)) throw e;
    // Without a GT or a mask the format component and the parse still count; the total is the logged one or unknown.
    ctx.note(e instanceof MissingGtError ? 'rollouts without a gt path have no IoU and no oracle' : 'rollouts without a logged mask or an image path have no IoU');
    const blank = { ...FRAME, data: new Uint8Array(FRAME.width * FRAME.height) };
    result = await set.score({ ...input, loggedMask: blank, gt: blank });
    replayedTotal = null;
  }
  const answer = result.answer;
  const parsed = answer.boxes.length + answer.points.length > 0;

  let iou: number | null = null;
  if (gtFrame) {
    let mask = loggedMask ?? result.mask;
    if (!mask && !masks && parsed && encode && gtFull) {
      // Sets that score text only: segment the answer (written in the model frame) as the trainer would have.
      mask = await segmentAnswer(ctx.segmenter, await encode(), answer, modelFrameSize(modelFrame, gtFull), ctx.signal);
    }
    // An answer the trainer segmented nothing for has an empty mask, as the trainer's starts all zeros.
    if (!mask && (masks || !parsed)) mask = { ...FRAME, data: new Uint8Array(FRAME.width * FRAME.height) };
    if (mask) iou = maskIou(mask, gtFrame);
  }

  let oracleIou: number | null = null;
  if (imageRel !== undefined && gtFrame && gtRel !== undefined) {
    const oracle = await imageOracle(ctx, imageRel, gtRel, gtPath!, encode!);
    oracleIou = oracle ? oracle.best : null;
  }
  const group = typeof rec.group === 'string' || typeof rec.group === 'number' ? String(rec.group) : `${String(rec.step ?? '')}|${String(rec.image ?? '')}|${String(rec.query ?? '')}`;
  const loggedTotal = num(rec.reward);
  return {
    line,
    groupKey: JSON.stringify([typeof rec.run === 'string' ? rec.run : '', group]),
    ...(imageRel !== undefined ? { image: imageRel } : {}),
    numbers: { format: num(result.components.format), parsed, iou, oracleIou, total: loggedTotal ?? replayedTotal },
  };
}

/** The image's oracle, segmented on first sight; a failure is a note and the image has no oracle. */
async function imageOracle(ctx: AttributionContext, imageRel: string, gtRel: string, gtPath: string, encode: () => Promise<EncodedImage>): Promise<ImageOracle | undefined> {
  if (ctx.oracles.has(imageRel)) return ctx.oracles.get(imageRel);
  let oracle: ImageOracle | NoOracle | undefined;
  try {
    const [gt, gtInFrame] = [await ctx.gt(gtRel, gtPath, false), await ctx.gt(gtRel, gtPath, true)];
    oracle = await segmentOracle({ segmenter: ctx.segmenter, encoded: await encode(), gt, gtInFrame, ...(ctx.signal ? { signal: ctx.signal } : {}) });
  } catch (e) {
    ctx.note(`image '${imageRel}': no oracle: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (oracle && 'reason' in oracle) {
    ctx.note(oracle.reason === 'empty' ? 'images with an empty GT have no oracle (their rollouts are never labelled segmenter or policy)' : `image '${imageRel}': no oracle: GT box of ${oracle.boxPixels} pixels is over the limit`);
    oracle = undefined;
  }
  ctx.oracles.set(imageRel, oracle);
  return oracle;
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
export async function attributeLog(logPath: string, opts: AttributeOptions): Promise<{ report: AttributionReport; badLines: number }> {
  const ctx = new AttributionContext(opts);
  const measured: MeasuredRollout[] = [];
  let badLines = 0;
  for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes: opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES })) {
    opts.signal?.throwIfAborted();
    if (problem !== undefined) {
      badLines++;
      opts.onBadLine?.(lineNo, problem);
      continue;
    }
    if (text.trim() === '') continue;
    try {
      measured.push(await measureRollout(text, lineNo, ctx));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      badLines++;
      opts.onBadLine?.(lineNo, e instanceof Error ? e.message : String(e));
    }
  }
  const rollouts = labelMeasured(measured, { ...DEFAULT_THRESHOLDS, ...opts.thresholds });
  const images: Record<string, { oracle: OracleIous }> = {};
  const oracles = new Map<string, ImageOracle>();
  for (const [image, o] of [...ctx.oracles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!o) continue;
    oracles.set(image, o);
    images[image] = { oracle: { box: o.iou.box, 'box+point': o.iou['box+point'], 'box+points': o.iou['box+points'], best: o.best } };
  }
  return { report: { summary: countLabels(rollouts.map((r) => r.label)), images, rollouts, segmenter: opts.segmenter.info, oracles }, badLines };
}
