import { bisectCenter } from 'd3-array';
import { brushX, type D3BrushEvent } from 'd3-brush';
import type { Selection as D3Selection } from 'd3-selection';
import { area, line } from 'd3-shape';
import { snapStepRange, yDomain } from '../core/traces/axes';
import { defaultSmoothing, emaSmooth } from '../core/traces/smoothing';
import { assertNever, type TraceSeries, type TracesHostMessage, type TracesPayload, type TracesWebviewMessage } from '../shared/protocol';
import { clear, h } from './dom';
import { RolloutList } from './rolloutList';
import { SearchBox } from './searchBox';
import { formatStepRange, parseStepRange, readTracesState, specKey, type FailureFilter, type SavedTracesState } from '../shared/listFilters';
import { TaxonomyView, type TaxonomyFilter } from './taxonomyView';
import { ReplayDelta } from './replayDelta';
import { inlineRunColours, resolvedRunColour } from './runColours';
import type { TaxonomyPayload } from '../shared/protocol';
import { SignalsView } from './signalsView';
import { CHART_SIZE, chartFrame, RUN_COLOURS } from './stepChart';

interface Api {
  postMessage(m: TracesWebviewMessage): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): Api;
const vscode = acquireVsCodeApi();

// One geometry and one run palette for every traces chart (stepChart.ts).
const { width: W, height: H, margin: M } = CHART_SIZE;
/** Below this many pixels a step, per-step points would merge into a blob: the line alone is drawn. */
const POINT_PX = 4;

