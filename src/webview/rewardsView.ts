import type { RewardRow, ViewPayload } from '../shared/protocol';
import { clear, h, num } from './dom';

/** Differences below this are equal (the replay contract's tolerance). */
const TOLERANCE = 1e-6;

/**
 * Reward components as logged and as recomputed by each reward set, plus total and advantage. The
 * reference/intended columns make the Seg-R1 S-measure quirk visible per rollout.
 */
export class RewardsView {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;

  constructor() {
    this.body = h('div', { id: 'rewards', class: 'rewards' });
    this.el = h('section', { class: 'rewards-pane', 'aria-label': 'Rewards' }, h('h2', {}, 'Rewards'), this.body);
  }

  /** Show a rollout's reward table. */
  show(view: ViewPayload): void {
    clear(this.body);
    const r = view.rollout;
    if (!r) {
      this.body.append(h('p', { class: 'muted' }, 'No rollout selected.'));
      return;
    }
    const sets = [...new Set([...r.rewards, r.total].flatMap((row) => Object.keys(row.replayed)))];
    const head = h('tr', {}, h('th', { scope: 'col' }, 'component'), h('th', { scope: 'col' }, 'logged'), ...sets.map((s) => h('th', { scope: 'col', title: `recomputed with ${s}` }, s)));
    const table = h('table', { class: 'reward-table' }, h('thead', {}, head));
    const tbody = h('tbody');
    for (const row of r.rewards) tbody.append(this.row(row, sets));
    tbody.append(this.row(r.total, sets, 'total'));
    tbody.append(this.row(r.advantage, sets, 'advantage'));
    table.append(tbody);
    this.body.append(table);
    const adv = r.advantage.logged;
    if (adv !== undefined) this.body.append(advantageBar(adv), h('div', { class: 'adv-scale num', 'aria-hidden': 'true' }, h('span', {}, '−2'), h('span', {}, `logged advantage ${adv >= 0 ? '+' : '−'}${Math.abs(adv).toFixed(3)}`), h('span', {}, '+2')));
  }

  private row(row: RewardRow, sets: readonly string[], cls = ''): HTMLElement {
    const cells = sets.map((s) => {
      const v = row.replayed[s];
      const differs = v !== undefined && row.logged !== undefined && Math.abs(v - row.logged) > TOLERANCE;
      return h('td', { class: differs ? 'num differs' : 'num', title: differs ? `differs from logged by ${(v! - row.logged!).toExponential(2)}` : undefined }, num(v), differs ? h('span', { class: 'delta' }, ` Δ${fmtSigned(v! - row.logged!)}`) : null);
    });
    return h('tr', { class: cls, 'data-component': row.name }, h('th', { scope: 'row' }, row.name), h('td', { class: 'num' }, num(row.logged)), ...cells);
  }
}

function fmtSigned(v: number): string {
  return (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(3);
}

/** A centred bar for a GRPO advantage (clamped to ±2 for drawing). */
function advantageBar(a: number): HTMLElement {
  const w = Math.min(1, Math.abs(a) / 2) * 50;
  const bar = h('div', { class: `adv-fill ${a >= 0 ? 'pos' : 'neg'}` });
  bar.style.width = `${w}%`;
  bar.style.left = a >= 0 ? '50%' : `${50 - w}%`;
  return h('div', { class: 'adv-bar', role: 'meter', 'aria-label': 'advantage', 'aria-valuenow': a.toFixed(3), 'aria-valuemin': -2, 'aria-valuemax': 2 }, h('div', { class: 'adv-zero' }), bar);
}
