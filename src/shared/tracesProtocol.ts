/**
 * The channel between the extension host and the reward-traces webview: request and notification maps for an
 * `RpcEndpoint` on each end, and the wire types (DTOs) they carry. The DTOs are plain JSON-able shapes declared here,
 * not core types: the host assigns core values to them, so a change to a core type fails to compile at that
 * assignment instead of silently changing what the webview receives.
 */
import type { SignalsPayload } from './signalsProtocol';

/** An attribution label as the traces show it (the core's `AttributionLabel`). */
export type AttributionLabelDto = 'format' | 'segmenter' | 'policy' | 'reward' | 'ok';

/** Which rollouts the format-failure filter keeps. */
export type FailureFilterDto = 'all' | 'only' | 'hide';

/** A completion search: literal or regex (JavaScript syntax), with or without case. */
export interface SearchSpecDto {
  /** The text to find, or a regular expression source when `regex` is set. */
  readonly pattern: string;
  readonly regex?: boolean;
  readonly ignoreCase?: boolean;
  /** Only rollouts of this run, or of this step. */
  readonly run?: string;
  readonly step?: number;
}

/** A search saved as a filter chip; `active` chips restrict the rollout list. */
export interface SavedSearchDto {
  readonly name: string;
  readonly spec: SearchSpecDto;
  readonly active: boolean;
}

/** One per-step series of a run (mean and quantile band), as computed by core/traces. */
export interface TraceSeries {
  readonly name: string;
  /** Chart group: rewards, behaviour (lengths, failure rates), prompts, trainer. */
  readonly group: 'rewards' | 'behaviour' | 'prompts' | 'trainer';
  readonly steps: readonly number[];
  readonly mean: readonly number[];
  readonly lo: readonly number[];
  readonly hi: readonly number[];
  readonly n: readonly number[];
}

/** One run's traces. */
export interface TraceRun {
  /** Log file path: the run id in selections. */
  readonly log: string;
  readonly label: string;
  readonly series: readonly TraceSeries[];
}

/** What the traces view needs to know about the rollout list; rows are paged in with `list/query`. */
export interface RolloutTableInfo {
  readonly total: number;
  /** Numeric columns, in display order (after line, step, group, sample). */
  readonly columns: readonly string[];
}

/** Everything the traces view draws. */
export interface TracesPayload {
  readonly runs: readonly TraceRun[];
  readonly table: RolloutTableInfo;
  /** True when the data is the embedded synthetic sample. */
  readonly synthetic: boolean;
}

/** Which rows of the rollout list, in which order: filtering and sorting run on the host, next to the data. */
export interface ListQuery {
  readonly sortKey: string;
  readonly dir: 1 | -1;
  /** Inclusive step range from the brush; absent = all steps. */
  readonly stepRange?: readonly [number, number];
  /** Keep only the first `limit` rows after sorting ("worst N"); 0 = all. */
  readonly limit: number;
  readonly offset: number;
  readonly count: number;
  /** Keep only rollouts with this attribution label (override applied), optionally on this image (path as logged). */
  readonly attribution?: { readonly label: AttributionLabelDto; readonly image?: string };
  /** Keep only rollouts whose answer fails to parse ('only') or the others ('hide'); absent = all. */
  readonly formatFailures?: FailureFilterDto;
  /** Active saved searches: keep only rollouts whose completion matches every one. */
  readonly searches?: readonly SearchSpecDto[];
}

/** One row of the rollout list. */
export interface ListRow {
  /** Position in the filtered, sorted list. */
  readonly position: number;
  readonly log: string;
  readonly record: number;
  readonly line: number;
  readonly step: number;
  readonly group: string;
  readonly sample: number;
  /** Values of `RolloutTableInfo.columns`, NaN when absent. */
  readonly values: readonly number[];
  /** Attribution label (override applied; `*` marks an override) once the pass has run. */
  readonly label?: string;
}

/** A page of the rollout list. */
export interface ListPage {
  /** Rows after filtering (before paging). */
  readonly total: number;
  readonly rows: readonly ListRow[];
}

/** Label counts, every label present. */
export type LabelCountsDto = Readonly<Record<AttributionLabelDto, number>>;

/** Label counts per step and per image (the core's `Taxonomy`). */
export interface TaxonomyDto {
  readonly steps: ReadonlyArray<{ readonly step: number; readonly counts: LabelCountsDto }>;
  readonly images: ReadonlyArray<{ readonly image: string; readonly counts: LabelCountsDto }>;
  readonly total: LabelCountsDto;
}

/** What the traces' taxonomy section draws. */
export interface TaxonomyPayload {
  readonly taxonomy: TaxonomyDto;
  /** The engine that segmented the oracles (the classical fallback is labelled as such). */
  readonly segmenter: string;
  readonly thresholds: { readonly tauSeg: number; readonly delta: number };
  /** Rollouts the pass could not attribute (bad lines). */
  readonly unattributed: number;
}

/** Hits a search sends to the traces view; the counts cover every match. */
export const TRACE_SEARCH_MAX_HITS = 500;

