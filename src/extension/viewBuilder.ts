import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { ParsedAnswer } from '../core/completion/types';
import { parseCompletion } from '../core/completion/parse';
import type { StrictParseResult } from '../core/completion/segr1Strict';
import { modelFrameSize, modelToImage, type FrameSpec } from '../core/geometry/frames';
import { MAX_IMAGE_PIXELS } from '../core/image/limits';
import { decodeRle } from '../core/image/rle';
import { resizeNearest } from '../core/image/resize';
import { applyPromptEdits, type PromptEdit } from '../core/edit/promptEdits';
import type { BinaryMask, GrayImage } from '../core/image/types';
import { readRollout, type RolloutIndex } from '../core/logs/jsonlIndex';
import type { RolloutRecord } from '../core/logs/rollout';
import { tokenPayload } from './tokenPayload';
import { loadGtPilL } from '../core/rewards/groundTruth';
import { groupAdvantages } from '../core/rewards/advantages';
import { getRewardSet } from '../core/rewards/registry';
import { segr1Segments } from '../core/rewards/segr1';
import { resolveRecordPath } from '../core/dataset/paths';
import type { LogEntry } from './workspaceModel';
import { answerDto, type Glyph, type GroupMember, type MaskPayload, type RewardRow, type SegmenterKind, type Selection, type ViewPayload, type ViewReplay } from '../shared/protocol';

/** Mime types a webview can decode with createImageBitmap; anything else is re-encoded as PNG. */
const BROWSER_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/** Reward sets replayed for every rollout in the panel: the training code's, and the one it meant. */
export const PANEL_REWARD_SETS = ['segr1-reference', 'segr1-intended'] as const;

/** Longest side of group-strip thumbnail masks. */
const THUMB_SIDE = 96;

/** What the view builder needs from its host. */
export interface ViewContext {
  /** The log's id in selections (its source path; a converted log's index lives elsewhere). */
  readonly logId: string;
  readonly frame: FrameSpec;
  readonly answerFormat: 'auto' | 'segr1' | 'segzero' | 'visionreasoner';
  /** Resolve a record path; returns an error text when it escapes the workspace. */
  resolve(rel: string): { path: string } | { error: string };
  /** Mask for a rollout without a logged mask (segmenter in use); undefined when no image. */
  segment?(imagePath: string, answer: ParsedAnswer, frame: { width: number; height: number }): Promise<{ mask: BinaryMask; source: string; kind: SegmenterKind } | undefined>;
  /** Report a problem on a log line (Problems panel). */
  problem(line: number | undefined, message: string): void;
}

/**
 * The view context of a rollout of `log`: its id, the frame and answer-format settings, record paths resolved inside
 * its workspace folder; `segment` and `problem` are the caller's (panel, compare view and notebook differ there).
 */
export function logViewContext(log: Pick<LogEntry, 'file' | 'folder'>, settings: Pick<ViewContext, 'frame' | 'answerFormat'>, segment: ViewContext['segment'] | undefined, problem: ViewContext['problem']): ViewContext {
  const root = log.folder.uri.fsPath;
  return { logId: log.file, frame: settings.frame, answerFormat: settings.answerFormat, resolve: (rel) => resolveRecordPath(root, log.file, rel), ...(segment ? { segment } : {}), problem };
}

/** Decoded image file: bytes for the webview and its size. */
interface LoadedImage {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
}

/** Read an image file for the webview; formats the browser cannot decode go through sharp to PNG. */
export async function loadImageForView(file: string): Promise<LoadedImage> {
  const buf = await fs.readFile(file);
  const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  if (!meta.width || !meta.height) throw new Error(`${file}: not a readable image`);
  const mime = meta.format ? BROWSER_FORMATS[meta.format] : undefined;
  if (mime) return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), mime, width: meta.width, height: meta.height };
  const png = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).png().toBuffer();
  return { bytes: new Uint8Array(png.buffer, png.byteOffset, png.length), mime: 'image/png', width: meta.width, height: meta.height };
}

