import * as vscode from 'vscode';
import { compareSides, type Comparison } from '../core/compare/compare';
import { bestRollout, orderByChange, rolloutsByImage } from '../core/compare/pairing';
import { loadLogSide } from '../core/compare/sources';
import { RpcEndpoint, type RpcMessage } from '../shared/rpc';
import type { CompareHostNotifications, CompareHostRequests, ComparePanelSide, ComparePayload, CompareSideRef, CompareWebviewNotifications } from '../shared/compareProtocol';
import { COMMANDS } from '../host/commands';
import { readSettings } from './settings';
import type { SegmenterService } from './segmenterService';
import { buildRolloutView, logViewContext } from '../host/viewBuilder';
import { renderWebviewHtml } from '../host/webviewHtml';
import type { LogEntry, WorkspaceModel } from './workspaceModel';

/** The compare panel's webview type. */
export const COMPARE_VIEW_TYPE = 'segr1.compare';

/** A side as the panel holds it: its log entry and step. */
interface LoadedSide {
  readonly ref: CompareSideRef;
  readonly log: LogEntry;
  readonly label: string;
}

/** Name a side the way the user reads it: the log's workspace-relative path and the step. */
export function sideLabel(log: Pick<LogEntry, 'rel'>, step: number): string {
  return `${log.rel}@${step}`;
}

/**
 * Two steps of indexed logs compared in the editor: the dataset delta with its sign test and bootstrap CI, the
 * per-image deltas, and an image's two rollouts side by side. The numbers come from the core's `compareSides`
 * on `loadLogSide`, as `segr1 compare <log>@<a> <log>@<b>` computes them. One panel, replaced by each comparison.
 */
export class ComparePanel implements vscode.Disposable {
  static current: ComparePanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;
  private revision = 0;
  private readonly rpc: RpcEndpoint<Record<never, never>, CompareHostRequests, CompareHostNotifications, CompareWebviewNotifications>;
  private sides?: { a: LoadedSide; b: LoadedSide };
  private metric?: string;
  private payload?: ComparePayload;

