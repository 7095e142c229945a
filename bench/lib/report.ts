import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One benchmark figure, measured against an anchor timed in the same run. */
export interface BenchFigure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** What the figure is compared with (e.g. "PySODMetrics 1.6.2 throughput", "bare ORT decoder"). */
  readonly anchor: string;
  readonly anchorValue: number;
  /** value / anchorValue, or its inverse where smaller-is-better is natural; state which in `target`. */
  readonly ratio: number;
  /** The target as text, e.g. "ratio >= 5" or "ratio <= 1.2". */
  readonly target: string;
}

/** Where scripts/bench.mjs collects figures from every bench process. */
export const RESULTS_NDJSON = process.env.SEGR1_BENCH_OUT ?? 'bench/.data/results.ndjson';

/** Print a figure and append it for bench/results.json. */
export function report(f: BenchFigure): void {
  console.log(figureLine(f));
  mkdirSync(dirname(RESULTS_NDJSON), { recursive: true });
  appendFileSync(RESULTS_NDJSON, JSON.stringify(f) + '\n');
}

/**
 * The console line of a figure. An anchor that could not run (NaN: e.g. no PySODMetrics) is named as missing rather
 * than printed as a NaN ratio that fails its target: the figure stands alone and the target is not judged.
 */
export function figureLine(f: BenchFigure): string {
  const head = `${f.name}: ${fmt(f.value)} ${f.unit}`;
  if (!Number.isFinite(f.anchorValue) || !Number.isFinite(f.ratio)) return `${head} | no anchor: ${f.anchor} was not measured in this run (target ${f.target} not judged)`;
  const ok = meetsTarget(f);
  return `${head} | anchor ${f.anchor}: ${fmt(f.anchorValue)} | ratio ${fmt(f.ratio)} (target ${f.target})${ok === undefined ? '' : ok ? ' ✓' : ' ✗'}`;
}

/** Evaluate targets of the form "ratio >= x" / "ratio <= x"; undefined when not of that form. */
export function meetsTarget(f: BenchFigure): boolean | undefined {
  const m = /^ratio\s*(<=|>=|<|>)\s*([0-9.eE+-]+)/.exec(f.target);
  if (!m) return undefined;
  const t = Number(m[2]);
  switch (m[1]) {
    case '<=': return f.ratio <= t;
    case '>=': return f.ratio >= t;
    case '<': return f.ratio < t;
    default: return f.ratio > t;
  }
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}