/** One completion with matches, as the traces' search lists it. */
export interface TraceSearchHit {
  /** Log id (what the panel opens) and record number in it. */
  readonly log: string;
  readonly record: number;
  readonly line: number;
  readonly step?: number;
  readonly group?: string;
  readonly sample?: number;
  readonly matchCount: number;
  /** The completion around the first match, and where it starts in the completion. */
  readonly snippet: string;
  readonly snippetStart: number;
  /** [start, end) pairs of matches inside the snippet, in UTF-16 units of the snippet. */
  readonly marks: readonly number[];
}

/** A search's counts so far, over every run. */
export interface TraceSearchProgress {
  readonly searched: number;
  readonly total: number;
  /** Completions with a match, and matches. */
  readonly matched: number;
  readonly matches: number;
  /** Per step (null: records without a step), in step order. */
  readonly steps: ReadonlyArray<{ readonly step: number | null; readonly rollouts: number; readonly matched: number; readonly matches: number }>;
}

/** What "Largest replay Δ" found, as the replay bar shows it. */
export interface ReplaySummaryDto {
  readonly rewardSet: string;
  /** Compared rollouts whose total changes. */
  readonly changed: number;
  /** Rollout pairs whose ranking inverts within a group. */
  readonly invertedPairs: number;
  /** The summary as a sentence (built on the host; set as text). */
  readonly text: string;
}

/**
 * Requests the traces webview sends the host (over `RpcEndpoint`). Long ones (search, replay) take a `task` number
 * the caller picks: the progress notifications they send carry it, so a cancelled call's late progress is dropped.
 */
export type TracesHostRequests = {
  /** A page of the rollout list; null when the list's data was replaced meanwhile (the webview asks again). */
  readonly 'list/query': { readonly params: ListQuery; readonly result: ListPage | null };
  /**
   * Replay every rollout under a reward set on worker threads and add |replayed − logged| total as a column; the
   * list then sorts by `sortBy`, largest first. Progress comes as `replay/progress`; cancel with the request's signal.
   */
  readonly 'list/replayDiff': {
    readonly params: { readonly task: number; readonly rewardSet: string };
    readonly result: { readonly summary: ReplaySummaryDto; readonly columns: readonly string[]; readonly sortBy: string } | null;
  };
  /** Search every completion of every run; hits and counts stream as `search/batch`; the final counts answer. */
  readonly 'search/run': {
    readonly params: { readonly task: number; readonly spec: SearchSpecDto };
    readonly result: { readonly progress: TraceSearchProgress; readonly notes: readonly string[] };
  };
  /** The saved searches changed: the host keeps them in the workspace state. */
  readonly 'search/save': { readonly params: { readonly searches: readonly SavedSearchDto[] }; readonly result: null };
  /** Run the attribution pass over every run (the "Attribute failures" buttons); answers when it has finished. */
  readonly 'attribution/run': { readonly params: null; readonly result: null };
  /** Open a rollout in the workbench panel, beside the traces. */
  readonly 'traces/openRollout': { readonly params: { readonly log: string; readonly index: number }; readonly result: null };
  /** A step was clicked on a chart: open its first GRPO group in the workbench. */
  readonly 'traces/openStep': { readonly params: { readonly log: string; readonly step: number }; readonly result: null };
  /** Save a chart as a file (the host asks where); answers with the workspace-relative path, or null when dismissed. */
  readonly 'traces/export': {
    readonly params: { readonly format: 'svg' | 'png'; readonly name: string; readonly data: Uint8Array };
    readonly result: string | null;
  };
};

/** Notifications the host sends the traces webview. */
export type TracesHostNotifications = {
  readonly 'traces/show': TracesPayload;
  /** New list columns (the replay column kept, labels arrived): show them and re-ask the rows. */
  readonly 'list/columns': { readonly columns: readonly string[] };
  /** The failure taxonomy of the runs (absent: the pass has not run on the logs as they are now). */
  readonly 'taxonomy/show': { readonly taxonomy?: TaxonomyPayload };
  /** The reward-hacking signal charts and the sign-flip chart (computed after the prompts). */
  readonly 'signals/show': SignalsPayload;
  /** The saved searches of this workspace (host snapshot), sent on `ready`. */
  readonly 'search/saved': { readonly searches: readonly SavedSearchDto[] };
  /** Hits of search `task` as they arrive (the first TRACE_SEARCH_MAX_HITS only) and the counts so far. */
  readonly 'search/batch': { readonly task: number; readonly hits: readonly TraceSearchHit[]; readonly progress: TraceSearchProgress };
  /** Where replay `task` is (`message` names the log and the rollouts done). */
  readonly 'replay/progress': { readonly task: number; readonly message: string };
  /** Something the host could not do outside any request (no logs, the signals failed): shown in the status line. */
  readonly error: { readonly message: string };
};

/** Notifications the traces webview sends the host. */
export type TracesWebviewNotifications = {
  /** The webview is listening (again, after it was hidden or reloaded): send the traces. */
  readonly ready: null;
  /** The estimator the sign-flip chart compares the run's estimator with (the host answers with `signals/show`). */
  readonly 'signals/alternative': { readonly alternative: string };
};

/** True for the rejection of a cancelled request (the caller's own AbortError, or the host's passed back). */
export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}

/** The message of a rejection, for the status line. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
