import { assertNever, selectionKey, type RolloutAttribution, type HostMessage, type PersistedState, type PromptEdit, type SegmenterBadge, type ViewPayload, type ViewReplay } from '../shared/protocol';
import { AdvantageView } from './advantageView';
import { AttributionBadge } from './attributionBadge';
import { CanvasView, type CanvasLayers } from './canvasView';
import { clear, h } from './dom';
import { GroupStrip } from './groupStrip';
import { HistoryStrip } from './historyStrip';
import { OracleControl } from './oracleOverlay';
import { contourLayer, errorLayer, fillLayer, resampleMask } from './overlays';
import { PALETTE } from './palette';
import { ReasoningView } from './reasoningView';
import { RewardsView } from './rewardsView';
import { glyphNotes, TokenView } from './tokenView';
import { viewPng, viewSvg, type ExportSource } from './viewExport';
import { vscode } from './vscodeApi';

const DEFAULT_STATE: PersistedState = { overlays: { gt: true, mask: true, errors: false, glyphs: true }, opacity: 0.45 };
let state: PersistedState = { ...DEFAULT_STATE, ...(vscode.getState() ?? {}) };
let current: ViewPayload | undefined;
let currentImage: ImageBitmap | undefined;
/** The image-sized layers of the view on screen, for exports (the canvas itself is at screen zoom). */
let exportLayers: Omit<ExportSource, 'view' | 'toggles' | 'opacity'> | undefined;
/** The logged mask of a rejected answer: exported only while the user shows it. */
let exportLogged: ExportSource['mask'];
/** Guards against an older, slower view overwriting a newer one. */
let showSeq = 0;

const app = document.getElementById('app')!;
const title = h('div', { class: 'title', id: 'title', 'aria-live': 'polite' }, 'Seg-R1 Workbench');

/**
 * The view title (`run · step · group · rollout`) in three runs so that a narrow panel shortens it from the
 * middle: the run and the step/group ellipsize (the run first), the rollout number at the end always shows.
 */
function setTitle(text: string): void {
  const parts = text.split(' · ');
  const tail = parts.length > 1 ? parts.pop()! : '';
  const head = parts.shift() ?? '';
  clear(title);
  title.title = text;
  title.append(h('span', { class: 'title-head' }, head), h('span', { class: 'title-mid' }, parts.map((p) => ` · ${p}`).join('')), h('span', { class: 'title-tail' }, tail ? ` · ${tail}` : ''));
}
const badges = h('div', { class: 'badges' });
const segBadge = h('span', { class: 'badge', id: 'segmenter-badge', title: 'Which engine produced the mask' }, '…');
const synthBadge = h('span', { class: 'badge synthetic', id: 'synthetic-badge', hidden: true }, 'SYNTHETIC sample');
const attributionBadge = new AttributionBadge((label) => {
  if (current?.rollout) vscode.postMessage({ type: 'attribution/override', selection: current.selection, label });
});
badges.append(synthBadge, attributionBadge.el, segBadge);
/** The latest attribution the host sent, applied to the view of its revision. */
let attribution: { revision: number; value: RolloutAttribution } | undefined;
function applyAttribution(): void {
  attributionBadge.render(current?.rollout && attribution?.revision === current.revision ? attribution.value : undefined);
}
const problems = h('div', { class: 'problems', id: 'problems', role: 'alert' });
const errorCounts = h('span', { class: 'error-counts num', id: 'error-counts' });

function toggle(key: keyof PersistedState['overlays'], label: string, swatch?: string): HTMLElement {
  const input = h('input', { type: 'checkbox', id: `overlay-${key}`, 'aria-label': `${label} overlay` });
  input.checked = state.overlays[key];
  input.addEventListener('change', () => {
    state = { ...state, overlays: { ...state.overlays, [key]: input.checked } };
    persist();
    canvas.toggles = { ...state.overlays };
    canvas.draw();
    updateLegend();
  });
  const sw = swatch ? h('span', { class: key === 'gt' ? 'swatch outline' : 'swatch', 'aria-hidden': 'true' }) : null;
  if (sw && swatch) sw.style.background = swatch;
  return h('label', { class: 'toggle', for: `overlay-${key}` }, input, sw, label);
}

