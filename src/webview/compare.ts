import type { ViewPayload } from '../shared/protocol';
import type { CompareHostNotifications, CompareHostRequests, ComparePanelSide, ComparePayload, ComparePick, CompareWebviewNotifications, ImageDelta } from '../shared/compareProtocol';
import { RpcEndpoint } from '../shared/rpc';
import { syncTransform } from '../shared/viewportSync';
import { CanvasView, type CanvasLayers } from './canvasView';
import { clear, h } from './dom';
import { contourLayer, fillLayer, resampleMask } from './overlays';
import { PALETTE } from './palette';
import { ReasoningView } from './reasoningView';
import { webviewApi } from './vscodeApi';

/**
 * The compare view: the dataset delta with its sign test and bootstrap CI, the images sorted by how much they moved
 * (all, got better, got worse), and the selected image's two rollouts side by side: two canvases whose zoom and pan
 * follow each other, and the two reasonings below. Model text only ever enters as text nodes.
 */

const vscode = webviewApi<Partial<CompareState>>();
/** Building two rollout views (decode, maybe segment) can take a while on a loaded machine. */
const PAIR_TIMEOUT_MS = 120_000;
const rpc = new RpcEndpoint<CompareHostRequests, Record<never, never>, CompareWebviewNotifications, CompareHostNotifications>((m) => vscode.postMessage(m));

type Filter = 'all' | 'better' | 'worse';
type SideName = 'a' | 'b';

/** What survives hiding the panel: the list shown and the image selected. */
interface CompareState {
  filter: Filter;
  image?: string;
}
const saved = vscode.getState();
let state: CompareState = { filter: saved?.filter === 'better' || saved?.filter === 'worse' ? saved.filter : 'all', ...(typeof saved?.image === 'string' ? { image: saved.image } : {}) };
let payload: ComparePayload | undefined;
let rows: ImageDelta[] = [];
let selectSeq = 0;
/** The pair request in flight: a newer selection cancels it. */
let inFlight: AbortController | undefined;

// NaN may arrive as null (the webview channel serializes numbers as JSON does).
const signed = (v: number | null | undefined, digits = 4): string => (v === undefined ? '—' : typeof v !== 'number' || Number.isNaN(v) ? 'NaN' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);
const plain = (v: number | null | undefined, digits = 4): string => (v === undefined ? '—' : typeof v !== 'number' || Number.isNaN(v) ? 'NaN' : v.toFixed(digits));
const baseName = (p: string): string => p.split(/[\\/]/).pop() ?? p;

const app = document.getElementById('app')!;
const sidesLine = h('div', { class: 'compare-sides', id: 'compare-sides' });
const metricSelect = h('select', { id: 'compare-metric', 'aria-label': 'Metric the lists and statistics follow' });
metricSelect.addEventListener('change', () => rpc.notify('compare/metric', { metric: metricSelect.value }));
const stats = h('div', { class: 'compare-stats num', id: 'compare-stats', 'aria-live': 'polite' });
const datasetTable = h('table', { class: 'compare-dataset num', id: 'compare-dataset', 'aria-label': 'Dataset values' });
const warnings = h('div', { class: 'problems', id: 'compare-warnings', role: 'status' });
const synthBadge = h('span', { class: 'badge synthetic', id: 'synthetic-badge', hidden: true }, 'SYNTHETIC sample');
const header = h('header', { class: 'compare-header', id: 'compare-header' }, h('div', { class: 'compare-title' }, sidesLine, synthBadge, h('label', { class: 'toggle' }, 'metric ', metricSelect)), stats, datasetTable, warnings);

