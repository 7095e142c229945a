import { selectionKey, type OracleOverlay, type Selection } from '../shared/protocol';
import { h } from './dom';
import { contourLayer, resampleMask } from './overlays';
import { PALETTE } from './palette';

/** A canvas layer as the canvas view takes it. */
type Layer = OffscreenCanvas | HTMLCanvasElement;

/**
 * The oracle outline: the contour of the oracle mask in magenta on a black halo, dashed (every other diagonal band
 * erased), so it tells itself from the solid white GT outline and the TP/FP/FN fills by pattern as well as colour.
 */
export function oracleLayer(mask: Uint8Array, width: number, height: number): Layer {
  const c = contourLayer(mask, width, height, PALETTE.oracle, PALETTE.oracleHalo);
  const ctx = c.getContext('2d') as OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D | null;
  if (!ctx) return c;
  const period = Math.max(8, Math.round(Math.max(width, height) / 48));
  ctx.globalCompositeOperation = 'destination-out';
  ctx.lineWidth = period / 2;
  ctx.beginPath();
  for (let d = -height; d < width + height; d += period) {
    ctx.moveTo(d, 0);
    ctx.lineTo(d + height, height);
  }
  ctx.stroke();
  ctx.globalCompositeOperation = 'source-over';
  return c;
}

/**
 * The "oracle" toggle of the toolbar and the text beside it: off by default; on, it asks the host to segment the
 * shown rollout's image oracle (once per view) and hands the outline to the canvas; the text says the oracle IoU and
 * which engine segmented it ("classical fallback — not SAM2" when no SAM2 export is loaded).
 */
export class OracleControl {
  readonly el: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly info: HTMLElement;
  private selection?: Selection;
  private size = { width: 0, height: 0 };
  private answered?: OracleOverlay;
  private requested = false;
  /** Ask the host for the oracle of a selection. */
  onRequest: (s: Selection) => void = () => undefined;
  /** The outline to draw (undefined: none), whenever it changes. */
  onLayer: (layer: Layer | undefined) => void = () => undefined;

  constructor() {
    this.input = h('input', { type: 'checkbox', id: 'overlay-oracle', 'aria-label': 'Oracle mask overlay' });
    const sw = h('span', { class: 'swatch outline dashed', 'aria-hidden': 'true' });
    sw.style.background = `rgb(${PALETTE.oracle.join(',')})`;
    this.info = h('span', { class: 'oracle-info num', id: 'oracle-info', 'aria-live': 'polite' });
    this.el = h(
      'span',
      { class: 'oracle-control', hidden: true },
      h('label', { class: 'toggle', for: 'overlay-oracle', title: "The image's oracle: prompts derived from the GT (box, box + centre point, box + points) segmented with the segmenter in use; the best set's mask is outlined" }, this.input, sw, 'oracle'),
      this.info,
    );
    this.input.addEventListener('change', () => this.update());
  }

  /** Whether the outline is on screen. */
  get visible(): boolean {
    return this.input.checked && !!this.answered?.mask;
  }

  /** The legend text for the outline. */
  get legendText(): string {
    return `oracle mask (${this.answered?.segmenter ?? 'segmenter in use'})`;
  }

  /** A new view is on screen: forget the last oracle; keep the toggle, and ask again for this one if it is on. */
  viewChanged(selection: Selection, rollout: boolean, size: { width: number; height: number }): void {
    this.selection = rollout ? selection : undefined;
    this.size = size;
    this.answered = undefined;
    this.requested = false;
    this.el.hidden = !rollout;
    this.onLayer(undefined);
    this.update();
  }

  /** The host's answer to a request. */
  receive(o: OracleOverlay): void {
    if (!this.selection || selectionKey(o.selection) !== selectionKey(this.selection)) return;
    this.answered = o;
    this.update();
  }

  private update(): void {
    const on = this.input.checked && !!this.selection;
    this.el.dataset.state = !on ? 'off' : this.answered ? (this.answered.mask ? 'shown' : 'none') : 'loading';
    if (!on) {
      this.info.textContent = '';
      this.onLayer(undefined);
      return;
    }
    const o = this.answered;
    if (!o) {
      this.info.textContent = 'segmenting the oracle…';
      if (!this.requested) {
        this.requested = true;
        this.onRequest(this.selection!);
      }
      return;
    }
    if (!o.mask || o.iou === undefined) {
      this.info.textContent = `no oracle: ${o.reason ?? 'unknown'} (${o.segmenter})`;
      this.info.title = this.info.textContent;
      this.onLayer(undefined);
      return;
    }
    this.info.textContent = `oracle IoU ${o.iou.toFixed(3)} (${o.kind}) · ${o.segmenter}`;
    this.info.dataset.iou = String(o.iou);
    this.info.title = `Oracle IoU per prompt set: ${Object.entries(o.ious ?? {})
      .map(([k, v]) => `${k} ${v.toFixed(3)}`)
      .join(', ')}. Segmented by ${o.segmenter}${o.classical ? ' — the classical fallback is only a stand-in for SAM2' : ''}.`;
    const { width, height } = this.size;
    if (!width || !height) return;
    this.onLayer(oracleLayer(resampleMask(o.mask, width, height), width, height));
  }
}
