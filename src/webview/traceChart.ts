import { bisectCenter } from 'd3-array';
import { brushX, type D3BrushEvent } from 'd3-brush';
import type { Selection as D3Selection } from 'd3-selection';
import { area, line } from 'd3-shape';
import type { ScaleLinear } from 'd3-scale';
import { yDomain } from '../core/traces/axes';
import { emaSmooth } from '../core/traces/smoothing';
import type { TraceRun, TraceSeries, TracesPayload } from '../shared/tracesProtocol';
import { h } from './dom';
import { inlineRunColours, resolvedRunColour } from './runColours';
import { CHART_SIZE, chartFrame, RUN_COLOURS } from './stepChart';

// One geometry and one run palette for every traces chart (stepChart.ts).
const { width: W, height: H, margin: M } = CHART_SIZE;
/** Below this many pixels a step, per-step points would merge into a blob: the line alone is drawn. */
const POINT_PX = 4;

/** What a trace chart tells the traces view. */
export interface TraceChartHandlers {
  /** A step was picked (its point, or on a chart too dense for points the nearest step): filter to it and open it. */
  readonly onStep: (log: string, step: number) => void;
  /** A step range was brushed on this chart (the others clear theirs). */
  readonly onBrush: (range: [number, number], from: TraceChart) => void;
  /** The brush was cleared by a click, or a step double-clicked: every chart clears its brush. */
  readonly onRange: (range: [number, number] | undefined) => void;
  /** The chart as a file, to save. */
  readonly onExport: (format: 'svg' | 'png', name: string, data: Uint8Array) => void;
}

/** A run's series on this chart. */
interface ChartRun {
  readonly run: TraceRun;
  /** Position among the payload's runs (colour, `data-run`). */
  readonly i: number;
  readonly series: TraceSeries;
}

/**
 * One series of every run, overlaid, per step (the traces' small multiple): the 10–90 % band, the mean (raw and,
 * with smoothing, the EMA over it), a point per step that takes a click unless the steps are too dense, a brush
 * that picks a step range, a hover line with every run's exact values, and SVG/PNG export. Axes and palette come
 * from stepChart.ts, shared with the signal charts.
 */
export class TraceChart {
  readonly el: HTMLElement;
  private readonly svgEl: SVGSVGElement;
  private readonly x: ScaleLinear<number, number>;
  private readonly brush = brushX<unknown>();
  private readonly brushG: D3Selection<SVGGElement, unknown, null, undefined>;
  /** True while the brush is moved from code: its `end` event is not the user's. */
  private silent = false;

  constructor(p: TracesPayload, readonly name: string, weight: number, private readonly handlers: TraceChartHandlers) {
    const runs: ChartRun[] = [];
    p.runs.forEach((run, i) => {
      const series = run.series.find((x) => x.name === name);
      if (series?.steps.length) runs.push({ run, i, series });
    });
    const allSteps = [...new Set(runs.flatMap((x) => x.series.steps))].sort((a, b) => a - b);
    const dense = allSteps.length > (W - M.left - M.right) / POINT_PX;
    const smoothed = new Map(runs.map(({ series, i }) => [i, weight > 0 ? emaSmooth(series.mean, weight) : undefined]));
    const lo = Math.min(...runs.flatMap((x) => x.series.lo.filter(Number.isFinite)));
    const hi = Math.max(...runs.flatMap((x) => x.series.hi.filter(Number.isFinite)));
    const { svgEl, svg, x, y } = chartFrame(name, allSteps, yDomain(lo, hi));
    this.svgEl = svgEl;
    this.x = x;
    for (const r of runs) this.drawRun(svg, r, y, smoothed.get(r.i), dense);
    const rule = svg.append('line').attr('class', 'rule').attr('y1', M.top).attr('y2', H - M.bottom).style('display', 'none');
    this.brush
      .extent([
        [M.left, M.top],
        [W - M.right, H - M.bottom],
      ])
      .on('end', (e: D3BrushEvent<unknown>) => this.brushEnded(e, runs, allSteps, dense));
    this.brushG = svg.append('g').attr('class', 'brush').call(this.brush);
    // Points above the brush overlay so they take clicks; brushing starts anywhere else.
    svg.selectAll<SVGGElement, unknown>('g.points').raise();
    const tooltip = h('div', { class: 'tooltip', role: 'status' });
    // Hover: nearest step, exact values of every run.
    svg.on('pointermove', (e: PointerEvent) => {
      const nearest = allSteps[bisectCenter(allSteps, x.invert(this.chartX(e)))]!;
      rule.style('display', null).attr('x1', x(nearest)).attr('x2', x(nearest));
      const lines = runs.map(({ run, series: s, i }) => {
        const k = s.steps.indexOf(nearest);
        if (k < 0) return `${run.label}: —`;
        const sm = smoothed.get(i);
        return `${run.label}: ${s.mean[k]!.toFixed(4)} [${s.lo[k]!.toFixed(3)}, ${s.hi[k]!.toFixed(3)}] n=${s.n[k]}${sm ? ` (smoothed ${sm[k]!.toFixed(4)})` : ''}`;
      });
      tooltip.textContent = `step ${nearest} · ${lines.join(' · ')}`;
    });
    svg.on('pointerleave', () => {
      rule.style('display', 'none');
      tooltip.textContent = '';
    });
    svg.on('dblclick', (e: MouseEvent) => {
      const step = Math.round(x.invert(this.chartX(e)));
      handlers.onRange([step, step]);
    });
    const exportSvg = h('button', { class: 'export', 'aria-label': `Export ${name} as SVG` }, 'SVG');
    const exportPng = h('button', { class: 'export', 'aria-label': `Export ${name} as PNG` }, 'PNG');
    const context: ExportContext = { title: name, runs: runs.map(({ run, i }) => ({ label: run.label, colour: resolvedRunColour(i) })) };
    exportSvg.addEventListener('click', () => handlers.onExport('svg', name, new TextEncoder().encode(serializeSvg(svgEl, context).text)));
    exportPng.addEventListener('click', () => {
      toPng(svgEl, context).then(
        (data) => handlers.onExport('png', name, data),
        (e: unknown) => (tooltip.textContent = `✖ PNG export: ${e instanceof Error ? e.message : String(e)}`),
      );
    });
    this.el = h('figure', { class: 'chart', 'data-series': name });
    this.el.append(svgEl, h('figcaption', {}, tooltip, h('span', { class: 'spacer' }), exportSvg, exportPng));
  }

