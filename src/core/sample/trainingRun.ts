/**
 * The synthetic GRPO run: for each step and group, the simulated policy answers G times, the classical
 * segmenter turns each answer into a mask on the 768×768-squashed image (as Seg-R1's trainer does with SAM2),
 * and the project's own reward set scores it. Nothing here computes a reward or an advantage itself.
 *
 * Why segment on the squashed image rather than at the original size: that is what Seg-R1's trainer does
 * (grpo.py resizes the image to 768² before SAM2 sees it), so the logged masks and rewards are the ones training
 * would have computed, and `segr1 replay` reproduces them.
 */
import * as path from 'node:path';
import { encodeRle } from '../image/rle';
import { loadFrameImage } from '../image/frameImage';
import type { BinaryMask } from '../image/types';
import type { RolloutRecord } from '../logs/rollout';
import type { RewardSet } from '../rewards/types';
import type { EncodedImage, Segmenter } from '../segment/segmenter';
import { segmentAnswer } from '../segment/segmentAnswer';
import { SAMPLE_RUN_ID, SEGR1_USER_PROMPT, type SampleConfig } from './config';
import { MALFORMED_KINDS, estimateTokens, reasoningText, writeCompletion, type MalformedKind } from './completionText';
import type { SampleItem } from './dataset';
import { drawAnswer, frameMask, frameObjects, type FrameObject } from './policy';
import { Rng } from './random';

/** The reward code a run is scored with: a registry entry and GRPO's group-relative advantages. */
export interface RunScoring {
  readonly rewardSet: RewardSet;
  /** Advantages of one group's total rewards, in order. */
  readonly advantages: (rewards: readonly number[]) => readonly number[];
}

/** A finished synthetic run: the rollout records and the TRL-style trainer state. */
export interface SyntheticRun {
  readonly records: RolloutRecord[];
  readonly trainerState: TrainerState;
}

/** One `log_history` entry as TRL's GRPOTrainer writes it for Seg-R1 (reward functions `segmentation_reward`, `format_reward`). */
export interface LogHistoryEntry {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly learning_rate: number;
  readonly completion_length: number;
  readonly 'rewards/segmentation_reward': number;
  readonly 'rewards/format_reward': number;
  readonly reward: number;
  readonly reward_std: number;
  readonly kl: number;
}

/** The subset of Hugging Face `trainer_state.json` the workbench reads, plus a SYNTHETIC note. */
export interface TrainerState {
  readonly global_step: number;
  readonly max_steps: number;
  readonly epoch: number;
  readonly logging_steps: number;
  readonly train_batch_size: number;
  readonly log_history: LogHistoryEntry[];
  readonly synthetic: string;
}

/** Seg-R1's KL coefficient (TRL 0.14 default β) and learning rate. */
const KL_BETA = 0.04;
const LEARNING_RATE = 1e-6;

/**
 * Which (step, group, sample) slots carry a deliberate malformation: each kind once at a fixed early slot (so
 * every kind is present), plus random ones whose rate falls as training goes on, as format errors do.
 */
export function malformedAt(config: SampleConfig, step: number, group: number, sample: number): MalformedKind | undefined {
  const forced = MALFORMED_KINDS.findIndex((_, k) => step === 1 + k && group === k % config.groupsPerStep && sample === k % config.groupSize);
  if (forced >= 0) return MALFORMED_KINDS[forced];
  const p = (step - 1) / Math.max(1, config.steps - 1);
  const rng = Rng.derive(config.seed, 0xbad, step, group, sample);
  return rng.chance(0.05 * (1 - p) + 0.008) ? rng.pick(MALFORMED_KINDS) : undefined;
}

/** Per-image state the run needs, prepared once and reused by every group that shows the image. */
interface PreparedItem {
  readonly item: SampleItem;
  readonly encoded: EncodedImage;
  readonly objects: FrameObject[];
  readonly mask: Uint8Array;
}