const app = document.getElementById('app')!;
const status = h('div', { class: 'traces-status', id: 'traces-status', 'aria-live': 'polite' }, 'Loading traces…');
const charts = h('div', { class: 'charts', id: 'charts' });
/** The reward set and summary of "Largest replay Δ" (its choice is kept in the webview state, read here before the rest). */
/** What the traces keep across a hidden tab and a reload (VS Code's webview state), every field checked on reading. */
const saved: SavedTracesState = readTracesState(vscode.getState());
const replayDelta = new ReplayDelta(saved.replaySet);
const list = new RolloutList(
  (id, query) => vscode.postMessage({ type: 'list/query', id, query }),
  (log, index) => vscode.postMessage({ type: 'traces/openRollout', log, index }),
  () => {
    replayDelta.running();
    vscode.postMessage({ type: 'list/replayDiff', rewardSet: replayDelta.rewardSet });
  },
);
const clearBrush = h('button', { id: 'clear-range', 'aria-label': 'Clear step range' }, 'Clear range');
const rangeLabel = h('span', { id: 'range-label', class: 'num' }, 'all steps');
// Smoothing as TensorBoard has it (EMA of the per-step means, the raw line kept faint behind): a long run's means
// jitter step to step, and the trend is what a reward-hacking or collapse question is about.
const smoothing = h('input', { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', 'aria-label': 'Smoothing of the per-step means' }) as HTMLInputElement;
const smoothingLabel = h('span', { id: 'smoothing-value', class: 'num' }, '0');
const taxonomy = new TaxonomyView(
  () => vscode.postMessage({ type: 'attribution/run' }),
  (f) => setLabelFilter(f),
);
// Reward-hacking signals and the sign-flip chart: a click on a step filters the list as the other charts' points do.
const signals = new SignalsView({
  onStep: (log, step) => {
    setRange([step, step], true);
    vscode.postMessage({ type: 'traces/openStep', log, step });
  },
  onAlternative: (alternative) => vscode.postMessage({ type: 'signals/alternative', alternative }),
  onAttribute: () => vscode.postMessage({ type: 'attribution/run' }),
});
const labelFilter = h('span', { id: 'label-filter', class: 'num', hidden: true });
const clearLabel = h('button', { id: 'clear-label', 'aria-label': 'Clear label filter', hidden: true }, 'Clear label');
clearLabel.addEventListener('click', () => setLabelFilter(undefined));
// Step picker (one step or a range, typed or picked from the logged steps), kept in step with the chart brush.
const stepPicker = h('input', { id: 'step-picker', type: 'text', list: 'step-options', placeholder: 'all steps', size: 9, 'aria-label': 'Steps of the rollout list: one step (7) or a range (3-5); empty for all' });
const stepOptions = h('datalist', { id: 'step-options' });
const stepError = h('span', { id: 'step-error', class: 'search-error', role: 'alert', hidden: true });
const failureSelect = h(
  'select',
  { id: 'failure-filter', 'aria-label': 'Format failures in the rollout list' },
  h('option', { value: 'all' }, 'all rollouts'),
  h('option', { value: 'only' }, 'only format failures'),
  h('option', { value: 'hide' }, 'hide format failures'),
);
const searchBox = new SearchBox({
  start: (id, spec) => vscode.postMessage({ type: 'search/start', id, spec }),
  cancel: (id) => vscode.postMessage({ type: 'search/cancel', id }),
  open: (log, index) => vscode.postMessage({ type: 'traces/openRollout', log, index }),
  pickStep: (step) => setRange([step, step], true),
  savedChanged: (saved) => {
    vscode.postMessage({ type: 'search/save', searches: saved });
    applyListFilters(true);
  },
  stateChanged: () => saveState(),
});
app.append(
  h('div', { class: 'toolbar' }, h('strong', {}, 'Reward traces'), status, h('span', { class: 'spacer' }), h('label', { class: 'smoothing' }, 'Smoothing ', smoothing, smoothingLabel), rangeLabel, clearBrush, labelFilter, clearLabel),
  taxonomy.el,
  charts,
  searchBox.el,
  h('div', { class: 'list-filters' }, h('label', {}, 'Steps ', stepPicker), stepOptions, stepError, h('label', {}, 'Format ', failureSelect)),
  replayDelta.el,
  list.el,
);

const brushes: Array<{ g: D3Selection<SVGGElement, unknown, null, undefined>; brush: ReturnType<typeof brushX>; x: (v: number) => number }> = [];
let clearing = false;
let shown: TracesPayload | undefined;
let currentRange: [number, number] | undefined;
type TracesState = SavedTracesState;
replayDelta.onChange = () => saveState();
/** The user's smoothing once they have moved the slider (kept across reloads); until then each payload's default. */
let chosenSmoothing = saved.smoothing;
/** A brushed range to draw again once the first payload is in. */
let restoredRange = saved.range;
if (saved.list) list.restore(saved.list);
let currentLabel = saved.label;
let shownTaxonomy: TaxonomyPayload | undefined;
if (currentLabel) list.setAttribution({ label: currentLabel.label, ...(currentLabel.image !== undefined ? { image: currentLabel.image } : {}) });
let failures: FailureFilter = saved.failures;
failureSelect.value = failures;
searchBox.restore(saved.search, saved.saved);
list.setFilters({ failures, searches: searchBox.activeSpecs() }, false);
stepPicker.value = formatStepRange(saved.range);
/** The restored search runs once the first payload is in (the host has indexed the runs by then). */
let searchPending = saved.search.pattern !== '';
showLabelFilter();
list.onStateChange = () => saveState();

/** Everything the user set in this view, saved on each change. */
function saveState(): void {
  const box = searchBox.snapshot();
  const state: TracesState = { smoothing: chosenSmoothing, range: currentRange ?? restoredRange, list: list.snapshot(), label: currentLabel, search: box.search, failures, saved: box.saved, replaySet: replayDelta.rewardSet };
  vscode.setState(state);
}

/** The list's format-failure and saved-search filters from the controls; `query` false when nothing visible changed. */
function applyListFilters(query: boolean): void {
  list.setFilters({ failures, searches: searchBox.activeSpecs() }, query);
  saveState();
}

failureSelect.addEventListener('change', () => {
  failures = failureSelect.value === 'only' || failureSelect.value === 'hide' ? failureSelect.value : 'all';
  applyListFilters(true);
});

/** The step picker's text applied: a valid step or range filters the list and moves the brush; an error says why. */
function applyStepPicker(): void {
  const parsed = parseStepRange(stepPicker.value);
  if ('error' in parsed) {
    stepError.hidden = false;
    stepError.textContent = parsed.error;
    return;
  }
  stepError.hidden = true;
  stepError.textContent = '';
  const r = parsed.range ? ([parsed.range[0], parsed.range[1]] as [number, number]) : undefined;
  setRange(r, true);
  drawBrush(r);
}
stepPicker.addEventListener('change', applyStepPicker);
stepPicker.addEventListener('keydown', (e) => {
  if (e.key === 'Enter') applyStepPicker();
});

/** Draw a range on every chart's brush without firing the brush's handlers (a single step gets a visible sliver). */
function drawBrush(range: [number, number] | undefined): void {
  clearing = true;
  for (const b of brushes) {
    if (!range) b.g.call(b.brush.move, null);
    else {
      const [x0, x1] = [b.x(range[0]), b.x(range[1])];
      b.g.call(b.brush.move, x1 - x0 < 4 ? [x0 - 2, x1 + 2] : [x0, x1]);
    }
  }
  clearing = false;
}

clearBrush.addEventListener('click', () => setRange(undefined, true));
smoothing.addEventListener('input', () => {
  chosenSmoothing = Number(smoothing.value);
  saveState();
  if (shown) renderCharts(shown);
});

/** Filter the list to a taxonomy label: a bar segment also narrows to its step, a table cell to its image (all steps). */
function setLabelFilter(f: TaxonomyFilter | undefined): void {
  currentLabel = f;
  list.setAttribution(f ? { label: f.label, ...(f.image !== undefined ? { image: f.image } : {}) } : undefined);
  if (f?.step !== undefined) setRange([f.step, f.step], true);
  else if (f?.image !== undefined) setRange(undefined, true);
  showLabelFilter();
  saveState();
  taxonomy.render(shownTaxonomy, currentLabel);
}

function showLabelFilter(): void {
  const f = currentLabel;
  labelFilter.hidden = !f;
  clearLabel.hidden = !f;
  labelFilter.textContent = f ? `label ${f.label}${f.image !== undefined ? ` · ${f.image.split('/').pop()}` : ''}` : '';
}

function setRange(range: [number, number] | undefined, clearAll = false): void {
  currentRange = range;
  list.setStepRange(range);
  saveState();
  rangeLabel.textContent = rangeText(range);
  stepPicker.value = formatStepRange(snappedRange(range) ?? range);
  stepError.hidden = true;
  if (clearAll) {
    clearing = true;
    for (const b of brushes) b.g.call(b.brush.move, null);
    clearing = false;
  }
}

/** Every logged step of the runs on screen, ascending. */
function loggedSteps(): number[] {
  return [...new Set((shown?.runs ?? []).flatMap((r) => r.series.flatMap((x) => Array.from(x.steps))))].sort((a, b) => a - b);
}

/** A range narrowed to the logged steps inside it, or undefined (no range, or no logged step in it). */
function snappedRange(range: [number, number] | undefined): [number, number] | undefined {
  if (!range) return undefined;
  const s = snapStepRange(loggedSteps(), range[0], range[1]);
  return s ? [s[0], s[1]] : undefined;
}

/** The brushed range named by the logged steps inside it (a brush ends between steps: 2.699–5.248 lists 3–5). */
function rangeText(range: [number, number] | undefined): string {
  if (!range) return 'all steps';
  const snapped = snapStepRange(loggedSteps(), range[0], range[1]);
  if (!snapped) return 'no logged step in range';
  return snapped[0] === snapped[1] ? `step ${fmt(snapped[0])}` : `steps ${fmt(snapped[0])}–${fmt(snapped[1])}`;
}

function fmt(v: number, d = 3): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(d);
}

/** Series names in first-seen order across runs, grouped by chart group. */
function seriesNames(p: TracesPayload): Array<{ name: string; group: TraceSeries['group'] }> {
  const seen = new Map<string, TraceSeries['group']>();
  for (const r of p.runs) for (const s of r.series) if (!seen.has(s.name)) seen.set(s.name, s.group);
  const order: TraceSeries['group'][] = ['rewards', 'behaviour', 'prompts', 'trainer'];
  return [...seen].map(([name, group]) => ({ name, group })).sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group));
}

