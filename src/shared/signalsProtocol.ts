/**
 * The reward-hacking signal charts and the advantage sign-flip chart of the traces view (issue 17 item 4, issue 14
 * item 5): what the host sends (computed by core/signals) and what the view asks for. Plain JSON, NaN as null.
 */

/** One run's values on one signal chart, per step. */
export interface SignalRunSeries {
  readonly log: string;
  readonly label: string;
  readonly steps: readonly number[];
  /** The step's value (null: every unit was left out). */
  readonly mean: ReadonlyArray<number | null>;
  /** Units the value rests on (groups or rollouts). */
  readonly n: readonly number[];
  /** Units left out (an undefined τ, a rollout without the value). */
  readonly excluded: readonly number[];
  /** Whether the value crosses a threshold line. */
  readonly flag: readonly boolean[];
}

/** A threshold line with its label and reason. */
export interface SignalThresholdLine {
  readonly value: number;
  /** Values on this side are flagged. */
  readonly side: 'below' | 'above';
}

/** One small-multiple chart. */
export interface SignalChart {
  /** Signal id (`reward-iou-tau`, …) or `sign-flips`. */
  readonly id: string;
  readonly title: string;
  /** What a step's value is taken over. */
  readonly unit: 'groups' | 'rollouts';
  /** Why the threshold sits where it does (empty for a chart without one). */
  readonly why: string;
  readonly thresholds: readonly SignalThresholdLine[];
  readonly runs: readonly SignalRunSeries[];
}

/** The sign-flip chart and its picker. */
export interface SignFlipChart extends SignalChart {
  /** Every estimator id, in the picker's order. */
  readonly estimators: readonly string[];
  /** The run's estimator per run (`segr1.advantage.estimator`, `auto` resolved per log), in `runs` order. */
  readonly base: readonly string[];
  readonly alternative: string;
  /** Per run, per step: rollouts whose sign flips. */
  readonly flips: ReadonlyArray<readonly number[]>;
}

/** Everything the signals section draws. */
export interface SignalsPayload {
  /** Signal charts in display order; the reward-labelled share only once attribution has run. */
  readonly charts: readonly SignalChart[];
  /** Whether attribution labels were available (else the view shows how to get them). */
  readonly attribution: boolean;
  readonly signFlips: SignFlipChart;
  /** Lines whose GT or mask could not be read (those rollouts keep the values they have). */
  readonly unreadable: number;
  /** The first few of them, as `file:line: field …`. */
  readonly problems: readonly string[];
}
