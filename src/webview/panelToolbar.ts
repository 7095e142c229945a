import type { PersistedState, SegmenterBadge } from '../shared/protocol';
import { AttributionBadge } from './attributionBadge';
import { clear, h } from './dom';
import { OracleControl } from './oracleOverlay';
import { PALETTE } from './palette';

/** The overlay toggles the toolbar holds, by the state key they persist under. */
export type OverlayKey = keyof PersistedState['overlays'];

/** What the toolbar's controls ask of the panel. */
export interface ToolbarActions {
  navigate(unit: 'rollout' | 'group', direction: 1 | -1): void;
  overlay(key: OverlayKey, on: boolean): void;
  opacity(value: number): void;
  showLogged(on: boolean): void;
  toggleEditing(): void;
  undo(): void;
  resegment(): void;
  revert(): void;
  fit(): void;
  exportChoose(what: 'image' | 'report'): void;
  override: ConstructorParameters<typeof AttributionBadge>[0];
}

/** `rgb(r,g,b)` of a palette colour. */
export const rgb = (c: readonly number[]): string => `rgb(${c.join(',')})`;

/**
 * The panel's toolbar: navigation, the view title, overlay toggles, the edit and export buttons, and the badges
 * (synthetic sample, attribution, segmenter). Owns its elements; the panel sets what they show.
 */
export class PanelToolbar {
  readonly el: HTMLElement;
  readonly title = h('div', { class: 'title', id: 'title', 'aria-live': 'polite' }, 'Seg-R1 Workbench');
  readonly errorCounts = h('span', { class: 'error-counts num', id: 'error-counts' });
  readonly segBadge = h('span', { class: 'badge', id: 'segmenter-badge', title: 'Which engine produced the mask' }, '…');
  readonly synthBadge = h('span', { class: 'badge synthetic', id: 'synthetic-badge', hidden: true }, 'SYNTHETIC sample');
  readonly editBadge = h('span', { class: 'badge edited', id: 'edited-badge', hidden: true }, 'EDITED');
  readonly editButton = h('button', { id: 'edit-prompts', 'aria-pressed': 'false', title: 'Edit prompts (e): drag points and box corners; Shift+click adds a + point, Shift+Alt+click a − point; over a point, Delete removes it and F flips it; Ctrl+Z undoes the last edit. Each edit re-segments and re-scores.' }, 'Edit prompts');
  readonly undoButton = h('button', { id: 'undo-edit', hidden: true, title: 'Undo the last edit (Ctrl+Z)' }, 'Undo');
  readonly resetEdit = h('button', { id: 'reset-edit', hidden: true }, 'Revert');
  // Hidden until a rollout is on screen and disabled while the next view loads: a click then would act on a view that
  // is not there yet, or on the one being replaced.
  readonly resegment = h('button', { id: 'resegment', hidden: true, title: 'Recompute the mask with the segmenter in use (SAM2 when an export is loaded) instead of the logged one, and re-score' }, 'Re-segment');
  readonly exportReportButton = h('button', { id: 'export-report', title: "Export a self-contained HTML report of this rollout's log (segr1 report)" }, 'Report…');
  // Opt-in, per view, and only offered when the trainer rejected the answer but the log still holds a mask.
  readonly loggedInput = h('input', { type: 'checkbox', id: 'overlay-logged', 'aria-label': 'Logged mask overlay (the trainer rejected this answer)' });
  readonly loggedToggle = h('label', { class: 'toggle', for: 'overlay-logged', hidden: true, title: 'The log holds a mask for this rollout, but the training parser rejected the answer: the trainer never used it' }, this.loggedInput, 'logged mask');
  readonly oracle = new OracleControl();
  readonly attribution: AttributionBadge;