const filterButtons: Record<Filter, HTMLButtonElement> = {
  all: h('button', { id: 'filter-all', role: 'tab' }, 'All'),
  better: h('button', { id: 'filter-better', role: 'tab' }, 'Got better'),
  worse: h('button', { id: 'filter-worse', role: 'tab' }, 'Got worse'),
};
for (const [f, b] of Object.entries(filterButtons) as Array<[Filter, HTMLButtonElement]>) {
  b.addEventListener('click', () => {
    state = { ...state, filter: f };
    persist();
    renderTable();
  });
}
const tableBody = h('tbody', {});
const tableHead = h('thead', {});
const table = h('table', { class: 'compare-table num', id: 'compare-table', tabindex: 0, 'aria-label': 'Per-image deltas' }, tableHead, tableBody);
const listPane = h('section', { class: 'compare-list', 'aria-label': 'Images' }, h('div', { class: 'compare-filters', role: 'tablist' }, filterButtons.all, filterButtons.better, filterButtons.worse), h('div', { class: 'compare-table-wrap' }, table));

/** One side's panel: heading, rollout picker, canvas, reasoning. */
class SidePanel {
  readonly canvas: CanvasView;
  readonly reasoning = new ReasoningView();
  readonly heading = h('div', { class: 'side-heading' });
  readonly picker = h('select', { class: 'side-rollout', 'aria-label': 'Rollout shown' });
  readonly open = h('button', { class: 'link', title: 'Open this rollout in the workbench' }, 'open ↗');
  readonly note = h('div', { class: 'problems' });
  readonly host = h('div', { class: 'canvas-host compare-canvas-host' });
  readonly el: HTMLElement;
  view?: ViewPayload;
  /** The record on screen. */
  shown?: number;
  private seq = 0;

  constructor(readonly side: SideName) {
    this.canvas = new CanvasView(this.host);
    this.canvas.canvas.id = `compare-canvas-${side}`;
    this.canvas.canvas.classList.add('compare-canvas');
    this.canvas.canvas.setAttribute('aria-label', `Side ${side}: image with mask, GT outline and prompt glyphs`);
    this.heading.id = `side-heading-${side}`;
    this.picker.id = `side-rollout-${side}`;
    this.open.id = `side-open-${side}`;
    // The reasoning view names its parts with fixed ids; two of them on one page get a side suffix.
    for (const el of [this.reasoning.el, ...Array.from(this.reasoning.el.querySelectorAll('[id]'))]) if (el.id) el.id = `${el.id}-${side}`;
    this.reasoning.el.id = `reasoning-pane-${side}`;
    this.canvas.onHover = (id) => this.reasoning.highlight(id);
    this.reasoning.onHover = (id) => this.canvas.highlight(id);
    const openRollout = () => {
      const s = this.view?.selection;
      if (s?.kind === 'rollout') rpc.notify('compare/open', { log: s.log, index: s.index });
    };
    this.open.addEventListener('click', openRollout);
    this.reasoning.onOpenSource = openRollout;
    this.picker.addEventListener('change', () => {
      if (state.image) select(state.image, { [this.side]: Number(this.picker.value) });
    });
    this.el = h('section', { class: `compare-side side-${side}`, 'aria-label': `Side ${side}` }, h('div', { class: 'side-bar' }, this.heading, this.picker, this.open), this.note, this.host);
  }

