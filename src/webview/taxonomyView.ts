import { ATTRIBUTION_LABELS, type AttributionLabel } from '../core/attribution/labels';
import { stackCounts } from '../core/attribution/taxonomy';
import type { TaxonomyPayload } from '../shared/tracesProtocol';
import { clear, h } from './dom';

/**
 * The failure taxonomy in the traces: label counts per step as stacked bars and per image as a small table. A bar
 * segment or a table cell is a filter on the rollout list (label and step, or label and image).
 */

/**
 * Label colours: Paul Tol's "muted" set, chosen away from the Okabe–Ito colours the reward traces use, readable on
 * light and dark themes. Colour is never the only cue: the legend names each label, segments carry the label's
 * initial where they are tall enough, and every segment has a text tooltip.
 */
export const LABEL_COLOURS: Readonly<Record<AttributionLabel, string>> = { format: '#AA4499', segmenter: '#DDCC77', policy: '#CC6677', reward: '#88CCEE', ok: '#44AA99' };

/** What a click on the taxonomy asks the list for. */
export interface TaxonomyFilter {
  readonly label: AttributionLabel;
  /** A bar segment's step. */
  readonly step?: number;
  /** A table cell's image (path as logged). */
  readonly image?: string;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const H = 150;
const M = { top: 18, right: 10, bottom: 22, left: 36 };

function svgEl<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** The taxonomy section of the traces view. */
export class TaxonomyView {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly header: HTMLElement;

  constructor(
    private readonly onRun: () => void,
    private readonly onFilter: (f: TaxonomyFilter) => void,
  ) {
    const run = h('button', { id: 'attribute-failures', title: 'Label every rollout format / segmenter / policy / reward / ok against oracle prompts derived from the GT (Seg-R1: Attribute Failures)' }, 'Attribute failures');
    run.addEventListener('click', () => this.onRun());
    this.header = h('span', { class: 'taxonomy-note', id: 'taxonomy-note' }, 'Why rollouts failed: not computed yet.');
    this.body = h('div', { class: 'taxonomy-body' });
    this.el = h('section', { class: 'taxonomy', id: 'taxonomy', 'aria-label': 'Failure taxonomy' }, h('div', { class: 'taxonomy-bar' }, h('strong', {}, 'Failure taxonomy'), this.header, h('span', { class: 'spacer' }), run), this.body);
  }

  /** Draw a taxonomy (or say it is not computed); `active` marks the filter in force. */
  render(p: TaxonomyPayload | undefined, active: TaxonomyFilter | undefined): void {
    clear(this.body);
    if (!p) {
      this.header.textContent = 'Why rollouts failed: not computed yet (or the logs changed since).';
      return;
    }
    const t = p.taxonomy;
    const n = ATTRIBUTION_LABELS.reduce((a, l) => a + t.total[l], 0);
    this.header.textContent = `${n} rollouts · τ_seg ${p.thresholds.tauSeg} · δ ${p.thresholds.delta} · oracle by ${p.segmenter}${p.unattributed ? ` · ${p.unattributed} could not be attributed` : ''}`;
    const legend = h('div', { class: 'taxonomy-legend', role: 'list' });
    for (const l of ATTRIBUTION_LABELS) {
      const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
      sw.style.background = LABEL_COLOURS[l];
      legend.append(h('span', { class: 'legend-item', role: 'listitem' }, sw, `${l[0]!.toUpperCase()} ${l} ${t.total[l]}`));
    }
    this.body.append(legend, this.chart(p, active), this.table(p, active));
  }

