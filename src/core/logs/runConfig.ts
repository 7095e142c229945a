import type { LogIssue } from './issues';
import { parsePythonJsonLine } from './jsonParse';
import { recordRewardWeights, RunWeightsReader, weightsFor, type LoggedRewardWeights } from './rewardWeights';
import { forEachTextLine } from './textLines';

/**
 * What a rollout log says of its runs' trainer configuration, read the way replay reads it: each run's reward
 * weights (first usable `reward_weights` per run; see {@link RunWeightsReader}) and TRL's advantage settings
 * (`multi_objective_aggregation`, `scale_rewards`, which conversions of TRL runs put in `extra`). For consumers that
 * hold only a log's index (the panel's what-ifs, the sign-flip chart, `segr1 signals`).
 */

/** TRL GRPOConfig fields that choose its advantage estimator, as logged (raw values; the resolver judges them). */
export interface TrainerAdvantageConfig {
  readonly multiObjectiveAggregation?: unknown;
  readonly scaleRewards?: unknown;
}

/** A log's run configuration. */
export interface LogRunConfig {
  /** Reward weights per run (null: records without a run). */
  readonly weights: RunWeightsReader;
  /** TRL's advantage settings, from the first record logging either (estimators are chosen per log, as replay does). */
  readonly trainer: TrainerAdvantageConfig;
}

const NEEDLES = ['reward_weights', 'multi_objective_aggregation', 'scale_rewards'];

/** The run-level field `name` of a record: its own, else its `extra`'s (where a conversion put TRL's). */
function runField(rec: Readonly<Record<string, unknown>>, name: string): unknown {
  if (rec[name] !== undefined) return rec[name];
  const extra = rec.extra && typeof rec.extra === 'object' ? (rec.extra as Record<string, unknown>) : undefined;
  return extra?.[name];
}

/** TRL's advantage settings a record logs (own field, else `extra`'s); undefined when it logs neither. */
export function trainerConfigOf(rec: Readonly<Record<string, unknown>>): TrainerAdvantageConfig | undefined {
  const agg = runField(rec, 'multi_objective_aggregation');
  const scale = runField(rec, 'scale_rewards');
  if (agg === undefined && scale === undefined) return undefined;
  return { ...(agg !== undefined ? { multiObjectiveAggregation: agg } : {}), ...(scale !== undefined ? { scaleRewards: scale } : {}) };
}

/** Accumulates records (in line order) into a {@link LogRunConfig}; replay and {@link readLogRunConfig} share it. */
export class RunConfigReader {
  readonly weights: RunWeightsReader;
  private trainerConfig: TrainerAdvantageConfig | undefined;

  /** `onIssue`: unusable or conflicting reward weights, with line and field. */
  constructor(onIssue: (issue: LogIssue) => void) {
    this.weights = new RunWeightsReader(onIssue);
  }

  /** Take what the record at `line` says of its run. */
  add(rec: Readonly<Record<string, unknown>>, line: number): void {
    this.addLogged(typeof rec.run === 'string' ? rec.run : null, line, recordRewardWeights(rec), trainerConfigOf(rec));
  }

  /** Take what a record of `run` at `line` logged, already picked from it (replay's per-line pass does). */
  addLogged(run: string | null, line: number, weights: LoggedRewardWeights | undefined, trainer: TrainerAdvantageConfig | undefined): void {
    this.weights.add(run, line, weights);
    if (!this.trainerConfig && trainer) this.trainerConfig = trainer;
  }

  /** What was read. */
  result(): LogRunConfig {
    return { weights: this.weights, trainer: this.trainerConfig ?? {} };
  }
}

/**
 * Read a JSONL log's run configuration, streaming. Only lines naming one of the fields are parsed (a record without
 * them says nothing of its run); lines that are not JSON are the index's to report, not this reader's.
 */
export async function readLogRunConfig(path: string, onIssue: (issue: LogIssue) => void, maxLineBytes?: number): Promise<LogRunConfig> {
  const reader = new RunConfigReader(onIssue);
  await forEachTextLine(
    path,
    (text, lineNo) => {
      if (!NEEDLES.some((n) => text.includes(n))) return;
      let rec: unknown;
      try {
        rec = parsePythonJsonLine(text, lineNo);
      } catch {
        return;
      }
      if (rec && typeof rec === 'object' && !Array.isArray(rec)) reader.add(rec as Record<string, unknown>, lineNo);
    },
    () => undefined,
    maxLineBytes !== undefined ? { maxLineBytes } : {},
  );
  return reader.result();
}

/**
 * Weights aligned with `components` (a log's component names, e.g. an index's) for `run` (`''`: records without
 * one): the run's logged weights by name (or by the name `match` folds both to), else 1 each. A log without
 * components sums nothing: its one component, the logged total, already carries the weights.
 */
export function componentWeights(config: LogRunConfig | undefined, run: string, components: readonly string[], match?: (name: string) => string): number[] {
  const logged = config?.weights.get(run) ?? (run === '' ? config?.weights.get(null) : undefined);
  return weightsFor(components, logged?.weights, match);
}

/** The weights as the estimator's name is shown beside them: `segment×2, format×0.5`, or `weights 1` when all are 1. */
export function weightsLabel(components: readonly string[], weights: readonly number[]): string {
  if (weights.every((w) => w === 1)) return 'weights 1';
  return `weights ${components.map((c, j) => `${c}×${weights[j] ?? 1}`).join(', ')}`;
}