  /** Draw one side of an image (or say why it cannot). */
  async show(p: ComparePanelSide, label: string, values: string): Promise<void> {
    clear(this.heading);
    this.heading.append(h('span', { class: 'side-name' }, `${this.side} `), h('span', { class: 'side-label' }, label), h('span', { class: 'side-values num' }, ` ${values}`));
    clear(this.picker);
    for (const m of p.members) {
      const o = h('option', { value: m.index }, `rollout ${m.sample >= 0 ? m.sample : m.index} · r ${plain(m.reward, 3)}`);
      o.selected = m.index === p.shown;
      this.picker.append(o);
    }
    this.picker.hidden = p.members.length < 2;
    clear(this.note);
    if (p.error) this.note.append(h('div', { class: 'problem' }, `⚠ ${p.error}`));
    for (const msg of p.view?.problems ?? []) this.note.append(h('div', { class: 'problem' }, `⚠ ${msg}`));
    this.view = p.view;
    this.shown = p.shown;
    this.seq++;
    this.open.hidden = !p.view;
    const v = p.view;
    if (!v) {
      this.canvas.setContent(undefined, 0, 0, {}, []);
      return;
    }
    const seq = this.seq;
    const image = v.image ? await createImageBitmap(new Blob([v.image.bytes as BlobPart], { type: v.image.mime })) : undefined;
    // A newer image was asked for while this one decoded.
    if (seq !== this.seq) {
      image?.close();
      return;
    }
    const w = v.image?.width ?? v.gt?.width ?? v.mask?.width ?? 0;
    const hgt = v.image?.height ?? v.gt?.height ?? v.mask?.height ?? 0;
    const layers: CanvasLayers = {};
    if (v.gt) layers.gt = contourLayer(resampleMask(v.gt, w, hgt), w, hgt, PALETTE.gt, PALETTE.gtHalo);
    // A rejected answer has no prediction; its logged mask, if any, is not drawn as one.
    if (v.mask && !v.noMask) layers.mask = fillLayer(resampleMask(v.mask, w, hgt), w, hgt, PALETTE.mask);
    this.canvas.setContent(image, w, hgt, layers, v.glyphs, v.noMask?.reason);
    this.reasoning.show(v);
  }
}

const sides: Record<SideName, SidePanel> = { a: new SidePanel('a'), b: new SidePanel('b') };
// Zoom and pan of one canvas are mapped onto the other (same image region, same zoom over fit).
for (const [from, to] of [
  [sides.a, sides.b],
  [sides.b, sides.a],
] as const) {
  from.canvas.onViewChange = (t, fitted) => to.canvas.setView(syncTransform(t, from.canvas.viewport(), to.canvas.viewport()), fitted);
}

function overlayToggle(key: 'gt' | 'mask' | 'glyphs', label: string): HTMLElement {
  const input = h('input', { type: 'checkbox', id: `compare-overlay-${key}`, checked: true });
  input.addEventListener('change', () => {
    for (const s of Object.values(sides)) {
      s.canvas.toggles = { ...s.canvas.toggles, [key]: input.checked };
      s.canvas.draw();
    }
  });
  return h('label', { class: 'toggle', for: `compare-overlay-${key}` }, input, label);
}
const fit = h('button', { id: 'compare-fit', title: 'Fit both (0 or double-click)' }, 'Fit');
fit.addEventListener('click', () => sides.a.canvas.fit());
const imageTitle = h('div', { class: 'compare-image-title', id: 'compare-image-title', 'aria-live': 'polite' }, 'Select an image');
const panelsBar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Compare panels' }, imageTitle, h('span', { class: 'spacer' }), overlayToggle('gt', 'GT'), overlayToggle('mask', 'mask'), overlayToggle('glyphs', 'prompts'), fit);
const panels = h('div', { class: 'compare-panels', id: 'compare-panels' }, sides.a.el, sides.b.el);
const reasonings = h('div', { class: 'compare-reasonings', id: 'compare-reasonings' }, sides.a.reasoning.el, sides.b.reasoning.el);
const detail = h('section', { class: 'compare-detail', 'aria-label': 'Selected image' }, panelsBar, panels, reasonings);
app.append(header, h('div', { class: 'compare-main' }, listPane, detail));

function persist(): void {
  vscode.setState(state);
}

/** The images of the current list: all (by |Δ|), or the better/worse lists in the core's order. */
function listed(): ImageDelta[] {
  if (!payload) return [];
  const c = payload.comparison;
  return state.filter === 'better' ? [...c.better] : state.filter === 'worse' ? [...c.worse] : payload.byChange.flatMap((i) => c.images[i] ?? []);
}

