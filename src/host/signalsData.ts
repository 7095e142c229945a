import { ADVANTAGE_ESTIMATOR_IDS, getAdvantageEstimator, type AdvantageEstimator, type AdvantageRollout } from '../core/rewards/advantageEstimators';
import type { AttributionLabel } from '../core/signals/labels';
import { SIGNAL_INFO } from '../core/signals/signalInfo';
import { signFlipShare } from '../core/signals/signFlips';
import { SIGNAL_IDS, stepSignals, type SignalRollout, type SignalSeries } from '../core/signals/stepSignals';
import type { SignalChart, SignalRunSeries, SignalsPayload, SignFlipChart } from '../shared/signalsProtocol';

/**
 * The signals section's payload from the core's numbers (no vscode here, so it is unit-tested): one chart per
 * signal with every run's series, and the sign-flip chart for the chosen alternative estimator.
 */

/** The alternative estimator the sign-flip chart starts with (GDPO: the estimator most likely to disagree). */
export const DEFAULT_ALTERNATIVE = 'trl-gdpo';

/** Problems named in the view (the rest are counted). */
const MAX_PROBLEMS_SHOWN = 3;

/** What the payload needs of one run. */
export interface SignalsRun {
  readonly log: string;
  readonly label: string;
  readonly rollouts: readonly SignalRollout[];
  readonly advantage: readonly AdvantageRollout[];
  /** The run's estimator (setting resolved for this log). */
  readonly base: AdvantageEstimator;
  /** Each run's component weights (its logged `reward_weights`, as replay reads them); absent: 1 each. */
  readonly weights?: (run: string) => readonly number[];
  /** Those weights named for the chart title (`weights segment×2, format×0.5`). */
  readonly weightsLabel?: string;
  /** Attribution labels by log line, when the pass has run on this log. */
  readonly labels?: ReadonlyMap<number, AttributionLabel>;
  /** Messages (`file:line: field …`) of the lines whose GT or mask could not be read. */
  readonly problems: readonly string[];
}

const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

function runSeries(log: string, label: string, s: SignalSeries): SignalRunSeries {
  return { log, label, steps: s.steps, mean: s.mean.map(finiteOrNull), n: s.n, excluded: s.excluded, flag: s.flag };
}

/**
 * The alternative to compare with: the one asked for when it is an estimator; else the default, unless every run
 * already uses it (then TRL's group estimator, so the chart compares two different estimators).
 */
export function pickAlternative(asked: string | undefined, bases: readonly string[]): string {
  if (asked !== undefined && getAdvantageEstimator(asked)) return asked;
  return bases.length > 0 && bases.every((b) => b === DEFAULT_ALTERNATIVE) ? 'trl-group' : DEFAULT_ALTERNATIVE;
}

/** The sign-flip chart for `alternative` (an estimator id). */
export function signFlipChart(runs: readonly SignalsRun[], alternative: string): SignFlipChart {
  const alt = getAdvantageEstimator(alternative);
  if (!alt) throw new Error(`unknown advantage estimator '${alternative}' (known: ${ADVANTAGE_ESTIMATOR_IDS.join(', ')})`);
  const series = runs.map((r) => ({ r, s: signFlipShare(r.advantage, r.base, alt, r.weights) }));
  const bases = [...new Set(runs.map((r) => `${r.base.id}${r.weightsLabel ? ` (${r.weightsLabel})` : ''}`))];
  return {
    id: 'sign-flips',
    title: `advantage sign flips: ${bases.join(' / ')} → ${alternative}`,
    unit: 'rollouts',
    why: '',
    thresholds: [],
    runs: series.map(({ r, s }) => ({ log: r.log, label: r.label, steps: s.steps, mean: s.mean.map(finiteOrNull), n: s.n, excluded: s.excluded, flag: s.steps.map(() => false) })),
    estimators: ADVANTAGE_ESTIMATOR_IDS,
    base: runs.map((r) => r.base.id),
    alternative,
    flips: series.map(({ s }) => s.flips),
  };
}

/** The whole section: every signal over every run (the reward-labelled share when any run has labels). */
export function signalsPayload(runs: readonly SignalsRun[], alternative: string): SignalsPayload {
  const perRun = runs.map((r) => stepSignals(r.rollouts, r.labels ? { labels: r.labels } : {}));
  const attribution = runs.some((r) => r.labels);
  const charts: SignalChart[] = [];
  for (const id of SIGNAL_IDS) {
    const info = SIGNAL_INFO[id];
    const shown = perRun.flatMap((list, k) => {
      const s = list.find((x) => x.id === id);
      return s ? [{ run: runs[k]!, s }] : [];
    });
    if (shown.length === 0) continue;
    charts.push({ id, title: info.title, unit: info.unit, why: info.why, thresholds: shown[0]!.s.thresholds, runs: shown.map(({ run, s }) => runSeries(run.log, run.label, s)) });
  }
  return { charts, attribution, signFlips: signFlipChart(runs, alternative), unreadable: runs.reduce((a, r) => a + r.problems.length, 0), problems: runs.flatMap((r) => r.problems).slice(0, MAX_PROBLEMS_SHOWN) };
}