const opacity = h('input', { type: 'range', id: 'opacity', min: 0, max: 1, step: 0.05, 'aria-label': 'Overlay opacity' });
opacity.value = String(state.opacity);
opacity.addEventListener('input', () => {
  state = { ...state, opacity: Number(opacity.value) };
  canvas.opacity = state.opacity;
  persist();
  canvas.draw();
});

function navButton(text: string, label: string, unit: 'rollout' | 'group', direction: 1 | -1, key: string): HTMLElement {
  const b = h('button', { class: 'nav', 'aria-label': label, title: `${label} (${key})` }, text);
  b.addEventListener('click', () => vscode.postMessage({ type: 'navigate', unit, direction }));
  return b;
}
const editButton = h('button', { id: 'edit-prompts', 'aria-pressed': 'false', title: 'Edit prompts (e): drag points and box corners; Shift+click adds a + point, Shift+Alt+click a − point; over a point, Delete removes it and F flips it; Ctrl+Z undoes the last edit. Each edit re-segments and re-scores.' }, 'Edit prompts');
const undoButton = h('button', { id: 'undo-edit', hidden: true, title: 'Undo the last edit (Ctrl+Z)' }, 'Undo');
undoButton.addEventListener('click', () => canvas.undo());
editButton.addEventListener('click', () => setEditing(!canvas.editing));
const editBadge = h('span', { class: 'badge edited', id: 'edited-badge', hidden: true }, 'EDITED');
const resetEdit = h('button', { id: 'reset-edit', hidden: true }, 'Revert');
// Hidden until a rollout is on screen and disabled while the next view loads: a click then would act on a view that
// is not there yet, or on the one being replaced.
const resegment = h('button', { id: 'resegment', hidden: true, title: 'Recompute the mask with the segmenter in use (SAM2 when an export is loaded) instead of the logged one, and re-score' }, 'Re-segment');
resegment.addEventListener('click', () => {
  if (current?.rollout) vscode.postMessage({ type: 'prompt/edit', selection: current.selection, edits: current.edited?.edits ?? [] });
});
resetEdit.addEventListener('click', () => {
  if (current) vscode.postMessage({ type: 'select', selection: current.selection });
});
function setEditing(on: boolean): void {
  canvas.editing = on;
  editButton.setAttribute('aria-pressed', String(on));
  editButton.classList.toggle('active', on);
  canvas.draw();
}
const exportImageButton = h('button', { id: 'export-image', title: 'Export the image with the overlays that are on, at full resolution: PNG, or SVG with the glyphs and GT outline as vectors' }, 'Export…');
exportImageButton.addEventListener('click', () => vscode.postMessage({ type: 'export/choose', what: 'image' }));
const exportReportButton = h('button', { id: 'export-report', title: "Export a self-contained HTML report of this rollout's log (segr1 report)" }, 'Report…');
exportReportButton.addEventListener('click', () => vscode.postMessage({ type: 'export/choose', what: 'report' }));
const fitButton = h('button', { id: 'fit', 'aria-label': 'Fit image', title: 'Fit (0 or double-click)' }, 'Fit');
fitButton.addEventListener('click', () => canvas.fit());
const rgb = (c: readonly number[]) => `rgb(${c.join(',')})`;

// Opt-in, per view, and only offered when the trainer rejected the answer but the log still holds a mask.
const loggedInput = h('input', { type: 'checkbox', id: 'overlay-logged', 'aria-label': 'Logged mask overlay (the trainer rejected this answer)' });
const loggedToggle = h('label', { class: 'toggle', for: 'overlay-logged', hidden: true, title: 'The log holds a mask for this rollout, but the training parser rejected the answer: the trainer never used it' }, loggedInput, 'logged mask');
loggedInput.addEventListener('change', () => {
  canvas.showLogged = loggedInput.checked;
  canvas.draw();
  updateLegend();
});

