import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMANDS, TRACES_VIEW_TYPE } from '../host/commands';
import { modelFrameSize } from '../core/geometry/frames';
import { readExperimentLog, readTrainerState, type TrainerMetrics } from '../core/logs/trainerMetrics';
import { existsSync } from 'node:fs';
import { readSettings } from './settings';
import type { RolloutTableModel } from '../host/rolloutTable';
import type { AttributionService } from './attributionService';
import type { AttributionLabel } from '../core/attribution/labels';
import { getAdvantageEstimator } from '../core/rewards/advantageEstimators';
import { getRewardSet } from '../core/rewards/registry';
import { REPLAY_DIFF_COLUMN, replayDiff } from '../host/replayDiff';
import { promptColumns, tracesPayload, type PromptColumns, type TraceSource } from '../host/tracesData';
import { searchLogs, searchMask } from '../host/traceSearch';
import { readSavedSearches, specKey } from '../shared/listFilters';
import { errorText, type ListPage, type ListQuery, type SavedSearchDto, type SearchSpecDto, type TraceSearchHit, type TraceSearchProgress, type TracesPayload } from '../shared/tracesProtocol';
import { isRpcMessage } from '../shared/rpc';
import { serveTraces, type ReplayDiffResult, type TracesBackend, type TracesHostEndpoint } from '../host/tracesChannel';
import { WebviewRecovery } from './webviewRecovery';
import { isLifecycleMessage, type WebviewLifecycleMessage } from '../shared/webviewLifecycle';
import { SignalsHost } from './signalsHost';
import { withDelayedProgress, type WorkspaceModel } from './workspaceModel';

/** Workspace-state key of the traces' saved searches (the filter chips). */
const SAVED_SEARCHES_KEY = 'segr1.traces.savedSearches';

/** True for the boot script's lifecycle messages (the only non-RPC traffic on the traces channel). */
function isLifecycle(m: unknown): m is WebviewLifecycleMessage {
  return typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && isLifecycleMessage(m as { type: string });
}

/**
 * Reward traces across training steps for every run in the workspace, overlaid, with the rollout list
 * below (brush a step range to filter it; click a row to open the rollout in the workbench). The webview talks to
 * it over one `RpcEndpoint` (tracesProtocol.ts): requests with replies, errors and cancellation, notifications for
 * what the host pushes.
 */
