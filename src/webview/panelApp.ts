import type { PanelHostNotifications, PanelHostRequests, PanelWebviewNotifications, PanelWebviewRequests } from '../shared/panelProtocol';
import { selectionKey, type PersistedState, type RolloutAttribution, type Selection, type ViewPayload, type ViewReplay } from '../shared/protocol';
import type { RpcEndpoint } from '../shared/rpc';
import { AdvantageView } from './advantageView';
import { CanvasView, type CanvasLayers } from './canvasView';
import { clear, h } from './dom';
import { editedTooltip } from './editSummary';
import { GroupStrip } from './groupStrip';
import { HistoryStrip } from './historyStrip';
import { contourLayer, errorLayer, fillLayer, resampleMask } from './overlays';
import { PALETTE } from './palette';
import { PanelToolbar, rgb, type OverlayKey } from './panelToolbar';
import { ReasoningView } from './reasoningView';
import { RewardsView } from './rewardsView';
import { glyphNotes, TokenView } from './tokenView';
import { viewPng, viewSvg, type ExportSource } from './viewExport';

/** The page's end of the panel channel. */
export type PanelPageRpc = RpcEndpoint<PanelHostRequests, PanelWebviewRequests, PanelWebviewNotifications, PanelHostNotifications>;

/** Where the page keeps its state across hide/reveal and reload (the webview API's getState/setState). */
export interface StateStore {
  getState(): PersistedState | undefined;
  setState(s: PersistedState): void;
}

const DEFAULT_STATE: PersistedState = { overlays: { gt: true, mask: true, errors: false, glyphs: true }, opacity: 0.45 };

/** View requests wait for a build (a SAM2 encode takes minutes on a loaded CPU): no timeout, superseded by the host. */
const VIEW_REQUEST = { timeoutMs: 0 } as const;

/** Legend entries by the overlay that draws them: the legend lists only what is on the canvas. */
const LEGEND: ReadonlyArray<readonly [OverlayKey, string, string]> = [
  ['glyphs', '+ point', PALETTE.positive],
  ['glyphs', '− point', PALETTE.negative],
  ['glyphs', 'box', PALETTE.box],
  ['mask', 'mask', rgb(PALETTE.mask)],
  ['gt', 'GT outline', rgb(PALETTE.gt)],
  ['errors', 'TP', rgb(PALETTE.tp)],
  ['errors', 'FP', rgb(PALETTE.fp)],
  ['errors', 'FN', rgb(PALETTE.fn)],
];

/**
 * The workbench panel's page: the view on screen and everything drawn from it (canvas, reasoning, rewards, group,
 * history, advantages), the host's pushes applied to the view of their revision, and the page's requests.
 */
export class PanelApp {
  private state: PersistedState;
  private current: ViewPayload | undefined;
  private currentImage: ImageBitmap | undefined;
  /** The image-sized layers of the view on screen, for exports (the canvas itself is at screen zoom). */
  private exportLayers: Omit<ExportSource, 'view' | 'toggles' | 'opacity'> | undefined;
  /** The logged mask of a rejected answer: exported only while the user shows it. */
  private exportLogged: ExportSource['mask'];
  /** Guards against an older, slower view overwriting a newer one while images decode. */
  private showSeq = 0;
  /** The latest attribution, what-if table and replay the host sent, applied to the view of their revision. */
  private attribution: PanelHostNotifications['view/attribution'] | undefined;
  private whatIf: PanelHostNotifications['view/advantage'] | undefined;
  private pendingReplay: ViewReplay | undefined;

  private readonly toolbar: PanelToolbar;
  private readonly problems = h('div', { class: 'problems', id: 'problems', role: 'alert' });
  private readonly canvas: CanvasView;
  /** Says why the canvas shows no mask (the training parser rejected the answer); hidden when the trainer segmented. */
  private readonly noMaskNotice = h('div', { class: 'no-mask', id: 'no-mask', role: 'status', hidden: true });
  private readonly legend = h('div', { class: 'legend', id: 'legend', 'aria-label': 'Legend' });
  private readonly reasoning = new ReasoningView();
  private readonly tokenView: TokenView;
  private readonly rewards = new RewardsView();
  private readonly group = new GroupStrip();
  private readonly history = new HistoryStrip();
  private readonly advantage = new AdvantageView();

