import type { AnswerFormat } from '../core/completion/types';
import type { RolloutIndex } from '../core/logs/indexBuilder';
import { getAdvantageEstimator, listAdvantageEstimators, resolveAdvantageEstimator, type AdvantageEstimator } from '../core/rewards/advantageEstimators';
import { componentWeights, weightsLabel, type LogRunConfig } from '../core/logs/runConfig';
import { advantageWhatIf, canonicalComponent, signFlips, whatIfBatch, wouldBeRows, type WhatIfBatch } from '../core/signals/advantageWhatIf';
import type { AdvantageWhatIf, RewardRow } from '../shared/protocol';

/**
 * The panel's advantage what-ifs, computed on the host from the log's index (every rollout of the step is there, so
 * the batch-scoped estimators are exact): one table per shown rollout, and the would-be advantages once an edited
 * rollout has been re-scored. No vscode here: the panel passes settings in.
 */

/** The reward set a rollout's answer format was trained with (it names the trainer `auto` resolves to). */
function rewardSetOf(format: AnswerFormat | undefined): string {
  return format === 'segzero' ? 'segzero' : format === 'visionreasoner' ? 'visionreasoner' : 'segr1-reference';
}

/**
 * The run's estimator: the `segr1.advantage.estimator` setting, or for `auto` (and for a hand-edited value outside
 * the list) the trainer the log format names, else the answer format's reward set's.
 */
export function runEstimator(choice: string, logFormat: string | undefined, answerFormat: AnswerFormat | undefined, config?: LogRunConfig): AdvantageEstimator {
  return resolveAdvantageEstimator(getAdvantageEstimator(choice) ? choice : 'auto', rewardSetOf(answerFormat), logFormat, config?.trainer);
}

/** The weights of record `i`'s run aligned with the batch's components (as replay weighs them), and their label. */
function batchWeights(index: RolloutIndex, i: number, batch: WhatIfBatch, config: LogRunConfig | undefined): { weights: number[]; label: string } {
  const r = index.run[i]!;
  const weights = componentWeights(config, r >= 0 ? index.runs[r]! : '', batch.components, canonicalComponent);
  return { weights, label: weightsLabel(batch.components, weights) };
}

const loggedOf = (index: RolloutIndex) => (k: number) => {
  const a = index.advantage[k]!;
  return Number.isNaN(a) ? undefined : a;
};

const sampleOf = (index: RolloutIndex, k: number) => {
  const s = index.sample[k]!;
  return s >= 0 ? { sample: s } : {};
};

/** The what-if table of record `i`'s group under every estimator (logged rewards, whole step). */
export function whatIfPayload(index: RolloutIndex, i: number, run: AdvantageEstimator, config?: LogRunConfig): AdvantageWhatIf {
  const batch = whatIfBatch(index, i);
  const w = batchWeights(index, i, batch, config);
  const table = advantageWhatIf(batch, run, loggedOf(index), w.weights);
  return {
    run: run.id,
    estimators: listAdvantageEstimators().map((e) => ({ id: e.id, trainer: e.trainer, scope: e.scope, formula: e.formula, source: e.source })),
    components: batch.components,
    totalOnly: batch.totalOnly,
    batchSize: table.batchSize,
    rows: table.rows.map((r) => ({ index: r.record, ...sampleOf(index, r.record), ...(r.logged !== undefined ? { logged: r.logged } : {}), values: r.values, flips: r.flips })),
    weights: w.label,
  };
}

/**
 * The table with the would-be advantages of an edit: record `i` re-scored (its replayed components under `rewardSet`)
 * in its group under the run's estimator. Unchanged when the re-score produced no value at all.
 */
export function withWouldBe(
  payload: AdvantageWhatIf,
  index: RolloutIndex,
  i: number,
  run: AdvantageEstimator,
  scored: { readonly rewards: readonly RewardRow[]; readonly total: RewardRow; readonly rewardSet: string },
  config?: LogRunConfig,
): AdvantageWhatIf {
  const components: Record<string, number> = {};
  for (const r of scored.rewards) {
    const v = r.replayed[scored.rewardSet];
    if (v !== undefined) components[r.name] = v;
  }
  const total = scored.total.replayed[scored.rewardSet];
  if (!Object.keys(components).length && total === undefined) return payload;
  const batch = whatIfBatch(index, i);
  const w = wouldBeRows(batch, i, run, { components, ...(total !== undefined ? { total } : {}) }, loggedOf(index), batchWeights(index, i, batch, config).weights);
  return {
    ...payload,
    wouldBe: {
      edited: w.edited,
      rows: w.rows.map((r) => ({ index: r.record, ...sampleOf(index, r.record), ...(r.logged !== undefined ? { logged: r.logged } : {}), before: r.before, after: r.after, flips: signFlips(r.logged ?? r.before, r.after) })),
      components: w.components,
      kept: w.kept,
    },
  };
}
