import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ParsedAnswer } from '../completion/types';
import { checkInsideSync, refusalMessage } from '../dataset/paths';
import { SEGR1_TRAIN_FRAME, SEGZERO_FRAME, type FrameSpec } from '../geometry/frames';
import { ByteLru } from '../cache/byteLru';
import { loadFrameImage } from '../image/frameImage';
import { decodeRle } from '../image/rle';
import type { BinaryMask, GrayImage } from '../image/types';
import { parsePythonJsonLine } from '../logs/jsonParse';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import type { CocoRle } from '../logs/rollout';
import { readTextLines } from '../logs/textLines';
import { describeValue } from '../logs/validateRecord';
import type { LogIssue } from '../logs/issues';
import { recordRewardWeights, type LoggedRewardWeights } from '../logs/rewardWeights';
import { RunConfigReader, trainerConfigOf, type TrainerAdvantageConfig } from '../logs/runConfig';
import type { EncodedImage, Segmenter } from '../segment/segmenter';
import { segmentAnswer } from '../segment/segmentAnswer';
import { TRL_PARQUET_FILE } from '../logs/trlParquet';
import { VERL_FILE } from '../logs/verlJsonl';
import { resolveAdvantageEstimator, type AdvantageEstimatorId } from './advantageEstimators';
import { loadGtInFrame, loadGtPilL } from './groundTruth';
import { SEGR1_REWARD_SIDE } from './masks';
import { PROGRESS_EVERY, replayLinesInWorkers, throwIfAborted } from './replayPool';
import { MissingGtError, MissingMaskError } from './segr1';
import type { RewardResult, RewardSet } from './types';

/**
 * Reward replay: recompute every component of every rollout of a canonical log under one reward set and
 * compare with what was logged. Shared by `segr1 replay` and the workbench's "Largest replay Δ".
 */

/** Tolerance above which a logged and a replayed value count as different. */
export const REPLAY_TOLERANCE = 1e-6;

export { PROGRESS_EVERY, replayAborted, throwIfAborted } from './replayPool';

/**
 * Bytes of decoded GTs replay keeps. Seg-R1's sets cache the GT already in the 768² reward frame (590 kB each, so
 * ~400 images: a run's whole group of steps on one image hits); Seg-Zero's and VisionReasoner's read the GT at full
 * size, and 256 MB holds one GT at the pixel cap, or ~10 DIS5K-sized ones.
 */
export const REPLAY_GT_CACHE_BYTES = 256 * 1024 * 1024;

/** The reward frame a logged mask must have for the mask-scoring sets. */
const REWARD_FRAME = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE };

/** Names a trainer may have logged a component under, by reward-set component name. */
const ALIASES: Record<string, readonly string[]> = {
  segment: ['segment', 'segmentation', 'segmentation_reward', 'rewards/segmentation_reward'],
  format: ['format', 'format_reward', 'rewards/format_reward'],
};

/** One value logged next to its replay; null where either side is unknown. */
export interface Compared {
  readonly logged: number | null;
  readonly replayed: number | null;
}

/** One run's reward weights in the report: `log` (its records' `reward_weights`, first at `line`), `default` (1), or `caller`. */
export interface RunWeights {
  readonly run: string | null;
  readonly weights: Record<string, number>;
  readonly from: 'log' | 'default' | 'caller';
  readonly line?: number;
}

/** One replayed rollout in the JSON report. */
export interface ReplayedRollout {
  readonly line: number;
  readonly components: Record<string, Compared>;
  readonly total: Compared;
  readonly advantage: Compared;
}

/** The JSON report. */
export interface ReplayReport {
  /** `estimator`: the advantage estimator the advantages were replayed with. */
  readonly summary: {
    readonly rollouts: number;
    readonly estimator: AdvantageEstimatorId;
    readonly differing: Record<string, number>;
    /** Rollouts with both a logged and a replayed value, per key of `differing`: 0 means that key was never checked. */
    readonly compared: Record<string, number>;
    /** True when no value of any rollout could be compared: `differing` then proves nothing. */
    readonly nothingCompared: boolean;
    /** The reward weights the advantages were replayed with, per run (by reward-set component), and where they came from. */
    readonly rewardWeights: readonly RunWeights[];
  };
  readonly rollouts: ReplayedRollout[];
}

