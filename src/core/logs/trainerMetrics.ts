import { readFile } from 'node:fs/promises';
import type { MetricsFormat } from './adapterTypes';
import type { LogIssue } from './issues';
import { parseJsonLine } from './jsonParse';
import { forEachJsonLine } from './textLines';

/** Scalar training metrics as series over steps: `series.get(name)[k]` is the value at `steps[k]` (NaN when not logged). */
export interface TrainerMetrics {
  readonly path: string;
  readonly format: MetricsFormat;
  /** Ascending optimizer steps with at least one value. */
  readonly steps: Float64Array;
  /** Metric names in first-seen order (canonical names, see `aliases`). */
  readonly names: string[];
  readonly series: Map<string, Float64Array>;
  /** Logged name → canonical name, for names renamed across TRL versions. */
  readonly aliases: Map<string, string>;
  readonly issues: LogIssue[];
}

/** TRL ≤ 0.14 names → the current ones, so one chart spans runs from both. */
export function canonicalMetricName(name: string): string {
  if (name === 'completion_length') return 'completions/mean_length';
  const m = /^(eval_)?rewards\/([^/]+)$/.exec(name);
  if (m) return `${m[1] ?? ''}rewards/${m[2]}/mean`;
  return name;
}

/** Flatten EasyR1's unflatten_dict output (`{"actor": {"kl": 0.1}}` → `actor/kl`). */
function flatten(o: Record<string, unknown>, prefix: string, out: Map<string, number>): void {
  for (const [k, v] of Object.entries(o)) {
    const name = prefix ? `${prefix}/${k}` : k;
    if (typeof v === 'number') out.set(name, v);
    else if (typeof v === 'boolean') out.set(name, v ? 1 : 0);
    else if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, name, out);
  }
}

/** Collects (step, name, value) triples into aligned series. */
class SeriesBuilder {
  private readonly rows = new Map<number, Map<string, number>>();
  private readonly names: string[] = [];
  private readonly known = new Set<string>();
  readonly aliases = new Map<string, string>();

  add(step: number, values: Map<string, number>): void {
    let row = this.rows.get(step);
    if (!row) this.rows.set(step, (row = new Map()));
    for (const [logged, v] of values) {
      const name = canonicalMetricName(logged);
      if (name !== logged) this.aliases.set(logged, name);
      if (!this.known.has(name)) {
        this.known.add(name);
        this.names.push(name);
      }
      // JSON loggers write None for a metric with no valid value (TRL `log()`); that is "not logged".
      row.set(name, Number.isFinite(v) ? v : Number.NaN);
    }
  }

  finish(path: string, format: MetricsFormat, issues: LogIssue[]): TrainerMetrics {
    const steps = Float64Array.from([...this.rows.keys()].sort((a, b) => a - b));
    const series = new Map<string, Float64Array>();
    for (const name of this.names) {
      const a = new Float64Array(steps.length).fill(Number.NaN);
      steps.forEach((s, k) => {
        const v = this.rows.get(s)!.get(name);
        if (v !== undefined) a[k] = v;
      });
      series.set(name, a);
    }
    return { path, format, steps, names: this.names, series, aliases: this.aliases, issues };
  }
}

/** Read a TRL/transformers `trainer_state.json` (`log_history`: one object per logging event, each with `step`). */
export async function readTrainerState(path: string): Promise<TrainerMetrics> {
  const issues: LogIssue[] = [];
  const b = new SeriesBuilder();
  const parsed = parseJsonLine(await readFile(path, 'utf8'), 1);
  issues.push(...parsed.issues);
  const history = (parsed.value as { log_history?: unknown } | undefined)?.log_history;
  if (!Array.isArray(history)) {
    if (parsed.value !== undefined) issues.push({ line: 0, severity: 'error', field: 'log_history', message: 'no log_history array' });
    return b.finish(path, 'trainer-state', issues);
  }
  history.forEach((e, k) => {
    if (typeof e !== 'object' || e === null || typeof (e as { step?: unknown }).step !== 'number') {
      issues.push({ line: 0, severity: 'warning', field: `log_history[${k}]`, message: 'entry without a numeric step; skipped' });
      return;
    }
    const values = new Map<string, number>();
    for (const [name, v] of Object.entries(e as Record<string, unknown>)) {
      if (name === 'step') continue;
      if (typeof v === 'number') values.set(name, v);
      else if (v === null) values.set(name, Number.NaN);
    }
    b.add((e as { step: number }).step, values);
  });
  return b.finish(path, 'trainer-state', issues);
}

/** Read EasyR1's `experiment_log.jsonl` (verl/utils/logger/logger.py FileLogger: `{"step": N, **unflatten_dict(data)}` per line). */
export async function readExperimentLog(path: string): Promise<TrainerMetrics> {
  const issues: LogIssue[] = [];
  const b = new SeriesBuilder();
  await forEachJsonLine(
    path,
    (v, line) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v) || typeof (v as { step?: unknown }).step !== 'number') {
        issues.push({ line, severity: 'warning', field: 'step', message: 'line without a numeric step; skipped' });
        return;
      }
      const values = new Map<string, number>();
      flatten(v as Record<string, unknown>, '', values);
      values.delete('step');
      b.add((v as { step: number }).step, values);
    },
    (i) => issues.push(i),
  );
  return b.finish(path, 'easyr1-metrics', issues);
}

/** Read trainer metrics of either format. */
export function readTrainerMetrics(path: string, format: MetricsFormat): Promise<TrainerMetrics> {
  return format === 'trainer-state' ? readTrainerState(path) : readExperimentLog(path);
}

/** One metric at one step; undefined when not logged there. */
export function metricAt(m: TrainerMetrics, step: number, name: string): number | undefined {
  const s = m.series.get(m.aliases.get(name) ?? name);
  if (!s) return undefined;
  let lo = 0;
  let hi = m.steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = m.steps[mid]!;
    if (v === step) return Number.isNaN(s[mid]!) ? undefined : s[mid];
    if (v < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}
