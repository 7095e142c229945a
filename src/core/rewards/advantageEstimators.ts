import { columnSums, f32, nanmeanFrom, nanToNum, rowSum, torchStdAll, trlNanstd } from './torchF32';

/**
 * Advantage estimators of the trainers people run, each exactly as its trainer computes it from the rewards
 * (torch float32 on the CPU; see torchF32.ts), for replaying advantages from replayed rewards. A group is the
 * rollouts of one `group` of one run, a batch all rollouts of one step of one run; rollouts keep their log order.
 *
 * Sources (line numbers of the versions the reference values in test/fixtures/rewards/advantages.json come from):
 * - TRL 1.13.0 trl/trainer/grpo_trainer.py:2785-2836 (`_generate_and_score_completions`, the block from
 *   `unscorable_mask` to `nan_to_num`), `nanstd` in trl/trainer/utils.py:864; rewards_per_func is float32 with NaN
 *   for a reward function's None (grpo_trainer.py:1687-1694), reward_weights float32 (grpo_trainer.py:542-544).
 * - verl (volcengine/verl b178a3c) verl/trainer/ppo/core_algos.py:267 `compute_grpo_outcome_advantage` and :477
 *   `compute_rloo_outcome_advantage`; the score is a float32 token_level_rewards entry summed over the response.
 */

/** Ids of the estimators, in display order. */
export const ADVANTAGE_ESTIMATOR_IDS = ['trl-group', 'trl-batch', 'trl-none', 'trl-gdpo', 'verl-grpo', 'verl-drgrpo', 'verl-rloo'] as const;

/** One estimator's id. */
export type AdvantageEstimatorId = (typeof ADVANTAGE_ESTIMATOR_IDS)[number];

/** One rollout as an estimator sees it. */
export interface AdvantageRollout {
  readonly run?: string;
  readonly step?: number;
  readonly group: string;
  /** Reward components in the reward set's order; null (or NaN) where the reward function returned None. */
  readonly components: readonly (number | null)[];
}

/** An estimator of the registry. */
export interface AdvantageEstimator {
  readonly id: AdvantageEstimatorId;
  readonly trainer: 'trl' | 'verl';
  /** What one advantage depends on: its group only, or its whole batch (a batch std). */
  readonly scope: 'group' | 'batch';
  /** The formula, for docs and tooltips. */
  readonly formula: string;
  /** Where the trainer computes it. */
  readonly source: string;
  /** Advantages in input order; `weights` by component (default 1). */
  estimate(rollouts: readonly AdvantageRollout[], weights?: readonly number[]): number[];
}

const TRL_EPS = f32(1e-4);
const VERL_EPS = f32(1e-6);

/** Indices of rollouts sharing a key, in first-seen order. */
function partition(rollouts: readonly AdvantageRollout[], key: (r: AdvantageRollout) => string): number[][] {
  const m = new Map<string, number[]>();
  rollouts.forEach((r, i) => {
    const k = key(r);
    let l = m.get(k);
    if (!l) m.set(k, (l = []));
    l.push(i);
  });
  return [...m.values()];
}

const groupKey = (r: AdvantageRollout) => JSON.stringify([r.run ?? '', r.group]);
const batchKey = (r: AdvantageRollout) => JSON.stringify([r.run ?? '', r.step ?? null]);

/** Component values as float32 with NaN for None, as `_calculate_rewards` fills rewards_per_func. */
function componentMatrix(rollouts: readonly AdvantageRollout[]): number[][] {
  return rollouts.map((r) => r.components.map((c) => (c === null ? Number.NaN : f32(c))));
}

function weightVector(n: number, weights: readonly number[] | undefined): number[] {
  return Array.from({ length: n }, (_, j) => f32(weights?.[j] ?? 1));
}

