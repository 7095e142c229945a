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
import type { Segmenter } from '../segment/segmenter';
import { segmentAnswer } from '../segment/segmentAnswer';
import { TRL_PARQUET_FILE } from '../logs/trlParquet';
import { VERL_FILE } from '../logs/verlJsonl';
import { resolveAdvantageEstimator, type AdvantageEstimatorId } from './advantageEstimators';
import { loadGtInFrame, loadGtPilL } from './groundTruth';
import { SEGR1_REWARD_SIDE } from './masks';
import { MissingGtError, MissingMaskError } from './segr1';
import type { RewardSet } from './types';

/**
 * Reward replay: recompute every component of every rollout of a canonical log under one reward set and
 * compare with what was logged. Shared by `segr1 replay` and the workbench's "Largest replay Δ".
 */

/** Tolerance above which a logged and a replayed value count as different. */
export const REPLAY_TOLERANCE = 1e-6;

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
  readonly summary: { readonly rollouts: number; readonly estimator: AdvantageEstimatorId; readonly differing: Record<string, number> };
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
  /** Reward weights by component name (TRL `reward_weights`); 1 where absent. */
  readonly rewardWeights?: Readonly<Record<string, number>>;
  /** Lines longer than this are reported as bad lines, never read whole (default 64 MiB, as the index and convert). */
  readonly maxLineBytes?: number;
}

interface Pending {
  line: number;
  run: string | undefined;
  step: number | undefined;
  group: string;
  /** Where a converted record came from (`extra.source`), for the log format's trainer. */
  source: string | undefined;
  components: Record<string, Compared>;
  total: Compared;
  loggedAdvantage: number | null;
}

/** Replay a canonical JSONL rollout log line by line (streamed) under one reward set. */
export async function replayLog(logPath: string, opts: ReplayOptions): Promise<{ report: ReplayReport; badLines: number; segmented: number }> {
  const pending: Pending[] = [];
  const run = new ReplayRun(opts);
  let badLines = 0;
  // Lines as bytes first: a line of NUL bytes or invalid UTF-8 (a torn append), or over the cap, is a bad line of its own.
  const maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes })) {
    if (problem !== undefined) {
      badLines++;
      opts.onBadLine?.(lineNo, problem);
      continue;
    }
    if (text.trim() === '') continue;
    try {
      pending.push(await replayRecord(text, lineNo, opts, run));
    } catch (e) {
      badLines++;
      opts.onBadLine?.(lineNo, e instanceof Error ? e.message : String(e));
    }
  }
  const names = opts.rewardSet.components;
  const format = opts.format ?? pending.map((p) => formatOfSource(p.source)).find((f) => f !== undefined);
  const estimator = resolveAdvantageEstimator(opts.estimator, opts.rewardSet.id, format);
  // Advantages: a group (one `group` of one run) replays only when every member's total did; a batch-scoped
  // estimator needs every rollout of the step.
  const groupKey = (p: Pending) => (estimator.scope === 'batch' ? JSON.stringify([p.run ?? '', p.step ?? null]) : JSON.stringify([p.run ?? '', p.group]));
  const complete = new Map<string, boolean>();
  for (const p of pending) complete.set(groupKey(p), (complete.get(groupKey(p)) ?? true) && p.total.replayed !== null);
  const weights = names.map((n) => opts.rewardWeights?.[n] ?? 1);
  const adv = estimator.estimate(
    pending.map((p) => ({ run: p.run, step: p.step, group: p.group, components: names.map((n) => p.components[n]?.replayed ?? 0) })),
    weights,
  );
  const rollouts: ReplayedRollout[] = pending.map((p, i) => ({
    line: p.line,
    components: p.components,
    total: p.total,
    advantage: { logged: p.loggedAdvantage, replayed: complete.get(groupKey(p)) ? adv[i]! : null },
  }));
  const differing: Record<string, number> = {};
  for (const n of [...names].sort()) differing[n] = rollouts.filter((r) => differs(r.components[n]!)).length;
  differing.total = rollouts.filter((r) => differs(r.total)).length;
  differing.advantage = rollouts.filter((r) => differs(r.advantage)).length;
  return { report: { summary: { rollouts: rollouts.length, estimator: estimator.id, differing }, rollouts }, badLines, segmented: run.segmented };
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

