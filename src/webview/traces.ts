import { snapStepRange } from '../core/traces/axes';
import { defaultSmoothing } from '../core/traces/smoothing';
import { errorText, isAbortError, type TaxonomyPayload, type TraceSeries, type TracesPayload } from '../shared/tracesProtocol';
import { clear, h } from './dom';
import { RolloutList } from './rolloutList';
import { SearchBox } from './searchBox';
import { formatStepRange, parseStepRange, readTracesState, specKey, type FailureFilter, type SavedTracesState } from '../shared/listFilters';
import { TaxonomyView, type TaxonomyFilter } from './taxonomyView';
import { ReplayDelta } from './replayDelta';
import { SignalsView } from './signalsView';
import { CHART_SIZE, RUN_COLOURS } from './stepChart';
import { TraceChart, type TraceChartHandlers } from './traceChart';
import { TracesClient } from './tracesClient';
import { webviewApi } from './vscodeApi';

const vscode = webviewApi<SavedTracesState>();
/** The one channel to the host (tracesProtocol.ts): requests with replies and errors, notifications for pushes. */
const client = new TracesClient((m) => vscode.postMessage(m));
const { width: W, margin: M } = CHART_SIZE;

const app = document.getElementById('app')!;
const status = h('div', { class: 'traces-status', id: 'traces-status', 'aria-live': 'polite' }, 'Loading traces…');
const charts = h('div', { class: 'charts', id: 'charts' });
/** A failed request is said in the status line (never an unhandled rejection); a cancelled one is not a failure. */
function showError(e: unknown): void {
  if (!isAbortError(e)) status.textContent = `✖ ${errorText(e)}`;
}
/** Send a request whose answer is only its success (open, save, attribute): a failure is shown. */
function send(p: Promise<unknown>): void {
  p.catch(showError);
}
/** What the traces keep across a hidden tab and a reload (VS Code's webview state), every field checked on reading. */
const saved: SavedTracesState = readTracesState(vscode.getState());
const replayDelta = new ReplayDelta(saved.replaySet);
const list = new RolloutList(
  (id, query) =>
    client.rpc.request('list/query', query).then(
      // null: the host's data was replaced meanwhile; the new payload re-asks.
      (page) => page && list.receive(id, page.total, page.rows),
      (e: unknown) => {
        showError(e);
        list.receive(id, 0, []);
      },
    ),
  (log, index) => send(client.rpc.request('traces/openRollout', { log, index })),
  () => replayDelta.run((set, onProgress, signal) => client.replayDiff(set, onProgress, signal), (r) => list.setColumns(r.columns, r.sortBy)),
);
const clearBrush = h('button', { id: 'clear-range', 'aria-label': 'Clear step range' }, 'Clear range');
const rangeLabel = h('span', { id: 'range-label', class: 'num' }, 'all steps');
// Smoothing as TensorBoard has it (EMA of the per-step means, the raw line kept faint behind): a long run's means
// jitter step to step, and the trend is what a reward-hacking or collapse question is about.
const smoothing = h('input', { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', 'aria-label': 'Smoothing of the per-step means' }) as HTMLInputElement;
const smoothingLabel = h('span', { id: 'smoothing-value', class: 'num' }, '0');
const taxonomy = new TaxonomyView(
  () => send(client.rpc.request('attribution/run', null)),
  (f) => setLabelFilter(f),
);
// Reward-hacking signals and the sign-flip chart: a click on a step filters the list as the other charts' points do.
const signals = new SignalsView({
  onStep: (log, step) => openStep(log, step),
  onAlternative: (alternative) => client.rpc.notify('signals/alternative', { alternative }),
  onAttribute: () => send(client.rpc.request('attribution/run', null)),
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
/** The searches in flight, by the search box's id: Stop or a new search cancels one. */
const searches = new Map<number, AbortController>();
const searchBox = new SearchBox({
  start: (id, spec) => {
    const ac = new AbortController();
    searches.set(id, ac);
    client.search(spec, (hits, progress) => searchBox.batch(id, hits, progress), ac.signal).then(
      (r) => searchBox.done(id, r.progress, r.notes),
      (e: unknown) => {
        if (!isAbortError(e)) searchBox.failed(id, errorText(e));
      },
    ).finally(() => searches.delete(id));
  },
  cancel: (id) => searches.get(id)?.abort(),
  open: (log, index) => send(client.rpc.request('traces/openRollout', { log, index })),
  pickStep: (step) => setRange([step, step], true),
  savedChanged: (saved) => {
    send(client.rpc.request('search/save', { searches: saved }));
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

/** The trace charts on screen (their brushes follow each other). */
const traceCharts: TraceChart[] = [];
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
  for (const c of traceCharts) c.showRange(range, true);
}

/** A step picked on a chart: list its rollouts and open its first group in the workbench. */
function openStep(log: string, step: number): void {
  setRange([step, step], true);
  send(client.rpc.request('traces/openStep', { log, step }));
}

/** What every trace chart tells the view. */
const chartHandlers: TraceChartHandlers = {
  onStep: openStep,
  onBrush: (range, from) => {
    setRange(range);
    for (const c of traceCharts) if (c !== from) c.showRange(undefined);
  },
  onRange: (range) => setRange(range, true),
  onExport: (format, name, data) => send(client.rpc.request('traces/export', { format, name, data })),
};

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
  if (clearAll) for (const c of traceCharts) c.showRange(undefined);
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
  traceCharts.length = 0;
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
    const c = new TraceChart(p, name, weight, chartHandlers);
    traceCharts.push(c);
    charts.append(c.el);
  }
  charts.append(signals.el);
  // A step range brushed before a re-render (smoothing moved, statistics arrived) is drawn again on every chart.
  if (currentRange) for (const c of traceCharts) c.showRange(currentRange);
}

client.rpc.on('traces/show', (p) => render(p));
client.rpc.on('list/columns', (m) => list.setColumns(m.columns));
client.rpc.on('taxonomy/show', (m) => {
  shownTaxonomy = m.taxonomy;
  list.showLabels(m.taxonomy !== undefined);
  taxonomy.render(m.taxonomy, currentLabel);
});
client.rpc.on('signals/show', (p) => signals.render(p));
client.rpc.on('error', (m) => (status.textContent = `✖ ${m.message}`));
client.rpc.on('search/saved', (m) => {
  // The workspace's saved searches (host snapshot) replace what the webview state had; the list re-asks only
  // when the active ones differ.
  const before = searchBox.activeSpecs().map(specKey).join('\n');
  searchBox.setSaved(m.searches);
  applyListFilters(searchBox.activeSpecs().map(specKey).join('\n') !== before);
});
window.addEventListener('message', (e: MessageEvent<unknown>) => void client.receive(e.data));
client.rpc.notify('ready', null);
