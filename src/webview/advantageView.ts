import type { AdvantageEstimatorInfo, AdvantageWhatIf } from '../shared/protocol';
import { clear, h, num } from './dom';

/**
 * The group's advantage what-ifs under the strip: an expandable table (rows = the group's rollouts; columns = the
 * logged advantage, the run's estimator, every other estimator) where a sign that flips against the run's estimator is
 * marked with ⇄ and said in words, and, while a prompt edit is on screen, `A logged → A would-be` of the edited rollout
 * and the shift of its groupmates. Values carry their full precision in `data-value` for tools and tests.
 */
export class AdvantageView {
  readonly el: HTMLElement;
  /** The would-be block, mounted beside the rewards (next to the logged advantage) by the page. */
  readonly wouldBe: HTMLElement;
  private readonly details: HTMLDetailsElement;
  private readonly summary: HTMLElement;
  private readonly body: HTMLElement;
  /** Called when the user picks a rollout in the table. */
  onSelect: (index: number) => void = () => undefined;

  constructor() {
    this.summary = h('summary', { id: 'advantage-summary' }, 'Advantage what-ifs');
    this.body = h('div', { class: 'whatif-body' });
    this.details = h('details', { class: 'whatif', id: 'advantage-whatif' }, this.summary, this.body);
    this.wouldBe = h('div', { class: 'would-be', id: 'would-be', role: 'status', 'aria-live': 'polite', hidden: true });
    this.el = h('div', { class: 'advantage-pane', hidden: true }, this.details);
  }

  /** Nothing to show (a dataset image, or the next view is loading). */
  hide(): void {
    this.el.hidden = true;
    this.wouldBe.hidden = true;
    this.el.dataset.revision = '';
  }