  /** Open (or reuse) the compare panel on two sides. */
  static show(context: vscode.ExtensionContext, model: WorkspaceModel, segmenters: SegmenterService, a: CompareSideRef, b: CompareSideRef): ComparePanel {
    let p = ComparePanel.current;
    if (p) p.panel.reveal();
    else {
      const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Seg-R1 Compare', vscode.ViewColumn.Active, {
        enableScripts: true,
        retainContextWhenHidden: false,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
      });
      p = new ComparePanel(panel, context, model, segmenters);
    }
    p.setSides(a, b);
    return p;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    context: vscode.ExtensionContext,
    private readonly model: WorkspaceModel,
    private readonly segmenters: SegmenterService,
  ) {
    ComparePanel.current = this;
    const dist = vscode.Uri.joinPath(context.extensionUri, 'dist');
    panel.webview.html = renderWebviewHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'compare.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(dist, 'compare.css')).toString(),
      title: 'Seg-R1 Compare',
    });
    this.rpc = new RpcEndpoint((m: RpcMessage) => {
      // A rollout view built after the panel closed has nowhere to go.
      if (!this.disposed) void this.panel.webview.postMessage(m);
    });
    // Also after the webview was hidden and rebuilt: it gets the comparison back.
    this.rpc.on('ready', () => {
      if (this.payload) this.rpc.notify('compare/show', this.payload);
    });
    this.rpc.on('compare/metric', (m) => {
      this.metric = m.metric;
      void this.recompute();
    });
    this.rpc.on('compare/open', (m) => void vscode.commands.executeCommand(COMMANDS.openSelection, { kind: 'rollout', log: m.log, index: m.index }, { beside: true }));
    this.rpc.handle('compare/pair', async (p) => {
      const s = this.sides;
      if (!s || p.revision !== this.revision) return undefined;
      const [a, b] = await Promise.all([this.panelSide(s.a, p.image, p.pick?.a), this.panelSide(s.b, p.image, p.pick?.b)]);
      return { a, b };
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => void this.rpc.receive(m)),
      panel.onDidDispose(() => this.dispose()),
      model.onDidChange(() => void this.recompute()),
    );
  }

  private setSides(a: CompareSideRef, b: CompareSideRef): void {
    const la = this.model.log(a.log);
    const lb = this.model.log(b.log);
    if (!la || !lb) {
      this.rpc.notify('error', { message: `log ${!la ? a.log : b.log} is not indexed (was it moved or deleted?)` });
      return;
    }
    this.sides = { a: { ref: a, log: la, label: sideLabel(la, a.step) }, b: { ref: b, log: lb, label: sideLabel(lb, b.step) } };
    this.metric = undefined;
    this.panel.title = `Compare ${this.sides.a.label} ↔ ${this.sides.b.label}`;
    void this.recompute();
  }

  /** Recompute the comparison on the logs as indexed now and send it. */
  private async recompute(): Promise<void> {
    const s = this.sides;
    if (!s) return;
    await this.model.ready();
    // Re-read the entries: a refresh replaces them (and their indexes).
    const la = this.model.log(s.a.ref.log);
    const lb = this.model.log(s.b.ref.log);
    if (!la || !lb) {
      this.rpc.notify('error', { message: `log ${!la ? s.a.ref.log : s.b.ref.log} is no longer indexed` });
      return;
    }
    this.sides = { a: { ...s.a, log: la }, b: { ...s.b, log: lb } };
    const warnings: string[] = [];
    const warn = (m: string): void => {
      if (!warnings.includes(m)) warnings.push(m);
    };
    let comparison: Comparison;
    try {
      const a = { ...loadLogSide(la.index, { path: la.rel, step: s.a.ref.step }, warn), label: s.a.label };
      const b = { ...loadLogSide(lb.index, { path: lb.rel, step: s.b.ref.step }, warn), label: s.b.label };
      comparison = compareSides(a, b, this.metric);
    } catch (e) {
      this.rpc.notify('error', { message: `Seg-R1 compare: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    if (!comparison.images.length) warn(`${s.a.label} and ${s.b.label} have no image in common: pick steps that show the same images`);
    this.payload = {
      revision: ++this.revision,
      a: { ...s.a.ref, label: s.a.label },
      b: { ...s.b.ref, label: s.b.label },
      comparison,
      byChange: orderByChange(comparison.images, comparison.metric),
      warnings,
      synthetic: [la, lb].some((l) => l.index.runs.some((r) => /synthetic/i.test(r))),
    };
    this.rpc.notify('compare/show', this.payload);
  }

  /** One side of an image: the picked rollout (when it is one of the image's at that step) or the best one, as a view. */
  private async panelSide(side: LoadedSide, image: string, pick: number | undefined): Promise<ComparePanelSide> {
    const ix = side.log.index;
    const members = rolloutsByImage(ix, side.ref.step).get(image) ?? [];
    const list = members.map((i) => ({ index: i, sample: ix.sample[i]!, reward: ix.reward[i]! }));
    const shown = pick !== undefined && members.includes(pick) ? pick : bestRollout(ix, members);
    if (shown === undefined) return { members: list, error: `${side.label}: no rollout on ${image}` };
    const settings = readSettings();
    const log = side.log;
    try {
      const ctx = logViewContext(log, settings, (imagePath, answer, frame) => this.segmenters.segmentAnswer(imagePath, answer, frame), (line, message) => this.model.addProblem({ file: log.file, line, message, severity: 'warning' }));
      const { view } = await buildRolloutView(ix, shown, log.structure.groupOf(shown).members, ctx);
      return { view: { ...view, revision: this.revision }, members: list, shown };
    } catch (e) {
      return { members: list, shown, error: `${side.label}: ${e instanceof Error ? e.message : String(e)}` };
    }
  }

  dispose(): void {
    this.disposed = true;
    this.rpc.dispose();
    if (ComparePanel.current === this) ComparePanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
