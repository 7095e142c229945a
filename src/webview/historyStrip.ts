import type { Selection, ViewPayload } from '../shared/protocol';
import { clear, h } from './dom';

/**
 * Per-image history: every rollout on this image across training steps, one column per step, each cell
 * shaded by reward, so one sees whether the policy learned the image. Click a cell to open it.
 */
export class HistoryStrip {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private readonly key: HTMLElement;
  /** Called when a cell is picked. */
  onSelect: (s: Selection) => void = () => undefined;

  constructor() {
    this.body = h('div', { class: 'history', id: 'image-history', role: 'list', 'aria-label': 'Rollouts on this image across steps' });
    this.note = h('span', { class: 'history-note', id: 'image-history-note' });
    this.key = h('div', { class: 'history-key' });
    this.el = h('section', { class: 'history-pane' }, h('h2', {}, 'This image across steps', this.note), this.body, this.key);
  }

  /** Draw the history of the current view's image. */
  show(view: ViewPayload): void {
    clear(this.body);
    clear(this.key);
    const sel = view.selection;
    const hist = view.history ?? [];
    this.el.hidden = sel.kind !== 'rollout' || hist.length < 2;
    // A long run's strip shows whole steps spread over training, not all of them: say so.
    this.note.textContent = view.historySteps ? ` · ${new Set(hist.map((x) => x.step)).size} of ${view.historySteps} steps, evenly spread` : '';
    if (sel.kind !== 'rollout') return;
    const rewards = hist.map((x) => x.reward).filter((r): r is number => r !== undefined);
    const lo = Math.min(...rewards);
    const hi = Math.max(...rewards);
    const byStep = new Map<number, typeof hist>();
    for (const x of hist) byStep.set(x.step, [...(byStep.get(x.step) ?? []), x]);
    for (const [step, xs] of byStep) {
      const col = h('div', { class: 'history-step', role: 'listitem', title: `step ${step}` }, h('span', { class: 'num step-label' }, Number.isNaN(step) ? '—' : String(step)));
      for (const x of xs) {
        const t = x.reward === undefined || hi === lo ? 0.5 : (x.reward - lo) / (hi - lo);
        const cell = h('button', { class: `history-cell${x.index === sel.index ? ' current' : ''}`, 'aria-label': `step ${step} rollout ${x.sample ?? x.index}: reward ${x.reward?.toFixed(3) ?? 'none'}`, title: `step ${step} · #${x.sample ?? x.index} · r ${x.reward?.toFixed(3) ?? '—'}` });
        // Fill by reward, outline always: a low reward is a faint cell, never a missing one.
        cell.style.background = cellFill(t);
        cell.addEventListener('click', () => this.onSelect({ kind: 'rollout', log: sel.log, index: x.index }));
        col.append(cell);
      }
      this.body.append(col);
    }
    if (rewards.length) this.key.append(scale(lo, hi));
  }
}

/** The fill of a cell at position t ∈ [0, 1] between the lowest and highest reward shown. */
function cellFill(t: number): string {
  return `color-mix(in srgb, var(--vscode-progressBar-background, #0072B2) ${Math.round(15 + 85 * t)}%, transparent)`;
}

/** What a cell's fill means: the key under the grid. */
function scale(lo: number, hi: number): HTMLElement {
  const swatch = (t: number) => {
    const s = h('span', { class: 'history-cell', 'aria-hidden': 'true' });
    s.style.background = cellFill(t);
    return s;
  };
  return h('div', { class: 'history-scale', 'aria-label': `cell fill: reward from ${lo.toFixed(2)} to ${hi.toFixed(2)}` }, 'reward', swatch(0), h('span', { class: 'num' }, lo.toFixed(2)), '…', swatch(1), h('span', { class: 'num' }, hi.toFixed(2)));
}
