import { readFile, stat } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { decodeRle } from '../image/rle';
import { discoverRunLogs } from '../logs/discoverRunLogs';
import { indexRolloutLog, readRollout } from '../logs/jsonlIndex';
import type { RolloutIndex } from '../logs/indexBuilder';
import { parseAttribution, type Attribution } from './attribution';
import { collectLog, insideRoot, parseRecord, recordFrame, type RolloutFacts } from './collect';
import { overlayImage } from './overlay';
import { renderReport, type MetricsFileRow, type ReportModel, type RolloutCard } from './render';

/** Options of {@link buildReport}. */
export interface ReportOptions {
  /** A canonical rollout log, or a workspace folder (its first canonical log by path is reported). */
  readonly input: string;
  /** Folder the records' image/gt paths are relative to (default: the workspace, or the log's folder). */
  readonly root?: string;
  /** `segr1 attribute` JSON. */
  readonly attribution?: string;
  /** `segr1 metrics --json` output, shown as the dataset row. */
  readonly metrics?: string;
  /** Longest side of embedded images, in pixels (default 384). */
  readonly maxSide?: number;
  /** Rollouts shown at each end (default 3). */
  readonly top?: number;
  /** Dataset metrics per step from the logged masks (default true; costs one metric suite per rollout). */
  readonly stepMetrics?: boolean;
  /** A time to print in the footer; absent keeps the output reproducible. */
  readonly generatedAt?: string;
}

/** Longest side accepted for embedded images: a report is for reading, and a 4k image per card would bloat it. */
export const MAX_REPORT_SIDE = 2048;

/** Which log a workspace folder's report is about, and the other logs it has (named in the notes). */
async function pickLog(input: string): Promise<{ log: string; root: string; others: string[] }> {
  const st = await stat(input);
  if (!st.isDirectory()) return { log: input, root: dirname(resolve(input)), others: [] };
  const found = (await discoverRunLogs(input)).filter((f) => f.kind === 'rollouts');
  const canonical = found.filter((f) => f.format === 'canonical').sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (canonical.length === 0) {
    const other = found[0];
    throw new Error(`${input}: no canonical rollout log found${other ? ` (${other.rel} is ${other.format}: convert it with segr1 convert, then report the .jsonl)` : ''}`);
  }
  return { log: canonical[0]!.path, root: resolve(input), others: canonical.slice(1).map((f) => f.rel) };
}

/** Best and worst by `value` (higher is better), ties by line; the two ends never share a rollout. */
export function pickBestWorst(rollouts: readonly RolloutFacts[], top: number): { rankedBy: 'IoU' | 'total reward'; best: Array<RolloutFacts & { value: number }>; worst: Array<RolloutFacts & { value: number }> } {
  const byIou = rollouts.some((r) => r.iou !== undefined);
  const valued = rollouts.map((r) => ({ ...r, value: byIou ? (r.iou ?? Number.NaN) : r.reward })).filter((r) => Number.isFinite(r.value));
  const best = [...valued].sort((a, b) => b.value - a.value || a.line - b.line).slice(0, top);
  const shown = new Set(best.map((r) => r.line));
  // Worst first; among equal values (many IoU 0 rollouts) the earliest lines, as for the best.
  const worst = valued.filter((r) => !shown.has(r.line)).sort((a, b) => a.value - b.value || a.line - b.line).slice(0, top);
  return { rankedBy: byIou ? 'IoU' : 'total reward', best, worst };
}

function finite(v: number): number | undefined {
  return Number.isFinite(v) ? v : undefined;
}