function render(p: TracesPayload): void {
  shown = p;
  if (restoredRange) {
    // The tab was hidden or reloaded with a range brushed: the same range filters the list and is drawn again.
    currentRange = restoredRange;
    restoredRange = undefined;
    list.presetStepRange(currentRange);
    rangeLabel.textContent = rangeText(currentRange);
    stepPicker.value = formatStepRange(snappedRange(currentRange) ?? currentRange);
  }
  clear(stepOptions);
  for (const st of loggedSteps()) stepOptions.append(h('option', { value: String(st) }));
  renderCharts(p);
  list.setData(p);
  if (searchPending) {
    searchPending = false;
    searchBox.run();
  }
}

function renderCharts(p: TracesPayload): void {
  clear(charts);
  brushes.length = 0;
  const maxSteps = Math.max(0, ...p.runs.flatMap((r) => r.series.map((s) => s.steps.length)));
  const weight = chosenSmoothing ?? defaultSmoothing(maxSteps, W - M.left - M.right);
  smoothing.value = String(weight);
  smoothingLabel.textContent = weight.toFixed(2);
  const total = p.table.total;
  status.textContent = `${p.runs.length} run${p.runs.length === 1 ? '' : 's'} · ${total} rollouts${p.synthetic ? ' · SYNTHETIC sample' : ''}`;
  const legend = h('div', { class: 'run-legend' });
  p.runs.forEach((r, i) => {
    const sw = h('span', { class: 'swatch', 'aria-hidden': 'true' });
    sw.style.background = RUN_COLOURS[i % RUN_COLOURS.length]!;
    legend.append(h('span', { class: 'legend-item' }, sw, r.label));
  });
  charts.append(legend);
  let group = '';
  for (const { name, group: g } of seriesNames(p)) {
    if (g !== group) {
      charts.append(h('h3', { class: 'chart-group' }, g));
      group = g;
    }
    charts.append(chart(p, name, weight));
  }
  charts.append(signals.el);
  // A step range brushed before a re-render (smoothing moved, statistics arrived) is drawn again on every chart.
  if (currentRange) {
    clearing = true;
    for (const b of brushes) b.g.call(b.brush.move, [b.x(currentRange[0]), b.x(currentRange[1])]);
    clearing = false;
  }
}