function renderHeader(p: ComparePayload): void {
  const c = p.comparison;
  clear(sidesLine);
  sidesLine.append(h('span', { class: 'side-name' }, 'a '), h('span', { id: 'compare-label-a' }, p.a.label), h('span', { class: 'vs' }, '  vs  '), h('span', { class: 'side-name' }, 'b '), h('span', { id: 'compare-label-b' }, p.b.label));
  synthBadge.hidden = !p.synthetic;
  clear(metricSelect);
  for (const k of c.keys) {
    const o = h('option', { value: k }, k);
    o.selected = k === c.metric;
    metricSelect.append(o);
  }
  const d = c.dataset[c.metric];
  const ci = c.paired.bootstrap;
  const st = c.paired.signTest;
  clear(stats);
  stats.dataset.meanDelta = String(c.paired.meanDelta);
  stats.dataset.pValue = String(st.pValue);
  stats.append(
    h('span', { class: 'stat-metric' }, `${c.metric} (${c.lowerIsBetter ? 'lower' : 'higher'} is better): `),
    h('span', {}, `${plain(d?.a)} → ${plain(d?.b)}, `),
    h('span', { class: `stat-delta ${gainClass(d?.delta, c.lowerIsBetter)}`, id: 'compare-dataset-delta' }, `Δ ${signed(d?.delta)}`),
    h('span', {}, ` · mean per-image Δ ${signed(c.paired.meanDelta)} over ${c.paired.n} images${c.paired.nanDropped ? ` (${c.paired.nanDropped} NaN dropped)` : ''}`),
    h('span', { id: 'compare-ci' }, ` · ${Math.round(ci.level * 100)}% bootstrap CI [${signed(ci.low)}, ${signed(ci.high)}]`),
    h('span', { id: 'compare-sign-test', title: 'Exact two-sided sign test (ties dropped), as scipy.stats.binomtest(k, n, 0.5)' }, ` · sign test ${st.positive} better / ${st.negative} worse / ${st.ties} ties, p = ${st.pValue.toPrecision(4)}`),
    h('span', { class: 'stat-verdict' }, st.pValue < 0.05 ? '' : ' (not significant at 0.05: could be noise)'),
  );
  clear(datasetTable);
  datasetTable.append(h('tr', {}, h('th', { scope: 'col' }, 'dataset'), h('th', { scope: 'col' }, 'a'), h('th', { scope: 'col' }, 'b'), h('th', { scope: 'col' }, 'b − a')));
  for (const [k, t] of Object.entries(c.dataset)) datasetTable.append(h('tr', { 'data-key': k }, h('th', { scope: 'row' }, k), h('td', {}, plain(t.a)), h('td', {}, plain(t.b)), h('td', { class: gainClass(t.delta, c.lowerIsBetter && k === c.metric) }, signed(t.delta))));
  clear(warnings);
  for (const w of p.warnings) warnings.append(h('div', { class: 'problem' }, `⚠ ${w}`));
  if (c.onlyInA.length || c.onlyInB.length) warnings.append(h('div', { class: 'problem' }, `⚠ ${c.onlyInA.length} images only in a, ${c.onlyInB.length} only in b: not compared`));
  filterButtons.better.textContent = `Got better (${c.better.length})`;
  filterButtons.worse.textContent = `Got worse (${c.worse.length})`;
}

function gainClass(delta: number | undefined, lowerIsBetter: boolean): string {
  if (delta === undefined || Number.isNaN(delta) || delta === 0) return 'same';
  return (lowerIsBetter ? -delta : delta) > 0 ? 'better' : 'worse';
}

function renderTable(): void {
  clear(tableHead);
  clear(tableBody);
  for (const [f, b] of Object.entries(filterButtons) as Array<[Filter, HTMLButtonElement]>) b.setAttribute('aria-selected', String(f === state.filter));
  if (!payload) return;
  const c = payload.comparison;
  const extra = c.metric !== 'reward' && c.keys.includes('reward');
  tableHead.append(h('tr', {}, h('th', { scope: 'col' }, 'image'), h('th', { scope: 'col' }, `a ${c.metric}`), h('th', { scope: 'col' }, `b ${c.metric}`), h('th', { scope: 'col' }, `Δ ${c.metric}`), extra ? h('th', { scope: 'col' }, 'Δ reward') : null));
  rows = listed();
  for (const r of rows) {
    const delta = r.delta[c.metric]!;
    const tr = h(
      'tr',
      { 'data-image': r.image, 'data-delta': String(delta), title: r.image, 'aria-selected': String(r.image === state.image) },
      h('td', { class: 'image' }, baseName(r.image)),
      h('td', {}, plain(r.a[c.metric])),
      h('td', {}, plain(r.b[c.metric])),
      h('td', { class: `delta ${gainClass(delta, c.lowerIsBetter)}` }, signed(delta)),
      extra ? h('td', { class: 'delta' }, signed(r.delta.reward)) : null,
    );
    tr.addEventListener('click', () => select(r.image));
    tableBody.append(tr);
  }
  if (!rows.length) tableBody.append(h('tr', { class: 'empty' }, h('td', { colspan: extra ? 5 : 4 }, state.filter === 'all' ? 'No image in common.' : `No image got ${state.filter}.`)));
}