/** Options for {@link replayLog}. */
export interface ReplayOptions {
  readonly rewardSet: RewardSet;
  /** Folder that record paths resolve against. */
  readonly root: string;
  /** Segmenter for records without a logged mask; absent = skip their segment component. */
  readonly segmenter?: Segmenter;
  /** Called for every line that cannot be replayed. */
  readonly onBadLine?: (line: number, message: string) => void;
  /** Called once per distinct note (e.g. "segment skipped: no mask"). */
  readonly onNote?: (message: string) => void;
  /** Advantage estimator id, or `auto` (default): the log format's trainer, else the reward set's. */
  readonly estimator?: string;
  /** Format the log was converted from, when known; else read from the records' `extra.source`. */
  readonly format?: string;
  /**
   * Reward weights by component name (TRL `reward_weights`), for every run, over what the log says; absent: each
   * run's records' `reward_weights` (or `extra.reward_weights`, where a conversion put TRL's), else 1.
   */
  readonly rewardWeights?: Readonly<Record<string, number>>;
  /** Called for a logged `reward_weights` that cannot be used (the run then falls back to 1), with its line and field. */
  readonly onIssue?: (issue: LogIssue) => void;
  /** Lines longer than this are reported as bad lines, never read whole (default 64 MiB, as the index and convert). */
  readonly maxLineBytes?: number;
  /**
   * Worker threads (default 1: this thread). Results, bad lines and notes come in line order either way, and every
   * number is the same. Workers need a registered reward set and, to segment, `workerSegmenter`; without them the
   * replay stays on this thread.
   */
  readonly workers?: number;
  /** The segmenter each worker creates for rollouts without a logged mask (the replay's `segmenter` stays here). */
  readonly workerSegmenter?: 'classical';
  /** Worker script; default replayWorker.js beside this module (dist/ in the bundles, dist-test/… in tests). */
  readonly workerScript?: string;
  /** Called every {@link PROGRESS_EVERY} rollouts and at the end. */
  readonly onProgress?: (p: ReplayProgress) => void;
  /** Cancels the replay: it rejects with an AbortError and its workers are stopped. */
  readonly signal?: AbortSignal;
}

/** One replayed line before advantages: what {@link replayRecord} returns (plain data, so it can cross threads). */
export interface Pending {
  line: number;
  run: string | undefined;
  step: number | undefined;
  group: string;
  /** Where a converted record came from (`extra.source`), for the log format's trainer. */
  source: string | undefined;
  components: Record<string, Compared>;
  total: Compared;
  loggedAdvantage: number | null;
  /** The record's `reward_weights` as logged, with the reward function names its `rewards` lists (in order). */
  rewardWeights?: LoggedRewardWeights;
  /** TRL's advantage settings the record logs. */
  trainer?: TrainerAdvantageConfig;
}

/** Progress of a replay: rollouts scored so far, and how far into the file (characters read ≈ bytes, for a fraction). */
export interface ReplayProgress {
  readonly rollouts: number;
  readonly bytesRead: number;
  readonly totalBytes: number;
}

/** What the per-line pass gives: the replayed lines in line order, the bad-line count and the masks segmented. */
export interface ReplayedLines {
  readonly pending: Pending[];
  readonly badLines: number;
  readonly segmented: number;
}

