import { parseCompletion } from '../core/completion/parse';
import type { RolloutIndex } from '../core/logs/jsonlIndex';
import { forEachJsonLine } from '../core/logs/textLines';
import type { TrainerMetrics } from '../core/logs/trainerMetrics';
import { aggregateByStep, rateByStep, zeroVarianceGroupRate, type StepSeries } from '../core/traces/stepAggregate';
import { promptStats } from '../core/traces/promptStats';
import { readTokens } from '../core/tokens/readTokens';
import { tokenStats } from '../core/tokens/stats';
import type { TraceRun, TraceSeries, TracesPayload } from '../shared/tracesProtocol';
import type { RolloutTable } from './rolloutTable';
import { RolloutTableModel } from './rolloutTable';

/** One log to chart, with a display label. */
export interface TraceSource {
  /** The log id used in selections. */
  readonly log: string;
  readonly index: RolloutIndex;
  readonly label: string;
  readonly frame: { readonly width: number; readonly height: number };
  /** Scalars the trainer logged for this run (trainer_state.json / experiment_log.jsonl beside the log). */
  readonly trainer?: TrainerMetrics;
}

/** Prompt statistics of every record, in record order (NaN where the record could not be read). */
export interface PromptColumns {
  readonly points: Float64Array;
  readonly positiveFraction: Float64Array;
  readonly boxes: Float64Array;
  readonly boxAreaFraction: Float64Array;
  readonly thinkWords: Float64Array;
  readonly formatFailure: Float64Array;
  /** Mean top-k entropy estimate of the record's tokens (NaN without tokens carrying top-k). */
  readonly tokenEntropy: Float64Array;
  /** Mean logprob of the tokens that wrote coordinates (NaN without tokens). */
  readonly coordLogprob: Float64Array;
}

/**
 * Parse every completion once, streaming the log sequentially (one pass, never the whole file in memory);
 * records are matched to the index by line number. Lines the index rejected are skipped.
 */
export async function promptColumns(src: TraceSource, signal?: AbortSignal): Promise<PromptColumns> {
  const ix = src.index;
  const n = ix.count;
  const cols: PromptColumns = {
    points: new Float64Array(n).fill(Number.NaN),
    positiveFraction: new Float64Array(n).fill(Number.NaN),
    boxes: new Float64Array(n).fill(Number.NaN),
    boxAreaFraction: new Float64Array(n).fill(Number.NaN),
    thinkWords: new Float64Array(n).fill(Number.NaN),
    formatFailure: new Float64Array(n).fill(Number.NaN),
    tokenEntropy: new Float64Array(n).fill(Number.NaN),
    coordLogprob: new Float64Array(n).fill(Number.NaN),
  };
  let k = 0;
  await forEachJsonLine(
    ix.path,
    (value, lineNo) => {
      while (k < n && ix.line[k]! < lineNo) k++;
      if (k >= n || ix.line[k] !== lineNo) return;
      const r = value as { completion?: unknown; model_frame?: { width: number; height: number } };
      if (typeof r?.completion !== 'string') return;
      const frame = r.model_frame && r.model_frame.width > 0 && r.model_frame.height > 0 ? r.model_frame : src.frame;
      const a = parseCompletion(r.completion, { frame });
      const s = promptStats(a, frame);
      cols.points[k] = s.points;
      cols.positiveFraction[k] = s.positiveFraction;
      cols.boxes[k] = s.boxes;
      cols.boxAreaFraction[k] = s.boxAreaFraction;
      cols.thinkWords[k] = s.thinkWords;
      cols.formatFailure[k] = a.diagnostics.some((d) => d.severity === 'error') ? 1 : 0;
      const tokens = readTokens(value).tokens;
      if (tokens) {
        const t = tokenStats(tokens, r.completion, [...a.points.map((p) => p.span), ...a.boxes.map((b) => b.span)]);
        cols.tokenEntropy[k] = t.meanEntropy;
        cols.coordLogprob[k] = t.coordLogprob;
      }
    },
    () => undefined, // the index already reported every bad line
    signal ? { signal } : {},
  );
  return cols;
}

function tag(s: StepSeries, group: TraceSeries['group']): TraceSeries {
  return { name: s.name, group, steps: s.steps, mean: s.mean, lo: s.lo, hi: s.hi, n: s.n };
}

