import * as path from 'node:path';
import type { ParsedAnswer } from '../core/completion/types';
import type { PromptEdit } from '../core/edit/promptEdits';
import { modelToImage } from '../core/geometry/frames';
import type { RolloutIndex } from '../core/logs/jsonlIndex';
import type { RolloutRecord } from '../core/logs/rollout';
import { answerDto, type Glyph, type GroupMember, type Selection, type ViewPayload, type ViewReplay } from '../shared/protocol';
import { assetSize, type RolloutAssets } from './rolloutAssets';
import type { RolloutMasks } from './rolloutMasks';
import type { ParsedRollout } from './rolloutParse';
import { zeroVariance, type RewardRows, type RolloutScores } from './rolloutScore';
import { tokenPayload } from './tokenPayload';

/** Everything the view step assembles: the rollout's place in its log and the four earlier steps' results. */
export interface PayloadInput {
  /** The log's id in selections. */
  readonly logId: string;
  readonly index: RolloutIndex;
  /** The rollout's index in `index`. */
  readonly i: number;
  /** The rollout's group: indices into `index`. */
  readonly members: readonly number[];
  /** The record as logged (its tokens wrote the logged completion). */
  readonly logged: RolloutRecord;
  /** The edits asked for, when the view re-segments or edits the rollout. */
  readonly edits?: readonly PromptEdit[];
  readonly assets: RolloutAssets;
  readonly parsed: ParsedRollout;
  readonly masks: RolloutMasks;
  readonly scores: RolloutScores;
  /** The problems met so far, shown above the canvas. */
  readonly problems: readonly string[];
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

/** The selection a rollout view answers. */
export function rolloutSelection(logId: string, i: number): Selection {
  return { kind: 'rollout', log: logId, index: i };
}

/**
 * Step 5 of a rollout view: the panel's payload from the earlier steps' results. It carries logged values only, so it
 * paints at once; `replayPayload` is the follow-up with the replayed rewards.
 */
export function rolloutPayload(input: PayloadInput): Omit<ViewPayload, 'revision'> {
  const { index, i, members, logged, edits, assets, masks, scores } = input;
  const { record, answer, frame } = input.parsed;
  const { image, gt } = assets;
  const size = assetSize(assets);
  const position = members.indexOf(i);
  return {
    selection: rolloutSelection(input.logId, i),
    title: `${record.run ?? path.basename(path.dirname(input.logId))} · step ${record.step ?? '—'} · group ${record.group ?? '—'} · rollout ${record.sample ?? position}`,
    synthetic: isSynthetic(record),
    image,
    gt: gt && record.gt ? { ...gt.binary, path: record.gt } : undefined,
    mask: masks.mask,
    ...(masks.noMask ? { noMask: masks.noMask } : {}),
    rollout: {
      completion: record.completion,
      answer: answerDto(answer),
      frame,
      step: record.step,
      group: record.group,
      sample: record.sample,
      line: index.line[i]!,
      query: record.query,
      ...scores.rows,
      extra: extraRows(record),
      tokens: tokenPayload(logged, edits?.length ? record.completion : undefined),
    },
    glyphs: size ? glyphsOf(answer, frame, size) : [],
    edited: edits ? { originalCompletion: logged.completion, edits } : undefined,
    group: scores.group,
    ...historyOf(index, i),
    groupZeroVariance: zeroVariance(scores.group),
    problems: input.problems,
    position: { index: position, count: members.length },
  };
}

/** The follow-up to a view: the replayed reward table and group strip of the same selection. */
export function replayPayload(selection: Selection, replayed: { rows: RewardRows; group: GroupMember[] }): Omit<ViewReplay, 'revision'> {
  return { selection, ...replayed.rows, group: replayed.group, groupZeroVariance: zeroVariance(replayed.group) };
}

/** Extra (unnamed) fields as display strings. */
function extraRows(r: RolloutRecord): Array<readonly [string, string]> {
  return Object.entries(r.extra ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)] as const);
}

function isSynthetic(r: RolloutRecord): boolean {
  return r.extra?.synthetic === true || /synthetic/i.test(r.run ?? '');
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
