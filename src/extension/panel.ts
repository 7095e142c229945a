import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkAbsoluteInside, checkInside, refusalMessage } from '../core/dataset/paths';
import { wellFormedEdits } from '../core/edit/promptEdits';
import { assertNever, selectionKey, type HostMessage, type PromptEdit, type Selection, type ViewPayload, type ViewReplay, type WebviewMessage } from '../shared/protocol';
import { COMMANDS, PANEL_VIEW_TYPE } from '../host/commands';
import { buildImageView } from '../host/imageView';
import { isAttributionLabel, type AttributionLabel } from '../core/signals/labels';
import { readSettings } from './settings';
import { buildRolloutView, logViewContext } from '../host/viewBuilder';
import { WebviewRecovery } from './webviewRecovery';
import { isLifecycleMessage } from '../shared/webviewLifecycle';
import type { WorkspaceModel } from './workspaceModel';
import type { SegmenterService } from './segmenterService';
import type { AttributionService } from './attributionService';
import { runEstimator, whatIfPayload, withWouldBe } from '../host/advantageWhatIf';
import { logRunConfig } from '../host/runConfigCache';
import { oracleOverlay } from '../host/oracleOverlay';
import { PANEL_REWARD_SETS } from '../host/rolloutScore';

/** Messages that carry typed arrays: their buffers are handed to postMessage without JSON. */
function post(panel: vscode.WebviewPanel, msg: HostMessage): Thenable<boolean> {
  return panel.webview.postMessage(msg);
}

/** A selection the panel has just shown; `edited` when it shows prompt edits. */
export interface ShownSelection {
  readonly selection: Selection;
  readonly edited: boolean;
}

/**
 * The one workbench panel (singleton): owns the webview, queues messages until the webview says `ready`,
 * and turns selections into views. Revived after a window reload by the serializer.
 */
export class WorkbenchPanel implements vscode.Disposable {
  static current: WorkbenchPanel | undefined;
  /** The attribution pass the panel reads labels from (set once at activation). */
  private static attribution: AttributionService | undefined;

  private static readonly shown = new vscode.EventEmitter<ShownSelection>();
  /** Fires when a view is on screen: the Runs tree follows it, the walkthrough ticks its steps. */
  static readonly onDidShow = WorkbenchPanel.shown.event;
  private ready = false;
  private queue: HostMessage[] = [];
  private selection: Selection | undefined;
  private pending: Selection | undefined;
  /** Prompt edits (or a re-segment: empty) of the shown or pending selection: a webview that comes back shows them again. */
  private edits: readonly PromptEdit[] | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** Bumped per selection so a slow build never replaces a newer view. */
  private seq = 0;
  /** Resolves when the first view has been posted (benchmarks and tests wait on it). */
  firstView: Promise<void>;
  private resolveFirstView!: () => void;
  /** The last view sent to the webview (what an export renders). */
  private shown: ViewPayload | undefined;
  /** Exports asked of the webview, by request id. */
  private readonly exports = new Map<number, (r: { data?: Uint8Array; error?: string }) => void>();
  private exportSeq = 0;
  /** Loads the page, and shows an error with Reload when it fails to come up. */
  private readonly recovery: WebviewRecovery;

  /** Give panels the attribution service (labels and overrides). */
  static useAttribution(a: AttributionService): void {
    WorkbenchPanel.attribution = a;
  }