  constructor(
    root: HTMLElement,
    private readonly rpc: PanelPageRpc,
    private readonly store: StateStore,
  ) {
    this.state = { ...DEFAULT_STATE, ...(store.getState() ?? {}) };
    this.toolbar = new PanelToolbar(this.state, {
      navigate: (unit, direction) => this.navigate(unit, direction),
      overlay: (key, on) => {
        this.persist({ ...this.state, overlays: { ...this.state.overlays, [key]: on } });
        this.canvas.toggles = { ...this.state.overlays };
        this.canvas.draw();
        this.updateLegend();
      },
      opacity: (value) => {
        this.persist({ ...this.state, opacity: value });
        this.canvas.opacity = value;
        this.canvas.draw();
      },
      showLogged: (on) => {
        this.canvas.showLogged = on;
        this.canvas.draw();
        this.updateLegend();
      },
      toggleEditing: () => this.setEditing(!this.canvas.editing),
      undo: () => this.canvas.undo(),
      resegment: () => {
        const c = this.current;
        if (!c?.rollout) return;
        // Disabled at once: the host's loading push follows, and the next view (or an error) enables it again.
        this.toolbar.resegment.disabled = true;
        this.viewRequest(this.rpc.request('view/edit', { selection: c.selection, edits: c.edited?.edits ?? [] }, VIEW_REQUEST));
      },
      revert: () => {
        if (this.current) this.select(this.current.selection);
      },
      fit: () => this.canvas.fit(),
      exportChoose: (what) => this.call(this.rpc.request('export/choose', { what })),
      override: (label) => {
        if (this.current?.rollout) this.call(this.rpc.request('attribution/override', { selection: this.current.selection, label }));
      },
    });
    const canvasHost = h('div', { class: 'canvas-host' });
    this.canvas = new CanvasView(canvasHost);
    canvasHost.append(this.noMaskNotice);
    this.canvas.toggles = { ...this.state.overlays };
    this.canvas.opacity = this.state.opacity;
    this.tokenView = new TokenView(this.state.tokenMode ?? 'text');
    this.reasoning.attach(this.tokenView.controls, this.tokenView.el);
    this.reasoning.setTextHidden(this.tokenView.current !== 'text');
    this.group.el.append(this.advantage.el);
    this.updateLegend();
    root.append(
      this.toolbar.el,
      h('div', { class: 'main' }, h('div', { class: 'left' }, this.problems, canvasHost, this.legend), h('div', { class: 'right' }, this.reasoning.el, this.rewards.el, this.advantage.wouldBe)),
      h('div', { class: 'bottom' }, this.group.el, this.history.el),
    );
    this.wireViews();
    this.listen();
  }

  /** The selection the page's state kept (sent with `ready`, so a rebuilt page comes back on it). */
  get restored(): Selection | undefined {
    return this.state.selection;
  }