/** True when both sides are known and differ by more than the tolerance (NaN on one side only counts as differing). */
export function differs(c: Compared): boolean {
  if (c.logged === null || c.replayed === null) return false;
  if (Number.isNaN(c.logged) || Number.isNaN(c.replayed)) return Number.isNaN(c.logged) !== Number.isNaN(c.replayed);
  return Math.abs(c.logged - c.replayed) > REPLAY_TOLERANCE;
}

function num(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** The file a record's path names under the replay root, symlinks resolved; refused (with the field) when it leads out. */
/** What one replay of a log keeps across its lines: decoded GTs, resolved paths, the notes already given, masks segmented. */
class ReplayRun {
  /** GTs in the frame they are scored in, bounded by bytes. */
  readonly gtCache = new ByteLru<string, GrayImage>(REPLAY_GT_CACHE_BYTES, (g) => g.data.byteLength);
  /** Masks the segmenter made (rollouts without a logged mask). */
  segmented = 0;
  private readonly notes = new Set<string>();
  /** Each distinct (field, path) resolved once: a GT repeats across its group and across steps. */
  private readonly paths = new Map<string, { path: string } | { error: string }>();

  constructor(private readonly opts: ReplayOptions) {}

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
}

async function replayRecord(text: string, line: number, opts: ReplayOptions, run: ReplayRun): Promise<Pending> {
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
    loggedMask = decodeRle(rec.mask as CocoRle, { field: 'mask', ...(is840 ? {} : { frame: REWARD_FRAME }) });
  }
  let gt: GrayImage | undefined;
  if (typeof rec.gt === 'string') {
    const p = run.inside('gt', rec.gt);
    // Seg-R1's sets only ever use the GT in the 768² reward frame: decode it straight into that frame, once.
    const key = `${is840 ? 'full' : 'frame'}:${p}`;
    gt = run.gtCache.get(key);
    if (!gt) {
      gt = await (is840 ? loadGtPilL(p) : loadGtInFrame(p, SEGR1_REWARD_SIDE)).catch((e: unknown) => {
        throw new Error(`field gt '${rec.gt as string}': ${imageError(e)}`);
      });
      run.gtCache.set(key, gt);
    }
  }
  const segment = !loggedMask && opts.segmenter && typeof rec.image === 'string' ? segmentWith(opts.segmenter, run.inside('image', rec.image), run) : undefined;

  const input = { completion: rec.completion, modelFrame, ...(gt ? { gt } : {}), ...(loggedMask ? { loggedMask } : {}), ...(segment ? { segment } : {}), ...(typeof rec.solution === 'string' ? { solution: rec.solution } : {}) };
  let replayed: Record<string, number | null>;
  let total: number | null;
  try {
    const r = await set.score(input);
    replayed = { ...r.components };
    total = r.total;
  } catch (e) {
    if (!(e instanceof MissingMaskError || e instanceof MissingGtError)) throw e;
    // No mask (or no GT): the other components still replay, format needs neither.
    run.note(e instanceof MissingGtError ? 'segment not replayed for rollouts without a gt path' : 'segment not replayed for rollouts without a logged mask (no segmenter: --mask-only, or no image path)');
    const side = SEGR1_REWARD_SIDE;
    const blank = { width: side, height: side, data: new Uint8Array(side * side) };
    const r = await set.score({ ...input, loggedMask: blank, gt: { width: side, height: side, data: new Uint8Array(side * side) } });
    replayed = { ...r.components, segment: null };
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
  return {
    line,
    run: typeof rec.run === 'string' ? rec.run : undefined,
    step: typeof rec.step === 'number' ? rec.step : undefined,
    group,
    source: typeof extra.source === 'string' ? extra.source : undefined,
    components,
    total: { logged: num(rec.reward), replayed: total },
    loggedAdvantage: num(rec.advantage),
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
function segmentWith(segmenter: Segmenter, imagePath: string, run: ReplayRun): (answer: ParsedAnswer) => Promise<BinaryMask> {
  return async (answer) => {
    run.segmented++;
    const encoded = await segmenter.encode(await loadFrameImage(imagePath, SEGR1_REWARD_SIDE, 'bgr'));
    return segmentAnswer(segmenter, encoded, answer);
  };
}