/** `(rewards_per_func * reward_weights).nansum(dim=1)`, NaN where every reward is None (`unscorable_mask`). */
function trlTotals(m: readonly number[][], w: readonly number[]): number[] {
  return m.map((row) => (row.every((v) => Number.isNaN(v)) ? Number.NaN : rowSum(row.map((v, j) => f32(v * w[j]!)), true)));
}

const nansumRow = (v: readonly number[]) => rowSum(v, true);
const countOf = (v: readonly number[]) => v.filter((x) => !Number.isNaN(x)).length;

/** TRL `sum_then_normalize` with `scale_rewards` group / batch / none. */
function trlSumThenNormalize(scale: 'group' | 'batch' | 'none'): AdvantageEstimator['estimate'] {
  return (rollouts, weights) => {
    const m = componentMatrix(rollouts);
    const totals = trlTotals(m, weightVector(Math.max(0, ...m.map((r) => r.length)), weights));
    const mean = new Array<number>(rollouts.length);
    const std = new Array<number>(rollouts.length).fill(0);
    for (const g of partition(rollouts, groupKey)) {
      const t = g.map((i) => totals[i]!);
      const mu = nanmeanFrom(nansumRow(t), countOf(t));
      // num_generations == 1: std is zeros (grpo_trainer.py:2798), else TRL's nanstd over the group row.
      const sd = scale !== 'batch' && g.length > 1 ? trlNanstd(t, nansumRow) : 0;
      for (const i of g) {
        mean[i] = mu;
        if (scale !== 'batch') std[i] = sd;
      }
    }
    if (scale === 'batch') {
      for (const b of partition(rollouts, batchKey)) {
        const t = b.map((i) => totals[i]!);
        const sd = b.length > 1 ? trlNanstd(t, nansumRow) : 0;
        for (const i of b) std[i] = sd;
      }
    }
    return totals.map((t, i) => {
      const d = f32(t - mean[i]!);
      return nanToNum(scale === 'none' ? d : f32(d / f32(std[i]! + TRL_EPS)));
    });
  };
}

/** TRL `normalize_then_sum` (GDPO): each component normalised in its group, weighted nansum, normalised over the batch. */
function trlGdpo(rollouts: readonly AdvantageRollout[], weights?: readonly number[]): number[] {
  const m = componentMatrix(rollouts);
  const f = Math.max(0, ...m.map((r) => r.length));
  const w = weightVector(f, weights);
  const full = m.map((r) => Array.from({ length: f }, (_, j) => r[j] ?? Number.NaN));
  const normalized = full.map((r) => r.slice());
  for (const g of partition(rollouts, groupKey)) {
    // grouped.view(-1, G, F) reduced over dim 1: a column reduction of the group's (G × F) block.
    const block = g.map((i) => full[i]!);
    const colSum = (rows: readonly (readonly number[])[]) => columnSums(rows, f, true);
    const counts = Array.from({ length: f }, (_, j) => countOf(block.map((r) => r[j]!)));
    const mean = colSum(block).map((s, j) => nanmeanFrom(s, counts[j]!));
    let std: number[];
    if (g.length > 1) {
      const sq = block.map((r) =>
        r.map((v, j) => {
          const d = f32(v - mean[j]!);
          return f32(d * d);
        }),
      );
      std = colSum(sq).map((s, j) => {
        const c = counts[j]!;
        return f32(Math.sqrt(f32(nanmeanFrom(s, c) * (c > 1 ? f32(c / (c - 1)) : Number.NaN))));
      });
    } else std = new Array<number>(f).fill(0);
    g.forEach((i, k) => {
      for (let j = 0; j < f; j++) normalized[i]![j] = f32(f32(block[k]![j]! - mean[j]!) / f32(std[j]! + TRL_EPS));
    });
  }
  const rewards = normalized.map((r, i) => (full[i]!.every((v) => Number.isNaN(v)) ? Number.NaN : rowSum(r.map((v, j) => f32(v * w[j]!)), true)));
  const out = new Array<number>(rollouts.length);
  for (const b of partition(rollouts, batchKey)) {
    const r = b.map((i) => rewards[i]!);
    const sd = b.length > 1 ? trlNanstd(r, nansumRow) : 0;
    const mu = nanmeanFrom(nansumRow(r), countOf(r));
    for (const i of b) out[i] = nanToNum(f32(f32(rewards[i]! - mu) / f32(sd + TRL_EPS)));
  }
  return out;
}