  /** The keyboard: navigation, edit mode, undo. */
  onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && this.canvas.editing) {
      e.preventDefault();
      this.canvas.undo();
      return;
    }
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const nav = (unit: 'rollout' | 'group', direction: 1 | -1): void => {
      e.preventDefault();
      this.navigate(unit, direction);
    };
    switch (e.key) {
      case 'ArrowRight':
      case 'n':
        return nav('rollout', 1);
      case 'ArrowLeft':
      case 'p':
        return nav('rollout', -1);
      case 'ArrowDown':
      case 'N':
        return nav('group', 1);
      case 'ArrowUp':
      case 'P':
        return nav('group', -1);
      case 'e':
        e.preventDefault();
        return this.setEditing(!this.canvas.editing);
      default:
        return;
    }
  }

  /** The callbacks of the views: hovers link canvas and text; clicks become requests. */
  private wireViews(): void {
    this.tokenView.onMode = (mode) => {
      this.persist({ ...this.state, tokenMode: mode });
      this.reasoning.setTextHidden(mode !== 'text');
    };
    this.tokenView.onHover = (id) => this.canvas.highlight(id);
    this.canvas.onHover = (id) => {
      this.reasoning.highlight(id);
      this.tokenView.highlight(id);
    };
    this.reasoning.onHover = (id) => this.canvas.highlight(id);
    this.reasoning.onOpenSource = () => {
      if (this.current) this.call(this.rpc.request('source/open', { selection: this.current.selection }));
    };
    this.group.onSelect = (selection) => this.select(selection);
    this.history.onSelect = (selection) => this.select(selection);
    this.advantage.onSelect = (index) => {
      const s = this.current?.selection;
      if (s?.kind === 'rollout') this.select({ kind: 'rollout', log: s.log, index });
    };
    const oracle = this.toolbar.oracle;
    oracle.onRequest = (selection) =>
      this.call(
        this.rpc.request('oracle/request', { selection }, VIEW_REQUEST).then((r) => {
          if (r && this.current?.revision === r.revision) oracle.receive(r.oracle);
        }),
      );
    oracle.onLayer = (layer) => {
      this.canvas.setOracle(layer);
      this.updateLegend();
    };
    this.canvas.onEdit = (edits) => {
      if (this.current) this.viewRequest(this.rpc.request('view/edit', { selection: this.current.selection, edits }, VIEW_REQUEST));
    };
  }

  /** The host's pushes and its one request (render an export). */
  private listen(): void {
    const rpc = this.rpc;
    rpc.on('view/show', (view) => void this.show(view));
    rpc.on('view/replayed', (r) => this.applyReplay(r));
    rpc.on('view/attribution', (a) => {
      this.attribution = a;
      this.applyAttribution();
    });
    rpc.on('view/loading', (l) => {
      this.toolbar.title.textContent = `Loading ${l.label}…`;
      this.toolbar.resegment.disabled = true;
    });
    rpc.on('segmenter/didChange', (badge) => {
      // The badge names the source of the mask on screen; a logged mask stays labelled as such.
      this.toolbar.segBadge.title = `Segmenter for re-segmenting and edits: ${badge.label}`;
      if (!this.current?.noMask && this.current?.mask?.kind !== 'logged') this.toolbar.setBadge(badge);
    });
    rpc.on('view/advantage', (w) => {
      this.whatIf = w;
      this.applyWhatIf();
    });
    rpc.on('error', (e) => this.showError(e.message));
    rpc.handle('export/render', (p) => this.renderExport(p.format));
  }

  private select(selection: Selection): void {
    this.viewRequest(this.rpc.request('view/select', { selection }, VIEW_REQUEST));
  }

  private navigate(unit: 'rollout' | 'group', direction: 1 | -1): void {
    this.viewRequest(this.rpc.request('view/navigate', { unit, direction }, VIEW_REQUEST));
  }

  /** A request that changes the view: its view arrives as `view/show`; a failure is shown. */
  private viewRequest(p: Promise<unknown>): void {
    this.call(p);
  }

  /** A request whose failure the page shows (the host names what failed). */
  private call(p: Promise<unknown>): void {
    p.catch((e: unknown) => {
      // Cancelled with the page (it is being rebuilt): nothing to show.
      if (e instanceof Error && (e.name === 'AbortError' || e.name === 'RpcDisposedError')) return;
      this.showError(e instanceof Error ? e.message : String(e));
    });
  }

  private showError(message: string): void {
    clear(this.problems);
    this.problems.append(h('div', { class: 'problem' }, `✖ ${message}`));
    this.toolbar.resegment.disabled = false; // the view on screen stays, and can still be re-segmented
  }

  private persist(next: PersistedState): void {
    this.state = next;
    this.store.setState(next);
  }

  private setEditing(on: boolean): void {
    this.canvas.editing = on;
    this.toolbar.setEditing(on);
    this.canvas.draw();
  }

  private applyAttribution(): void {
    const a = this.attribution;
    this.toolbar.attribution.render(this.current?.rollout && a?.revision === this.current.revision ? (a.attribution satisfies RolloutAttribution) : undefined);
  }

  private applyWhatIf(): void {
    const w = this.whatIf;
    const c = this.current;
    if (!c?.rollout || c.selection.kind !== 'rollout' || !w || w.revision !== c.revision) {
      this.advantage.hide();
      this.group.setFlips('', new Map());
      return;
    }
    this.advantage.show(w.whatIf, c.selection.index, w.revision);
    this.group.setFlips(w.whatIf.run, new Map(w.whatIf.rows.map((r) => [r.index, r.flips])));
  }

  private updateLegend(): void {
    const legend = this.legend;
    const c = this.current;
    clear(legend);
    const item = (overlay: string, text: string, colour: string, cls = ''): void => {
      const s = h('span', { class: `swatch${cls}`, 'aria-hidden': 'true' });
      s.style.background = colour;
      legend.append(h('span', { class: 'legend-item', 'data-overlay': overlay }, s, text));
    };
    const noMask = !!c?.noMask;
    for (const [overlay, text, colour] of LEGEND) {
      if (!this.state.overlays[overlay]) continue;
      // Without a mask there is no mask fill and no error map to explain.
      if (noMask && (overlay === 'mask' || overlay === 'errors')) continue;
      item(overlay, text, colour, overlay === 'gt' ? ' outline' : '');
    }
    if (this.state.overlays.glyphs && c?.glyphs.some((g) => g.kind === 'point' && g.unlabelled)) item('glyphs', '? point: no label', PALETTE.unlabelled, ' ring');
    if (noMask && this.canvas.showLogged && c?.mask) item('logged', 'logged mask (not used by the trainer)', rgb(PALETTE.mask));
    if (this.toolbar.oracle.visible) item('oracle', this.toolbar.oracle.legendText, rgb(PALETTE.oracle), ' outline dashed');
  }

  private async show(view: ViewPayload): Promise<void> {
    const seq = ++this.showSeq;
    const image = view.image ? await createImageBitmap(new Blob([view.image.bytes as BlobPart], { type: view.image.mime })) : undefined;
    if (seq !== this.showSeq) {
      image?.close();
      return;
    }
    const tb = this.toolbar;
    this.canvas.setEdits(view.edited?.edits ?? []);
    this.current = view;
    tb.editBadge.hidden = !view.edited;
    tb.editBadge.textContent = view.edited?.edits.length ? 'EDITED' : 'RE-SEGMENTED';
    tb.editBadge.title = view.edited ? editedTooltip(view, view.edited.edits) : '';
    tb.resegment.hidden = !view.rollout;
    tb.resegment.disabled = false;
    tb.resetEdit.hidden = !view.edited;
    tb.undoButton.hidden = !view.edited?.edits.length;
    this.persist({ ...this.state, selection: view.selection });
    tb.setTitle(view.title);
    tb.synthBadge.hidden = !view.synthetic;
    clear(this.problems);
    for (const p of view.problems) this.problems.append(h('div', { class: 'problem' }, `⚠ ${p}`));
    const w = view.image?.width ?? view.gt?.width ?? view.mask?.width ?? 0;
    const hgt = view.image?.height ?? view.gt?.height ?? view.mask?.height ?? 0;
    const gt = view.gt ? resampleMask(view.gt, w, hgt) : undefined;
    const mask = view.mask ? resampleMask(view.mask, w, hgt) : undefined;
    const layers: CanvasLayers = {};
    if (gt) layers.gt = contourLayer(gt, w, hgt, PALETTE.gt, PALETTE.gtHalo);
    // A rejected answer has no prediction: a logged mask is only the opt-in `logged` layer, and there is no error map.
    if (mask && view.noMask) layers.logged = fillLayer(mask, w, hgt, PALETTE.mask);
    else if (mask) layers.mask = fillLayer(mask, w, hgt, PALETTE.mask);
    tb.errorCounts.textContent = '';
    this.canvas.showLogged = false;
    tb.loggedInput.checked = false;
    tb.loggedToggle.hidden = !(view.noMask && mask);
    this.noMaskNotice.hidden = !view.noMask;
    this.noMaskNotice.textContent = view.noMask ? view.noMask.reason + (mask ? ' · the log holds a mask: tick "logged mask" to see it' : '') : '';
    if (gt && layers.mask && mask) {
      const e = errorLayer(mask, gt, w, hgt);
      layers.errors = e.canvas;
      tb.errorCounts.textContent = `TP ${e.counts.tp} · FP ${e.counts.fp} · FN ${e.counts.fn}`;
    }
    this.exportLayers = { width: w, height: hgt, ...(gt ? { gt } : {}), ...(layers.mask ? { mask: layers.mask } : {}), ...(layers.errors ? { errors: layers.errors } : {}) };
    this.exportLogged = layers.logged;
    tb.exportReportButton.hidden = !view.rollout;
    this.tokenView.show(view);
    this.canvas.glyphNotes = glyphNotes(this.tokenView.glyphConfidence());
    this.canvas.setContent(image, w, hgt, layers, view.glyphs, view.noMask?.reason);
    tb.oracle.viewChanged(view.selection, !!view.rollout && !!view.gt, { width: w, height: hgt });
    this.applyWhatIf();
    this.updateLegend();
    this.currentImage = image;
    this.reasoning.show(view);
    this.rewards.show(view);
    this.group.show(view, this.currentImage);
    this.history.show(view);
    // The kind travels with the mask: a logged mask, or the engine that made it (never guessed from its label).
    if (view.noMask) tb.setBadge({ label: 'no mask — answer rejected', kind: 'none' });
    else if (view.mask) tb.setBadge({ label: view.mask.source, kind: view.mask.kind });
    document.body.dataset.selection = selectionKey(view.selection);
    if (this.pendingReplay?.revision === view.revision) this.applyReplay(this.pendingReplay);
    this.applyAttribution();
  }

  /** Recomputed rewards arrive after the view: merge them in if the view is still the same rollout. */
  private applyReplay(r: ViewReplay): void {
    const c = this.current;
    if (!c || c.revision !== r.revision || !c.rollout) {
      // The view it belongs to may still be decoding its image: keep it for show().
      if (!c || r.revision > c.revision) this.pendingReplay = r;
      return;
    }
    this.pendingReplay = undefined;
    this.current = { ...c, rollout: { ...c.rollout, rewards: r.rewards, total: r.total, advantage: r.advantage }, group: r.group, groupZeroVariance: r.groupZeroVariance };
    this.rewards.show(this.current);
    this.group.show(this.current, this.currentImage);
    document.body.dataset.replayed = selectionKey(r.selection);
  }

  /** Render the view on screen for the host to save; a failure rejects the host's request with why. */
  private async renderExport(format: 'png' | 'svg'): Promise<{ data: Uint8Array }> {
    const layers = this.exportLayers;
    if (!this.current || !layers || !layers.width) throw new Error('no image on screen');
    const mask = layers.mask ?? (this.canvas.showLogged ? this.exportLogged : undefined);
    const source: ExportSource = { ...layers, ...(mask ? { mask } : {}), view: this.current, toggles: { ...this.state.overlays, mask: this.state.overlays.mask || (!!mask && this.canvas.showLogged) }, opacity: this.state.opacity };
    return { data: format === 'svg' ? new TextEncoder().encode((await viewSvg(source)).svg) : await viewPng(source) };
  }
}