  constructor(state: PersistedState, actions: ToolbarActions) {
    this.attribution = new AttributionBadge(actions.override);
    const toggle = (key: OverlayKey, label: string, swatch?: string): HTMLElement => {
      const input = h('input', { type: 'checkbox', id: `overlay-${key}`, 'aria-label': `${label} overlay` });
      input.checked = state.overlays[key];
      input.addEventListener('change', () => actions.overlay(key, input.checked));
      const sw = swatch ? h('span', { class: key === 'gt' ? 'swatch outline' : 'swatch', 'aria-hidden': 'true' }) : null;
      if (sw && swatch) sw.style.background = swatch;
      return h('label', { class: 'toggle', for: `overlay-${key}` }, input, sw, label);
    };
    const navButton = (text: string, label: string, unit: 'rollout' | 'group', direction: 1 | -1, key: string): HTMLElement => {
      const b = h('button', { class: 'nav', 'aria-label': label, title: `${label} (${key})` }, text);
      b.addEventListener('click', () => actions.navigate(unit, direction));
      return b;
    };
    const opacity = h('input', { type: 'range', id: 'opacity', min: 0, max: 1, step: 0.05, 'aria-label': 'Overlay opacity' });
    opacity.value = String(state.opacity);
    opacity.addEventListener('input', () => actions.opacity(Number(opacity.value)));
    this.loggedInput.addEventListener('change', () => actions.showLogged(this.loggedInput.checked));
    this.undoButton.addEventListener('click', () => actions.undo());
    this.editButton.addEventListener('click', () => actions.toggleEditing());
    this.resegment.addEventListener('click', () => actions.resegment());
    this.resetEdit.addEventListener('click', () => actions.revert());
    const fitButton = h('button', { id: 'fit', 'aria-label': 'Fit image', title: 'Fit (0 or double-click)' }, 'Fit');
    fitButton.addEventListener('click', () => actions.fit());
    const exportImageButton = h('button', { id: 'export-image', title: 'Export the image with the overlays that are on, at full resolution: PNG, or SVG with the glyphs and GT outline as vectors' }, 'Export…');
    exportImageButton.addEventListener('click', () => actions.exportChoose('image'));
    this.exportReportButton.addEventListener('click', () => actions.exportChoose('report'));
    const badges = h('div', { class: 'badges' }, this.synthBadge, this.attribution.el, this.segBadge);
    this.el = h(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': 'Workbench toolbar' },
      navButton('⇞', 'Previous group / image', 'group', -1, '↑ or P'),
      navButton('◀', 'Previous rollout', 'rollout', -1, '← or p'),
      navButton('▶', 'Next rollout', 'rollout', 1, '→ or n'),
      navButton('⇟', 'Next group / image', 'group', 1, '↓ or N'),
      this.title,
      h('span', { class: 'spacer' }),
      toggle('gt', 'GT', rgb(PALETTE.gt)),
      toggle('mask', 'mask', rgb(PALETTE.mask)),
      this.loggedToggle,
      this.oracle.el,
      toggle('errors', 'errors'),
      this.errorCounts,
      toggle('glyphs', 'prompts', PALETTE.box),
      h('label', { class: 'toggle', for: 'opacity' }, 'opacity', opacity),
      this.editButton,
      this.resegment,
      this.resetEdit,
      this.undoButton,
      fitButton,
      exportImageButton,
      this.exportReportButton,
      this.editBadge,
      badges,
    );
  }

  /**
   * The view title (`run · step · group · rollout`) in three runs so that a narrow panel shortens it from the
   * middle: the run and the step/group ellipsize (the run first), the rollout number at the end always shows.
   */
  setTitle(text: string): void {
    const parts = text.split(' · ');
    const tail = parts.length > 1 ? parts.pop()! : '';
    const head = parts.shift() ?? '';
    clear(this.title);
    this.title.title = text;
    this.title.append(h('span', { class: 'title-head' }, head), h('span', { class: 'title-mid' }, parts.map((p) => ` · ${p}`).join('')), h('span', { class: 'title-tail' }, tail ? ` · ${tail}` : ''));
  }

  /** The segmenter badge: its text and, explicitly, its kind (the class the theme colours). */
  setBadge(b: SegmenterBadge): void {
    this.segBadge.textContent = b.label;
    this.segBadge.dataset.kind = b.kind;
  }

  /** Reflect edit mode on the button. */
  setEditing(on: boolean): void {
    this.editButton.setAttribute('aria-pressed', String(on));
    this.editButton.classList.toggle('active', on);
  }
}