  private chart(p: TaxonomyPayload, active: TaxonomyFilter | undefined): SVGSVGElement {
    const steps = p.taxonomy.steps;
    const plotW = Math.max(240, Math.min(900, steps.length * 16));
    const W = plotW + M.left + M.right;
    const max = Math.max(1, ...steps.map((s) => ATTRIBUTION_LABELS.reduce((a, l) => a + s.counts[l], 0)));
    const band = plotW / Math.max(1, steps.length);
    const bar = Math.max(1, band * 0.8);
    const y = (v: number) => H - M.bottom - (v / max) * (H - M.top - M.bottom);
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'Attribution labels per step (stacked counts)', id: 'taxonomy-chart' });
    svg.append(svgEl('text', { x: M.left, y: 12, class: 'chart-title' }, 'labels per step'));
    // Left axis: 0, the middle and the largest bar, as counts.
    for (const v of [0, Math.round(max / 2), max]) {
      svg.append(svgEl('text', { x: M.left - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'axis-text' }, String(v)));
      svg.append(svgEl('line', { x1: M.left, x2: M.left + plotW, y1: y(v), y2: y(v), class: 'grid' }));
    }
    const every = Math.max(1, Math.ceil(steps.length / 12));
    steps.forEach((s, k) => {
      const x = M.left + k * band + (band - bar) / 2;
      if (k % every === 0) svg.append(svgEl('text', { x: x + bar / 2, y: H - M.bottom + 12, 'text-anchor': 'middle', class: 'axis-text' }, String(s.step)));
      for (const seg of stackCounts(s.counts)) {
        const top = y(seg.to);
        const height = y(seg.from) - top;
        const n = seg.to - seg.from;
        const on = active?.label === seg.label && active.step === s.step;
        const rect = svgEl('rect', { x, y: top, width: bar, height, fill: LABEL_COLOURS[seg.label], class: `segment${on ? ' active' : ''}`, 'data-step': s.step, 'data-label': seg.label, 'data-count': n, tabindex: 0, role: 'button', 'aria-label': `step ${s.step}: ${n} ${seg.label}` });
        rect.append(svgEl('title', {}, `step ${s.step} · ${seg.label}: ${n} rollout${n === 1 ? '' : 's'} — click to list them`));
        const pick = () => this.onFilter({ label: seg.label, step: s.step });
        rect.addEventListener('click', pick);
        rect.addEventListener('keydown', (e) => {
          if (e.key === 'Enter' || e.key === ' ') pick();
        });
        svg.append(rect);
        if (height >= 11 && bar >= 8) svg.append(svgEl('text', { x: x + bar / 2, y: top + height / 2 + 3.5, 'text-anchor': 'middle', class: 'segment-text' }, seg.label[0]!.toUpperCase()));
      }
    });
    svg.append(svgEl('text', { x: M.left - 4, y: H - M.bottom + 12, 'text-anchor': 'end', class: 'axis-label' }, 'step'));
    return svg;
  }

  private table(p: TaxonomyPayload, active: TaxonomyFilter | undefined): HTMLElement {
    const head = h('tr', {}, h('th', { scope: 'col' }, 'image'), ...ATTRIBUTION_LABELS.map((l) => h('th', { scope: 'col' }, l)));
    const body = h('tbody', {});
    for (const img of p.taxonomy.images) {
      const name = img.image.split('/').pop() ?? img.image;
      const row = h('tr', {}, h('th', { scope: 'row', title: img.image }, name));
      for (const l of ATTRIBUTION_LABELS) {
        const n = img.counts[l];
        if (n === 0) {
          row.append(h('td', { class: 'num zero' }, '·'));
          continue;
        }
        const on = active?.label === l && active.image === img.image;
        const b = h('button', { class: `cell-count${on ? ' active' : ''}`, 'data-image': img.image, 'data-label': l, title: `${img.image} · ${l}: ${n} — click to list them` }, String(n));
        b.addEventListener('click', () => this.onFilter({ label: l, image: img.image }));
        row.append(h('td', { class: 'num' }, b));
      }
      body.append(row);
    }
    return h('div', { class: 'taxonomy-images' }, h('table', { id: 'taxonomy-images', 'aria-label': 'Attribution labels per image' }, h('thead', {}, head), body));
  }
}