/** Replay a canonical JSONL rollout log line by line (streamed) under one reward set. */
export async function replayLog(logPath: string, opts: ReplayOptions): Promise<{ report: ReplayReport; badLines: number; segmented: number }> {
  throwIfAborted(opts.signal);
  const inWorkers = (opts.workers ?? 1) > 1 ? await replayLinesInWorkers(logPath, opts) : undefined;
  const { pending, badLines, segmented } = inWorkers ?? (await replayLines(logPath, opts));
  const names = opts.rewardSet.components;
  const format = opts.format ?? pending.map((p) => formatOfSource(p.source)).find((f) => f !== undefined);
  const config = runConfigOf(pending, opts);
  const estimator = resolveAdvantageEstimator(opts.estimator, opts.rewardSet.id, format, config.result().trainer);
  // Advantages: a group (one `group` of one run) replays only when every member's total did; a batch-scoped
  // estimator needs every rollout of the step.
  const groupKey = (p: Pending) => (estimator.scope === 'batch' ? JSON.stringify([p.run ?? '', p.step ?? null]) : JSON.stringify([p.run ?? '', p.group]));
  const runWeights = weightsByRun(pending, names, opts, config);
  const complete = new Map<string, boolean>();
  for (const p of pending) complete.set(groupKey(p), (complete.get(groupKey(p)) ?? true) && p.total.replayed !== null);
  // Each run with its own weights: estimators never mix runs (groups and batches are per run), so this is exact.
  const adv = new Array<number>(pending.length);
  const byRun = new Map<string | null, number[]>();
  pending.forEach((p, i) => {
    const l = byRun.get(p.run ?? null);
    if (l) l.push(i);
    else byRun.set(p.run ?? null, [i]);
  });
  for (const [run, idx] of byRun) {
    const w = runWeights.get(run)!;
    const a = estimator.estimate(
      idx.map((i) => ({ run: pending[i]!.run, step: pending[i]!.step, group: pending[i]!.group, components: names.map((n) => pending[i]!.components[n]?.replayed ?? 0) })),
      names.map((n) => w.weights[n]!),
    );
    idx.forEach((i, k) => (adv[i] = a[k]!));
  }
  const rollouts: ReplayedRollout[] = pending.map((p, i) => ({
    line: p.line,
    components: p.components,
    total: weightedTotal(p, runWeights.get(p.run ?? null)!),
    advantage: { logged: p.loggedAdvantage, replayed: complete.get(groupKey(p)) ? adv[i]! : null },
  }));
  const differing: Record<string, number> = {};
  for (const n of [...names].sort()) differing[n] = rollouts.filter((r) => differs(r.components[n]!)).length;
  differing.total = rollouts.filter((r) => differs(r.total)).length;
  differing.advantage = rollouts.filter((r) => differs(r.advantage)).length;
  const compared: Record<string, number> = {};
  for (const n of [...names].sort()) compared[n] = rollouts.filter((r) => comparable(r.components[n]!)).length;
  compared.total = rollouts.filter((r) => comparable(r.total)).length;
  compared.advantage = rollouts.filter((r) => comparable(r.advantage)).length;
  const nothingCompared = Object.values(compared).every((v) => v === 0);
  const rewardWeights = [...runWeights.values()];
  return { report: { summary: { rollouts: rollouts.length, estimator: estimator.id, differing, compared, nothingCompared, rewardWeights }, rollouts }, badLines, segmented };
}

/**
 * The replayed total under the run's weights: the reward set's own total where the run weighs every component 1;
 * else TRL's `(rewards_per_func * reward_weights).nansum()` over the replayed components (the logged `reward` of a
 * TRL run is that weighted sum).
 */
function weightedTotal(p: Pending, w: RunWeights): Compared {
  if (w.from === 'default' || p.total.replayed === null) return p.total;
  let sum = 0;
  for (const [name, c] of Object.entries(p.components)) if (c.replayed !== null && !Number.isNaN(c.replayed)) sum += c.replayed * (w.weights[name] ?? 1);
  return { logged: p.total.logged, replayed: sum };
}

/** The reward-set component a logged reward function name stands for (ALIASES), else the name itself. */
function componentOf(logName: string, components: readonly string[]): string | undefined {
  return components.find((c) => (ALIASES[c] ?? [c]).includes(logName));
}

/**
 * Each run's weights by reward-set component: the caller's, else the first usable `reward_weights` its records log
 * ({@link RunConfigReader}, shared with the index-based consumers), else 1.
 */
function weightsByRun(pending: readonly Pending[], components: readonly string[], opts: Pick<ReplayOptions, 'rewardWeights' | 'onIssue' | 'onNote'>, config: RunConfigReader): Map<string | null, RunWeights> {
  const out = new Map<string | null, RunWeights>();
  for (const p of pending) {
    const run = p.run ?? null;
    if (!out.has(run)) out.set(run, { run, weights: {}, from: 'default' });
  }
  for (const [run, w] of out) {
    const l = opts.rewardWeights ? undefined : config.weights.get(run);
    const weights: Record<string, number> = {};
    for (const c of components) weights[c] = 1;
    if (opts.rewardWeights) for (const c of components) weights[c] = opts.rewardWeights[c] ?? 1;
    else if (l) {
      for (const [name, v] of Object.entries(l.weights)) {
        const c = componentOf(name, components);
        if (c !== undefined) weights[c] = v;
      }
    }
    out.set(run, { ...w, weights, from: opts.rewardWeights ? 'caller' : l ? 'log' : 'default', ...(l ? { line: l.line } : {}) });
  }
  return out;
}