/** Every per-step series of one run. */
export function runSeries(src: TraceSource, prompts: PromptColumns | undefined): TraceSeries[] {
  const ix = src.index;
  const n = ix.count;
  const out: TraceSeries[] = [tag(aggregateByStep('reward', ix.step, ix.reward, n), 'rewards')];
  for (const [name, values] of ix.components) out.push(tag(aggregateByStep(`rewards/${name}`, ix.step, values, n), 'rewards'));
  out.push(tag(aggregateByStep('|advantage|', ix.step, ix.advantage.map(Math.abs), n), 'rewards'));
  out.push(tag(zeroVarianceGroupRate('zero-variance groups', ix.step, ix.group, ix.reward, n), 'behaviour'));
  out.push(tag(aggregateByStep('completion length', ix.step, ix.completionLength, n), 'behaviour'));
  if (prompts) {
    out.push(tag(rateByStep('format failure rate', ix.step, n, (i) => prompts.formatFailure[i] === 1), 'behaviour'));
    out.push(tag(aggregateByStep('points per rollout', ix.step, prompts.points, n), 'prompts'));
    out.push(tag(aggregateByStep('positive point fraction', ix.step, prompts.positiveFraction, n), 'prompts'));
    out.push(tag(aggregateByStep('boxes per rollout', ix.step, prompts.boxes, n), 'prompts'));
    out.push(tag(aggregateByStep('box area / image', ix.step, prompts.boxAreaFraction, n), 'prompts'));
    out.push(tag(aggregateByStep('think words', ix.step, prompts.thinkWords, n), 'prompts'));
    // Only where the log carries per-token logprobs: aggregateByStep skips NaN, and empty series are dropped below.
    out.push(tag(aggregateByStep('mean token entropy (top-k, nats)', ix.step, prompts.tokenEntropy, n), 'behaviour'));
    out.push(tag(aggregateByStep('coordinate token logprob', ix.step, prompts.coordLogprob, n), 'behaviour'));
  }
  if (src.trainer) out.push(...trainerSeries(src.trainer));
  return out.filter((s) => s.steps.length > 0);
}

/** Trainer scalars as plain per-step lines (one value per step: no band). */
export function trainerSeries(m: TrainerMetrics): TraceSeries[] {
  return m.names.map((name) => {
    const v = m.series.get(name)!;
    const steps: number[] = [];
    const mean: number[] = [];
    m.steps.forEach((st, k) => {
      if (Number.isFinite(v[k]!)) {
        steps.push(st);
        mean.push(v[k]!);
      }
    });
    return { name: `trainer: ${name}`, group: 'trainer' as const, steps, mean, lo: mean, hi: mean, n: steps.map(() => 1) };
  });
}

/** The traces view payload for several runs (series per run), and the combined rollout table kept on the host. */
export function tracesPayload(sources: readonly TraceSource[], prompts: ReadonlyArray<PromptColumns | undefined>, synthetic: boolean): { payload: TracesPayload; table: RolloutTableModel } {
  const runs: TraceRun[] = sources.map((s, i) => ({ log: s.log, label: s.label, series: runSeries(s, prompts[i]) }));
  const total = sources.reduce((a, s) => a + s.index.count, 0);
  const run = new Int32Array(total);
  const record = new Int32Array(total);
  const line = new Uint32Array(total);
  const step = new Float64Array(total);
  const sample = new Int32Array(total);
  const group: string[] = new Array(total);
  const names = ['reward', 'advantage', ...new Set(sources.flatMap((s) => [...s.index.components.keys()]))];
  // formatFailure: the list's format-failure filter reads it (1 = the answer fails to parse).
  const promptNames = ['points', 'thinkWords', 'formatFailure'] as const;
  const values = new Map<string, Float64Array>([...names, ...promptNames].map((n) => [n, new Float64Array(total).fill(Number.NaN)]));
  let k = 0;
  sources.forEach((s, r) => {
    const ix = s.index;
    for (let i = 0; i < ix.count; i++, k++) {
      run[k] = r;
      record[k] = i;
      line[k] = ix.line[i]!;
      step[k] = ix.step[i]!;
      sample[k] = ix.sample[i]!;
      const g = ix.group[i]!;
      group[k] = g >= 0 ? ix.groups[g]! : '';
      values.get('reward')![k] = ix.reward[i]!;
      values.get('advantage')![k] = ix.advantage[i]!;
      for (const [name, col] of ix.components) values.get(name)![k] = col[i]!;
      const p = prompts[r];
      if (p) for (const pn of promptNames) values.get(pn)![k] = p[pn][i]!;
    }
  });
  const table: RolloutTable = { run, record, line, step, sample, group, columns: [...values].map(([name, v]) => ({ name, values: v })) };
  const model = new RolloutTableModel(table, sources.map((s) => s.log));
  return { payload: { runs, table: { total, columns: model.columns }, synthetic }, table: model };
}