/** verl's score: compute_score's Python float (weighted sum, None → NaN) stored into float32 token_level_rewards. */
function verlScores(rollouts: readonly AdvantageRollout[], weights?: readonly number[]): number[] {
  return rollouts.map((r) => f32(r.components.reduce<number>((s, c, j) => s + (c === null ? Number.NaN : c) * (weights?.[j] ?? 1), 0)));
}

/** verl `compute_grpo_outcome_advantage`: group of one → mean 0, std 1; else torch.mean / torch.std. */
function verlGrpo(normByStd: boolean): AdvantageEstimator['estimate'] {
  return (rollouts, weights) => {
    const s = verlScores(rollouts, weights);
    const out = new Array<number>(rollouts.length);
    for (const g of partition(rollouts, groupKey)) {
      const v = g.map((i) => s[i]!);
      const mean = g.length === 1 ? 0 : f32(rowSum(v) / g.length);
      const std = g.length === 1 ? 1 : torchStdAll(v);
      for (const i of g) out[i] = normByStd ? f32(f32(s[i]! - mean) / f32(std + VERL_EPS)) : f32(s[i]! - mean);
    }
    return out;
  };
}

/** verl `compute_rloo_outcome_advantage`: r·n/(n−1) − mean·n/(n−1); a group of one keeps its score. */
function verlRloo(rollouts: readonly AdvantageRollout[], weights?: readonly number[]): number[] {
  const s = verlScores(rollouts, weights);
  const out = s.slice();
  for (const g of partition(rollouts, groupKey)) {
    const n = g.length;
    if (n < 2) continue;
    const mean = f32(rowSum(g.map((i) => s[i]!)) / n);
    const base = f32(f32(mean * n) / (n - 1));
    for (const i of g) out[i] = f32(f32(f32(s[i]! * n) / (n - 1)) - base);
  }
  return out;
}

const TRL_SRC = 'TRL 1.13 trl/trainer/grpo_trainer.py:2785-2836 (GRPOTrainer._generate_and_score_completions)';
const VERL_SRC = 'verl verl/trainer/ppo/core_algos.py';

const estimators: readonly AdvantageEstimator[] = [
  { id: 'trl-group', scope: 'group', trainer: 'trl', formula: '(r − mean_g) / (nanstd_g + 1e-4)', source: `${TRL_SRC}, scale_rewards="group"`, estimate: trlSumThenNormalize('group') },
  { id: 'trl-batch', scope: 'batch', trainer: 'trl', formula: '(r − mean_g) / (nanstd_batch + 1e-4)', source: `${TRL_SRC}, scale_rewards="batch"`, estimate: trlSumThenNormalize('batch') },
  { id: 'trl-none', scope: 'group', trainer: 'trl', formula: 'r − mean_g', source: `${TRL_SRC}, scale_rewards="none"`, estimate: trlSumThenNormalize('none') },
  {
    id: 'trl-gdpo',
    scope: 'batch',
    trainer: 'trl',
    formula: 'Σ_k w_k (r_k − mean_g,k) / (nanstd_g,k + 1e-4), then (x − mean_batch) / (nanstd_batch + 1e-4)',
    source: `${TRL_SRC}, multi_objective_aggregation="normalize_then_sum"`,
    estimate: trlGdpo,
  },
  { id: 'verl-grpo', scope: 'group', trainer: 'verl', formula: '(r − mean_g) / (std_g + 1e-6); group of one: mean 0, std 1', source: `${VERL_SRC}:267 compute_grpo_outcome_advantage`, estimate: verlGrpo(true) },
  { id: 'verl-drgrpo', scope: 'group', trainer: 'verl', formula: 'r − mean_g (group of one: r)', source: `${VERL_SRC}:267 compute_grpo_outcome_advantage, norm_adv_by_std_in_grpo=False`, estimate: verlGrpo(false) },
  { id: 'verl-rloo', scope: 'group', trainer: 'verl', formula: 'r·n/(n−1) − mean_g·n/(n−1) (group of one: r)', source: `${VERL_SRC}:477 compute_rloo_outcome_advantage`, estimate: verlRloo },
];