/** The log's run configuration from the replayed lines (weights are only read when the caller gave none). */
function runConfigOf(pending: readonly Pending[], opts: Pick<ReplayOptions, 'rewardWeights' | 'onIssue' | 'onNote'>): RunConfigReader {
  const config = new RunConfigReader((issue) => {
    if (opts.onIssue) opts.onIssue(issue);
    else opts.onNote?.(`line ${issue.line}: field ${issue.field ?? ''}: ${issue.message}`);
  });
  for (const p of pending) config.addLogged(p.run ?? null, p.line, opts.rewardWeights ? undefined : p.rewardWeights, p.trainer);
  return config;
}

/** The per-line pass on this thread: every line replayed in order, bad lines and notes reported as they come. */
export async function replayLines(logPath: string, opts: ReplayOptions): Promise<ReplayedLines> {
  const pending: Pending[] = [];
  const run = new ReplayRun(opts);
  let badLines = 0;
  const totalBytes = (await stat(logPath)).size;
  let bytesRead = 0;
  let lastReport = 0;
  // Lines as bytes first: a line of NUL bytes or invalid UTF-8 (a torn append), or over the cap, is a bad line of its own.
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes })) {
    throwIfAborted(opts.signal);
    if (problem !== undefined) {
      badLines++;
      opts.onBadLine?.(lineNo, problem);
      continue;
    }
    bytesRead += text.length + 1;
    if (text.trim() === '') continue;
    try {
      pending.push(await replayRecord(text, lineNo, opts, run));
    } catch (e) {
      badLines++;
      opts.onBadLine?.(lineNo, e instanceof Error ? e.message : String(e));
    }
    if (opts.onProgress && pending.length - lastReport >= PROGRESS_EVERY) {
      lastReport = pending.length;
      opts.onProgress({ rollouts: pending.length, bytesRead: Math.min(bytesRead, totalBytes), totalBytes });
    }
  }
  opts.onProgress?.({ rollouts: pending.length, bytesRead: totalBytes, totalBytes });
  return { pending, badLines, segmented: run.segmented };
}

/** The rollout-log format a converted record's `extra.source` (`<file>:<line>`) names by its file, when it does. */
export function formatOfSource(source: string | undefined): string | undefined {
  const file = source?.replace(/:\d+$/, '').split(/[\\/]/).pop();
  if (!file) return undefined;
  if (TRL_PARQUET_FILE.test(file)) return 'trl-parquet';
  if (file.endsWith('.table.json')) return 'wandb-table';
  if (VERL_FILE.test(file)) return 'verl';
  if (file === 'generations.log') return 'easyr1-generations';
  return undefined;
}

/** True when both sides of a value are known, so {@link differs} can tell anything. */
export function comparable(c: Compared): boolean {
  return c.logged !== null && c.replayed !== null;
}

