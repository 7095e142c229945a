import { bisectCenter } from 'd3-array';
import { axisBottom, axisLeft } from 'd3-axis';
import { scaleLinear, type ScaleLinear } from 'd3-scale';
import { select, type Selection } from 'd3-selection';
import { line } from 'd3-shape';
import { stepTicks } from '../core/traces/axes';
import { chartYRange } from '../shared/signalCharts';
import { h } from './dom';
import { runColour, RUN_COLOUR_COUNT } from './runColours';

/**
 * A small per-step line chart for the traces view (the chart class issue 15 asks for): integer step ticks, a y
 * axis that never cuts the data or a threshold line off, threshold lines dashed and labelled, one point per step that
 * takes a click, flagged steps ringed, and a hover line naming the nearest step's values. Colours of the chrome come
 * from the theme's CSS variables (traces.css); runs keep the traces' Okabe–Ito order.
 */

/**
 * Okabe–Ito order for overlaid runs, as theme variables (a light theme gets darker shades: runColours.ts). They are
 * `var()` strings, so marks take them through `.style(...)`: an SVG presentation attribute does not resolve `var()`.
 */
export const RUN_COLOURS = Array.from({ length: RUN_COLOUR_COUNT }, (_, k) => runColour(k));

/** Chart geometry (the traces' small multiples). */
export const CHART_SIZE = { width: 300, height: 150, margin: { top: 18, right: 10, bottom: 22, left: 44 } } as const;

/** One run's line on a chart. */
export interface StepChartSeries {
  /** Index of the run (colour and `data-run`). */
  readonly run: number;
  readonly label: string;
  readonly steps: readonly number[];
  /** Per step; null = no value (a gap). */
  readonly values: ReadonlyArray<number | null>;
  /** Per step: whether the value crosses a threshold (ringed). */
  readonly flag?: readonly boolean[];
  /** The hover text of step k, after the run's label (value and what it rests on). */
  readonly detail: (k: number) => string;
}

/** A labelled dashed horizontal line. */
export interface StepChartLine {
  readonly value: number;
  readonly label: string;
  /** Why it sits there (the line's tooltip). */
  readonly why?: string;
}

/** What {@link stepChart} draws. */
export interface StepChartOptions {
  /** `data-series` of the figure (tests and state find charts by it). */
  readonly id: string;
  readonly title: string;
  readonly series: readonly StepChartSeries[];
  readonly lines?: readonly StepChartLine[];
  /** A point was clicked. */
  readonly onPoint?: (series: StepChartSeries, step: number) => void;
}

/** The svg with title and both axes; the x scale spans the steps (one step gets ±0.5), y the range given, niced. */
export function chartFrame(title: string, steps: readonly number[], yRange: readonly [number, number]): { svgEl: SVGSVGElement; svg: Selection<SVGSVGElement, unknown, null, undefined>; x: ScaleLinear<number, number>; y: ScaleLinear<number, number> } {
  const { width: W, height: H, margin: M } = CHART_SIZE;
  const first = steps.length ? Math.min(...steps) : 0;
  const last = steps.length ? Math.max(...steps) : 1;
  const x = scaleLinear().domain(first === last ? [first - 0.5, last + 0.5] : [first, last]).range([M.left, W - M.right]);
  const y = scaleLinear().domain([...yRange]).nice().range([H - M.bottom, M.top]);
  const svgEl = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svgEl.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svgEl.setAttribute('width', String(W));
  svgEl.setAttribute('height', String(H));
  svgEl.setAttribute('role', 'img');
  svgEl.setAttribute('aria-label', `${title} per step`);
  const svg = select(svgEl);
  svg.append('text').attr('x', M.left).attr('y', 12).attr('class', 'chart-title').text(title);
  const [x0, x1] = x.domain() as [number, number];
  svg.append('g').attr('class', 'axis').attr('transform', `translate(0,${H - M.bottom})`).call(axisBottom(x).tickValues(stepTicks(x0, x1, 6)).tickFormat((v) => String(v)).tickSizeOuter(0));
  svg.append('text').attr('class', 'axis-label').attr('x', M.left - 6).attr('y', H - M.bottom + 14).attr('text-anchor', 'end').text('step');
  svg.append('g').attr('class', 'axis').attr('transform', `translate(${M.left},0)`).call(axisLeft(y).ticks(4));
  return { svgEl, svg, x, y };
}

