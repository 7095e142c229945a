import type { TracesHostMessage } from '../shared/protocol';
import { DEFAULT_REPLAY_SET, REWARD_SET_CHOICES } from '../shared/rewardSetChoices';
import { h } from './dom';

/** The replay summary as the host sends it. */
type ReplaySummary = Extract<TracesHostMessage, { type: 'list/replaySummary' }>['summary'];

/**
 * "Largest replay Δ" settings and result: which reward set the replay uses, and what the last replay found (how many
 * totals change, which rankings invert within groups). The list shows the N largest differences; this bar says
 * whether there were any.
 */
export class ReplayDelta {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly summaryEl: HTMLElement;
  /** Called when the user picks another set (the traces save it in their state). */
  onChange: () => void = () => undefined;

  constructor(initial: string | undefined) {
    this.select = h('select', { id: 'replay-set', 'aria-label': 'Reward set for Largest replay Δ', title: 'Reward set the replay recomputes every rollout with; the list then sorts by |replayed − logged| total' });
    for (const c of REWARD_SET_CHOICES) this.select.append(h('option', { value: c.id, title: c.label }, c.id));
    this.select.value = REWARD_SET_CHOICES.some((c) => c.id === initial) ? initial! : DEFAULT_REPLAY_SET;
    this.select.addEventListener('change', () => this.onChange());
    this.summaryEl = h('span', { id: 'replay-summary', class: 'replay-summary', role: 'status', 'aria-live': 'polite' });
    this.el = h('div', { class: 'replay-bar', id: 'replay-bar' }, h('label', { for: 'replay-set' }, 'Replay Δ with '), this.select, this.summaryEl);
  }

  /** The chosen reward set id. */
  get rewardSet(): string {
    return this.select.value;
  }

  /** A replay was asked for: say so until its summary arrives. */
  running(): void {
    this.summaryEl.textContent = `Replaying every rollout under ${this.rewardSet}…`;
    delete this.summaryEl.dataset.changed;
  }

  /** What the replay found (text is built on the host; set as text, never HTML). */
  show(summary: ReplaySummary, text: string): void {
    this.summaryEl.textContent = text;
    this.summaryEl.dataset.changed = String(summary.changed);
    this.summaryEl.dataset.inverted = String(summary.invertedPairs);
    this.summaryEl.dataset.set = summary.rewardSet;
  }
}