/** True when both sides are known and differ by more than the tolerance (NaN on one side only counts as differing). */
export function differs(c: Compared): boolean {
  if (c.logged === null || c.replayed === null) return false;
  if (Number.isNaN(c.logged) || Number.isNaN(c.replayed)) return Number.isNaN(c.logged) !== Number.isNaN(c.replayed);
  return Math.abs(c.logged - c.replayed) > REPLAY_TOLERANCE;
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** A decoded GT and the bytes it holds in the cache. */
interface CachedGt {
  readonly gt: GrayImage;
  readonly bytes: number;
}

/**
 * What one replay of a log keeps across its lines: decoded GTs (in the reward frame, with what the reward derives
 * from them), resolved paths, the notes already given, masks segmented. One per thread: a worker holds its own.
 */
export class ReplayRun {
  /** GTs in the frame they are scored in, bounded by bytes (a reward-frame GT also holds its derived mask: twice). */
  readonly gtCache: ByteLru<string, CachedGt>;
  /** The logged mask of the rollout being scored, decoded into the same buffer every time. */
  readonly maskScratch = new Uint8Array(SEGR1_REWARD_SIDE * SEGR1_REWARD_SIDE);
  /** An empty reward-frame mask, standing in for a missing mask or GT so the other components still score. */
  readonly blank: GrayImage = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE, data: new Uint8Array(SEGR1_REWARD_SIDE * SEGR1_REWARD_SIDE) };
  /** Masks the segmenter made (rollouts without a logged mask). */
  segmented = 0;
  /** GTs decoded (cache misses): with workers, image-affine routing keeps this at one thread's count. */
  gtLoads = 0;
  private readonly notes = new Set<string>();
  /** Each distinct (field, path) resolved once: a GT repeats across its group and across steps. */
  private readonly paths = new Map<string, { path: string } | { error: string }>();
  private lastEncoded?: { path: string; segmenter: Segmenter; encoded: EncodedImage };

  /** `opts`: the root paths resolve against, where notes go, and the GT cache's budget (default {@link REPLAY_GT_CACHE_BYTES}). */
  constructor(private readonly opts: Pick<ReplayOptions, 'root' | 'onNote'> & { readonly gtCacheBytes?: number }) {
    this.gtCache = new ByteLru<string, CachedGt>(opts.gtCacheBytes ?? REPLAY_GT_CACHE_BYTES, (c) => c.bytes);
  }

  /** Report a note once per run. */
  note(m: string): void {
    if (this.notes.has(m)) return;
    this.notes.add(m);
    this.opts.onNote?.(m);
  }

  /** A record's file under the root, symlinks resolved; throws naming the field when it resolves outside. */
  inside(field: string, rel: string): string {
    const key = `${field}\0${rel}`;
    let r = this.paths.get(key);
    if (!r) {
      const c = checkInsideSync(this.opts.root, rel);
      // A missing file is left to its reader, whose error names it.
      r = c.ok ? { path: c.real } : c.reason === 'missing' ? { path: resolve(this.opts.root, rel) } : { error: refusalMessage(field, c) };
      this.paths.set(key, r);
    }
    if ('error' in r) throw new Error(r.error);
    return r.path;
  }

  /** A record's GT (`rel` as logged), in the reward frame or at its original size, decoded once (errors name the field). */
  async gt(rel: string, inFrame: boolean): Promise<GrayImage> {
    const p = this.inside('gt', rel);
    const key = `${inFrame ? 'frame' : 'full'}:${p}`;
    let gt = this.gtCache.get(key)?.gt;
    if (!gt) {
      this.gtLoads++;
      gt = await (inFrame ? loadGtInFrame(p, SEGR1_REWARD_SIDE) : loadGtPilL(p)).catch((e: unknown) => {
        throw new Error(`field gt '${rel}': ${imageError(e)}`);
      });
      // A reward-frame GT also holds the mask the reward derives from it: twice its bytes.
      this.gtCache.set(key, { gt, bytes: gt.data.byteLength * (inFrame ? 2 : 1) });
    }
    return gt;
  }

  /**
   * The image squashed to the reward frame in training's channel order, encoded by `segmenter`. Records of a group
   * are adjacent, so the image encoded last is kept: a group's rollouts (and its oracle) share one encoding.
   */
  async encode(segmenter: Segmenter, rel: string, path: string, signal?: AbortSignal): Promise<EncodedImage> {
    if (this.lastEncoded?.path === path && this.lastEncoded.segmenter === segmenter) return this.lastEncoded.encoded;
    const img = await loadFrameImage(path, SEGR1_REWARD_SIDE, 'bgr').catch((e: unknown) => {
      throw new Error(`field image '${rel}': ${imageError(e)}`);
    });
    const encoded = await segmenter.encode(img, signal);
    this.lastEncoded = { path, segmenter, encoded };
    return encoded;
  }
}

/**
 * The ground-truth text a Seg-Zero/VisionReasoner reward scores against: the record's `solution`, else verl's
 * `gts` as a converted dump keeps it in `extra` (ray_trainer.py `_dump_generations` writes each item's
 * `reward_model.ground_truth` as `gts`, the same value verl passes to `compute_score` as the ground truth).
 */
function solutionOf(rec: Record<string, unknown>): string | undefined {
  if (typeof rec.solution === 'string') return rec.solution;
  const extra = rec.extra;
  if (typeof extra !== 'object' || extra === null || Array.isArray(extra)) return undefined;
  const e = extra as Record<string, unknown>;
  if (typeof e.solution === 'string') return e.solution;
  return typeof e.gts === 'string' ? e.gts : undefined;
}

