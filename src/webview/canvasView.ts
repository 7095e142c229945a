import type { Glyph, PromptEditDto as PromptEdit } from '../shared/protocol';
import type { ViewTransform as SharedTransform, Viewport } from '../shared/viewportSync';
import { PALETTE } from './palette';

type Layer = OffscreenCanvas | HTMLCanvasElement;

/** Which overlays are drawn. */
export interface OverlayToggles {
  gt: boolean;
  mask: boolean;
  errors: boolean;
  glyphs: boolean;
}

/**
 * The overlay layers of one view. `logged` is a logged mask of an answer the trainer rejected: never drawn as the
 * prediction, only when the user opts in to see what the log holds.
 */
export interface CanvasLayers {
  gt?: Layer;
  mask?: Layer;
  errors?: Layer;
  logged?: Layer;
  /** The image's oracle mask outline, drawn while `showOracle` (opt-in). */
  oracle?: Layer;
}

/** Image → screen transform: X = x·scale + tx (CSS pixels). */
interface ViewTransform {
  scale: number;
  tx: number;
  ty: number;
}

/** Screen radius of a point glyph (CSS px). */
const POINT_RADIUS = 9;

/**
 * The image canvas: zoom (wheel, +/−), pan (drag, arrows with Alt), fit (double-click, 0), overlays and
 * prompt glyphs drawn in original-image pixels. It publishes what it drew in `data-render` so tests and
 * assistive tools can check positions without scraping pixels blindly.
 */
export class CanvasView {
  readonly canvas: HTMLCanvasElement;
  private image?: ImageBitmap;
  private width = 0;
  private height = 0;
  private layers: CanvasLayers = {};
  /** Why no mask is drawn (the trainer never segmented this answer), published with the draw state. */
  private noMask?: string;
  private glyphs: readonly Glyph[] = [];
  private highlighted?: string;
  private view: ViewTransform = { scale: 1, tx: 0, ty: 0 };
  private fitted = true;
  private drag?: { x: number; y: number; tx: number; ty: number };
  /** A glyph being dragged in edit mode: which one and which handle. */
  private glyphDrag?: { id: string; handle: 'point' | 'tl' | 'br' | 'move'; x: number; y: number; orig: Glyph };
  /** Edit mode: dragging glyphs moves prompts instead of panning. */
  editing = false;
  /** Called after each edit (or undo), with every edit made so far to this rollout, oldest first. */
  onEdit: (edits: PromptEdit[]) => void = () => undefined;
  /** The edits of this rollout as an undo log: each names glyphs as the edits before it left them. */
  private edits: PromptEdit[] = [];
  /** The move a glyph drag will add to the log when the pointer is released. */
  private pendingMove?: PromptEdit;
  toggles: OverlayToggles = { gt: true, mask: true, errors: false, glyphs: true };
  /** Opt-in, per view: draw the `logged` layer (a logged mask of a rejected answer). */
  showLogged = false;
  /** Opt-in: draw the `oracle` layer. */
  showOracle = false;
  opacity = 0.45;
  /** Short text drawn beside a glyph and a sentence for its tooltip, by glyph id (the token view's confidence). */
  glyphNotes: ReadonlyMap<string, { readonly label: string; readonly title: string }> = new Map();
  /** Called with a glyph id (`point:3`, `box:0`) or undefined when the pointer hovers glyphs. */
  onHover: (id: string | undefined) => void = () => undefined;
  /** Called after zoom or pan changes here (wheel, drag, keys, fit); not after `setView` (so two views can follow each other). */
  onViewChange: (t: SharedTransform, fitted: boolean) => void = () => undefined;