  /** Draw the table of `w` for the rollout `current` (record index) of view `revision`. */
  show(w: AdvantageWhatIf, current: number, revision: number): void {
    this.el.hidden = false;
    this.el.dataset.revision = String(revision);
    this.el.dataset.run = w.run;
    clear(this.body);
    this.renderWouldBe(w, current);
    if (w.note || !w.rows.length) {
      this.summary.textContent = 'Advantage what-ifs: none';
      this.body.append(h('p', { class: 'muted' }, w.note ?? 'No rollouts in this group.'));
      return;
    }
    const flips = w.rows.filter((r) => r.flips.length).length;
    const others = w.estimators.filter((e) => e.id !== w.run);
    const run = w.estimators.find((e) => e.id === w.run);
    this.summary.textContent = `Advantage what-ifs · run's estimator ${w.run}${w.weights ? ` (${w.weights})` : ''}${flips ? ` · ⇄ ${flips} ${flips === 1 ? 'rollout flips' : 'rollouts flip'} sign` : ' · no sign flips'}`;
    this.summary.dataset.flips = String(flips);
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'rollout'),
      h('th', { scope: 'col', title: 'The advantage the run logged' }, 'logged A'),
      run ? header(run, true) : null,
      ...others.map((e) => header(e, false)),
      h('th', { scope: 'col' }, 'sign flips'),
    );
    const rows = w.rows.map((r) => {
      const flipped = new Set(r.flips);
      const cell = (e: AdvantageEstimatorInfo) => {
        const v = r.values[e.id];
        const flip = flipped.has(e.id);
        return h(
          'td',
          { class: `num${flip ? ' flip' : ''}${e.id === w.run ? ' run' : ''}`, 'data-estimator': e.id, 'data-value': v === undefined ? '' : String(v), title: flip ? `sign flips: ${e.id} pushes this rollout the other way from ${w.run}` : undefined },
          flip ? h('span', { class: 'flip-mark', 'aria-hidden': 'true' }, '⇄ ') : null,
          num(v, 3),
        );
      };
      const label = `#${r.sample ?? r.index}`;
      const tr = h(
        'tr',
        { class: `${r.index === current ? 'current' : ''}${r.flips.length ? ' flipped' : ''}`, 'data-index': r.index, tabindex: 0, 'aria-current': r.index === current ? 'true' : undefined },
        h('th', { scope: 'row' }, r.index === current ? `${label} (shown)` : label),
        h('td', { class: 'num', 'data-estimator': 'logged', 'data-value': r.logged === undefined ? '' : String(r.logged) }, num(r.logged, 3)),
        run ? cell(run) : null,
        ...others.map(cell),
        h('td', { class: 'flips' }, r.flips.length ? `⇄ flips vs ${r.flips.join(', ')}` : '—'),
      );
      tr.addEventListener('click', () => this.onSelect(r.index));
      tr.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') this.onSelect(r.index);
      });
      return tr;
    });
    const scope = w.totalOnly ? 'the logged total (the log has no components)' : `components ${w.components.join(' + ')}`;
    this.body.append(
      h('div', { class: 'whatif-scroll' }, h('table', { class: 'reward-table whatif-table', id: 'advantage-table' }, h('thead', {}, head), h('tbody', {}, ...rows))),
      h('p', { class: 'muted whatif-note' }, `From the logged rewards (${scope}); batch-scoped estimators over all ${w.batchSize} rollouts of the step. Hover a header for its formula and source.`),
    );
  }

  private renderWouldBe(w: AdvantageWhatIf, current: number): void {
    clear(this.wouldBe);
    const wb = w.wouldBe;
    this.wouldBe.hidden = !wb;
    if (!wb) return;
    const edited = wb.rows.find((r) => r.index === wb.edited);
    const shift = (a: number, b: number | undefined) => (b === undefined ? '' : ` (${a - b >= 0 ? '+' : ''}${(a - b).toFixed(3)})`);
    const mates = wb.rows.filter((r) => r.index !== wb.edited);
    const comps = Object.entries(wb.components)
      .map(([k, v]) => `${k} ${num(v ?? undefined, 3)}`)
      .join(' · ');
    const parts: Array<HTMLElement | null> = [
      h('div', { class: 'would-be-head' }, h('strong', {}, 'Would-be advantage of this edit'), ` under ${w.run}: `),
      edited
        ? h(
            'div',
            { class: 'would-be-main num', id: 'would-be-main', 'data-logged': edited.logged === undefined ? '' : String(edited.logged), 'data-after': String(edited.after), 'data-before': String(edited.before), 'data-components': JSON.stringify(wb.components) },
            `#${edited.sample ?? edited.index}${edited.index === current ? '' : ' (edited)'}: A logged ${num(edited.logged, 3)} → A would-be ${num(edited.after, 3)}${shift(edited.after, edited.logged)}`,
            edited.flips ? ' ⇄ sign flips' : '',
          )
        : null,
      h('div', { class: 'muted' }, `edited reward: ${comps}${wb.kept.length ? ` (kept logged: ${wb.kept.join(', ')})` : ''}`),
      mates.length
        ? h(
            'div',
            { class: 'would-be-mates num', id: 'would-be-mates' },
            'groupmates: ',
            ...mates.map((r) => h('span', { class: 'would-be-mate', 'data-index': r.index, 'data-after': String(r.after), 'data-before': String(r.before) }, `#${r.sample ?? r.index} ${num(r.logged, 3)} → ${num(r.after, 3)}${shift(r.after, r.logged)}`, r.flips ? ' ⇄ sign flips' : '', '  ')),
          )
        : null,
    ];
    for (const p of parts) if (p) this.wouldBe.append(p);
  }
}

/** A column header with the estimator's formula and source as its tooltip. */
function header(e: AdvantageEstimatorInfo, run: boolean): HTMLElement {
  return h(
    'th',
    { scope: 'col', class: run ? 'run' : '', 'data-estimator': e.id, title: `${e.id} (${e.trainer}, ${e.scope}-scoped): A = ${e.formula}\nSource: ${e.source}${run ? "\nThe run's estimator." : ''}` },
    run ? `${e.id} (run)` : e.id,
  );
}