/** Simulate the run over the written dataset under `root`. */
export async function simulateRun(root: string, items: readonly SampleItem[], config: SampleConfig, segmenter: Segmenter, scoring: RunScoring): Promise<SyntheticRun> {
  const frame = config.frame;
  const prepared = new Map<number, PreparedItem>();
  const prepare = async (i: number): Promise<PreparedItem> => {
    const have = prepared.get(i);
    if (have) return have;
    const item = items[i]!;
    const encoded = await segmenter.encode(await loadFrameImage(path.join(root, item.image), frame));
    const p: PreparedItem = { item, encoded, objects: frameObjects(item.objects, item.width, item.height, frame), mask: frameMask(item.gtMask, frame) };
    prepared.set(i, p);
    return p;
  };
  const records: RolloutRecord[] = [];
  const log: LogHistoryEntry[] = [];
  for (let step = 1; step <= config.steps; step++) {
    const progress = (step - 1) / Math.max(1, config.steps - 1);
    const stepRecords: RolloutRecord[] = [];
    const groupStds: number[] = [];
    for (let g = 0; g < config.groupsPerStep; g++) {
      const itemIndex = ((step - 1) * config.groupsPerStep + g) % items.length;
      const prep = await prepare(itemIndex);
      const { item } = prep;
      const group: Array<{ completion: string; tokens: number; kind?: MalformedKind; target: string; components: Record<string, number>; total: number; details: Record<string, number>; mask?: BinaryMask; boxes: unknown; points: unknown }> = [];
      for (let k = 0; k < config.groupSize; k++) {
        const rng = Rng.derive(config.seed, 0x7011, step, g, k);
        const answer = drawAnswer(rng, prep.objects, prep.mask, frame, progress);
        const think = reasoningText(rng, item.palette, prep.objects, answer, frame, progress);
        const kind = malformedAt(config, step, g, k);
        const written = writeCompletion(rng, think, answer, frame, kind);
        // The one place rewards are computed: the project's reward set, fed the logged-style inputs.
        const result = await scoring.rewardSet.score({
          completion: written.text,
          gt: item.gtMask,
          modelFrame: { kind: 'square', size: frame },
          segment: (parsed) => segmentAnswer(segmenter, prep.encoded, parsed),
          segmenter,
        });
        group.push({
          completion: written.text,
          tokens: estimateTokens(written.text),
          ...(kind ? { kind } : {}),
          target: answer.target,
          components: { ...result.components },
          total: result.total,
          details: { ...result.details },
          ...(result.mask ? { mask: result.mask } : {}),
          boxes: written.boxes,
          points: written.points,
        });
      }
      const totals = group.map((r) => r.total);
      const adv = scoring.advantages(totals);
      groupStds.push(sampleStd(totals));
      group.forEach((r, k) => {
        stepRecords.push({
          run: SAMPLE_RUN_ID,
          step,
          group: `${item.stem}@${step}`,
          sample: k,
          image: item.image,
          gt: item.gt,
          task: 'cod',
          query: SEGR1_USER_PROMPT,
          completion: r.completion,
          model_frame: { width: frame, height: frame },
          rewards: r.components,
          reward: r.total,
          advantage: adv[k]!,
          ...(r.mask ? { mask: encodeRle(r.mask) } : {}),
          extra: {
            synthetic: true,
            segmenter: segmenter.info.id,
            policy_target: r.target,
            ...(r.kind ? { malformed: r.kind } : {}),
            intended: { boxes: r.boxes, points: r.points },
            reward_details: r.details,
            completion_tokens: r.tokens,
          },
        });
      });
    }
    records.push(...stepRecords);
    log.push(logEntry(step, stepRecords, groupStds, (step * config.groupsPerStep) / items.length));
  }
  const epoch = (config.steps * config.groupsPerStep) / items.length;
  return {
    records,
    trainerState: {
      global_step: config.steps,
      max_steps: config.steps,
      epoch,
      logging_steps: 1,
      train_batch_size: config.groupsPerStep * config.groupSize,
      log_history: log,
      synthetic: 'SYNTHETIC sample written by `segr1 sample`: rewards are real (classical segmenter + segr1-reference reward set), kl is a made-up smooth curve, loss = β·kl as GRPO logs it.',
    },
  };
}

/**
 * One step's TRL log entry. Reward means are over all rollouts of the step; reward_std is the mean of the groups'
 * Bessel-corrected standard deviations (TRL 0.14 logs `std_grouped_rewards.mean()`); kl is synthetic (no policy
 * exists) — a slow rise like real runs — and loss follows from it, since GRPO's advantage term averages to zero.
 */
function logEntry(step: number, recs: readonly RolloutRecord[], groupStds: readonly number[], epoch: number): LogHistoryEntry {
  const mean = (f: (r: RolloutRecord) => number): number => recs.reduce((a, r) => a + f(r), 0) / Math.max(1, recs.length);
  const kl = 0.0004 * step ** 1.4;
  return {
    step,
    epoch: round6(epoch),
    loss: round6(KL_BETA * kl),
    learning_rate: LEARNING_RATE,
    completion_length: round6(mean((r) => Number((r.extra as { completion_tokens?: number } | undefined)?.completion_tokens ?? 0))),
    'rewards/segmentation_reward': round6(mean((r) => r.rewards?.['segment'] ?? 0)),
    'rewards/format_reward': round6(mean((r) => r.rewards?.['format'] ?? 0)),
    reward: round6(mean((r) => r.reward ?? 0)),
    reward_std: round6(groupStds.reduce((a, v) => a + v, 0) / Math.max(1, groupStds.length)),
    kl: round6(kl),
  };
}

function sampleStd(v: readonly number[]): number {
  if (v.length < 2) return 0;
  const m = v.reduce((a, x) => a + x, 0) / v.length;
  return Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (v.length - 1));
}

function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}