/** What {@link scoreRecord} gives: the record, what it was scored with, the reward set's result. */
export interface ScoredRecord {
  readonly rec: Record<string, unknown>;
  /** The frame the model wrote its coordinates in. */
  readonly modelFrame: FrameSpec;
  /** The GT as the set scored it: in the reward frame for Seg-R1's sets, at full size for the text-scoring ones. */
  readonly gt?: GrayImage;
  /** The logged mask (in the run's scratch buffer for Seg-R1's sets: read it before the next record). */
  readonly loggedMask?: BinaryMask;
  /** The set's result; with blanks for a missing GT or mask (then `missing` says which). */
  readonly result: RewardResult;
  readonly missing?: 'gt' | 'mask';
}

/**
 * Parse one log line and score it under the options' reward set: the per-rollout path replay and attribution share
 * (GT from the run's cache in the frame the set scores in, a logged mask checked against the reward frame, else the
 * segmenter on the training-time path). A missing GT or mask scores with blanks so the other components still count.
 */
export async function scoreRecord(text: string, line: number, opts: Pick<ReplayOptions, 'rewardSet' | 'segmenter' | 'signal'>, run: ReplayRun): Promise<ScoredRecord> {
  // Logs are written by Python (json.dumps: NaN/Infinity by default, sometimes a BOM): read them as Python does.
  const rec = parsePythonJsonLine(text, line) as Record<string, unknown>;
  if (rec === null || typeof rec !== 'object' || Array.isArray(rec)) throw new Error('not a JSON object');
  if (typeof rec.completion !== 'string') throw new Error("no 'completion' string");
  const set = opts.rewardSet;
  // Seg-Zero and VisionReasoner score text against an 840² GT; only Seg-R1's sets need masks.
  const is840 = !usesMasks(set);
  const modelFrame: FrameSpec = isFrame(rec.model_frame) ? { kind: 'fixed', width: rec.model_frame.width, height: rec.model_frame.height } : is840 ? SEGZERO_FRAME : SEGR1_TRAIN_FRAME;

  // A logged mask's declared size is checked against the reward frame before anything is read or allocated.
  let loggedMask: BinaryMask | undefined;
  if (rec.mask !== undefined && rec.mask !== null) {
    // The shape first (a message naming the wrong member), then sizes against the reward frame before any buffer.
    const bad = rleShapeError(rec.mask);
    if (bad) throw new Error(`field ${bad}`);
    // Only the score reads the mask, and nothing keeps it past this record: decode into the run's buffer.
    loggedMask = decodeRle(rec.mask as CocoRle, { field: 'mask', ...(is840 ? {} : { frame: REWARD_FRAME, into: run.maskScratch }) });
  }
  // Seg-R1's sets only ever use the GT in the 768² reward frame: decode it straight into that frame, once.
  const gt = typeof rec.gt === 'string' ? await run.gt(rec.gt, !is840) : undefined;
  const segment = !loggedMask && opts.segmenter && typeof rec.image === 'string' ? segmentWith(opts.segmenter, rec.image, run, opts.signal) : undefined;

  const solution = solutionOf(rec);
  const input = { completion: rec.completion, modelFrame, ...(gt ? { gt } : {}), ...(loggedMask ? { loggedMask } : {}), ...(segment ? { segment } : {}), ...(solution !== undefined ? { solution } : {}) };
  const base = { rec, modelFrame, ...(gt ? { gt } : {}), ...(loggedMask ? { loggedMask } : {}) };
  try {
    return { ...base, result: await set.score(input) };
  } catch (e) {
    if (!(e instanceof MissingMaskError || e instanceof MissingGtError)) throw e;
    const result = await set.score({ ...input, loggedMask: run.blank, gt: run.blank });
    return { ...base, result, missing: e instanceof MissingGtError ? 'gt' : 'mask' };
  }
}

/**
 * Replay one log line (its text and 1-based number) under the options' reward set: the per-rollout work, run on the
 * calling thread or in a replay worker, each with its own {@link ReplayRun}. Throws with the field at fault.
 */