export class TracesPanel implements vscode.Disposable, TracesBackend {
  static current: TracesPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  /** Loads the page, and shows an error with Reload when it fails to come up. */
  private readonly recovery: WebviewRecovery;
  /**
   * The channel to the page as it is now. A rebuilt page (hidden and shown again, or reloaded) starts its request ids
   * at 1 again, so each `ready` gets a fresh endpoint: answers of the old page's requests are dropped, never taken
   * for the new page's answers to requests with the same ids.
   */
  private rpc: TracesHostEndpoint;
  /**
   * Every endpoint a page of this panel had: an old page's long work (a replay) finishes and lands in the table for
   * the new page; closing the panel stops all of it.
   */
  private readonly endpoints: TracesHostEndpoint[] = [];
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
    this.rpc = this.connect();
    // The page keeps its brush, smoothing and list in webview state; the host re-sends the payload on `ready`.
    this.recovery = new WebviewRecovery(panel, context.extensionUri, { title: 'Seg-R1 Reward Traces', key: 'traces', script: 'traces.js', style: 'traces.css', beforeReload: () => undefined });
    this.recovery.load();
    this.disposables.push(
      this.recovery,
      panel.onDidChangeViewState(() => this.recovery.visibilityChanged(panel.visible)),
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isRpcMessage(m) && m.rpc === 'notification' && m.method === 'ready') this.rpc = this.connect();
        if (!this.rpc.receive(m) && isLifecycle(m)) this.recovery.onMessage(m);
      }),
      panel.onDidDispose(() => this.dispose()),
      model.onDidChange(() => this.refresh()),
      attribution.onDidChange(() => this.showAttribution(true)),
    );
    this.signals = new SignalsHost(model, attribution, (payload) => this.rpc.notify('signals/show', payload));
    this.disposables.push(attribution.onDidChange(() => this.signals.relabel()));
  }

  /** The reward-hacking signal charts and the sign-flip chart. */
  private readonly signals: SignalsHost;

  /** A new endpoint for the page; it posts only while it is the current one and the panel is open. */
  private connect(): TracesHostEndpoint {
    const rpc = serveTraces((m) => {
      if (!this.disposed && this.rpc === rpc) void this.panel.webview.postMessage(m);
    }, this);
    this.endpoints.push(rpc);
    return rpc;
  }

  /** Recompute and send the traces; a failure is said in the page's status line, never left unhandled. */
  private refresh(): void {
    this.update().catch((e: unknown) => this.rpc.notify('error', { message: `traces: ${errorText(e)}` }));
  }

  /** The page is listening: its saved searches, then the traces. */
  ready(): void {
    this.rpc.notify('search/saved', { searches: readSavedSearches(this.workspaceState.get(SAVED_SEARCHES_KEY)) });
    this.recovery.ready();
    this.refresh();
  }

  /** A page of the rollout list; a saved search that fails rejects with what failed. */
  async listPage(query: ListQuery): Promise<ListPage | null> {
    const table = this.table;
    const masks = await this.searchMasks(query).catch((e: unknown) => {
      throw new Error(`saved search filter: ${errorText(e)}`);
    });
    // The payload was replaced while the masks were computed: the webview asks again with the new one.
    if (table !== this.table) return null;
    return table ? table.query(query, masks) : { total: 0, rows: [] };
  }

  /** Open a rollout in the workbench beside the traces. */
  async openRollout(log: string, index: number): Promise<void> {
    await vscode.commands.executeCommand(COMMANDS.openSelection, { kind: 'rollout', log, index }, { beside: true });
  }

  /** Open a step's first GRPO group in the workbench. */
  async openStep(logId: string, step: number): Promise<void> {
    const log = this.model.log(logId);
    const first = log?.structure.groupsOfStep(step)[0]?.members[0];
    if (log && first !== undefined) await this.openRollout(logId, first);
  }

  /** The "Attribute failures" buttons: the command (its own progress and cancel). */
  async runAttribution(): Promise<void> {
    await vscode.commands.executeCommand(COMMANDS.attributeFailures);
  }

  /** Keep the saved searches in the workspace state (checked as any stored state is). */
  async saveSearches(searches: readonly SavedSearchDto[]): Promise<void> {
    await this.workspaceState.update(SAVED_SEARCHES_KEY, readSavedSearches(searches));
  }

  /** The sign-flip chart's alternative estimator. */
  setAlternative(alternative: string): void {
    this.signals.setAlternative(alternative);
  }

  /** Ask where to save a chart and write it; says where it went (without waiting for the notice to be dismissed). */
  async exportChart(format: 'svg' | 'png', name: string, data: Uint8Array): Promise<string | null> {
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', `${name.replace(/[^\w.-]+/g, '_')}.${format}`)),
      filters: format === 'svg' ? { SVG: ['svg'] } : { PNG: ['png'] },
    });
    if (!target) return null;
    await vscode.workspace.fs.writeFile(target, data);
    const rel = vscode.workspace.asRelativePath(target);
    // Say where it went: a save dialog that closes silently leaves people unsure anything was written.
    const inWorkspace = vscode.workspace.getWorkspaceFolder(target) !== undefined;
    void vscode.window.showInformationMessage(`Exported ${name} (${format.toUpperCase()}) to ${rel}`, 'Reveal', 'Open').then(async (choice) => {
      if (choice === 'Reveal') await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', target);
      else if (choice === 'Open') await vscode.commands.executeCommand('vscode.open', target);
    });
    return rel;
  }

  private readonly workspaceState: vscode.Memento;
  /** The running search: a new one cancels it. */
  private runningSearch?: AbortController;
  /** Rows each saved search keeps, per search and logs as they were (computed once, on the host's worker threads). */
  private readonly masks = new Map<string, Promise<Uint8Array>>();

  /** Search every run's completions, streaming hits and counts; cancels the previous search. */
  async search(spec: SearchSpecDto, onBatch: (hits: readonly TraceSearchHit[], progress: TraceSearchProgress) => void, signal: AbortSignal): Promise<{ progress: TraceSearchProgress; notes: readonly string[] }> {
    this.runningSearch?.abort();
    const abort = new AbortController();
    this.runningSearch = abort;
    const stop = (): void => abort.abort();
    signal.addEventListener('abort', stop, { once: true });
    const logs = this.model.logs.map((l) => ({ file: l.file, index: l.index }));
    let final: { progress: TraceSearchProgress; notes: readonly string[] } | undefined;
    try {
      await searchLogs(logs, spec, { batch: onBatch, done: (progress, notes) => (final = { progress, notes }) }, { signal: abort.signal });
    } finally {
      signal.removeEventListener('abort', stop);
      if (this.runningSearch === abort) this.runningSearch = undefined;
    }
    if (!final) throw new Error('search: ended without its final counts');
    return final;
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
      this.rpc.notify('error', { message: 'No rollout logs in this workspace.' });
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
    void this.signals.update().catch((e: unknown) => this.rpc.notify('error', { message: `signals: ${errorText(e)}` }));
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
   * "Largest replay Δ": replay every rollout of every run under the chosen reward set on worker threads (replayDiff.ts),
   * with progress both in the page (`onProgress`) and in a cancellable notification; either cancel stops the workers.
   * The difference column is added to the list, which the page then sorts by it.
   */
  async replayDiff(rewardSet: string, onProgress: (message: string) => void, signal: AbortSignal): Promise<ReplayDiffResult | null> {
    const table = this.table;
    if (!table) return null;
    const set = getRewardSet(rewardSet);
    if (!set) throw new Error(`Replay: unknown reward set ${JSON.stringify(rewardSet.slice(0, 80))}`);
    // A hand-edited setting outside the enum falls back to auto rather than failing the replay.
    const chosen = readSettings().advantageEstimator;
    const estimator = getAdvantageEstimator(chosen) ? chosen : 'auto';
    const key = this.logsKey();
    const page = this.rpc;
    const logs = this.model.logs.map((l) => ({ file: l.file, rel: l.rel, root: l.folder.uri.fsPath, format: l.format, index: l.index }));
    const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Seg-R1: replaying rewards', cancellable: true }, async (progress, token) => {
      const abort = new AbortController();
      const stop = (): void => abort.abort();
      token.onCancellationRequested(stop);
      signal.addEventListener('abort', stop, { once: true });
      try {
        return await replayDiff(logs, {
          rewardSet: set,
          estimator,
          rowsOfLog: (log) => table.rowsOfLog(log),
          rows: table.total,
          signal: abort.signal,
          onProgress: (message) => {
            progress.report({ message });
            onProgress(message);
          },
        });
      } finally {
        signal.removeEventListener('abort', stop);
      }
    });
    // The logs changed while they were replayed: the column would belong to other rows.
    const now = this.table;
    if (!now || this.logsKey() !== key || now.total !== result.column.length) throw new Error('Replay: the logs changed while they were replayed; run it again');
    now.setColumn(REPLAY_DIFF_COLUMN, result.column);
    this.replayColumn = { logs: key, values: result.column };
    // The page that asked was rebuilt meanwhile: its successor gets the column (the answer goes nowhere).
    if (page !== this.rpc) this.rpc.notify('list/columns', { columns: now.columns });
    return { summary: { rewardSet: result.summary.rewardSet, changed: result.summary.changed, invertedPairs: result.summary.invertedPairs, text: result.text }, columns: now.columns, sortBy: REPLAY_DIFF_COLUMN };
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
    this.rpc.notify('traces/show', p.payload);
    // A webview that was hidden (or a payload rebuilt for unchanged logs) keeps the replay column it had, so a list
    // sorted by it comes back sorted by it; any change to a log drops it.
    const replay = this.replayColumn;
    if (replay && replay.logs === this.logsKey() && replay.values.length === p.table.total) {
      p.table.setColumn(REPLAY_DIFF_COLUMN, replay.values);
      this.rpc.notify('list/columns', { columns: p.table.columns });
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
    this.rpc.notify('taxonomy/show', taxonomy ? { taxonomy } : {});
    if (requery) this.rpc.notify('list/columns', { columns: table.columns });
  }

  dispose(): void {
    if (TracesPanel.current === this) TracesPanel.current = undefined;
    this.disposed = true;
    this.runningSearch?.abort();
    // Aborts running handlers (a replay stops its workers).
    for (const rpc of this.endpoints.splice(0)) rpc.dispose();
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