/** Ask the host for an image's two rollouts (the best of each side, unless `pick` names one). */
function select(image: string, pick?: ComparePick): void {
  if (!payload) return;
  state = { ...state, image };
  persist();
  for (const tr of Array.from(tableBody.querySelectorAll<HTMLElement>('tr[data-image]'))) {
    const on = tr.dataset.image === image;
    tr.setAttribute('aria-selected', String(on));
    if (on) tr.scrollIntoView({ block: 'nearest' });
  }
  imageTitle.textContent = `Loading ${baseName(image)}…`;
  // Picking a rollout on one side keeps the other side's rollout on screen.
  const chosen = pick ? { a: pick.a ?? sides.a.shown, b: pick.b ?? sides.b.shown } : undefined;
  const id = ++selectSeq;
  const revision = payload.revision;
  inFlight?.abort();
  const ac = (inFlight = new AbortController());
  rpc.request('compare/pair', { revision, image, ...(chosen ? { pick: chosen } : {}) }, { signal: ac.signal, timeoutMs: PAIR_TIMEOUT_MS }).then(
    (pair) => {
      if (pair && id === selectSeq && payload?.revision === revision) void showPair(id, image, pair.a, pair.b);
    },
    (e: unknown) => {
      if (e instanceof Error && e.name === 'AbortError') return;
      if (id === selectSeq) imageTitle.textContent = `✖ ${baseName(image)}: ${e instanceof Error ? e.message : String(e)}`;
    },
  );
}

async function showPair(id: number, image: string, a: ComparePanelSide, b: ComparePanelSide): Promise<void> {
  if (!payload) return;
  const c = payload.comparison;
  const d = c.images.find((i) => i.image === image);
  imageTitle.textContent = `${baseName(image)} · Δ ${c.metric} ${signed(d?.delta[c.metric])}`;
  imageTitle.title = image;
  await Promise.all([sides.a.show(a, payload.a.label, `${c.metric} ${plain(d?.a[c.metric])}`), sides.b.show(b, payload.b.label, `${c.metric} ${plain(d?.b[c.metric])}`)]);
  if (id === selectSeq) document.body.dataset.shown = image;
}

/** Up/Down move through the listed images (outside form controls). */
window.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
  if (e.altKey || e.ctrlKey || e.metaKey || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
  if (!rows.length) return;
  e.preventDefault();
  const at = rows.findIndex((r) => r.image === state.image);
  const next = at < 0 ? 0 : Math.min(rows.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)));
  if (next !== at) select(rows[next]!.image);
});

rpc.on('compare/show', (p) => {
  payload = p;
  renderHeader(p);
  renderTable();
  document.body.dataset.revision = String(p.revision);
  // Keep the selected image when it is still compared; else start on the image that moved most.
  const keep = state.image && p.comparison.images.some((i) => i.image === state.image) ? state.image : rows[0]?.image;
  if (keep) select(keep);
});
rpc.on('error', (e) => {
  clear(warnings);
  warnings.append(h('div', { class: 'problem' }, `✖ ${e.message}`));
});
window.addEventListener('message', (e: MessageEvent<unknown>) => void rpc.receive(e.data));

rpc.notify('ready', null);