async function buildCard(ix: RolloutIndex, f: RolloutFacts & { value: number }, rank: 'best' | 'worst', root: string, maxSide: number, labels: Map<number, string>): Promise<RolloutCard> {
  const r = await readRollout(ix, f.index);
  const answer = parseRecord(r);
  const frame = recordFrame(r);
  const fmtXY = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const prompts = [
    ...answer.boxes.map((b) => `box [${[b.x1, b.y1, b.x2, b.y2].map(fmtXY).join(', ')}]`),
    ...answer.points.map((p, k) => `${p.unlabelled ? '?' : p.label === 1 ? '+' : '−'} point ${k + 1} (${fmtXY(p.x)}, ${fmtXY(p.y)})`),
  ];
  const span = answer.answerSpan;
  let overlay: RolloutCard['overlay'];
  let imageProblem: string | undefined;
  if (typeof r.image === 'string') {
    try {
      const imagePath = insideRoot(root, f.line, 'image', r.image);
      const gtPath = typeof r.gt === 'string' ? insideRoot(root, f.line, 'gt', r.gt) : undefined;
      const mask = r.mask ? decodeRle(r.mask, { field: 'mask' }) : undefined;
      overlay = await overlayImage({ imagePath, ...(gtPath ? { gtPath } : {}), ...(mask ? { mask } : {}), answer, frame, maxSide });
    } catch (e) {
      imageProblem = `image not shown: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const components = Object.entries(r.rewards ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, typeof v === 'number' ? v : null] as const);
  const label = labels.get(f.line);
  return {
    rank,
    line: f.line,
    ...(typeof r.step === 'number' ? { step: r.step } : {}),
    ...(typeof r.sample === 'number' ? { sample: r.sample } : {}),
    ...(typeof r.group === 'string' ? { group: r.group } : {}),
    ...(typeof r.image === 'string' ? { image: r.image } : {}),
    value: f.value,
    ...(f.iou !== undefined ? { iou: f.iou } : {}),
    components,
    ...(finite(ix.reward[f.index]!) !== undefined ? { total: ix.reward[f.index]! } : {}),
    ...(finite(ix.advantage[f.index]!) !== undefined ? { advantage: ix.advantage[f.index]! } : {}),
    ...(answer.think ? { reasoning: answer.think.text } : {}),
    answer: span ? r.completion.slice(span.start, span.end) : r.completion,
    prompts,
    ...(overlay ? { overlay } : {}),
    ...(imageProblem ? { imageProblem } : {}),
    ...(label !== undefined ? { label } : {}),
  };
}

/** The dataset row of a `segr1 metrics --json` file, read defensively (numbers or null only). */
async function readMetricsFile(file: string): Promise<MetricsFileRow> {
  let v: unknown;
  try {
    v = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not JSON (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const d = (v as { dataset?: unknown } | null)?.dataset;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new Error(`${file}: dataset: expected the object segr1 metrics --json writes`);
  const values: Record<string, number | null> = {};
  for (const [k, x] of Object.entries(d)) if (typeof x === 'number' || x === null) values[k] = x;
  return { name: file.split(/[\\/]/).pop() ?? file, values };
}

/** Build the self-contained HTML report of a log (or a workspace's log). */
export async function buildReport(o: ReportOptions): Promise<{ html: string; log: string; notes: string[] }> {
  const maxSide = o.maxSide ?? 384;
  if (!Number.isInteger(maxSide) || maxSide < 16 || maxSide > MAX_REPORT_SIDE) throw new Error(`--max-side must be an integer from 16 to ${MAX_REPORT_SIDE}`);
  const top = o.top ?? 3;
  const picked = await pickLog(o.input);
  const root = resolve(o.root ?? picked.root);
  const attribution: Attribution | undefined = o.attribution ? parseAttribution(await readFile(o.attribution, 'utf8'), o.attribution) : undefined;
  const metricsFile = o.metrics ? await readMetricsFile(o.metrics) : undefined;
  const ix = await indexRolloutLog(picked.log);
  if (ix.count === 0) throw new Error(`${picked.log}: no rollout could be read${ix.issues[0] ? ` (line ${ix.issues[0].line}: ${ix.issues[0].message})` : ''}`);
  const facts = await collectLog(ix, root, { withMetrics: o.stepMetrics ?? true });
  const { rankedBy, best, worst } = pickBestWorst(facts.rollouts, top);
  const labels = new Map((attribution?.rollouts ?? []).map((r) => [r.line, r.label] as const));
  const cards: RolloutCard[] = [];
  for (const f of best) cards.push(await buildCard(ix, f, 'best', root, maxSide, labels));
  for (const f of worst) cards.push(await buildCard(ix, f, 'worst', root, maxSide, labels));
  const rel = relative(root, picked.log) || picked.log;
  const steps = facts.steps.map((s) => s.step);
  const runs = ix.runs.length ? ix.runs.join(', ') : 'unnamed run';
  const notes = [
    ...facts.notes,
    ...(ix.issues.length ? [`${ix.issues.length} log issue(s) (bad or odd lines); first: line ${ix.issues[0]!.line}: ${ix.issues[0]!.message}`] : []),
    ...(picked.others.length ? [`other rollout logs in the workspace, not in this report: ${picked.others.join(', ')}`] : []),
    ...(attribution?.problems.length ? [`attribution file: ${attribution.problems.length} entr${attribution.problems.length === 1 ? 'y' : 'ies'} skipped`] : []),
  ];
  const model: ReportModel = {
    title: `Seg-R1 report — ${rel}`,
    subtitle: `${runs} · ${ix.count} rollouts · ${steps.length ? `steps ${steps[0]}–${steps[steps.length - 1]}` : 'no steps'}`,
    synthetic: ix.runs.some((r) => /synthetic/i.test(r)),
    ...(metricsFile ? { metricsFile } : {}),
    steps: facts.steps,
    componentNames: [...ix.components.keys()].sort(),
    traces: facts.traces,
    ...(attribution ? { attribution } : {}),
    rankedBy,
    cards,
    notes,
    ...(o.generatedAt ? { generatedAt: o.generatedAt } : {}),
  };
  return { html: renderReport(model), log: picked.log, notes };
}