/** A figure with the chart and a caption line that shows the hovered step. */
export function stepChart(o: StepChartOptions): HTMLElement {
  const { width: W, height: H, margin: M } = CHART_SIZE;
  const lines = o.lines ?? [];
  const allSteps = [...new Set(o.series.flatMap((s) => s.steps))].sort((a, b) => a - b);
  const { svgEl, svg, x, y } = chartFrame(o.title, allSteps, chartYRange(o.series, lines));
  for (const l of lines) {
    const g = svg.append('g').attr('class', 'threshold').attr('data-value', String(l.value));
    g.append('line').attr('class', 'threshold-line').attr('x1', M.left).attr('x2', W - M.right).attr('y1', y(l.value)).attr('y2', y(l.value));
    // Above its line, unless the line runs along the top of the plot (the title is there): then below it.
    const ly = y(l.value) - M.top < 10 ? y(l.value) + 9 : y(l.value) - 2;
    g.append('text').attr('class', 'threshold-label').attr('x', W - M.right).attr('y', ly).attr('text-anchor', 'end').text(l.label);
    if (l.why) g.append('title').text(l.why);
  }
  for (const s of o.series) {
    const colour = RUN_COLOURS[s.run % RUN_COLOURS.length]!;
    const idx = s.steps.map((_, k) => k);
    const finite = (k: number) => s.values[k] !== null && Number.isFinite(s.values[k]);
    svg
      .append('path')
      .attr('class', 'mean')
      .style('stroke', colour)
      .attr('fill', 'none')
      .attr('d', line<number>().defined(finite).x((k) => x(s.steps[k]!)).y((k) => y(s.values[k]!))(idx) ?? '');
    const shown = idx.filter(finite);
    const flagged = shown.filter((k) => s.flag?.[k]);
    // A ring around each step past a threshold, under the points so the point still takes the click.
    svg
      .append('g')
      .attr('class', 'flags')
      .selectAll('circle')
      .data(flagged)
      .join('circle')
      .attr('class', 'flag-mark')
      .attr('r', 5.5)
      .attr('cx', (k) => x(s.steps[k]!))
      .attr('cy', (k) => y(s.values[k]!))
      .attr('data-step', (k) => String(s.steps[k]));
    svg
      .append('g')
      .attr('class', 'points')
      .selectAll('circle')
      .data(shown)
      .join('circle')
      .attr('class', (k) => (s.flag?.[k] ? 'point flagged' : 'point'))
      .attr('r', 2.5)
      .style('fill', colour)
      .attr('cx', (k) => x(s.steps[k]!))
      .attr('cy', (k) => y(s.values[k]!))
      .attr('data-run', String(s.run))
      .attr('data-step', (k) => String(s.steps[k]))
      .attr('data-mean', (k) => String(s.values[k]))
      .on('click', (_e: MouseEvent, k: number) => o.onPoint?.(s, s.steps[k]!));
  }
  const tooltip = h('div', { class: 'tooltip', role: 'status' });
  const rule = svg.append('line').attr('class', 'rule').attr('y1', M.top).attr('y2', H - M.bottom).style('display', 'none').lower();
  svg.on('pointermove', (e: PointerEvent) => {
    if (!allSteps.length) return;
    const nearest = allSteps[bisectCenter(allSteps, x.invert(e.offsetX * (W / svgEl.clientWidth || 1)))]!;
    rule.style('display', null).attr('x1', x(nearest)).attr('x2', x(nearest));
    const parts = o.series.map((s) => {
      const k = s.steps.indexOf(nearest);
      const value = k < 0 ? '—' : s.detail(k);
      // One run needs no name (the legend above has it); several are told apart by it.
      return o.series.length === 1 ? value : `${s.label}: ${value}`;
    });
    tooltip.textContent = `step ${nearest} · ${parts.join(' · ')}`;
  });
  svg.on('pointerleave', () => {
    rule.style('display', 'none');
    tooltip.textContent = '';
  });
  const figure = h('figure', { class: 'chart', 'data-series': o.id });
  figure.append(svgEl, h('figcaption', {}, tooltip));
  return figure;
}
