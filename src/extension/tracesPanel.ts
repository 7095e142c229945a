import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { assertNever, type TracesHostMessage, type TracesPayload, type TracesWebviewMessage } from '../shared/protocol';
import { COMMANDS, TRACES_VIEW_TYPE } from '../host/commands';
import { modelFrameSize } from '../core/geometry/frames';
import { readExperimentLog, readTrainerState, type TrainerMetrics } from '../core/logs/trainerMetrics';
import { existsSync } from 'node:fs';
import { readSettings } from './settings';
import type { RolloutTableModel } from '../host/rolloutTable';
import type { AttributionService } from './attributionService';
import type { AttributionLabel } from '../core/attribution/labels';
import type { SearchSpec } from '../core/search/spec';
import { getAdvantageEstimator } from '../core/rewards/advantageEstimators';
import { replayLog } from '../core/rewards/replay';
import { getRewardSet } from '../core/rewards/registry';
import { describeReplaySummary, summariseReplay, type SummaryRollout } from '../core/rewards/replaySummary';
import type { ReplayedRollout } from '../core/rewards/replay';
import type { RolloutIndex } from '../core/logs/indexBuilder';
import { DEFAULT_REPLAY_SET } from '../shared/rewardSetChoices';

/** The list column the replay preset adds. */
const REPLAY_DIFF_COLUMN = 'replay |Δ total|';
import { promptColumns, tracesPayload, type PromptColumns, type TraceSource } from '../host/tracesData';
import { searchLogs, searchMask } from '../host/traceSearch';
import { readSavedSearches, specKey } from '../shared/listFilters';
import type { ListQuery } from '../shared/protocol';

/** Workspace-state key of the traces' saved searches (the filter chips). */
const SAVED_SEARCHES_KEY = 'segr1.traces.savedSearches';
import { WebviewRecovery } from './webviewRecovery';
import { isLifecycleMessage } from '../shared/webviewLifecycle';
import { SignalsHost } from './signalsHost';
import { withDelayedProgress, type WorkspaceModel } from './workspaceModel';

/**
 * Reward traces across training steps for every run in the workspace, overlaid, with the rollout list
 * below (brush a step range to filter it; click a row to open the rollout in the workbench).
 */
export class TracesPanel implements vscode.Disposable {
  static current: TracesPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Loads the page, and shows an error with Reload when it fails to come up. */
  private readonly recovery: WebviewRecovery;
  /** Parsed prompt statistics per log, reused until the log changes. */
  private static promptCache = new Map<string, { size: number; mtimeMs: number; cols: PromptColumns }>();