export async function replayRecord(text: string, line: number, opts: Pick<ReplayOptions, 'rewardSet' | 'segmenter' | 'signal'>, run: ReplayRun): Promise<Pending> {
  const set = opts.rewardSet;
  const { rec, result, missing } = await scoreRecord(text, line, opts, run);
  let replayed: Record<string, number | null> = { ...result.components };
  let total: number | null = result.total;
  if (missing) {
    // No mask (or no GT): the other components still replay, format needs neither.
    run.note(missing === 'gt' ? 'segment not replayed for rollouts without a gt path' : 'segment not replayed for rollouts without a logged mask (no segmenter: --mask-only, or no image path)');
    replayed = { ...replayed, segment: null };
    total = null;
  }
  const logged = (rec.rewards && typeof rec.rewards === 'object' ? rec.rewards : {}) as Record<string, unknown>;
  const components: Record<string, Compared> = {};
  // Alphabetical keys keep the report stable whatever order a set declares its components in.
  for (const name of [...set.components].sort()) {
    const keys = ALIASES[name] ?? [name];
    const k = keys.find((key) => key in logged);
    components[name] = { logged: k === undefined ? null : num(logged[k]), replayed: replayed[name] ?? null };
  }
  const group = typeof rec.group === 'string' || typeof rec.group === 'number' ? String(rec.group) : `${String(rec.step ?? '')}|${String(rec.image ?? '')}|${String(rec.query ?? '')}`;
  const extra = rec.extra && typeof rec.extra === 'object' ? (rec.extra as Record<string, unknown>) : {};
  // Run-level fields: canonical logs may carry them on every record; conversions of TRL runs put them in `extra`.
  const rewardWeights = recordRewardWeights(rec);
  const trainer = trainerConfigOf(rec);
  return {
    line,
    run: typeof rec.run === 'string' ? rec.run : undefined,
    step: typeof rec.step === 'number' ? rec.step : undefined,
    group,
    source: typeof extra.source === 'string' ? extra.source : undefined,
    components,
    total: { logged: num(rec.reward), replayed: total },
    loggedAdvantage: num(rec.advantage),
    ...(rewardWeights ? { rewardWeights } : {}),
    ...(trainer ? { trainer } : {}),
  };
}

/** What is wrong with a logged mask's shape (field path first), before decoding reads `size` and `counts`. */
function rleShapeError(m: unknown): string | undefined {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return `mask: expected a COCO RLE {"size": [h, w], "counts": ...}, found ${describeValue(m)}`;
  const { size, counts } = m as { size?: unknown; counts?: unknown };
  if (!Array.isArray(size) || size.length !== 2) return `mask.size: expected [height, width], found ${size === undefined ? 'no size' : describeValue(size)}`;
  for (const [k, v] of size.entries()) {
    if (!Number.isInteger(v) || (v as number) < 0) return `mask.size[${k}]: expected a non-negative integer, found ${describeValue(v)}`;
  }
  if (typeof counts === 'string') return undefined;
  if (!Array.isArray(counts)) return `mask.counts: expected a string or a list of run lengths, found ${counts === undefined ? 'no counts' : describeValue(counts)}`;
  const k = counts.findIndex((v) => !Number.isInteger(v) || (v as number) < 0);
  return k < 0 ? undefined : `mask.counts[${k}]: expected a non-negative integer run length, found ${describeValue(counts[k])}`;
}

/** An image decoder's error as a sentence: sharp may end its message at a colon with libvips' reason left empty. */
function imageError(e: unknown): string {
  const m = (e instanceof Error ? e.message : String(e)).trim();
  if (/corrupt header:?$/i.test(m)) return `not a decodable image: its header is corrupt or truncated (${m.replace(/:$/, '')})`;
  return m.endsWith(':') ? `${m.slice(0, -1)} (the decoder gave no reason)` : m;
}

/** Whether a reward set scores predicted masks (Seg-R1's) rather than coordinates alone. */
export function usesMasks(set: RewardSet): boolean {
  return set.components.includes('segment');
}

function isFrame(v: unknown): v is { width: number; height: number } {
  return typeof v === 'object' && v !== null && Number.isInteger((v as { width?: unknown }).width) && Number.isInteger((v as { height?: unknown }).height);
}

/**
 * The training-time segmentation path: the image squashed to the 768² reward frame (PIL bilinear, as
 * `TF.resize`), channels swapped (grpo.py hands SAM2 `cvtColor(RGB, BGR2RGB)`, i.e. BGR), one decode per box OR-ed.
 */
function segmentWith(segmenter: Segmenter, imageRel: string, run: ReplayRun, signal: AbortSignal | undefined): (answer: ParsedAnswer) => Promise<BinaryMask> {
  const path = run.inside('image', imageRel);
  return async (answer) => {
    run.segmented++;
    return segmentAnswer(segmenter, await run.encode(segmenter, imageRel, path, signal), answer, undefined, signal);
  };
}