  /**
   * Draw a range on the brush without firing the handlers (undefined clears it); `sliver` widens a range narrower
   * than 4 px (a single step) so it stays visible.
   */
  showRange(range: readonly [number, number] | undefined, sliver = false): void {
    this.silent = true;
    if (!range) this.brushG.call(this.brush.move, null);
    else {
      const [x0, x1] = [this.x(range[0]), this.x(range[1])];
      this.brushG.call(this.brush.move, sliver && x1 - x0 < 4 ? [x0 - 2, x1 + 2] : [x0, x1]);
    }
    this.silent = false;
  }

  /** An event's x in the chart's own coordinates (the svg is scaled to its box). */
  private chartX(e: MouseEvent): number {
    return e.offsetX * (W / this.svgEl.clientWidth || 1);
  }

  private drawRun(svg: D3Selection<SVGSVGElement, unknown, null, undefined>, r: ChartRun, y: ScaleLinear<number, number>, smoothed: ArrayLike<number> | undefined, dense: boolean): void {
    const { series, i } = r;
    const x = this.x;
    const colour = RUN_COLOURS[i % RUN_COLOURS.length]!;
    const idx = series.steps.map((_, k) => k);
    svg
      .append('path')
      .attr('class', 'band')
      .style('fill', colour)
      .attr('d', area<number>().x((k) => x(series.steps[k]!)).y0((k) => y(series.lo[k]!)).y1((k) => y(series.hi[k]!))(idx) ?? '');
    // One path per value series over the steps; gaps (non-finite values) stay gaps.
    const path = (values: ArrayLike<number>, cls: string): void => {
      svg
        .append('path')
        .attr('class', cls)
        .style('stroke', colour)
        .attr('fill', 'none')
        .attr('d', line<number>().defined((k) => Number.isFinite(values[k]!)).x((k) => x(series.steps[k]!)).y((k) => y(values[k]!))(idx) ?? '');
    };
    path(series.mean, smoothed ? 'mean raw' : 'mean');
    if (smoothed) path(smoothed, 'mean smoothed');
    if (dense) return;
    svg
      .append('g')
      .attr('class', 'points')
      .selectAll('circle')
      .data(idx)
      .join('circle')
      .attr('class', 'point')
      .attr('r', 2.5)
      .style('fill', colour)
      .attr('cx', (k) => x(series.steps[k]!))
      .attr('cy', (k) => y(series.mean[k]!))
      .attr('data-run', String(i))
      .attr('data-step', (k) => String(series.steps[k]))
      .attr('data-mean', (k) => String(series.mean[k]))
      // A step's point: list that step's rollouts and open its first group in the workbench.
      .on('click', (_e: MouseEvent, k: number) => this.handlers.onStep(r.run.log, series.steps[k]!));
  }