  static show(context: vscode.ExtensionContext, model: WorkspaceModel, attribution: AttributionService): TracesPanel {
    if (TracesPanel.current) {
      TracesPanel.current.panel.reveal();
      return TracesPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(TRACES_VIEW_TYPE, 'Seg-R1 Reward Traces', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
    });
    return new TracesPanel(panel, context, model, attribution);
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly model: WorkspaceModel,
    private readonly attribution: AttributionService,
  ) {
    TracesPanel.current = this;
    this.workspaceState = context.workspaceState;
    // The page keeps its brush, smoothing and list in webview state; the host re-sends the payload on `ready`.
    this.recovery = new WebviewRecovery(panel, context.extensionUri, { title: 'Seg-R1 Reward Traces', key: 'traces', script: 'traces.js', style: 'traces.css', beforeReload: () => undefined });
    this.recovery.load();
    this.disposables.push(
      this.recovery,
      panel.onDidChangeViewState(() => this.recovery.visibilityChanged(panel.visible)),
      panel.webview.onDidReceiveMessage((m: TracesWebviewMessage) => void this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      model.onDidChange(() => void this.update()),
      attribution.onDidChange(() => this.showAttribution(true)),
    );
    this.signals = new SignalsHost(model, attribution, (m) => this.post(m));
    this.disposables.push(attribution.onDidChange(() => this.signals.relabel()));
  }

  /** The reward-hacking signal charts and the sign-flip chart. */
  private readonly signals: SignalsHost;

  private post(m: TracesHostMessage): void {
    void this.panel.webview.postMessage(m);
  }

  private async onMessage(m: TracesWebviewMessage): Promise<void> {
    if (isLifecycleMessage(m)) {
      this.recovery.onMessage(m);
      return;
    }
    switch (m.type) {
      case 'ready':
        this.post({ type: 'search/saved', searches: readSavedSearches(this.workspaceState.get(SAVED_SEARCHES_KEY)) });
        this.recovery.ready();
        await this.update();
        return;
      case 'list/query': {
        const table = this.table;
        const masks = await this.searchMasks(m.query).catch((e: unknown) => {
          this.post({ type: 'error', message: `saved search filter: ${e instanceof Error ? e.message : String(e)}` });
          return undefined;
        });
        // The payload was replaced while the masks were computed: the webview asks again with the new one.
        if (table !== this.table) return;
        const r = table && masks ? table.query(m.query, masks) : { total: 0, rows: [] };
        this.post({ type: 'list/rows', id: m.id, total: r.total, rows: r.rows });
        return;
      }
      case 'list/replayDiff':
        await this.replayDiff(typeof m.rewardSet === 'string' ? m.rewardSet : DEFAULT_REPLAY_SET);
        return;
      case 'attribution/run':
        await vscode.commands.executeCommand(COMMANDS.attributeFailures);
        return;
      case 'traces/openStep': {
        const log = this.model.log(m.log);
        const first = log?.structure.groupsOfStep(m.step)[0]?.members[0];
        if (log && first !== undefined) await vscode.commands.executeCommand(COMMANDS.openSelection, { kind: 'rollout', log: m.log, index: first }, { beside: true });
        return;
      }
      case 'traces/openRollout':
        await vscode.commands.executeCommand(COMMANDS.openSelection, { kind: 'rollout', log: m.log, index: m.index }, { beside: true });
        return;
      case 'traces/export': {
        const target = await vscode.window.showSaveDialog({
          defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', `${m.name.replace(/[^\w.-]+/g, '_')}.${m.format}`)),
          filters: m.format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
        });
        if (!target) return;
        await vscode.workspace.fs.writeFile(target, m.data);
        // Say where it went: a save dialog that closes silently leaves people unsure anything was written.
        const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
        const choice = await vscode.window.showInformationMessage(`Exported ${m.name} (${m.format.toUpperCase()}) to ${vscode.workspace.asRelativePath(target)}`, 'Reveal', 'Open');
        if (choice === 'Reveal') await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
        else if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
        return;
      }
      case 'search/start':
        this.startSearch(m.id, m.spec);
        return;
      case 'search/cancel':
        if (this.search?.id === m.id) this.search.abort.abort();
        return;
      case 'search/save':
        await this.workspaceState.update(SAVED_SEARCHES_KEY, readSavedSearches(m.searches));
        return;
      case 'signals/alternative':
        this.signals.setAlternative(m.alternative);
        return;
      default:
        assertNever(m);
    }
  }

  private readonly workspaceState: vscode.Memento;
  /** The running search: a new one cancels it. */
  private search?: { id: number; abort: AbortController };
  /** Rows each saved search keeps, per search and logs as they were (computed once, on the host's worker threads). */
  private readonly masks = new Map<string, Promise<Uint8Array>>();

  /** Search every run's completions, streaming hits and counts to the webview; cancels the previous search. */
  private startSearch(id: number, spec: SearchSpec): void {
    this.search?.abort.abort();
    const abort = new AbortController();
    this.search = { id, abort };
    const logs = this.model.logs.map((l) => ({ file: l.file, index: l.index }));
    void searchLogs(logs, spec, { batch: (hits, progress) => this.post({ type: 'search/batch', id, hits, progress }), done: (progress, notes) => this.post({ type: 'search/done', id, progress, notes }) }, { signal: abort.signal }).catch((e: unknown) => {
      if (e instanceof Error && e.name === 'AbortError') return;
      this.post({ type: 'search/failed', id, message: e instanceof Error ? e.message : String(e) });
    });
  }

  /** The row masks of a query's saved searches (empty without any). */
  private async searchMasks(q: ListQuery): Promise<Uint8Array[]> {
    const table = this.table;
    if (!table || !q.searches?.length) return [];
    const logs = this.model.logs.map((l) => ({ file: l.file, index: l.index }));
    const key = this.logsKey();
    return Promise.all(
      q.searches.map((spec) => {
        const k = `${specKey(spec)}\n${key}\n${table.total}`;
        let p = this.masks.get(k);
        if (!p) {
          p = searchMask(logs, spec, table.total, (log) => table.rowsOfLog(log));
          // A failed pass is not cached: the next query tries again.
          p.catch(() => this.masks.delete(k));
          if (this.masks.size > 64) this.masks.clear();
          this.masks.set(k, p);
        }
        return p;
      }),
    );
  }

  /** Rebuild the page (Seg-R1: Reload Panels); it comes back on what it showed. */
  reload(): void {
    this.recovery.reload();
  }

  /** Recompute and send the traces for every indexed log. */
  async update(): Promise<void> {
    await this.model.ready();
    const settings = readSettings();
    const logs = this.model.logs;
    if (!logs.length) {
      this.post({ type: 'error', message: 'No rollout logs in this workspace.' });
      return;
    }
    const sources: TraceSource[] = await Promise.all(
      logs.map(async (l) => ({
        log: l.file,
        index: l.index,
        label: l.index.runs[0] ?? path.basename(path.dirname(l.file)),
        frame: modelFrameSize(settings.frame, { width: 768, height: 768 }),
        trainer: await trainerMetricsBeside(l.file),
      })),
    );
    const synthetic = sources.some((s) => /synthetic/i.test(s.label));
    // Index-only charts paint at once; prompt statistics need every completion parsed, so they follow.
    const cached = sources.map((s) => {
      const hit = TracesPanel.promptCache.get(s.log);
      return hit && hit.size === s.index.size && hit.mtimeMs === s.index.mtimeMs ? hit.cols : undefined;
    });
    this.show(tracesPayload(sources, cached, synthetic));
    void this.signals.update().catch((e: unknown) => this.post({ type: 'error', message: `signals: ${e instanceof Error ? e.message : String(e)}` }));
    if (cached.every(Boolean)) return;
    const prompts = await withDelayedProgress('Seg-R1: reading prompts', async (report, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      const out: Array<PromptColumns | undefined> = [];
      for (const [k, s] of sources.entries()) {
        if (cached[k]) {
          out.push(cached[k]);
          continue;
        }
        report(s.label);
        const cols = await promptColumns(s, abort.signal);
        TracesPanel.promptCache.set(s.log, { size: s.index.size, mtimeMs: s.index.mtimeMs, cols });
        out.push(cols);
      }
      return out;
    });
    if (TracesPanel.current === this) this.show(tracesPayload(sources, prompts, synthetic));
  }

  /**
   * Replay every rollout of every run under the chosen reward set (default: the training code's; logged masks;
   * rollouts without one keep only their format component), add |replayed − logged| total as a list column sorted
   * largest first, and summarise: how many totals change and which rankings invert within GRPO groups.
   */
  private async replayDiff(rewardSet: string): Promise<void> {
    const table = this.table;
    if (!table) return;
    const set = getRewardSet(rewardSet);
    if (!set) {
      this.post({ type: 'error', message: `Replay: unknown reward set ${JSON.stringify(rewardSet.slice(0, 80))}` });
      return;
    }
    const summaryRows: SummaryRollout[] = [];
    const diff = new Float64Array(table.total).fill(Number.NaN);
    // A hand-edited setting outside the enum falls back to auto rather than failing the replay.
    const chosen = readSettings().advantageEstimator;
    const estimator = getAdvantageEstimator(chosen) ? chosen : 'auto';
    const cancelled = new AbortController();
    const finished = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seg-R1: replaying rewards', cancellable: true }, async (progress, token) => {
      token.onCancellationRequested(() => cancelled.abort());
      for (const log of this.model.logs) {
        progress.report({ message: `${log.rel} under ${set.id}` });
        const rows = table.rowsOfLog(log.file);
        const lineToRecord = new Map<number, number>();
        for (let i = 0; i < log.index.count; i++) lineToRecord.set(log.index.line[i]!, i);
        // Two worker threads (the replay's numbers do not depend on it); cancelling stops them and keeps the old column.
        const replayed = await replayLog(log.index.path, {
          rewardSet: set,
          root: log.folder.uri.fsPath,
          estimator,
          format: log.format,
          workers: Math.min(2, availableParallelism()),
          signal: cancelled.signal,
          onProgress: (p) => progress.report({ message: `${log.rel}: ${p.rollouts} rollouts` }),
        }).catch((e: unknown) => {
          if (e instanceof Error && e.name === 'AbortError') return undefined;
          throw e;
        });
        if (!replayed) return false;
        const { report } = replayed;
        for (const r of report.rollouts) {
          const record = lineToRecord.get(r.line);
          const row = record === undefined ? undefined : rows.get(record);
          if (row !== undefined && r.total.logged !== null && r.total.replayed !== null) diff[row] = Math.abs(r.total.replayed - r.total.logged);
          // The log names a group only where several logs could hold groups of the same name.
          summaryRows.push(summaryRollout(this.model.logs.length > 1 ? log.rel : undefined, log.index, record, r));
        }
      }
      return true;
    });
    if (!finished) return;
    const summary = summariseReplay(set.id, summaryRows);
    this.post({ type: 'list/replaySummary', summary, text: describeReplaySummary(summary) });
    table.setColumn(REPLAY_DIFF_COLUMN, diff);
    this.replayColumn = { logs: this.logsKey(), values: diff };
    this.post({ type: 'list/columns', columns: table.columns, sortBy: REPLAY_DIFF_COLUMN });
  }

  /** The rollout table the list pages through (replaced with each payload). */
  private table?: RolloutTableModel;

  /** The last replay's difference column and the logs it was computed on: kept while they are unchanged. */
  private replayColumn?: { logs: string; values: Float64Array };

  /** Identity of the indexed logs (path, size, mtime): a replay column is valid while it is unchanged. */
  private logsKey(): string {
    return this.model.logs.map((l) => `${l.file}\0${l.index.size}\0${l.index.mtimeMs}`).join('\n');
  }

  private show(p: { payload: TracesPayload; table: RolloutTableModel }): void {
    this.table = p.table;
    this.post({ type: 'traces/show', payload: p.payload });
    // A webview that was hidden (or a payload rebuilt for unchanged logs) keeps the replay column it had, so a list
    // sorted by it comes back sorted by it; any change to a log drops it.
    const replay = this.replayColumn;
    if (replay && replay.logs === this.logsKey() && replay.values.length === p.table.total) {
      p.table.setColumn(REPLAY_DIFF_COLUMN, replay.values);
      this.post({ type: 'list/columns', columns: p.table.columns });
    } else this.replayColumn = undefined;
    this.showAttribution(false);
  }

  /** Labels into the list (filter and cell) and the taxonomy into the view; `requery` re-asks the list's rows. */
  private showAttribution(requery: boolean): void {
    const table = this.table;
    if (!table) return;
    const n = table.total;
    const labels: Array<AttributionLabel | undefined> = new Array(n).fill(undefined);
    const images: Array<string | undefined> = new Array(n).fill(undefined);
    const overridden: boolean[] = new Array(n).fill(false);
    let any = false;
    for (const log of this.model.logs) {
      const a = this.attribution.labels(log);
      if (!a) continue;
      any = true;
      for (const [record, row] of table.rowsOfLog(log.file)) {
        labels[row] = a.labels[record]?.label;
        overridden[row] = a.labels[record]?.overridden ?? false;
        images[row] = a.images[record];
      }
    }
    table.setAttribution(any ? { labels, images, overridden } : undefined);
    const taxonomy = this.attribution.taxonomy();
    this.post(taxonomy ? { type: 'taxonomy/show', taxonomy } : { type: 'taxonomy/show' });
    if (requery) this.post({ type: 'list/columns', columns: table.columns });
  }

  dispose(): void {
    if (TracesPanel.current === this) TracesPanel.current = undefined;
    this.search?.abort.abort();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

/** Trainer scalars saved next to a rollout log (TRL trainer_state.json, EasyR1 experiment_log.jsonl), if any. */
async function trainerMetricsBeside(logFile: string): Promise<TrainerMetrics | undefined> {
  const dir = path.dirname(logFile);
  try {
    if (existsSync(path.join(dir, 'trainer_state.json'))) return await readTrainerState(path.join(dir, 'trainer_state.json'));
    if (existsSync(path.join(dir, 'experiment_log.jsonl')) && path.basename(logFile) !== 'experiment_log.jsonl') return await readExperimentLog(path.join(dir, 'experiment_log.jsonl'));
  } catch {
    // Unreadable metrics only cost the trainer charts; the rollouts still chart.
  }
  return undefined;
}

/**
 * A replayed rollout for the summary: its group is the log's GRPO group (with the log when there are several, so
 * groups of different logs never mix; a rollout without a group is alone in one), its name the log line.
 */
function summaryRollout(logRel: string | undefined, index: RolloutIndex, record: number | undefined, r: ReplayedRollout): SummaryRollout {
  const g = record === undefined ? -1 : index.group[record]!;
  const groupName = (g >= 0 ? index.groups[g] : undefined) ?? `line ${r.line}`;
  return { group: logRel === undefined ? groupName : `${groupName} (${logRel})`, name: `line ${r.line}`, total: r.total };
}