  /** Show (creating if needed) the panel, optionally on a selection. */
  static show(context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService, selection?: Selection, beside = false): WorkbenchPanel {
    if (WorkbenchPanel.current) {
      // From another view (traces), keep that view visible and focused: a workbench hidden behind it in the same
      // editor group moves beside it instead of covering it.
      const p = WorkbenchPanel.current.panel;
      const coversCaller = beside && !p.visible && p.viewColumn !== undefined && p.viewColumn === vscode.window.tabGroups.activeTabGroup.viewColumn;
      p.reveal(coversCaller ? vscode.ViewColumn.Beside : undefined, beside);
      if (selection) void WorkbenchPanel.current.select(selection);
      return WorkbenchPanel.current;
    }
    const column = beside ? vscode.ViewColumn.Beside : vscode.ViewColumn.Active;
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'Seg-R1 Workbench', { viewColumn: column, preserveFocus: beside }, WorkbenchPanel.options(context));
    return new WorkbenchPanel(panel, context, model, segmenters, selection);
  }

  /** Reattach to a panel VS Code restored after reload. */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService): WorkbenchPanel {
    panel.webview.options = WorkbenchPanel.options(context);
    return new WorkbenchPanel(panel, context, model, segmenters, undefined);
  }

  private static options(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    // Only the bundle folder is reachable; images travel as bytes in messages, not as resource URIs.
    return { enableScripts: true, retainContextWhenHidden: false, localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')] };
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    private readonly model: WorkspaceModel,
    private readonly segmenters: SegmenterService,
    initial: Selection | undefined,
  ) {
    WorkbenchPanel.current = this;
    this.pending = initial;
    this.firstView = new Promise((r) => (this.resolveFirstView = r));
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'segr1.svg');
    // The selection and its edits stay here across a Reload: the rebuilt page says `ready` and gets them again.
    this.recovery = new WebviewRecovery(panel, context.extensionUri, { title: 'Seg-R1 Workbench', key: 'workbench', script: 'webview.js', style: 'webview.css', beforeReload: () => (this.ready = false) });
    this.recovery.load();
    this.disposables.push(
      webview.onDidReceiveMessage((m: WebviewMessage) => this.onMessage(m)),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down (no retainContextWhenHidden); it re-announces `ready` when shown again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.ready = false;
        this.recovery.visibilityChanged(panel.visible);
      }),
      this.recovery,
      segmenters.onDidChange((badge) => this.send({ type: 'segmenter/didChange', badge })),
    );
    const attribution = WorkbenchPanel.attribution;
    if (attribution) this.disposables.push(attribution.onDidChange(() => this.sendAttribution()));
  }

  /** The view on screen (its image size and title name an export). */
  get shownView(): ViewPayload | undefined {
    return this.shown;
  }

  /** Ask the webview to render the view on screen as PNG or SVG bytes; resolves with them or with why it could not. */
  renderExport(format: 'png' | 'svg'): Promise<{ data?: Uint8Array; error?: string }> {
    if (!this.ready) return Promise.resolve({ error: 'the workbench panel is not visible' });
    const id = ++this.exportSeq;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.exports.delete(id);
        resolve({ error: 'the panel did not answer within 120 s' });
      }, 120_000);
      this.exports.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      void post(this.panel, { type: 'export/render', id, format });
    });
  }

  /** Rebuild the page (Seg-R1: Reload Panels); it comes back on what it showed. */
  reload(): void {
    this.recovery.reload();
  }

  /** Currently shown selection. */
  get current(): Selection | undefined {
    return this.selection;
  }

  private send(msg: HostMessage): void {
    if (!this.ready) {
      // Only the latest view matters once the webview is back.
      if (msg.type === 'view/show') this.queue = this.queue.filter((q) => q.type !== 'view/show');
      this.queue.push(msg);
      return;
    }
    void post(this.panel, msg);
  }

  private onMessage(m: WebviewMessage): void {
    if (isLifecycleMessage(m)) {
      this.recovery.onMessage(m);
      return;
    }
    switch (m.type) {
      case 'ready': {
        this.ready = true;
        this.recovery.ready();
        const queued = this.queue;
        this.queue = [];
        this.send({ type: 'segmenter/didChange', badge: this.segmenters.badge });
        for (const q of queued) this.send(q);
        // this.edits belong to the last select(): the pending selection, else the shown one; never to a restored one.
        const edits = this.pending ?? this.selection ? this.edits : undefined;
        const own = this.pending ?? this.selection;
        this.pending = undefined;
        if (queued.some((q) => q.type === 'view/show')) return;
        // A restored selection is the webview's state: trusted no more than its messages.
        if (own) void this.select(own, edits);
        else void this.fromWebview(m.restored).then((s) => this.select(s));
        return;
      }
      case 'select':
        void this.fromWebview(m.selection).then((s) => s && this.select(s));
        return;
      case 'navigate':
        void this.navigate(m.unit, m.direction);
        return;
      case 'openSource':
        void this.openSource(m.selection);
        return;
      case 'prompt/edit':
        void this.fromWebview(m.selection).then((s) => s && this.select(s, wellFormedEdits(m.edits)));
        return;
      case 'export/choose':
        void vscode.commands.executeCommand(m.what === 'report' ? COMMANDS.exportReport : COMMANDS.exportImageView);
        return;
      case 'export/image': {
        const done = this.exports.get(m.id);
        this.exports.delete(m.id);
        // Only what was asked for is taken: an unrequested or repeated answer is dropped.
        done?.(m.data instanceof Uint8Array ? { data: m.data } : { error: typeof m.error === 'string' ? m.error.slice(0, 500) : 'no data' });
        return;
      }
      case 'attribution/override':
        this.override(m.selection, m.label);
        return;
      case 'oracle/request':
        void this.sendOracle(m.selection);
        return;
      default:
        assertNever(m);
    }
  }

  /**
   * A selection the webview sent: a file it names is read only when it resolves inside a workspace folder (symlinks
   * resolved); otherwise the panel shows why and the selection is dropped. Rollouts and dataset images are looked up
   * in the model, so they can name nothing else.
   */
  private async fromWebview(s: Selection | undefined): Promise<Selection | undefined> {
    if (s?.kind !== 'file') return s;
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    let why = `points outside the workspace`;
    for (const f of folders) {
      const r = typeof s.path === 'string' ? await checkAbsoluteInside(f, s.path) : undefined;
      if (r?.ok) return { kind: 'file', path: r.path };
      if (r && r.reason !== 'escapes') why = r.detail;
    }
    this.send({ type: 'error', message: `Not opened: file ${JSON.stringify(String(s.path))} ${why}` });
    return undefined;
  }

  /** Show a selection; with none, the first rollout of the first log, else the first dataset image. */
  async select(selection: Selection | undefined, edits?: readonly PromptEdit[]): Promise<void> {
    await this.model.ready();
    const target = selection ?? this.defaultSelection();
    if (!target) {
      this.send({ type: 'error', message: 'Nothing to show: no rollout logs (*.jsonl) or datasets (Imgs/ + GT/) in this workspace.' });
      return;
    }
    this.edits = edits;
    if (!this.ready) {
      this.pending = target;
      return;
    }
    const seq = ++this.seq;
    this.selection = target;
    this.send({ type: 'view/loading', selection: target, label: this.loadingLabel(target) });
    try {
      const { view: built, replay } = await this.build(target, edits);
      if (seq !== this.seq) return;
      const view = { ...built, revision: seq };
      this.send({ type: 'view/show', view });
      this.shown = view;
      this.panel.title = `Seg-R1 · ${view.title.split(' · ').slice(1).join(' · ') || 'Workbench'}`;
      this.shownRevision = seq;
      this.sendAttribution();
      this.resolveFirstView();
      WorkbenchPanel.shown.fire({ selection: target, edited: (edits?.length ?? 0) > 0 });
      void this.sendAdvantage(seq, view);
      if (replay) {
        const replayed = await replay();
        if (seq === this.seq) this.send({ type: 'view/replayed', replay: { ...replayed, revision: seq } });
        if (seq === this.seq && edits) void this.sendAdvantage(seq, view, replayed);
      }
    } catch (e) {
      if (seq !== this.seq) return;
      this.send({ type: 'error', message: `Cannot open ${selectionKey(target)}: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /**
   * The group's advantages under every estimator (from the index: the whole step is there); with `scored`, the
   * re-scored edit's would-be advantages too. A failure is a note in the table, never a lost view.
   */
  private async sendAdvantage(seq: number, view: ViewPayload, scored?: Pick<ViewReplay, 'rewards' | 'total'>): Promise<void> {
    const s = view.selection;
    const log = s.kind === 'rollout' ? this.model.log(s.log) : undefined;
    if (s.kind !== 'rollout' || !log) return;
    let whatIf;
    try {
      // The run's reward weights and TRL settings, as replay reads them (cached per version of the log).
      const config = await logRunConfig(log.index);
      if (seq !== this.seq) return;
      const run = runEstimator(readSettings().advantageEstimator, log.format, view.rollout?.answer.format, config);
      whatIf = whatIfPayload(log.index, s.index, run, config);
      if (scored) whatIf = withWouldBe(whatIf, log.index, s.index, run, { ...scored, rewardSet: PANEL_REWARD_SETS[0] }, config);
    } catch (e) {
      whatIf = { run: '', estimators: [], components: [], totalOnly: false, batchSize: 0, rows: [], note: `line ${log.index.line[s.index] ?? '?'}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (seq === this.seq) this.send({ type: 'view/advantage', revision: seq, whatIf });
  }

  /** The shown rollout's image oracle, segmented with the segmenter in use, for the overlay (only for the view on screen). */
  private async sendOracle(s: Selection): Promise<void> {
    const cur = this.selection;
    const log = cur?.kind === 'rollout' ? this.model.log(cur.log) : undefined;
    if (!log || cur?.kind !== 'rollout' || s.kind !== 'rollout' || cur.log !== s.log || cur.index !== s.index) return;
    const seq = this.seq;
    const { segmenter, label } = await this.segmenters.inUse();
    const oracle = await oracleOverlay({ index: log.index, record: cur.index, selection: cur, root: log.folder.uri.fsPath, logFile: log.file, segmenter, label });
    if (seq === this.seq) this.send({ type: 'view/oracle', revision: seq, oracle });
  }

  /** The revision of the view on screen (attribution messages name it). */
  private shownRevision = 0;

  /** The shown rollout's label and override, for the view on screen. */
  private sendAttribution(): void {
    const s = this.selection;
    const a = WorkbenchPanel.attribution;
    if (!a || s?.kind !== 'rollout' || this.shownRevision !== this.seq) return;
    this.send({ type: 'view/attribution', revision: this.shownRevision, attribution: a.labelOf(s.log, s.index) });
  }

  /** Write a label override for the rollout on screen (only that one: the webview's selection is checked against it). */
  private override(s: Selection, label: AttributionLabel | null): void {
    const cur = this.selection;
    const a = WorkbenchPanel.attribution;
    if (!a || cur?.kind !== 'rollout' || s.kind !== 'rollout' || cur.log !== s.log || cur.index !== s.index) return;
    if (label !== null && !isAttributionLabel(label)) return;
    try {
      a.setOverride(cur.log, cur.index, label);
    } catch (e) {
      this.send({ type: 'error', message: `Label override not saved: ${e instanceof Error ? e.message : String(e)}` });
      this.sendAttribution();
    }
  }

  /** The title while a selection loads, shaped like the view's own title; never a path or an internal key. */
  private loadingLabel(s: Selection): string {
    switch (s.kind) {
      case 'rollout': {
        const log = this.model.log(s.log);
        const ix = log?.index;
        if (!log || !ix || s.index < 0 || s.index >= ix.count) return 'rollout';
        const g = ix.group[s.index]!;
        const step = ix.step[s.index]!;
        const sample = ix.sample[s.index]!;
        const run = ix.run[s.index]!;
        return `${run >= 0 ? ix.runs[run] : path.basename(path.dirname(log.file))} · step ${Number.isNaN(step) ? '—' : step} · group ${g >= 0 ? ix.groups[g] : '—'} · rollout ${sample >= 0 ? sample : s.index}`;
      }
      case 'image':
        return `${this.model.dataset(s.dataset)?.dataset.name ?? 'dataset'} · ${s.stem}`;
      case 'file':
        return path.basename(s.path);
      default:
        return assertNever(s);
    }
  }

  private defaultSelection(): Selection | undefined {
    const log = this.model.logs.find((l) => l.index.count > 0);
    if (log) return { kind: 'rollout', log: log.file, index: 0 };
    const d = this.model.datasets.find((x) => x.dataset.items.length > 0);
    if (d) return { kind: 'image', dataset: `${d.folder.name}/${d.dataset.id}`, stem: d.dataset.items[0]!.stem };
    return undefined;
  }

  private async build(s: Selection, edits?: readonly PromptEdit[]): Promise<{ view: Omit<ViewPayload, 'revision'>; replay?: () => Promise<Omit<ViewReplay, 'revision'>> }> {
    const settings = readSettings();
    switch (s.kind) {
      case 'rollout': {
        const log = this.model.log(s.log);
        if (!log) throw new Error(`log ${s.log} is not indexed (was it moved or deleted?)`);
        if (s.index < 0 || s.index >= log.index.count) throw new Error(`rollout ${s.index} is out of range (log has ${log.index.count})`);
        const ctx = logViewContext(log, settings, (imagePath, answer, frame) => this.segmenters.segmentAnswer(imagePath, answer, frame), (line, message) => this.model.addProblem({ file: log.file, line, message, severity: 'warning' }));
        return buildRolloutView(log.index, s.index, log.structure.groupOf(s.index).members, ctx, edits);
      }
      case 'image': {
        const d = this.model.dataset(s.dataset);
        const item = d?.dataset.items.find((i) => i.stem === s.stem);
        if (!d || !item) throw new Error(`image ${s.stem} is not in dataset ${s.dataset}`);
        const root = d.folder.uri.fsPath;
        const pos = d.dataset.items.indexOf(item);
        // Dataset folders may hold links: one leading out of the workspace is not read.
        const image = await checkInside(root, item.image);
        if (!image.ok) throw new Error(refusalMessage('image', image));
        const gt = item.gt === undefined ? undefined : await checkInside(root, item.gt);
        if (gt && !gt.ok && gt.reason !== 'missing') throw new Error(refusalMessage('gt', gt));
        return { view: await buildImageView(s, image.path, gt?.ok ? gt.path : undefined, `${d.dataset.name} · ${item.stem}`, { index: pos, count: d.dataset.items.length }) };
      }
      case 'file': {
        const found = this.model.findImage(s.path);
        if (found) return this.build({ kind: 'image', dataset: `${found.dataset.folder.name}/${found.dataset.dataset.id}`, stem: found.item.stem });
        return { view: await buildImageView(s, s.path, undefined, path.basename(s.path), undefined) };
      }
      default:
        return assertNever(s);
    }
  }

  /** Move by rollout or group (image) in the current log or dataset. */
  async navigate(unit: 'rollout' | 'image' | 'group', direction: 1 | -1): Promise<void> {
    const s = this.selection;
    if (!s) return;
    if (s.kind === 'rollout') {
      const log = this.model.log(s.log);
      if (!log) return;
      const next = unit === 'rollout' ? log.structure.stepRollout(s.index, direction) : log.structure.stepGroup(s.index, direction);
      if (next !== s.index) await this.select({ kind: 'rollout', log: s.log, index: next });
    } else if (s.kind === 'image') {
      const d = this.model.dataset(s.dataset);
      if (!d) return;
      const items = d.dataset.items;
      const at = items.findIndex((i) => i.stem === s.stem);
      const next = items[Math.min(items.length - 1, Math.max(0, at + direction))];
      if (next && next.stem !== s.stem) await this.select({ kind: 'image', dataset: s.dataset, stem: next.stem });
    }
  }

  private async openSource(s: Selection): Promise<void> {
    if (s.kind !== 'rollout') return;
    const log = this.model.log(s.log);
    if (!log) return;
    const line = Math.max(0, log.index.line[s.index]! - 1);
    // The index's file: the log itself, or its canonical conversion (whose lines the index counts).
    await vscode.window.showTextDocument(vscode.Uri.file(log.index.path), { selection: new vscode.Range(line, 0, line, 0), viewColumn: vscode.ViewColumn.Beside });
  }

  dispose(): void {
    if (WorkbenchPanel.current === this) WorkbenchPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
