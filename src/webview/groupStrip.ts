import type { GroupMember, Selection, ViewPayload } from '../shared/protocol';
import { clear, h, num } from './dom';
import { PALETTE } from './palette';

/** Thumbnail size (CSS px, longest side). */
const THUMB = 112;

/**
 * The G rollouts of the current GRPO group as thumbnails sorted by advantage, with reward bars;
 * click or Enter switches the panel to that rollout.
 */
export class GroupStrip {
  readonly el: HTMLElement;
  private readonly list: HTMLElement;
  /** Called when the user picks a sibling rollout. */
  onSelect: (s: Selection) => void = () => undefined;
  /** Estimators whose advantage flips sign against the run's, by record index (from the what-if table). */
  private flips: ReadonlyMap<number, readonly string[]> = new Map();
  private runEstimator = '';

  constructor() {
    this.list = h('div', { class: 'group-list', id: 'group-strip', role: 'listbox', 'aria-label': 'Rollouts of this GRPO group' });
    this.el = h('section', { class: 'group-pane', 'aria-label': 'GRPO group' }, this.list);
  }

  /** Draw the strip for a view; `image` is the already-decoded image shared by the group. */
  show(view: ViewPayload, image: ImageBitmap | undefined): void {
    clear(this.list);
    const sel = view.selection;
    if (sel.kind !== 'rollout' || !view.group.length) {
      this.list.append(h('p', { class: 'muted' }, sel.kind === 'rollout' ? 'No group information in this log.' : 'Dataset image: no GRPO group.'));
      return;
    }
    const members = [...view.group].sort((a, b) => (b.advantage ?? -Infinity) - (a.advantage ?? -Infinity));
    const rewards = members.map((m) => m.reward ?? 0);
    const maxR = Math.max(1e-9, ...rewards.map(Math.abs));
    if (view.groupZeroVariance) this.list.append(h('p', { class: 'warn', title: 'All rewards equal: every advantage is 0, this group teaches nothing.' }, '⚠ zero-variance group: no learning signal'));
    for (const m of members) {
      const current = m.index === sel.index;
      const card = h(
        'div',
        { 'data-inversions': m.inversions.length, class: `thumb${m.inversions.length ? ' inverted' : ''}${current ? ' current' : ''}${m.malformed ? ' malformed' : ''}`, role: 'option', 'aria-selected': current ? 'true' : 'false', tabindex: 0, 'data-index': m.index, title: `rollout ${m.sample ?? m.index}` },
        this.thumbCanvas(m, image),
        h('div', { class: 'caption' }, h('span', {}, `#${m.sample ?? m.index}`), h('span', { class: 'num' }, `r ${num(m.reward, 2)}`), h('span', { class: 'num' }, `A ${num(m.advantage, 2)}`), m.malformed ? h('span', { class: 'malformed-mark', title: 'the answer has parse errors (see its diagnostics)', 'aria-label': 'parse errors' }, '⚠') : null),
        rewardBar(m.reward ?? 0, maxR),
        h('div', { class: 'components num' }, Object.entries(m.components).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' · ')),
        m.intended !== undefined ? h('div', { class: 'components num', title: 'total under segr1-intended (correct S-measure)' }, `intended ${m.intended.toFixed(2)}${m.iou !== undefined ? ` · IoU ${m.iou.toFixed(2)}` : ''}`) : null,
        m.inversions.length ? h('div', { class: 'inversion', title: 'The logged reward ranks this rollout opposite to the intended reward against these samples: the reward misleads the policy here.' }, `⇅ inverted vs #${m.inversions.join(', #')}`) : null,
      );
      const pick = () => this.onSelect({ kind: 'rollout', log: sel.log, index: m.index });
      card.addEventListener('click', pick);
      card.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick();
        }
      });
      this.list.append(card);
    }
    this.applyFlips();
  }

  /** Mark the cards of rollouts whose advantage flips sign between the run's estimator and another (icon and words). */
  setFlips(run: string, flips: ReadonlyMap<number, readonly string[]>): void {
    this.runEstimator = run;
    this.flips = flips;
    this.applyFlips();
  }

  private applyFlips(): void {
    for (const card of this.list.querySelectorAll<HTMLElement>('.thumb[data-index]')) {
      card.querySelector('.sign-flip')?.remove();
      const f = this.flips.get(Number(card.dataset.index));
      card.classList.toggle('flipped', !!f?.length);
      if (!f?.length) continue;
      card.append(h('div', { class: 'sign-flip', title: `Under ${f.join(', ')} this rollout's advantage has the opposite sign to ${this.runEstimator}'s: the estimator decides whether it is reinforced.` }, `⇄ sign flips vs ${f.join(', ')}`));
    }
  }

  private thumbCanvas(m: GroupMember, image: ImageBitmap | undefined): HTMLCanvasElement {
    const c = h('canvas', { class: 'thumb-canvas', 'aria-hidden': 'true' });
    const iw = image?.width ?? m.thumb?.width ?? 1;
    const ih = image?.height ?? m.thumb?.height ?? 1;
    const s = THUMB / Math.max(iw, ih);
    c.width = Math.max(1, Math.round(iw * s));
    c.height = Math.max(1, Math.round(ih * s));
    const ctx = c.getContext('2d');
    if (!ctx) return c;
    if (image) ctx.drawImage(image, 0, 0, c.width, c.height);
    if (m.thumb) {
      const t = m.thumb;
      const layer = ctx.createImageData(t.width, t.height);
      for (let i = 0; i < t.width * t.height; i++) {
        if (!t.data[i]) continue;
        layer.data[4 * i] = PALETTE.mask[0];
        layer.data[4 * i + 1] = PALETTE.mask[1];
        layer.data[4 * i + 2] = PALETTE.mask[2];
        layer.data[4 * i + 3] = 130;
      }
      const tmp = h('canvas');
      tmp.width = t.width;
      tmp.height = t.height;
      tmp.getContext('2d')?.putImageData(layer, 0, 0);
      ctx.drawImage(tmp, 0, 0, c.width, c.height);
    }
    return c;
  }
}

function rewardBar(r: number, maxR: number): HTMLElement {
  const fill = h('div', { class: 'reward-fill' });
  fill.style.width = `${Math.max(0, Math.min(1, r / maxR)) * 100}%`;
  return h('div', { class: 'reward-bar', role: 'meter', 'aria-label': 'reward', 'aria-valuenow': r.toFixed(3) }, fill);
}
