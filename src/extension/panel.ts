import * as path from 'node:path';
import * as vscode from 'vscode';
import { checkAbsoluteInside, checkInside, refusalMessage } from '../core/dataset/paths';
import { wellFormedEdits, type PromptEdit } from '../core/edit/promptEdits';
import { assertNever, type OracleOverlay, type Selection, type ViewPayload, type ViewReplay } from '../shared/protocol';
import type { PanelHostNotifications, PanelHostRequests, PanelWebviewNotifications, PanelWebviewRequests, ViewAck } from '../shared/panelProtocol';
import { RpcEndpoint, type RpcMessage } from '../shared/rpc';
import { PanelSession } from '../host/panelSession';
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

/** The host's end of the panel channel (one per page lifetime: a rebuilt page starts its ids again). */
type PanelRpc = RpcEndpoint<PanelWebviewRequests, PanelHostRequests, PanelHostNotifications, PanelWebviewNotifications>;

/** A selection the panel has just shown; `edited` when it shows prompt edits. */
export interface ShownSelection {
  readonly selection: Selection;
  readonly edited: boolean;
}

/** How long the page may take to render an export. */
const EXPORT_TIMEOUT_MS = 120_000;

/**
 * The one workbench panel (singleton): owns the webview and its RPC endpoint, and turns selections into views
 * through a PanelSession (the message sequence is documented in src/shared/panelProtocol.ts). Revived after a
 * window reload by the serializer.
 */
export class WorkbenchPanel implements vscode.Disposable {
  static current: WorkbenchPanel | undefined;
  /** The attribution pass the panel reads labels from (set once at activation). */
  private static attribution: AttributionService | undefined;