/** The estimator with this id, or undefined. */
export function getAdvantageEstimator(id: string): AdvantageEstimator | undefined {
  return estimators.find((e) => e.id === id);
}

/** Every estimator, in display order. */
export function listAdvantageEstimators(): readonly AdvantageEstimator[] {
  return estimators;
}

/** Trainer each rollout-log format comes from (formats not listed name no trainer). */
const FORMAT_TRAINER: Readonly<Record<string, 'trl' | 'verl'>> = {
  'trl-parquet': 'trl',
  'wandb-table': 'trl',
  'segr1-debug': 'trl',
  'vlmr1-debug': 'trl',
  verl: 'verl',
  'easyr1-generations': 'verl',
  'segzero-stdout': 'verl',
};

/** Reward sets trained with verl (Seg-Zero, VisionReasoner: `adv_estimator: grpo`); the others with TRL. */
const VERL_REWARD_SETS = new Set(['segzero', 'segzero-strict', 'visionreasoner']);

/**
 * TRL GRPOConfig fields choosing its advantage estimator, as a converted run logs them (`extra.*`): raw values,
 * judged here as TRL 1.13 does (grpo_config.py `scale_rewards`: "group" / true, "batch", "none" / false;
 * `multi_objective_aggregation`: "sum_then_normalize" or "normalize_then_sum").
 */
export interface TrlAdvantageConfig {
  readonly multiObjectiveAggregation?: unknown;
  readonly scaleRewards?: unknown;
}

/** The TRL estimator a run's GRPOConfig names; undefined when it names none this registry knows. */
function trlEstimatorOf(config: TrlAdvantageConfig): AdvantageEstimatorId | undefined {
  if (config.multiObjectiveAggregation === 'normalize_then_sum') return 'trl-gdpo';
  const s = config.scaleRewards;
  if (s === 'batch') return 'trl-batch';
  if (s === 'none' || s === false) return 'trl-none';
  if (s === 'group' || s === true || config.multiObjectiveAggregation === 'sum_then_normalize') return 'trl-group';
  return undefined;
}

/**
 * The estimator `auto` means: for a TRL log whose records carry the trainer's config, the estimator that config
 * names; else the trainer's default GRPO for a log whose format names its trainer, else the default of the trainer
 * the reward set was trained with.
 */
export function defaultAdvantageEstimator(rewardSetId: string, format?: string, config?: TrlAdvantageConfig): AdvantageEstimatorId {
  const trainer = (format !== undefined ? FORMAT_TRAINER[format] : undefined) ?? (VERL_REWARD_SETS.has(rewardSetId) ? 'verl' : 'trl');
  if (trainer === 'verl') return 'verl-grpo';
  return (config && trlEstimatorOf(config)) ?? 'trl-group';
}

/**
 * Resolve a user's choice (`auto` or an id); throws naming the known ids for anything else. `config`: the TRL
 * run's logged advantage settings, which `auto` follows.
 */
export function resolveAdvantageEstimator(choice: string | undefined, rewardSetId: string, format?: string, config?: TrlAdvantageConfig): AdvantageEstimator {
  const id = choice === undefined || choice === 'auto' ? defaultAdvantageEstimator(rewardSetId, format, config) : choice;
  const e = getAdvantageEstimator(id);
  if (!e) throw new Error(`unknown advantage estimator '${id}' (known: auto, ${ADVANTAGE_ESTIMATOR_IDS.join(', ')})`);
  return e;
}