  constructor(private readonly host: HTMLElement) {
    this.canvas = document.createElement('canvas');
    this.canvas.id = 'image-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.canvas.setAttribute('aria-label', 'Image with overlays and prompt glyphs');
    host.append(this.canvas);
    new ResizeObserver(() => this.resize()).observe(host);
    this.canvas.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.canvas.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.canvas.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.canvas.addEventListener('pointerup', (e) => this.onPointerUp(e));
    this.canvas.addEventListener('pointerleave', () => this.setHover(undefined));
    this.canvas.addEventListener('dblclick', () => this.fit());
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Set (or remove) the oracle outline of the view on screen and redraw; shown while there is one. */
  setOracle(layer: Layer | undefined): void {
    if (layer) this.layers.oracle = layer;
    else delete this.layers.oracle;
    this.showOracle = !!layer;
    this.draw();
  }

  /**
   * Replace the image and its layers; keeps the zoom when the image size is unchanged and the user zoomed. `noMask`
   * says why there is no mask layer when the trainer made none.
   */
  setContent(image: ImageBitmap | undefined, width: number, height: number, layers: CanvasLayers, glyphs: readonly Glyph[], noMask?: string): void {
    const sameSize = width === this.width && height === this.height;
    this.image?.close();
    this.image = image;
    this.width = width;
    this.height = height;
    this.layers = layers;
    this.noMask = noMask;
    this.glyphs = glyphs;
    this.highlighted = undefined;
    this.glyphDrag = undefined;
    if (!sameSize || this.fitted) this.fit();
    else this.draw();
  }

  /** Take the edit log of the view on screen (empty for a rollout as logged), so undo continues from it. */
  setEdits(edits: readonly PromptEdit[]): void {
    this.edits = [...edits];
    this.pendingMove = undefined;
  }

  /** Drop the newest edit; false when there is none. */
  undo(): boolean {
    if (!this.edits.length) return false;
    this.edits.pop();
    this.onEdit([...this.edits]);
    return true;
  }

  private pushEdit(e: PromptEdit): void {
    this.edits.push(e);
    this.onEdit([...this.edits]);
  }

  /** Highlight one glyph (from text hover) or none. */
  highlight(id: string | undefined): void {
    if (this.highlighted === id) return;
    this.highlighted = id;
    this.draw();
  }

  /** Zoom so the whole image is visible, centred. */
  fit(): void {
    const { clientWidth: cw, clientHeight: ch } = this.canvas;
    if (!this.width || !cw || !ch) {
      this.draw();
      return;
    }
    const scale = Math.min(cw / this.width, ch / this.height) * 0.96;
    this.view = { scale, tx: (cw - this.width * scale) / 2, ty: (ch - this.height * scale) / 2 };
    this.fitted = true;
    this.draw();
    this.onViewChange({ ...this.view }, true);
  }

  /** Show the image with this transform (from a synchronized view); `fitted` keeps it fitting on resize. */
  setView(t: SharedTransform, fitted = false): void {
    this.view = { scale: t.scale, tx: t.tx, ty: t.ty };
    this.fitted = fitted;
    this.draw();
  }

  /** The canvas and image sizes the transform maps between (CSS and image pixels). */
  viewport(): Viewport {
    return { canvasWidth: this.canvas.clientWidth, canvasHeight: this.canvas.clientHeight, imageWidth: this.width, imageHeight: this.height };
  }

  /** The transform on screen. */
  transform(): SharedTransform {
    return { ...this.view };
  }

  /** Zoom by a factor around a screen point. */
  zoomAt(factor: number, sx: number, sy: number): void {
    const scale = Math.min(64, Math.max(0.02, this.view.scale * factor));
    const k = scale / this.view.scale;
    this.view = { scale, tx: sx - (sx - this.view.tx) * k, ty: sy - (sy - this.view.ty) * k };
    this.fitted = false;
    this.draw();
    this.onViewChange({ ...this.view }, false);
  }

  private resize(): void {
    const dpr = window.devicePixelRatio || 1;
    const { clientWidth: w, clientHeight: h } = this.host;
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    if (this.fitted) this.fit();
    else this.draw();
  }

  private toScreen(x: number, y: number): [number, number] {
    return [x * this.view.scale + this.view.tx, y * this.view.scale + this.view.ty];
  }

  /** Redraw everything. Cheap: a few drawImage calls and the glyphs. */
  draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const { scale, tx, ty } = this.view;
    const drawn: string[] = [];
    if (this.image) {
      ctx.imageSmoothingEnabled = scale < 1;
      ctx.drawImage(this.image, tx, ty, this.width * scale, this.height * scale);
      drawn.push('image');
      ctx.imageSmoothingEnabled = false;
      const put = (name: keyof CanvasLayers, alpha: number) => {
        const l = this.layers[name];
        if (!l || !(name === 'logged' ? this.showLogged : name === 'oracle' ? this.showOracle : this.toggles[name])) return;
        ctx.globalAlpha = alpha;
        ctx.drawImage(l as CanvasImageSource, tx, ty, this.width * scale, this.height * scale);
        ctx.globalAlpha = 1;
        drawn.push(name);
      };
      put('mask', this.opacity);
      put('logged', this.opacity);
      put('errors', Math.min(1, this.opacity + 0.2));
      put('gt', 0.95);
      put('oracle', 0.95);
    }
    const glyphBoxes = this.toggles.glyphs ? this.drawGlyphs(ctx) : [];
    // Published for tests and tools: what is on screen and where (CSS pixels, relative to the canvas).
    this.canvas.dataset.render = JSON.stringify({
      imageWidth: this.width,
      imageHeight: this.height,
      scale,
      tx,
      ty,
      drawn,
      noMask: this.noMask ?? null,
      glyphs: glyphBoxes,
      highlighted: this.highlighted ?? null,
      editing: this.editing,
    });
  }