  private static readonly shownEmitter = new vscode.EventEmitter<ShownSelection>();
  /** Fires when a view is on screen: the Runs tree follows it, the walkthrough ticks its steps. */
  static readonly onDidShow = WorkbenchPanel.shownEmitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private rpc: PanelRpc;
  private readonly session: PanelSession;
  /** Resolves when the first view has been posted (benchmarks and tests wait on it). */
  firstView: Promise<void>;
  private resolveFirstView!: () => void;
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
      // The selection already shown (or on its way) keeps its edits: Open Workbench must not undo a re-segment.
      if (selection) void WorkbenchPanel.current.session.open(selection);
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
    this.firstView = new Promise((r) => (this.resolveFirstView = r));
    const webview = panel.webview;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'segr1.svg');
    this.session = new PanelSession(
      {
        modelReady: () => this.model.ready(),
        defaultSelection: () => this.defaultSelection(),
        loadingLabel: (s) => this.loadingLabel(s),
        build: (s, edits) => this.build(s, edits),
        shown: (view, edits) => this.onShown(view, edits),
        replayed: (view, replay, edits) => {
          if (edits) void this.sendAdvantage(view, replay);
        },
      },
      (method, params) => this.rpc.notify(method, params),
    );
    if (initial) void this.session.open(initial);
    this.rpc = this.endpoint();
    // The selection and its edits stay in the session across a Reload: the rebuilt page says `ready` and gets them again.
    this.recovery = new WebviewRecovery(panel, context.extensionUri, { title: 'Seg-R1 Workbench', key: 'workbench', script: 'webview.js', style: 'webview.css', beforeReload: () => this.pageGone() });
    this.recovery.load();
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => {
        if (this.rpc.receive(m)) return;
        if (typeof m === 'object' && m !== null && typeof (m as { type?: unknown }).type === 'string' && isLifecycleMessage(m as { type: string })) this.recovery.onMessage(m as Parameters<WebviewRecovery['onMessage']>[0]);
      }),
      panel.onDidDispose(() => this.dispose()),
      // A hidden webview is torn down (no retainContextWhenHidden); it re-announces `ready` when shown again.
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.pageGone();
        this.recovery.visibilityChanged(panel.visible);
      }),
      this.recovery,
      segmenters.onDidChange((badge) => this.session.push('segmenter/didChange', badge)),
    );
    const attribution = WorkbenchPanel.attribution;
    if (attribution) this.disposables.push(attribution.onDidChange(() => this.sendAttribution()));
  }

  /** A fresh endpoint for a page lifetime, with the page's requests handled. */
  private endpoint(): PanelRpc {
    const rpc: PanelRpc = new RpcEndpoint((m: RpcMessage) => {
      if (!this.disposed) void this.panel.webview.postMessage(m);
    });
    let greeted = false;
    rpc.on('ready', (p) => {
      // A page says `ready` once: a second one is a rebuilt page (moved to another group, reloaded) that no
      // visibility change announced. It gets an endpoint of its own and the newest view again.
      if (greeted) {
        this.pageGone();
        this.rpc.receive({ rpc: 'notification', method: 'ready', params: p } satisfies RpcMessage);
        return;
      }
      greeted = true;
      this.recovery.ready();
      // A restored selection is the page's state: trusted no more than its messages.
      this.session.pageReady(
        () => this.fromWebview(p?.restored).catch((e: unknown) => {
          this.session.push('error', { message: e instanceof Error ? e.message : String(e) });
          return undefined;
        }),
        () => this.session.push('segmenter/didChange', this.segmenters.badge),
      );
    });
    rpc.handle('view/select', (p) => this.session.requestFromPage(() => this.fromWebview(p.selection), undefined));
    rpc.handle('view/edit', (p) => this.session.requestFromPage(() => this.fromWebview(p.selection), wellFormedEdits(p.edits)));
    rpc.handle('view/navigate', (p) => this.navigate(p.unit, p.direction));
    rpc.handle('source/open', async (p) => {
      await this.openSource(p.selection);
      return null;
    });
    rpc.handle('export/choose', async (p) => {
      await vscode.commands.executeCommand(p.what === 'report' ? COMMANDS.exportReport : COMMANDS.exportImageView);
      return null;
    });
    rpc.handle('attribution/override', (p) => {
      this.override(p.selection, p.label);
      return null;
    });
    rpc.handle('oracle/request', (p) => this.oracle(p.selection));
    return rpc;
  }

  /** The page is gone (hidden or reloading): its endpoint goes with it, pushes wait for the next `ready`. */
  private pageGone(): void {
    this.session.pageGone();
    this.rpc.dispose();
    this.rpc = this.endpoint();
  }

  /** The view on screen (its image size and title name an export). */
  get shownView(): ViewPayload | undefined {
    return this.session.shown;
  }

  /** Ask the webview to render the view on screen as PNG or SVG bytes; resolves with them or with why it could not. */
  async renderExport(format: 'png' | 'svg'): Promise<{ data?: Uint8Array; error?: string }> {
    if (!this.session.listening) return { error: 'the workbench panel is not visible' };
    try {
      const r = await this.rpc.request('export/render', { format }, { timeoutMs: EXPORT_TIMEOUT_MS });
      // Only bytes are taken: anything else the page answers is refused.
      return r && r.data instanceof Uint8Array ? { data: r.data } : { error: 'no data' };
    } catch (e) {
      return { error: (e instanceof Error ? e.message : String(e)).slice(0, 500) };
    }
  }

  /** Rebuild the page (Seg-R1: Reload Panels); it comes back on what it showed. */
  reload(): void {
    this.recovery.reload();
  }

  /** Currently shown selection (or the one loading). */
  get current(): Selection | undefined {
    return this.session.selection;
  }

  /** A view is on screen: title, attribution, advantages, listeners. */
  private onShown(view: ViewPayload, edits: readonly PromptEdit[] | undefined): void {
    this.panel.title = `Seg-R1 · ${view.title.split(' · ').slice(1).join(' · ') || 'Workbench'}`;
    this.sendAttribution();
    this.resolveFirstView();
    WorkbenchPanel.shownEmitter.fire({ selection: view.selection, edited: (edits?.length ?? 0) > 0 });
    void this.sendAdvantage(view);
  }

  /**
   * A selection the webview sent: a file it names is read only when it resolves inside a workspace folder (symlinks
   * resolved); otherwise the request fails with why (the page shows it). Rollouts and dataset images are looked up
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
    throw new Error(`Not opened: file ${JSON.stringify(String(s.path))} ${why}`);
  }

  /**
   * The group's advantages under every estimator (from the index: the whole step is there); with `scored`, the
   * re-scored edit's would-be advantages too. A failure is a note in the table, never a lost view.
   */
  private async sendAdvantage(view: ViewPayload, scored?: Pick<ViewReplay, 'rewards' | 'total'>): Promise<void> {
    const s = view.selection;
    const seq = view.revision;
    const log = s.kind === 'rollout' ? this.model.log(s.log) : undefined;
    if (s.kind !== 'rollout' || !log) return;
    let whatIf;
    try {
      // The run's reward weights and TRL settings, as replay reads them (cached per version of the log).
      const config = await logRunConfig(log.index);
      if (!this.session.isCurrent(seq)) return;
      const run = runEstimator(readSettings().advantageEstimator, log.format, view.rollout?.answer.format, config);
      whatIf = whatIfPayload(log.index, s.index, run, config);
      if (scored) whatIf = withWouldBe(whatIf, log.index, s.index, run, { ...scored, rewardSet: PANEL_REWARD_SETS[0] }, config);
    } catch (e) {
      whatIf = { run: '', estimators: [], components: [], totalOnly: false, batchSize: 0, rows: [], note: `line ${log.index.line[s.index] ?? '?'}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (this.session.isCurrent(seq)) this.session.push('view/advantage', { revision: seq, whatIf });
  }

  /** The shown rollout's image oracle, segmented with the segmenter in use, for the overlay (only for the view on screen). */
  private async oracle(s: Selection): Promise<{ revision: number; oracle: OracleOverlay } | null> {
    const cur = this.session.selection;
    const seq = this.session.currentRevision;
    const log = cur?.kind === 'rollout' ? this.model.log(cur.log) : undefined;
    if (seq === undefined || !log || cur?.kind !== 'rollout' || s.kind !== 'rollout' || cur.log !== s.log || cur.index !== s.index) return null;
    const { segmenter, label } = await this.segmenters.inUse();
    const oracle = await oracleOverlay({ index: log.index, record: cur.index, selection: cur, root: log.folder.uri.fsPath, logFile: log.file, segmenter, label });
    return this.session.isCurrent(seq) ? { revision: seq, oracle } : null;
  }

  /** The shown rollout's label and override, for the view on screen. */
  private sendAttribution(): void {
    const s = this.session.selection;
    const a = WorkbenchPanel.attribution;
    const revision = this.session.currentRevision;
    if (!a || s?.kind !== 'rollout' || revision === undefined) return;
    this.session.push('view/attribution', { revision, attribution: a.labelOf(s.log, s.index) });
  }

  /** Write a label override for the rollout on screen (only that one: the webview's selection is checked against it). */
  private override(s: Selection, label: AttributionLabel | null): void {
    const cur = this.session.selection;
    const a = WorkbenchPanel.attribution;
    if (!a || cur?.kind !== 'rollout' || s.kind !== 'rollout' || cur.log !== s.log || cur.index !== s.index) return;
    if (label !== null && !isAttributionLabel(label)) return;
    try {
      a.setOverride(cur.log, cur.index, label);
    } catch (e) {
      // The badge goes back to what is stored; the page shows why.
      this.sendAttribution();
      throw new Error(`Label override not saved: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
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

  /** Move by rollout or group (image) in the current log or dataset; null when there is nowhere to go. */
  navigate(unit: 'rollout' | 'image' | 'group', direction: 1 | -1): Promise<ViewAck | null> {
    const next = this.neighbour(this.session.selection, unit, direction);
    return next ? this.session.request(next, undefined) : Promise.resolve(null);
  }

  private neighbour(s: Selection | undefined, unit: 'rollout' | 'image' | 'group', direction: 1 | -1): Selection | undefined {
    if (s?.kind === 'rollout') {
      const log = this.model.log(s.log);
      if (!log) return undefined;
      const next = unit === 'rollout' ? log.structure.stepRollout(s.index, direction) : log.structure.stepGroup(s.index, direction);
      return next !== s.index ? { kind: 'rollout', log: s.log, index: next } : undefined;
    }
    if (s?.kind === 'image') {
      const d = this.model.dataset(s.dataset);
      if (!d) return undefined;
      const items = d.dataset.items;
      const at = items.findIndex((i) => i.stem === s.stem);
      const next = items[Math.min(items.length - 1, Math.max(0, at + direction))];
      return next && next.stem !== s.stem ? { kind: 'image', dataset: s.dataset, stem: next.stem } : undefined;
    }
    return undefined;
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
    this.disposed = true;
    this.rpc.dispose();
    if (WorkbenchPanel.current === this) WorkbenchPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
