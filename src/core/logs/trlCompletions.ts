import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RolloutSink } from './adapterTypes';
import type { RolloutRecord } from './rollout';

/** Columns TRL's completions table always has (trl/trainer/grpo_trainer.py `log()`, `table = {...}`). */
export const TRL_FIXED_COLUMNS = ['step', 'prompt', 'completion', 'advantage'] as const;

/** Reward function names from a TRL trainer_state.json: `rewards/<name>/mean` (current) or `rewards/<name>` (0.14). */
export function rewardNamesFromLogHistory(logHistory: readonly Record<string, unknown>[]): string[] {
  const names = new Set<string>();
  for (const e of logHistory) {
    for (const k of Object.keys(e)) {
      const m = /^(?:eval_)?rewards\/(.+?)(?:\/(?:mean|std))?$/.exec(k);
      if (m) names.add(m[1]!);
    }
  }
  return [...names];
}

/** Reward names from the trainer_state.json of a TRL output_dir (or its last checkpoint), when there is one. */
export async function trlRewardNames(completionsDir: string): Promise<string[] | undefined> {
  const outputDir = dirname(completionsDir);
  for (const p of [join(outputDir, 'trainer_state.json'), join(completionsDir, 'trainer_state.json')]) {
    try {
      const state = JSON.parse(await readFile(p, 'utf8')) as { log_history?: Record<string, unknown>[] };
      if (Array.isArray(state.log_history)) return rewardNamesFromLogHistory(state.log_history);
    } catch {
      // No trainer state here; try the next place.
    }
  }
  return undefined;
}

function num(v: unknown): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return undefined;
}

/**
 * Turns rows of TRL's completions table (parquet file or W&B export) into rollouts: drops rows repeated
 * across files (TRL's `_logs` deques hold one generation batch, logged again at every optimizer step that
 * reuses it) and splits reward columns from `log_extra` columns. Groups are numbered by the conversion, after
 * its image join (TRL logs none; see GroupNumbering).
 */
export class TrlRowMapper {
  private readonly seen = new Map<string, { step: unknown; where: string }>();
  /** Rows dropped as repeats, per file. */
  readonly repeats = new Map<string, number>();

  /**
   * @param rewardNames reward function columns; undefined: every numeric column other than step/advantage.
   * @param rewardWeights GRPOConfig.reward_weights by name (default 1), for the total `reward` TRL never logs per row.
   * @param recordWeights whether each record carries them as `extra.reward_weights` (weights read from the run), so
   *   that replay weighs advantages as the run did.
   * @param runFields run-level GRPOConfig fields every record carries in `extra` (multi_objective_aggregation,
   *   scale_rewards), so that `auto` resolves to the run's estimator.
   */
  constructor(
    private readonly sink: RolloutSink,
    private readonly rewardNames: readonly string[] | undefined,
    private readonly rewardWeights: Readonly<Record<string, number>> = {},
    private readonly recordWeights = false,
    private readonly runFields: Readonly<Record<string, unknown>> = {},
  ) {}

  /** Map one row; `where` names the file and row for issues. */
  row(row: Record<string, unknown>, file: string, rowIndex: number): void {
    const completion = row.completion;
    if (typeof completion !== 'string') {
      this.sink.issue({ line: rowIndex + 1, file, severity: 'error', field: 'completion', message: `row ${rowIndex} has no completion text` });
      return;
    }
    const rewards: Record<string, number | null> = {};
    const extra: Record<string, unknown> = {};
    let total = 0;
    let any = false;
    for (const [k, v] of Object.entries(row)) {
      if ((TRL_FIXED_COLUMNS as readonly string[]).includes(k)) continue;
      const n = num(v);
      const isReward = this.rewardNames ? this.rewardNames.includes(k) : n !== undefined && k !== 'image';
      if (isReward) {
        // TRL writes NaN where a reward function returned None; JSON exports may carry null instead.
        const value = n !== undefined && Number.isFinite(n) ? n : null;
        rewards[k] = value;
        if (value !== null) {
          total += value * (this.rewardWeights[k] ?? 1);
          any = true;
        }
      } else if (k === 'image' && typeof v === 'string') {
        continue;
      } else extra[k] = typeof v === 'bigint' ? Number(v) : v;
    }
    if (this.recordWeights) extra.reward_weights = { ...this.rewardWeights };
    Object.assign(extra, this.runFields);
    const step = num(row.step);
    const advantage = num(row.advantage);
    const key = JSON.stringify([row.prompt, completion, advantage, rewards]);
    const first = this.seen.get(key);
    if (first) {
      this.repeats.set(file, (this.repeats.get(file) ?? 0) + 1);
      return;
    }
    this.seen.set(key, { step, where: `${file} row ${rowIndex}` });
    const r: RolloutRecord = {
      ...(step !== undefined ? { step } : {}),
      ...(typeof row.image === 'string' ? { image: row.image } : {}),
      ...(typeof row.prompt === 'string' ? { query: row.prompt } : {}),
      completion,
      ...(Object.keys(rewards).length ? { rewards } : {}),
      // TRL sums weighted rewards with nansum; a row whose every reward is None has no total.
      ...(any ? { reward: total } : {}),
      ...(advantage !== undefined && Number.isFinite(advantage) ? { advantage } : {}),
      ...(Object.keys(extra).length ? { extra } : {}),
    };
    this.sink.record(r, rowIndex + 1, file);
  }

  /** Report rows dropped as repeats, one issue per file. */
  finish(): void {
    for (const [file, n] of this.repeats) {
      this.sink.issue({ line: 0, file, severity: 'warning', message: `${n} rows repeat rows of earlier files (TRL logs one generation batch at each step that reuses it); kept once, at their first step` });
    }
  }
}