function chart(p: TracesPayload, name: string, weight: number): HTMLElement {
  const runs = p.runs.map((r, i) => ({ r, i, s: r.series.find((x) => x.name === name) })).filter((x) => x.s && x.s.steps.length);
  const allSteps = [...new Set(runs.flatMap((x) => x.s!.steps))].sort((a, b) => a - b);
  const dense = allSteps.length > (W - M.left - M.right) / POINT_PX;
  const smoothed = new Map(runs.map(({ s, i }) => [i, weight > 0 ? emaSmooth(s!.mean, weight) : undefined]));
  const lo = Math.min(...runs.flatMap((x) => x.s!.lo.filter(Number.isFinite)));
  const hi = Math.max(...runs.flatMap((x) => x.s!.hi.filter(Number.isFinite)));
  const { svgEl, svg, x, y } = chartFrame(name, allSteps, yDomain(lo, hi));
  const tooltip = h('div', { class: 'tooltip', role: 'status' });
  const figure = h('figure', { class: 'chart', 'data-series': name });
  for (const { s, i } of runs) {
    const series = s!;
    const colour = RUN_COLOURS[i % RUN_COLOURS.length]!;
    const idx = series.steps.map((_, k) => k);
    svg
      .append('path')
      .attr('class', 'band')
      .style('fill', colour)
      .attr('d', area<number>().x((k) => x(series.steps[k]!)).y0((k) => y(series.lo[k]!)).y1((k) => y(series.hi[k]!))(idx) ?? '');
    // One path per value series over the steps; gaps (non-finite values) stay gaps.
    const path = (values: ArrayLike<number>, cls: string) =>
      svg
        .append('path')
        .attr('class', cls)
        .style('stroke', colour)
        .attr('fill', 'none')
        .attr('d', line<number>().defined((k) => Number.isFinite(values[k]!)).x((k) => x(series.steps[k]!)).y((k) => y(values[k]!))(idx) ?? '');
    const sm = smoothed.get(i);
    path(series.mean, sm ? 'mean raw' : 'mean');
    if (sm) path(sm, 'mean smoothed');
    if (dense) continue;
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
      .on('click', (_e: MouseEvent, k: number) => {
        // A step's point: list that step's rollouts and open its first group in the workbench.
        setRange([series.steps[k]!, series.steps[k]!], true);
        vscode.postMessage({ type: 'traces/openStep', log: p.runs[i]!.log, step: series.steps[k]! });
      });
  }
  const rule = svg.append('line').attr('class', 'rule').attr('y1', M.top).attr('y2', H - M.bottom).style('display', 'none');
  const brush = brushX<unknown>()
    .extent([
      [M.left, M.top],
      [W - M.right, H - M.bottom],
    ])
    .on('end', (e: D3BrushEvent<unknown>) => {
      if (clearing) return;
      const sel = e.selection as [number, number] | null;
      if (!sel) {
        if (!e.sourceEvent) return;
        // Too many steps for points to click: a click on the chart opens the nearest step, as a point's click does.
        const pointer = e.sourceEvent as MouseEvent;
        if (dense && runs.length) {
          const step = allSteps[bisectCenter(allSteps, x.invert(pointer.offsetX * (W / svgEl.clientWidth || 1)))]!;
          const run = runs.find(({ s }) => s!.steps.includes(step)) ?? runs[0]!;
          setRange([step, step], true);
          vscode.postMessage({ type: 'traces/openStep', log: run.r.log, step });
        } else setRange(undefined, true);
        return;
      }
      setRange([x.invert(sel[0]), x.invert(sel[1])]);
      clearing = true;
      for (const b of brushes) if (b.brush !== brush) b.g.call(b.brush.move, null);
      clearing = false;
    });
  const g = svg.append('g').attr('class', 'brush').call(brush);
  // Points above the brush overlay so they take clicks; brushing starts anywhere else.
  svg.selectAll<SVGGElement, unknown>('g.points').raise();
  brushes.push({ g, brush, x });
  // Hover: nearest step, exact values of every run.
  svg.on('pointermove', (e: PointerEvent) => {
    const [px] = [e.offsetX * (W / svgEl.clientWidth || 1)];
    const nearest = allSteps[bisectCenter(allSteps, x.invert(px))]!;
    rule.style('display', null).attr('x1', x(nearest)).attr('x2', x(nearest));
    const lines = runs.map(({ r, s, i }) => {
      const k = s!.steps.indexOf(nearest);
      if (k < 0) return `${r.label}: —`;
      const sm = smoothed.get(i);
      return `${r.label}: ${s!.mean[k]!.toFixed(4)} [${s!.lo[k]!.toFixed(3)}, ${s!.hi[k]!.toFixed(3)}] n=${s!.n[k]}${sm ? ` (smoothed ${sm[k]!.toFixed(4)})` : ''}`;
    });
    tooltip.textContent = `step ${nearest} · ${lines.join(' · ')}`;
  });
  svg.on('pointerleave', () => {
    rule.style('display', 'none');
    tooltip.textContent = '';
  });
  svg.on('dblclick', (e: MouseEvent) => {
    const step = Math.round(x.invert(e.offsetX * (W / svgEl.clientWidth || 1)));
    setRange([step, step], true);
  });
  const exportSvg = h('button', { class: 'export', 'aria-label': `Export ${name} as SVG` }, 'SVG');
  const exportPng = h('button', { class: 'export', 'aria-label': `Export ${name} as PNG` }, 'PNG');
  const context: ExportContext = { title: name, runs: runs.map(({ r, i }) => ({ label: r.label, colour: resolvedRunColour(i) })) };
  exportSvg.addEventListener('click', () => vscode.postMessage({ type: 'traces/export', format: 'svg', name, data: new TextEncoder().encode(serializeSvg(svgEl, context).text) }));
  exportPng.addEventListener('click', () => void toPng(svgEl, context).then((data) => vscode.postMessage({ type: 'traces/export', format: 'png', name, data })));
  figure.append(svgEl, h('figcaption', {}, tooltip, h('span', { class: 'spacer' }), exportSvg, exportPng));
  return figure;
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

window.addEventListener('message', (e: MessageEvent<TracesHostMessage>) => {
  const m = e.data;
  switch (m.type) {
    case 'traces/show':
      render(m.payload);
      break;
    case 'list/rows':
      list.receive(m.id, m.total, m.rows);
      break;
    case 'list/columns':
      list.setColumns(m.columns, m.sortBy);
      break;
    case 'taxonomy/show':
      shownTaxonomy = m.taxonomy;
      list.showLabels(m.taxonomy !== undefined);
      taxonomy.render(m.taxonomy, currentLabel);
      break;
    case 'signals/show':
      signals.render(m.payload);
      break;
    case 'error':
      status.textContent = `✖ ${m.message}`;
      break;
    case 'search/batch':
      searchBox.batch(m.id, m.hits, m.progress);
      break;
    case 'search/done':
      searchBox.done(m.id, m.progress, m.notes);
      break;
    case 'search/failed':
      searchBox.failed(m.id, m.message);
      break;
    case 'search/saved': {
      // The workspace's saved searches (host snapshot) replace what the webview state had; the list re-asks only
      // when the active ones differ.
      const before = searchBox.activeSpecs().map(specKey).join('\n');
      searchBox.setSaved(m.searches);
      applyListFilters(searchBox.activeSpecs().map(specKey).join('\n') !== before);
      break;
    }
    case 'list/replaySummary':
      replayDelta.show(m.summary, m.text);
      break;
    default:
      assertNever(m);
  }
});
vscode.postMessage({ type: 'ready' });