  private brushEnded(e: D3BrushEvent<unknown>, runs: readonly ChartRun[], allSteps: readonly number[], dense: boolean): void {
    if (this.silent) return;
    const sel = e.selection as [number, number] | null;
    if (sel) {
      this.handlers.onBrush([this.x.invert(sel[0]), this.x.invert(sel[1])], this);
      return;
    }
    if (!e.sourceEvent) return;
    // Too many steps for points to click: a click on the chart opens the nearest step, as a point's click does.
    if (dense && runs.length) {
      const step = allSteps[bisectCenter(allSteps, this.x.invert(this.chartX(e.sourceEvent as MouseEvent)))]!;
      const run = runs.find(({ series }) => series.steps.includes(step)) ?? runs[0]!;
      this.handlers.onStep(run.run.log, step);
    } else this.handlers.onRange(undefined);
  }
}

/** What an exported chart says about itself: it is read away from the workbench, so it names its series and runs. */
interface ExportContext {
  readonly title: string;
  readonly runs: ReadonlyArray<{ readonly label: string; readonly colour: string }>;
}

/** Sans-serif everywhere in exported files (an SVG without a font-family renders its text in a serif face). */
const EXPORT_FONT = "system-ui, -apple-system, 'Segoe UI', Ubuntu, 'Helvetica Neue', Arial, sans-serif";
/** Height of one legend row under an exported chart. */
const LEGEND_ROW = 14;

/**
 * Standalone SVG text with the theme's computed colours inlined (exported files have no VS Code theme), a
 * sans-serif title, the step axis label and a legend of the runs drawn below the chart; returns its height.
 */
function serializeSvg(svg: SVGSVGElement, context: ExportContext): { text: string; height: number } {
  const NS = 'http://www.w3.org/2000/svg';
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineRunColours(clone);
  clone.setAttribute('xmlns', NS);
  clone.setAttribute('font-family', EXPORT_FONT);
  const height = H + LEGEND_ROW * context.runs.length + 4;
  clone.setAttribute('viewBox', `0 0 ${W} ${height}`);
  clone.setAttribute('height', String(height));
  clone.querySelector('.chart-title')?.setAttribute('font-weight', '600');
  context.runs.forEach((r, k) => {
    const y = H + 4 + LEGEND_ROW * k + LEGEND_ROW / 2;
    const swatch = document.createElementNS(NS, 'line');
    swatch.setAttribute('x1', String(M.left));
    swatch.setAttribute('x2', String(M.left + 16));
    swatch.setAttribute('y1', String(y));
    swatch.setAttribute('y2', String(y));
    swatch.setAttribute('stroke', r.colour);
    swatch.setAttribute('stroke-width', '2');
    const label = document.createElementNS(NS, 'text');
    label.setAttribute('x', String(M.left + 22));
    label.setAttribute('y', String(y + 4));
    label.setAttribute('font-size', '10');
    label.textContent = `${r.label} · ${context.title}, mean per step (band: 10–90 %)`;
    clone.append(swatch, label);
  });
  const fg = getComputedStyle(document.body).color;
  const bg = getComputedStyle(document.body).backgroundColor;
  clone.querySelectorAll('.brush, .rule').forEach((n) => n.remove());
  clone.querySelectorAll('text').forEach((t) => t.setAttribute('fill', fg));
  clone.querySelectorAll('.axis path, .axis line').forEach((l) => l.setAttribute('stroke', fg));
  clone.querySelectorAll('.band').forEach((b) => b.setAttribute('fill-opacity', '0.2'));
  clone.querySelectorAll('.mean').forEach((b) => b.setAttribute('stroke-width', '1.5'));
  clone.querySelectorAll('.mean.raw').forEach((b) => b.setAttribute('stroke-opacity', '0.3'));
  const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  rect.setAttribute('width', '100%');
  rect.setAttribute('height', '100%');
  rect.setAttribute('fill', bg);
  clone.insertBefore(rect, clone.firstChild);
  return { text: new XMLSerializer().serializeToString(clone), height };
}

/** Rasterise the chart at 2× through a blob: URL (allowed by the CSP's img-src). */
async function toPng(svg: SVGSVGElement, context: ExportContext): Promise<Uint8Array> {
  const { text, height } = serializeSvg(svg, context);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = W * 2;
    c.height = height * 2;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0, c.width, c.height);
    const blob = await new Promise<Blob>((res, rej) => c.toBlob((b) => (b ? res(b) : rej(new Error('PNG encoding failed'))), 'image/png'));
    return new Uint8Array(await blob.arrayBuffer());
  } finally {
    URL.revokeObjectURL(url);
  }
}