/** Read a GT mask as the training code does (PIL "L") and its binary form (> 127, Seg-R1's rule). */
export async function loadGroundTruth(file: string): Promise<{ gray: GrayImage; binary: MaskPayload }> {
  const gray = await loadGtPilL(file);
  const bin = new Uint8Array(gray.data.length);
  for (let i = 0; i < bin.length; i++) bin[i] = gray.data[i]! > 127 ? 1 : 0;
  return { gray, binary: { width: gray.width, height: gray.height, data: bin } };
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

/** Glyphs in original-image pixels from an answer written in the model frame. */
export function glyphsOf(answer: ParsedAnswer, frame: { width: number; height: number }, image: { width: number; height: number }): Glyph[] {
  const out: Glyph[] = [];
  answer.boxes.forEach((b, index) => {
    const p1 = modelToImage({ x: b.x1, y: b.y1 }, frame, image);
    const p2 = modelToImage({ x: b.x2, y: b.y2 }, frame, image);
    out.push({ kind: 'box', index, x1: p1.x, y1: p1.y, x2: p2.x, y2: p2.y, span: b.span });
  });
  answer.points.forEach((p, index) => {
    const q = modelToImage(p, frame, image);
    out.push({ kind: 'point', index, x: q.x, y: q.y, label: p.label, span: p.span, labelSpan: p.labelSpan, ...(p.unlabelled ? { unlabelled: true } : {}) });
  });
  return out;
}

/** Whether the trainer segmented an answer and, when it did not, the sentence the canvas shows instead of a mask. */
export type TrainerSegmentation = { readonly segmented: true } | { readonly segmented: false; readonly reason: string };

/**
 * Would the trainer have segmented this answer? Decided by Seg-R1's reward set itself: its strict parse (the
 * `reference` the parser attaches, `parseSegR1Strict`) and the guard of its segment reward (`segr1Segments`). A
 * missing `</think>` zeroes the format reward only: such an answer is still segmented. Answers read as Seg-Zero or
 * VisionReasoner are not judged (undefined): their reward sets score the prompts, never a mask.
 */
export function trainerSegmentation(answer: ParsedAnswer): TrainerSegmentation | undefined {
  const ref = answer.reference;
  if (answer.format !== 'segr1' || !ref) return undefined;
  if (segr1Segments(ref)) return { segmented: true };
  return { segmented: false, reason: `no mask — the training parser rejected this answer (${rejection(ref)}): format reward 0, segment reward 0` };
}

/** Why Seg-R1's strict parse yields no prompts, in the parser's own terms. */
function rejection(ref: StrictParseResult): string {
  if (ref.evalError) return `its eval raises: ${ref.evalError.message}`;
  if (ref.countMismatch) {
    const { labels, points } = ref.countMismatch;
    return `${labels} label${labels === 1 ? '' : 's'} for ${points} point${points === 1 ? '' : 's'}`;
  }
  const missing = [ref.boxes === null && '<bbox>', ref.points === null && '<points>', ref.labels === null && '<labels>'].filter((m): m is string => !!m);
  return missing.length ? `no valid ${missing.join(', ')}: it reads only bracketed lists of integers` : 'no point';
}

/** Extra (unnamed) fields as display strings. */
function extraRows(r: RolloutRecord): Array<readonly [string, string]> {
  return Object.entries(r.extra ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const);
}

function isSynthetic(r: RolloutRecord): boolean {
  return r.extra?.synthetic === true || /synthetic/i.test(r.run ?? '');
}

/**
 * Build everything the panel shows for one rollout of an indexed log. With `edits`, the rollout's prompts
 * are moved first: the completion text is rewritten, the logged mask is set aside, and the segmenter and
 * rewards run on the edited text (logged values stay for comparison). Empty `edits` re-segment the
 * rollout as logged, e.g. to compare SAM2's mask with the one the run logged.
 *
 * The view carries logged values only, so it paints at once; `replay()` then recomputes the rewards of the
 * rollout and its group (several S-measures at 768²) for a follow-up message.
 */
export async function buildRolloutView(index: RolloutIndex, i: number, members: readonly number[], ctx: ViewContext, edits?: readonly PromptEdit[]): Promise<{ view: Omit<ViewPayload, 'revision'>; replay(): Promise<Omit<ViewReplay, 'revision'>> }> {
  const logged = await readRollout(index, i);
  let record = logged;
  const line = index.line[i]!;
  const problems: string[] = [];
  const selection: Selection = { kind: 'rollout', log: ctx.logId, index: i };
  const note = (msg: string) => {
    problems.push(msg);
    ctx.problem(line, msg);
  };

  let image: (LoadedImage & { path: string }) | undefined;
  if (record.image) {
    const r = ctx.resolve(record.image);
    if ('error' in r) note(`image ${r.error}`);
    else {
      try {
        image = { ...(await loadImageForView(r.path)), path: record.image };
      } catch (e) {
        note(`image '${record.image}': ${e instanceof Error ? e.message.replace(/^Input file is missing.*/, 'file not found') : String(e)}`);
      }
    }
  } else problems.push('this record names no image');

  let gt: { gray: GrayImage; binary: MaskPayload } | undefined;
  if (record.gt) {
    const r = ctx.resolve(record.gt);
    if ('error' in r) note(`gt ${r.error}`);
    else {
      try {
        gt = await loadGroundTruth(r.path);
        if (image && (gt.gray.width !== image.width || gt.gray.height !== image.height)) {
          note(`GT '${record.gt}' is ${gt.gray.width}×${gt.gray.height} but image is ${image.width}×${image.height}; GT is stretched to the image for display`);
        }
      } catch (e) {
        note(`gt '${record.gt}': ${e instanceof Error ? e.message.replace(/^Input file is missing.*/, 'file not found') : String(e)}`);
      }
    }
  }

  const size = image ?? (gt ? gt.gray : undefined);
  const frameSpec: FrameSpec = record.model_frame ? { kind: 'fixed', width: record.model_frame.width, height: record.model_frame.height } : ctx.frame;
  const frame = size ? modelFrameSize(frameSpec, size) : record.model_frame ?? { width: 768, height: 768 };
  const parseOpts = { format: ctx.answerFormat === 'auto' ? undefined : ctx.answerFormat, frame } as const;
  let answer = parseCompletion(record.completion, parseOpts);
  // `edits` present (even empty) = re-segment with the segmenter in use instead of showing the logged mask.
  if (edits && size) {
    const edited = edits.length ? applyPromptEdits(record.completion, edits, { ...parseOpts, format: answer.format, image: size }) : undefined;
    for (const r of edited?.refused ?? []) note(`edit ${r.edit + 1} not applied: ${r.reason}`);
    record = { ...record, completion: edited?.text ?? record.completion, mask: undefined };
    if (edited) answer = parseCompletion(record.completion, parseOpts);
  }

  const trainer = trainerSegmentation(answer);
  const noMask = trainer && !trainer.segmented ? { reason: trainer.reason } : undefined;
  let mask: (MaskPayload & { source: string; kind: SegmenterKind | 'logged' }) | undefined;
  let loggedMask: BinaryMask | undefined;
  if (record.mask) {
    try {
      // A logged mask is in the reward frame, the model frame or the image: never larger than all three.
      loggedMask = decodeRle(record.mask, { field: 'mask', maxPixels: Math.max(768 * 768, frame.width * frame.height, size ? size.width * size.height : 0) });
      mask = { ...loggedMask, source: 'logged mask (from the run)', kind: 'logged' };
    } catch (e) {
      note(`mask: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  // The trainer never segmented a rejected answer: making a mask for it here would show one it never had.
  if (!mask && !noMask && image && ctx.segment) {
    const r = ctx.resolve(record.image!);
    if ('path' in r) {
      const seg = await ctx.segment(r.path, answer, frame);
      if (seg) mask = { ...seg.mask, source: seg.source, kind: seg.kind };
    }
  }

  // Without a logged mask, the segmenter's mask (image pixels) is brought to the reward frame for scoring.
  const segMask = !loggedMask && mask ? { width: mask.width, height: mask.height, data: mask.data } : undefined;
  const scored: RolloutRecord = { ...record, rewards: logged.rewards, reward: logged.reward, advantage: logged.advantage };
  const toFrame = segMask && ((f: { width: number; height: number }) => resizeNearest(segMask, f.width, f.height));
  const rewards = await replayRewards(scored, frameSpec, gt?.gray, loggedMask, toFrame, false);
  const group = await groupMembers(index, members, frameSpec, gt?.gray, false);
  const step = record.step;
  const position = members.indexOf(i);
  const replay = async (): Promise<Omit<ViewReplay, 'revision'>> => {
    const full = await replayRewards(scored, frameSpec, gt?.gray, loggedMask, toFrame, true);
    const g = await groupMembers(index, members, frameSpec, gt?.gray, true);
    return { selection, ...full, group: g, groupZeroVariance: zeroVariance(g) };
  };
  const view: Omit<ViewPayload, 'revision'> = {
    selection,
    title: `${record.run ?? path.basename(path.dirname(ctx.logId))} · step ${step ?? '—'} · group ${record.group ?? '—'} · rollout ${record.sample ?? position}`,
    synthetic: isSynthetic(record),
    image,
    gt: gt && record.gt ? { ...gt.binary, path: record.gt } : undefined,
    mask,
    ...(noMask ? { noMask } : {}),
    rollout: {
      completion: record.completion,
      answer: answerDto(answer),
      frame,
      step,
      group: record.group,
      sample: record.sample,
      line,
      query: record.query,
      ...rewards,
      extra: extraRows(record),
      tokens: tokenPayload(logged, edits?.length ? record.completion : undefined),
    },
    glyphs: size ? glyphsOf(answer, frame, size) : [],
    edited: edits ? { originalCompletion: logged.completion, edits } : undefined,
    group,
    ...historyOf(index, i),
    groupZeroVariance: zeroVariance(group),
    problems,
    position: { index: position, count: members.length },
  };
  return { view, replay };
}

/** True when the group's logged rewards give GRPO no signal (the trainer's std ≈ 0). */
function zeroVariance(group: readonly GroupMember[]): boolean {
  const r = group.map((m) => m.reward).filter((v): v is number => v !== undefined && !Number.isNaN(v));
  return r.length > 1 && groupAdvantages(r).zeroVariance;
}

/**
 * Logged vs recomputed reward components, total and advantage. Replay uses the logged mask (the reward
 * frame's mask the trainer scored); without one the components are not recomputed here.
 */
async function replayRewards(
  record: RolloutRecord,
  frame: FrameSpec,
  gt: GrayImage | undefined,
  mask: BinaryMask | undefined,
  segmentToFrame: ((frame: { width: number; height: number }) => BinaryMask) | undefined,
  recompute: boolean,
): Promise<{ rewards: RewardRow[]; total: RewardRow; advantage: RewardRow }> {
  const replayed: Record<string, { components: Record<string, number>; total: number }> = {};
  if (gt && recompute) {
    for (const id of PANEL_REWARD_SETS) {
      const set = getRewardSet(id);
      if (!set) continue;
      try {
        const rewardFrame = modelFrameSize(frame, gt);
        const r = await set.score({
          completion: record.completion,
          gt,
          modelFrame: frame,
          loggedMask: mask,
          segment: !mask && segmentToFrame ? async () => segmentToFrame(rewardFrame) : undefined,
        });
        replayed[id] = { components: { ...r.components }, total: r.total };
      } catch {
        // A reward that cannot be recomputed (e.g. no mask) just shows no replayed value.
      }
    }
  }
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

/**
 * The group strip: each sibling's logged reward/advantage/components, a thumbnail of its logged mask, and
 * its total under the intended reward, so ranking inversions (logged order ≠ intended order) can be marked.
 */
async function groupMembers(index: RolloutIndex, members: readonly number[], frame: FrameSpec, gt: GrayImage | undefined, recompute: boolean): Promise<GroupMember[]> {
  const intendedSet = recompute ? getRewardSet('segr1-intended') : undefined;
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

/** Tolerance for "ranks differently": smaller gaps are ties. */
const RANK_EPS = 1e-6;

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

/**
 * The rollouts that share record `i`'s image, ordered by step then log order. A long run has more than `cap` of them:
 * then whole steps are kept, spread evenly from the first step to the last (and always record i's own), so the strip
 * still spans the whole of training — where the policy learned the image, or did not — and `steps` says how many
 * steps there were.
 */
export function imageHistory(index: RolloutIndex, i: number, cap = 512): { history: NonNullable<ViewPayload['history']>; steps: number; shownSteps: number } {
  const im = index.image[i]!;
  if (im < 0) return { history: [], steps: 0, shownSteps: 0 };
  const stepOf = (k: number) => (Number.isNaN(index.step[k]!) ? Number.POSITIVE_INFINITY : index.step[k]!);
  const ks: number[] = [];
  for (let k = 0; k < index.count; k++) if (index.image[k] === im) ks.push(k);
  ks.sort((a, b) => stepOf(a) - stepOf(b) || a - b);
  // Runs of one step: [start, end) into ks.
  const starts: number[] = [];
  for (let j = 0; j < ks.length; j++) if (j === 0 || stepOf(ks[j]!) !== stepOf(ks[j - 1]!)) starts.push(j);
  const steps = starts.length;
  let keep = ks;
  let shownSteps = steps;
  if (ks.length > cap && steps > 1) {
    const want = Math.max(2, Math.min(steps, Math.floor(cap / (ks.length / steps))));
    const chosen = new Set<number>();
    for (let t = 0; t < want; t++) chosen.add(Math.round((t * (steps - 1)) / (want - 1)));
    const own = stepOf(i);
    starts.forEach((s, t) => {
      if (stepOf(ks[s]!) === own) chosen.add(t);
    });
    keep = [];
    shownSteps = chosen.size;
    for (const t of [...chosen].sort((a, b) => a - b)) for (let j = starts[t]!, end = starts[t + 1] ?? ks.length; j < end; j++) keep.push(ks[j]!);
  }
  const history = keep.map((k) => {
    const r = index.reward[k]!;
    const s = index.sample[k]!;
    return { index: k, step: index.step[k]!, reward: Number.isNaN(r) ? undefined : r, sample: s >= 0 ? s : undefined };
  });
  return { history, steps, shownSteps };
}

function historyOf(index: RolloutIndex, i: number): Pick<ViewPayload, 'history' | 'historySteps'> {
  const { history, steps, shownSteps } = imageHistory(index, i);
  return shownSteps < steps ? { history, historySteps: steps } : { history };
}