const oracle = new OracleControl();

const toolbar = h(
  'div',
  { class: 'toolbar', role: 'toolbar', 'aria-label': 'Workbench toolbar' },
  navButton('⇞', 'Previous group / image', 'group', -1, '↑ or P'),
  navButton('◀', 'Previous rollout', 'rollout', -1, '← or p'),
  navButton('▶', 'Next rollout', 'rollout', 1, '→ or n'),
  navButton('⇟', 'Next group / image', 'group', 1, '↓ or N'),
  title,
  h('span', { class: 'spacer' }),
  toggle('gt', 'GT', rgb(PALETTE.gt)),
  toggle('mask', 'mask', rgb(PALETTE.mask)),
  loggedToggle,
  oracle.el,
  toggle('errors', 'errors'),
  errorCounts,
  toggle('glyphs', 'prompts', PALETTE.box),
  h('label', { class: 'toggle', for: 'opacity' }, 'opacity', opacity),
  editButton,
  resegment,
  resetEdit,
  undoButton,
  fitButton,
  exportImageButton,
  exportReportButton,
  editBadge,
  badges,
);

const canvasHost = h('div', { class: 'canvas-host' });
const canvas = new CanvasView(canvasHost);
/** Says why the canvas shows no mask (the training parser rejected the answer); hidden when the trainer segmented. */
const noMaskNotice = h('div', { class: 'no-mask', id: 'no-mask', role: 'status', hidden: true });
canvasHost.append(noMaskNotice);
canvas.toggles = { ...state.overlays };
canvas.opacity = state.opacity;
const reasoning = new ReasoningView();
const tokenView = new TokenView(state.tokenMode ?? 'text');
reasoning.attach(tokenView.controls, tokenView.el);
reasoning.setTextHidden(tokenView.current !== 'text');
tokenView.onMode = (mode) => {
  state = { ...state, tokenMode: mode };
  persist();
  reasoning.setTextHidden(mode !== 'text');
};
tokenView.onHover = (id) => canvas.highlight(id);
const rewards = new RewardsView();
const group = new GroupStrip();
const history = new HistoryStrip();
const advantage = new AdvantageView();
group.el.append(advantage.el);
/** The latest what-if table the host sent, applied to the view of its revision. */
let whatIf: Extract<HostMessage, { type: 'view/advantage' }> | undefined;
function applyWhatIf(): void {
  const w = whatIf;
  if (!current?.rollout || current.selection.kind !== 'rollout' || !w || w.revision !== current.revision) {
    advantage.hide();
    group.setFlips('', new Map());
    return;
  }
  advantage.show(w.whatIf, current.selection.index, w.revision);
  group.setFlips(w.whatIf.run, new Map(w.whatIf.rows.map((r) => [r.index, r.flips])));
}
const legend = h('div', { class: 'legend', id: 'legend', 'aria-label': 'Legend' });
/** Legend entries by the overlay that draws them: the legend lists only what is on the canvas. */
const LEGEND: ReadonlyArray<readonly [keyof PersistedState['overlays'], string, string]> = [
  ['glyphs', '+ point', PALETTE.positive],
  ['glyphs', '− point', PALETTE.negative],
  ['glyphs', 'box', PALETTE.box],
  ['mask', 'mask', rgb(PALETTE.mask)],
  ['gt', 'GT outline', rgb(PALETTE.gt)],
  ['errors', 'TP', rgb(PALETTE.tp)],
  ['errors', 'FP', rgb(PALETTE.fp)],
  ['errors', 'FN', rgb(PALETTE.fn)],
];
function updateLegend(): void {
  clear(legend);
  const item = (overlay: string, text: string, colour: string, cls = '') => {
    const s = h('span', { class: `swatch${cls}`, 'aria-hidden': 'true' });
    s.style.background = colour;
    legend.append(h('span', { class: 'legend-item', 'data-overlay': overlay }, s, text));
  };
  const noMask = !!current?.noMask;
  for (const [overlay, text, colour] of LEGEND) {
    if (!state.overlays[overlay]) continue;
    // Without a mask there is no mask fill and no error map to explain.
    if (noMask && (overlay === 'mask' || overlay === 'errors')) continue;
    item(overlay, text, colour, overlay === 'gt' ? ' outline' : '');
  }
  if (state.overlays.glyphs && current?.glyphs.some((g) => g.kind === 'point' && g.unlabelled)) item('glyphs', '? point: no label', PALETTE.unlabelled, ' ring');
  if (noMask && canvas.showLogged && current?.mask) item('logged', 'logged mask (not used by the trainer)', rgb(PALETTE.mask));
  if (oracle.visible) item('oracle', oracle.legendText, rgb(PALETTE.oracle), ' outline dashed');
}
updateLegend();
app.append(
  toolbar,
  h('div', { class: 'main' }, h('div', { class: 'left' }, problems, canvasHost, legend), h('div', { class: 'right' }, reasoning.el, rewards.el, advantage.wouldBe)),
  h('div', { class: 'bottom' }, group.el, history.el),
);

