import { flipDetail, signalDetail, thresholdLabel } from '../shared/signalCharts';
import type { SignalChart, SignalsPayload } from '../shared/signalsProtocol';
import { clear, h } from './dom';
import { stepChart, type StepChartSeries } from './stepChart';

/** What the signals section tells the traces view. */
export interface SignalsViewHandlers {
  /** A point was clicked: filter the list to the step (and open it), as the other charts do. */
  readonly onStep: (log: string, step: number) => void;
  /** The picker changed. */
  readonly onAlternative: (alternative: string) => void;
  /** The hint's button: run the attribution pass. */
  readonly onAttribute: () => void;
}

/** The command palette entry that runs attribution (package.json `segr1.attributeFailures`). */
const ATTRIBUTE_COMMAND = 'Seg-R1: Attribute Failures';

/**
 * The reward-hacking section of the traces (issue 17 item 4): one small chart per signal with its threshold line(s),
 * the reward-labelled share once attribution has run (a hint with the command before), and the advantage sign-flip
 * chart with its estimator picker (issue 14 item 5).
 */
export class SignalsView {
  readonly el = h('section', { class: 'signals', id: 'signals', 'aria-label': 'Reward-hacking signals' });
  private readonly body = h('div', { class: 'signals-body' });
  private readonly status = h('span', { class: 'signals-note', id: 'signals-status' }, 'Reading signals…');

  constructor(private readonly handlers: SignalsViewHandlers) {
    this.el.append(h('div', { class: 'chart-group signals-title' }, h('span', {}, 'reward-hacking signals'), this.status), this.body);
  }

  /** Draw the section (replaces what was drawn). */
  render(p: SignalsPayload): void {
    clear(this.body);
    this.status.textContent = p.unreadable ? `${p.unreadable} line(s) without GT or mask values: ${p.problems.join('; ')}${p.unreadable > p.problems.length ? '; …' : ''}` : '';
    for (const c of p.charts) this.body.append(this.signalChart(c));
    if (!p.attribution) {
      const run = h('button', { id: 'signals-attribute', 'aria-label': 'Run attribution for the reward-labelled share' }, 'Attribute failures');
      run.addEventListener('click', () => this.handlers.onAttribute());
      this.body.append(
        h(
          'figure',
          { class: 'chart signals-hint', 'data-series': 'reward-labelled', id: 'signals-labelled-hint' },
          h('div', { class: 'chart-title' }, 'reward-labelled rollouts (attribution)'),
          h('p', {}, `The share of reward-labelled rollouts needs attribution labels. Run "${ATTRIBUTE_COMMAND}" from the command palette, or: `, run),
        ),
      );
    }
    this.body.append(this.flipChart(p));
  }

  private signalChart(c: SignalChart): HTMLElement {
    const series: StepChartSeries[] = c.runs.map((s, run) => ({ run, label: s.label, steps: s.steps, values: s.mean, flag: s.flag, detail: (k) => signalDetail(c, s, k) }));
    const fig = stepChart({
      id: c.id,
      title: c.title,
      series,
      lines: c.thresholds.map((t) => ({ value: t.value, label: thresholdLabel(c, t), why: c.why })),
      onPoint: (s, step) => this.handlers.onStep(c.runs[s.run]!.log, step),
    });
    fig.classList.add('signal-chart');
    return fig;
  }

  private flipChart(p: SignalsPayload): HTMLElement {
    const c = p.signFlips;
    const picker = h('select', { id: 'signals-alternative', 'aria-label': 'Alternative advantage estimator' }) as HTMLSelectElement;
    for (const id of c.estimators) picker.append(h('option', { value: id, selected: id === c.alternative }, id));
    picker.value = c.alternative;
    picker.addEventListener('change', () => this.handlers.onAlternative(picker.value));
    const series: StepChartSeries[] = c.runs.map((s, run) => ({ run, label: s.label, steps: s.steps, values: s.mean, detail: (k) => flipDetail(c, run, k) }));
    const fig = stepChart({ id: 'sign-flips', title: c.title, series, onPoint: (s, step) => this.handlers.onStep(c.runs[s.run]!.log, step) });
    fig.classList.add('signal-chart');
    fig.dataset.alternative = c.alternative;
    const bases = [...new Set(c.base)].join(' / ');
    fig.append(h('label', { class: 'signals-picker' }, `${bases} vs `, picker));
    return fig;
  }
}