  private drawGlyphs(ctx: CanvasRenderingContext2D) {
    const out: Array<{ id: string; kind: string; label?: number; unlabelled?: true; x: number; y: number; x2?: number; y2?: number; note?: string }> = [];
    ctx.lineWidth = 2;
    for (const g of this.glyphs) {
      if (g.kind !== 'box') continue;
      const id = `box:${g.index}`;
      const [x1, y1] = this.toScreen(g.x1, g.y1);
      const [x2, y2] = this.toScreen(g.x2, g.y2);
      const hi = this.highlighted === id;
      ctx.setLineDash(hi ? [] : [6, 3]);
      ctx.strokeStyle = 'rgba(0,0,0,0.7)';
      ctx.lineWidth = hi ? 5 : 4;
      ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
      ctx.strokeStyle = hi ? PALETTE.highlight : PALETTE.box;
      ctx.lineWidth = hi ? 3 : 2;
      ctx.strokeRect(x1, y1, x2 - x1, y2 - y1);
      ctx.setLineDash([]);
      const note = this.glyphNotes.get(id)?.label;
      if (note) this.drawNote(ctx, note, Math.min(x1, x2), Math.min(y1, y2) - 9);
      out.push(note ? { id, kind: 'box', x: x1, y: y1, x2, y2, note } : { id, kind: 'box', x: x1, y: y1, x2, y2 });
    }
    ctx.font = '600 11px var(--vscode-editor-font-family, monospace)';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (const g of this.glyphs) {
      if (g.kind !== 'point') continue;
      const id = `point:${g.index}`;
      const [x, y] = this.toScreen(g.x, g.y);
      const hi = this.highlighted === id;
      const r = hi ? POINT_RADIUS + 3 : POINT_RADIUS;
      ctx.beginPath();
      ctx.arc(x, y, r, 0, Math.PI * 2);
      if (g.unlabelled) {
        // No label was written for it: a grey ring with "?", neither + nor −, so it is not read as a prompt the trainer used.
        ctx.fillStyle = 'rgba(0,0,0,0.55)';
        ctx.fill();
        ctx.lineWidth = hi ? 4 : 3;
        ctx.strokeStyle = hi ? PALETTE.highlight : PALETTE.unlabelled;
        ctx.stroke();
        ctx.fillStyle = '#ffffff';
        ctx.fillText('?', x, y + 0.5);
      } else {
        ctx.fillStyle = g.label === 1 ? PALETTE.positive : PALETTE.negative;
        ctx.fill();
        ctx.lineWidth = hi ? 3 : 2;
        ctx.strokeStyle = hi ? PALETTE.highlight : '#ffffff';
        ctx.stroke();
        // + / − inside, number beside: shape and text, not colour alone, tell the label.
        ctx.strokeStyle = '#ffffff';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x - 4, y);
        ctx.lineTo(x + 4, y);
        if (g.label === 1) {
          ctx.moveTo(x, y - 4);
          ctx.lineTo(x, y + 4);
        }
        ctx.stroke();
      }
      ctx.fillStyle = '#000000';
      ctx.fillText(String(g.index + 1), x + r + 6, y - r + 1);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(String(g.index + 1), x + r + 5, y - r);
      const note = this.glyphNotes.get(id)?.label;
      if (note) this.drawNote(ctx, note, x + r + 2, y + r + 4);
      out.push({ ...(g.unlabelled ? { id, kind: 'point', unlabelled: true as const, x, y } : { id, kind: 'point', label: g.label, x, y }), ...(note ? { note } : {}) });
    }
    return out;
  }

  /** A glyph's note (e.g. `p 0.62`) left-aligned at (x, y), light on a dark outline so it reads on any image. */
  private drawNote(ctx: CanvasRenderingContext2D, text: string, x: number, y: number): void {
    ctx.save();
    ctx.font = '600 10px var(--vscode-editor-font-family, monospace)';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.lineWidth = 3;
    ctx.strokeStyle = 'rgba(0,0,0,0.8)';
    ctx.strokeText(text, x, y);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(text, x, y);
    ctx.restore();
  }

  private hitTest(sx: number, sy: number): string | undefined {
    for (const g of this.glyphs) {
      if (g.kind !== 'point') continue;
      const [x, y] = this.toScreen(g.x, g.y);
      if ((x - sx) ** 2 + (y - sy) ** 2 <= (POINT_RADIUS + 3) ** 2) return `point:${g.index}`;
    }
    for (const g of this.glyphs) {
      if (g.kind !== 'box') continue;
      const [x1, y1] = this.toScreen(g.x1, g.y1);
      const [x2, y2] = this.toScreen(g.x2, g.y2);
      const nearX = sx >= x1 - 4 && sx <= x2 + 4;
      const nearY = sy >= y1 - 4 && sy <= y2 + 4;
      if ((nearX && (Math.abs(sy - y1) < 5 || Math.abs(sy - y2) < 5)) || (nearY && (Math.abs(sx - x1) < 5 || Math.abs(sx - x2) < 5))) return `box:${g.index}`;
    }
    return undefined;
  }

  private setHover(id: string | undefined): void {
    if (id === this.highlighted) return;
    this.canvas.title = id ? this.describe(id) : '';
    this.highlight(id);
    this.onHover(id);
  }

  /** Tooltip text of a glyph: which prompt it is and its label as written (or that none was). */
  private describe(id: string): string {
    const note = this.glyphNotes.get(id)?.title;
    const text = this.describeGlyph(id);
    return text && note ? `${text}\n${note}` : text;
  }

  private describeGlyph(id: string): string {
    const g = this.glyphs.find((x) => `${x.kind}:${x.index}` === id);
    if (!g) return '';
    if (g.kind === 'box') return `box ${g.index + 1}`;
    if (g.unlabelled) return `point ${g.index + 1}: no label (the answer has more points than labels)`;
    return `point ${g.index + 1}: ${g.label === 1 ? '+ foreground (label 1)' : '− background (label 0)'}`;
  }

  /** Edit-mode keys: Delete/Backspace removes and F flips the hovered point; Ctrl/Cmd+Z undoes the last edit. */
  private editKey(e: KeyboardEvent): boolean {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'z') return this.undo() || true;
    const point = this.highlighted?.startsWith('point:') ? Number(this.highlighted.slice(6)) : undefined;
    if (point === undefined || e.ctrlKey || e.metaKey || e.altKey) return false;
    if (e.key === 'Delete' || e.key === 'Backspace') this.pushEdit({ kind: 'remove-point', index: point });
    else if (e.key === 'f' || e.key === 'F') this.pushEdit({ kind: 'flip-point', index: point });
    else return false;
    return true;
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    const r = this.canvas.getBoundingClientRect();
    this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  }

  private onPointerDown(e: PointerEvent): void {
    this.canvas.setPointerCapture(e.pointerId);
    if (this.editing) {
      const r = this.canvas.getBoundingClientRect();
      if (e.shiftKey && this.width) {
        // Shift+click adds a foreground point, Shift+Alt+click a background one, where the pointer is. (Alt alone would
        // hand the keyboard to VS Code's menu bar when released.)
        const x = (e.clientX - r.left - this.view.tx) / this.view.scale;
        const y = (e.clientY - r.top - this.view.ty) / this.view.scale;
        if (x >= 0 && y >= 0 && x <= this.width && y <= this.height) this.pushEdit({ kind: 'add-point', x, y, label: e.altKey ? 0 : 1 });
        return;
      }
      const grab = this.grabHandle(e.clientX - r.left, e.clientY - r.top);
      if (grab) {
        this.glyphDrag = { ...grab, x: e.clientX, y: e.clientY };
        return;
      }
    }
    this.drag = { x: e.clientX, y: e.clientY, tx: this.view.tx, ty: this.view.ty };
  }

  /** The glyph handle under a screen point in edit mode: a point, a box corner, or a box edge (move). */
  private grabHandle(sx: number, sy: number): { id: string; handle: 'point' | 'tl' | 'br' | 'move'; orig: Glyph } | undefined {
    const id = this.hitTest(sx, sy);
    for (const g of this.glyphs) {
      if (g.kind === 'box') {
        const [x1, y1] = this.toScreen(g.x1, g.y1);
        const [x2, y2] = this.toScreen(g.x2, g.y2);
        if (Math.hypot(sx - x1, sy - y1) < 10) return { id: `box:${g.index}`, handle: 'tl', orig: g };
        if (Math.hypot(sx - x2, sy - y2) < 10) return { id: `box:${g.index}`, handle: 'br', orig: g };
      }
    }
    const g = this.glyphs.find((x) => `${x.kind}:${x.index}` === id);
    if (!g || !id) return undefined;
    return { id, handle: g.kind === 'point' ? 'point' : 'move', orig: g };
  }

  private moveGlyph(e: PointerEvent): void {
    const d = this.glyphDrag!;
    const dx = (e.clientX - d.x) / this.view.scale;
    const dy = (e.clientY - d.y) / this.view.scale;
    const clampX = (v: number) => Math.min(this.width, Math.max(0, v));
    const clampY = (v: number) => Math.min(this.height, Math.max(0, v));
    const o = d.orig;
    let moved: Glyph;
    if (o.kind === 'point') moved = { ...o, x: clampX(o.x + dx), y: clampY(o.y + dy) };
    else if (d.handle === 'tl') moved = { ...o, x1: clampX(o.x1 + dx), y1: clampY(o.y1 + dy) };
    else if (d.handle === 'br') moved = { ...o, x2: clampX(o.x2 + dx), y2: clampY(o.y2 + dy) };
    else moved = { ...o, x1: clampX(o.x1 + dx), y1: clampY(o.y1 + dy), x2: clampX(o.x2 + dx), y2: clampY(o.y2 + dy) };
    this.glyphs = this.glyphs.map((g) => (`${g.kind}:${g.index}` === d.id ? moved : g));
    this.pendingMove = moved.kind === 'point' ? { kind: 'point', index: moved.index, x: moved.x, y: moved.y } : { kind: 'box', index: moved.index, x1: moved.x1, y1: moved.y1, x2: moved.x2, y2: moved.y2 };
    this.draw();
  }

  private onPointerMove(e: PointerEvent): void {
    if (this.glyphDrag) {
      this.moveGlyph(e);
      return;
    }
    if (this.drag) {
      this.view = { ...this.view, tx: this.drag.tx + e.clientX - this.drag.x, ty: this.drag.ty + e.clientY - this.drag.y };
      this.fitted = false;
      this.draw();
      this.onViewChange({ ...this.view }, false);
      return;
    }
    const r = this.canvas.getBoundingClientRect();
    this.setHover(this.hitTest(e.clientX - r.left, e.clientY - r.top));
  }

  private onPointerUp(e: PointerEvent): void {
    this.canvas.releasePointerCapture(e.pointerId);
    this.drag = undefined;
    if (this.glyphDrag) {
      const start = this.glyphDrag;
      const move = this.pendingMove;
      this.glyphDrag = undefined;
      this.pendingMove = undefined;
      if (move && (e.clientX !== start.x || e.clientY !== start.y)) this.pushEdit(move);
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (this.editing && this.editKey(e)) {
      e.preventDefault();
      e.stopPropagation();
      return;
    }
    const cx = this.canvas.clientWidth / 2;
    const cy = this.canvas.clientHeight / 2;
    const step = 40;
    if (e.key === '+' || e.key === '=') this.zoomAt(1.25, cx, cy);
    else if (e.key === '-') this.zoomAt(0.8, cx, cy);
    else if (e.key === '0') this.fit();
    else if (e.altKey && e.key.startsWith('Arrow')) {
      const d = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] }[e.key] ?? [0, 0];
      this.view = { ...this.view, tx: this.view.tx + d[0]!, ty: this.view.ty + d[1]! };
      this.fitted = false;
      this.draw();
      this.onViewChange({ ...this.view }, false);
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }
}