canvas.onHover = (id) => {
  reasoning.highlight(id);
  tokenView.highlight(id);
};
reasoning.onHover = (id) => canvas.highlight(id);
reasoning.onOpenSource = () => {
  if (current) vscode.postMessage({ type: 'openSource', selection: current.selection });
};
group.onSelect = (selection) => vscode.postMessage({ type: 'select', selection });
advantage.onSelect = (index) => {
  if (current?.selection.kind === 'rollout') group.onSelect({ kind: 'rollout', log: current.selection.log, index });
};
oracle.onRequest = (selection) => vscode.postMessage({ type: 'oracle/request', selection });
oracle.onLayer = (layer) => {
  canvas.setOracle(layer);
  updateLegend();
};
history.onSelect = group.onSelect;
canvas.onEdit = (edits) => {
  if (current) vscode.postMessage({ type: 'prompt/edit', selection: current.selection, edits });
};

function persist(): void {
  vscode.setState(state);
}

/** Whether a mask is the one the run logged (its source label says so), not one computed here. */
const isLoggedMask = (source: string) => source.startsWith('logged');

function setBadge(b: SegmenterBadge): void {
  segBadge.textContent = b.label;
  segBadge.dataset.kind = b.kind;
}

/**
 * What the RE-SEGMENTED / EDITED badge stands for, as it happened: how many prompts moved (or none), and which
 * segmenter made the mask now on screen (or why there is none).
 */
function editedTooltip(view: ViewPayload, edits: readonly PromptEdit[]): string {
  const prompts = edits.length ? describeEdits(edits) : 'prompts as logged (none edited)';
  const made = view.noMask ? 'no mask: the training parser rejects this answer, so nothing was segmented' : view.mask ? `mask by ${view.mask.source}` : 'no mask: the segmenter made none';
  return `${edits.length ? 'Edited' : 'Re-segmented'}: ${prompts}; ${made}. Rewards are recomputed, not logged.`;
}

