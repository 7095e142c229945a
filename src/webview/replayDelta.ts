import { errorText, isAbortError, type ReplaySummaryDto } from '../shared/tracesProtocol';
import { DEFAULT_REPLAY_SET, REWARD_SET_CHOICES } from '../shared/rewardSetChoices';
import { h } from './dom';
import type { ReplayOutcome } from './tracesClient';

/** How the bar asks the host for a replay (TracesClient.replayDiff). */
export type ReplayRequest = (rewardSet: string, onProgress: (message: string) => void, signal: AbortSignal) => Promise<ReplayOutcome | null>;

/**
 * "Largest replay Δ" settings and result: which reward set the replay uses, and what the last replay found (how many
 * totals change, which rankings invert within groups). The list shows the N largest differences; this bar says
 * whether there were any.
 */
export class ReplayDelta {
  readonly el: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly summaryEl: HTMLElement;
  private readonly stopBtn: HTMLButtonElement;
  /** The replay in flight: a newer one or Stop cancels it. */
  private abort?: AbortController;
  /** Called when the user picks another set (the traces save it in their state). */
  onChange: () => void = () => undefined;

  constructor(initial: string | undefined) {
    this.select = h('select', { id: 'replay-set', 'aria-label': 'Reward set for Largest replay Δ', title: 'Reward set the replay recomputes every rollout with; the list then sorts by |replayed − logged| total' });
    for (const c of REWARD_SET_CHOICES) this.select.append(h('option', { value: c.id, title: c.label }, c.id));
    this.select.value = REWARD_SET_CHOICES.some((c) => c.id === initial) ? initial! : DEFAULT_REPLAY_SET;
    this.select.addEventListener('change', () => this.onChange());
    this.summaryEl = h('span', { id: 'replay-summary', class: 'replay-summary', role: 'status', 'aria-live': 'polite' });
    this.stopBtn = h('button', { id: 'replay-stop', title: 'Stop the replay (its worker threads stop; the list keeps its columns)', hidden: true }, 'Stop');
    this.stopBtn.addEventListener('click', () => this.abort?.abort());
    this.el = h('div', { class: 'replay-bar', id: 'replay-bar' }, h('label', { for: 'replay-set' }, 'Replay Δ with '), this.select, this.stopBtn, this.summaryEl);
  }

  /** The chosen reward set id. */
  get rewardSet(): string {
    return this.select.value;
  }

  /**
   * Run a replay with the chosen set (cancelling one in flight): its progress, then its summary, its cancellation or
   * its error are shown in the bar; `done` gets a finished replay's columns.
   */
  run(replay: ReplayRequest, done: (outcome: ReplayOutcome) => void): void {
    this.abort?.abort();
    const ac = new AbortController();
    this.abort = ac;
    const set = this.rewardSet;
    const running = `Replaying every rollout under ${set}…`;
    this.say(running, 'running');
    this.stopBtn.hidden = false;
    replay(set, (message) => this.abort === ac && this.say(`${running} ${message}`, 'running'), ac.signal).then(
      (outcome) => {
        if (this.abort !== ac) return;
        this.finish();
        if (!outcome) this.say('', 'done');
        else {
          this.show(outcome.summary);
          done(outcome);
        }
      },
      (e: unknown) => {
        if (this.abort !== ac) return;
        this.finish();
        this.say(isAbortError(e) ? `Replay under ${set} stopped` : `✖ ${errorText(e)}`, isAbortError(e) ? 'stopped' : 'error');
      },
    );
  }

  private finish(): void {
    this.abort = undefined;
    this.stopBtn.hidden = true;
  }

  private say(text: string, state: 'running' | 'done' | 'stopped' | 'error'): void {
    this.summaryEl.textContent = text;
    this.el.dataset.state = state;
    delete this.summaryEl.dataset.changed;
  }

  /** What the replay found (text is built on the host; set as text, never HTML). */
  private show(summary: ReplaySummaryDto): void {
    this.say(summary.text, 'done');
    this.summaryEl.dataset.changed = String(summary.changed);
    this.summaryEl.dataset.inverted = String(summary.invertedPairs);
    this.summaryEl.dataset.set = summary.rewardSet;
  }
}