/** "2 moves, 1 point added" — what the user did, by kind, in the order kinds first occur. */
function describeEdits(edits: readonly PromptEdit[]): string {
  const names: Record<PromptEdit['kind'], [string, string]> = {
    point: ['point moved', 'points moved'],
    box: ['box moved', 'boxes moved'],
    'add-point': ['point added', 'points added'],
    'remove-point': ['point removed', 'points removed'],
    'flip-point': ['label flipped', 'labels flipped'],
  };
  const counts = new Map<PromptEdit['kind'], number>();
  for (const e of edits) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${names[k][n === 1 ? 0 : 1]}`).join(', ') + ' in the panel';
}

async function show(view: ViewPayload): Promise<void> {
  const seq = ++showSeq;
  const image = view.image ? await createImageBitmap(new Blob([view.image.bytes as BlobPart], { type: view.image.mime })) : undefined;
  if (seq !== showSeq) {
    image?.close();
    return;
  }
  canvas.setEdits(view.edited?.edits ?? []);
  current = view;
  editBadge.hidden = !view.edited;
  editBadge.textContent = view.edited?.edits.length ? 'EDITED' : 'RE-SEGMENTED';
  editBadge.title = view.edited ? editedTooltip(view, view.edited.edits) : '';
  resegment.hidden = !view.rollout;
  resegment.disabled = false;
  resetEdit.hidden = !view.edited;
  undoButton.hidden = !view.edited?.edits.length;
  state = { ...state, selection: view.selection };
  persist();
  setTitle(view.title);
  synthBadge.hidden = !view.synthetic;
  clear(problems);
  for (const p of view.problems) problems.append(h('div', { class: 'problem' }, `⚠ ${p}`));
  const w = view.image?.width ?? view.gt?.width ?? view.mask?.width ?? 0;
  const hgt = view.image?.height ?? view.gt?.height ?? view.mask?.height ?? 0;
  const gt = view.gt ? resampleMask(view.gt, w, hgt) : undefined;
  const mask = view.mask ? resampleMask(view.mask, w, hgt) : undefined;
  const layers: CanvasLayers = {};
  if (gt) layers.gt = contourLayer(gt, w, hgt, PALETTE.gt, PALETTE.gtHalo);
  // A rejected answer has no prediction: a logged mask is only the opt-in `logged` layer, and there is no error map.
  if (mask && view.noMask) layers.logged = fillLayer(mask, w, hgt, PALETTE.mask);
  else if (mask) layers.mask = fillLayer(mask, w, hgt, PALETTE.mask);
  errorCounts.textContent = '';
  canvas.showLogged = false;
  loggedInput.checked = false;
  loggedToggle.hidden = !(view.noMask && mask);
  noMaskNotice.hidden = !view.noMask;
  noMaskNotice.textContent = view.noMask ? view.noMask.reason + (mask ? ' · the log holds a mask: tick "logged mask" to see it' : '') : '';
  if (gt && layers.mask && mask) {
    const e = errorLayer(mask, gt, w, hgt);
    layers.errors = e.canvas;
    errorCounts.textContent = `TP ${e.counts.tp} · FP ${e.counts.fp} · FN ${e.counts.fn}`;
  }
  exportLayers = { width: w, height: hgt, ...(gt ? { gt } : {}), ...(layers.mask ? { mask: layers.mask } : {}), ...(layers.errors ? { errors: layers.errors } : {}) };
  exportLogged = layers.logged;
  exportReportButton.hidden = !view.rollout;
  tokenView.show(view);
  canvas.glyphNotes = glyphNotes(tokenView.glyphConfidence());
  canvas.setContent(image, w, hgt, layers, view.glyphs, view.noMask?.reason);
  oracle.viewChanged(view.selection, !!view.rollout && !!view.gt, { width: w, height: hgt });
  applyWhatIf();
  updateLegend();
  currentImage = image;
  reasoning.show(view);
  rewards.show(view);
  group.show(view, currentImage);
  history.show(view);
  // "classical fallback — not SAM2" names SAM2 too: test for the fallback first.
  if (view.noMask) setBadge({ label: 'no mask — answer rejected', kind: 'none' });
  else if (view.mask) setBadge({ label: view.mask.source, kind: isLoggedMask(view.mask.source) ? 'logged' : view.mask.source.startsWith('classical') ? 'classical' : view.mask.source.includes('SAM2') ? 'sam2' : 'classical' });
  document.body.dataset.selection = selectionKey(view.selection);
  if (pendingReplay?.revision === view.revision) applyReplay(pendingReplay);
  applyAttribution();
}

/** Render the view on screen for the host to save (`export/render`); an error is sent back, not thrown. */
async function renderExport(id: number, format: 'png' | 'svg'): Promise<void> {
  try {
    if (!current || !exportLayers || !exportLayers.width) throw new Error('no image on screen');
    const mask = exportLayers.mask ?? (canvas.showLogged ? exportLogged : undefined);
    const source: ExportSource = { ...exportLayers, ...(mask ? { mask } : {}), view: current, toggles: { ...state.overlays, mask: state.overlays.mask || (!!mask && canvas.showLogged) }, opacity: state.opacity };
    const data = format === 'svg' ? new TextEncoder().encode((await viewSvg(source)).svg) : await viewPng(source);
    vscode.postMessage({ type: 'export/image', id, format, data });
  } catch (e) {
    vscode.postMessage({ type: 'export/image', id, format, error: e instanceof Error ? e.message : String(e) });
  }
}

/** Recomputed rewards arrive after the view: merge them in if the view is still the same rollout. */
let pendingReplay: ViewReplay | undefined;
function applyReplay(r: ViewReplay): void {
  if (!current || current.revision !== r.revision || !current.rollout) {
    // The view it belongs to may still be decoding its image: keep it for show().
    if (!current || r.revision > current.revision) pendingReplay = r;
    return;
  }
  pendingReplay = undefined;
  current = { ...current, rollout: { ...current.rollout, rewards: r.rewards, total: r.total, advantage: r.advantage }, group: r.group, groupZeroVariance: r.groupZeroVariance };
  rewards.show(current);
  group.show(current, currentImage);
  document.body.dataset.replayed = selectionKey(r.selection);
}

window.addEventListener('message', (e: MessageEvent<HostMessage>) => {
  const msg = e.data;
  switch (msg.type) {
    case 'view/show':
      void show(msg.view);
      break;
    case 'view/replayed':
      applyReplay(msg.replay);
      break;
    case 'view/attribution':
      attribution = { revision: msg.revision, value: msg.attribution };
      applyAttribution();
      break;
    case 'view/loading':
      title.textContent = `Loading ${msg.label ?? selectionKey(msg.selection)}…`;
      resegment.disabled = true;
      break;
    case 'segmenter/didChange':
      // The badge names the source of the mask on screen; a logged mask stays labelled as such.
      segBadge.title = `Segmenter for re-segmenting and edits: ${msg.badge.label}`;
      if (!current?.noMask && (!current?.mask || !isLoggedMask(current.mask.source))) setBadge(msg.badge);
      break;
    case 'export/render':
      void renderExport(msg.id, msg.format);
      break;
    case 'view/advantage':
      whatIf = msg;
      applyWhatIf();
      break;
    case 'view/oracle':
      if (current?.revision === msg.revision) oracle.receive(msg.oracle);
      break;
    case 'error':
      clear(problems);
      problems.append(h('div', { class: 'problem' }, `✖ ${msg.message}`));
      resegment.disabled = false; // the view on screen stays, and can still be re-segmented
      break;
    default:
      assertNever(msg);
  }
});

window.addEventListener('keydown', (e) => {
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
  if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z' && canvas.editing) {
    e.preventDefault();
    canvas.undo();
    return;
  }
  if (e.altKey || e.ctrlKey || e.metaKey) return;
  const nav = (unit: 'rollout' | 'group', direction: 1 | -1) => {
    e.preventDefault();
    vscode.postMessage({ type: 'navigate', unit, direction });
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
    case 'e':
      e.preventDefault();
      return setEditing(!canvas.editing);
    case 'ArrowUp':
    case 'P':
      return nav('group', -1);
    default:
      return;
  }
});

vscode.postMessage({ type: 'ready', restored: state.selection });
