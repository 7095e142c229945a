import { existsSync, writeFileSync } from 'node:fs';
import { compareSides, type CompareSide, type Comparison, type ImageDelta } from '../../core/compare/compare';
import { isMetricsFile, loadLogSide, loadMetricsSide, parseSideSpec } from '../../core/compare/sources';
import type { RolloutIndex } from '../../core/logs/indexBuilder';
import { indexRolloutLog } from '../../core/logs/jsonlIndex';
import { argsOrExit, err, out } from '../output';

const USAGE = `usage: segr1 compare <a> <b> [--metric <key>] [--json <file>] [--top <n>]

Compares b against a on the images both have: per-image deltas (b − a), dataset deltas, the images that got
better and worse on one metric, and whether the change is noise (paired sign test and bootstrap CI).
<a> and <b> are each
  results.json        a 'segr1 metrics --json' result (per-image Sm, wFm, Em, Fm, MAE, IoU by stem)
  run.jsonl@<step>    one step of a canonical rollout log (<step>: a number, 'first' or 'last'; run.jsonl alone = @last):
                      per image, the mean over its rollouts at that step of reward, iou (the logged reward component
                      named iou, when there is one) and every reward component (rewards.<name>)
Two steps of one log: run.jsonl@100 run.jsonl@400. Images are matched by stem (metrics) or by the record's image path.
  --metric <key>   the metric for the better/worse lists and the statistics (default: IoU/iou, else reward)
  --json <file>    write the whole comparison (NaN as null)
  --top <n>        images listed as better and worse (default 10)
Statistics on the metric's per-image deltas: exact two-sided sign test (ties dropped; scipy.stats.binomtest at
p = 0.5) and a 95% percentile bootstrap CI of the mean delta (10,000 resamples, seed 24301, mulberry32).`;

interface Args {
  a: string;
  b: string;
  metric?: string;
  json?: string;
  top: number;
}

function parseArgs(argv: string[]): Args | string {
  const pos: string[] = [];
  let metric: string | undefined;
  let json: string | undefined;
  let top = 10;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--metric') {
      metric = argv[++i];
      if (!metric) return '--metric needs a key';
    } else if (k === '--json') {
      json = argv[++i];
      if (!json) return '--json needs a file';
    } else if (k === '--top') {
      const v = argv[++i];
      top = Number(v);
      if (v === undefined || !Number.isInteger(top) || top < 0) return `--top needs a non-negative integer (got ${v === undefined ? 'nothing' : `'${v}'`})`;
    } else if (k.startsWith('--')) return `unknown option '${k}'`;
    else pos.push(k);
  }
  if (pos.length !== 2) return pos.length < 2 ? 'two results to compare are required' : `unexpected argument '${pos[2]}'`;
  return { a: pos[0]!, b: pos[1]!, top, ...(metric ? { metric } : {}), ...(json ? { json } : {}) };
}

const signed = (v: number, digits = 4): string => (Number.isNaN(v) ? 'NaN' : `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`);
const plain = (v: number, digits = 4): string => (Number.isNaN(v) ? 'NaN' : v.toFixed(digits));

/** The comparison as text: sides, dataset table, statistics, better and worse lists. */
export function formatComparison(c: Comparison, top: number): string {
  const common = c.images.length;
  const lines = [`a: ${c.a.label} (${c.a.kind}, ${c.a.images} images)`, `b: ${c.b.label} (${c.b.kind}, ${c.b.images} images)`, `${common} images in both; ${c.onlyInA.length} only in a, ${c.onlyInB.length} only in b`, ''];
  const w = Math.max(8, ...Object.keys(c.dataset).map((k) => k.length));
  lines.push(`${'dataset'.padEnd(w)} ${'a'.padStart(10)} ${'b'.padStart(10)} ${'b − a'.padStart(10)}`);
  for (const [k, t] of Object.entries(c.dataset)) lines.push(`${k.padEnd(w)} ${plain(t.a).padStart(10)} ${plain(t.b).padStart(10)} ${signed(t.delta).padStart(10)}`);
  const p = c.paired;
  const s = p.signTest;
  const ci = p.bootstrap;
  lines.push(
    '',
    `${c.metric} (${c.lowerIsBetter ? 'lower' : 'higher'} is better), ${p.n} paired images${p.nanDropped ? ` (${p.nanDropped} NaN dropped)` : ''}: mean Δ ${signed(p.meanDelta)}, ` +
      `${Math.round(ci.level * 100)}% bootstrap CI [${signed(ci.low)}, ${signed(ci.high)}] (${ci.resamples} resamples, seed ${ci.seed})`,
    `sign test: ${s.positive} better, ${s.negative} worse, ${s.ties} ties; two-sided p = ${s.pValue.toPrecision(4)}${s.pValue < 0.05 ? '' : ' (not significant at 0.05: could be noise)'}`,
  );
  const list = (title: string, items: readonly ImageDelta[]) => {
    if (top === 0) return;
    lines.push('', `${title} (${Math.min(top, items.length)} of ${items.length}):`);
    for (const i of items.slice(0, top)) lines.push(`  ${signed(i.delta[c.metric]!).padStart(9)}  ${plain(i.a[c.metric]!)} → ${plain(i.b[c.metric]!)}  ${i.image}`);
  };
  list('got better', c.better);
  list('got worse', c.worse);
  return lines.join('\n');
}

/** `segr1 compare`: exit 0 when compared, 1 when the inputs cannot be compared, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  const args = argsOrExit('compare', argv, USAGE, parseArgs);
  if (typeof args === 'number') return args;
  // Two steps of one log would say the same thing about the log twice.
  const said = new Set<string>();
  const warn = (m: string): void => {
    if (!said.has(m)) err(`warning: ${m}`);
    said.add(m);
  };
  const indexes = new Map<string, Promise<RolloutIndex>>();
  const load = async (arg: string): Promise<CompareSide> => {
    const spec = parseSideSpec(arg, existsSync);
    if (!existsSync(spec.path)) throw new Error(`no such file: ${spec.path}`);
    if (isMetricsFile(spec.path)) {
      if (spec.step !== undefined) throw new Error(`${arg}: a metrics file has no steps (@${spec.step})`);
      return loadMetricsSide(spec.path, warn);
    }
    // Two steps of one log share its index.
    let index = indexes.get(spec.path);
    if (!index) indexes.set(spec.path, (index = indexRolloutLog(spec.path)));
    const idx = await index;
    if (idx.notRollouts) throw new Error(`${spec.path}: ${idx.notRollouts}`);
    return loadLogSide(idx, spec, warn);
  };
  let c: Comparison;
  try {
    const a = await load(args.a);
    const b = await load(args.b);
    if (a.kind !== b.kind) warn(`comparing a ${a.kind} result with a ${b.kind} result: only keys both have (${a.keys.filter((k) => b.keys.includes(k)).join(', ') || 'none'})`);
    c = compareSides(a, b, args.metric);
  } catch (e) {
    err(`segr1 compare: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  if (c.images.length === 0) {
    err(`segr1 compare: ${c.a.label} and ${c.b.label} have no image in common`);
    return 1;
  }
  out(formatComparison(c, args.top));
  if (args.json) writeFileSync(args.json, JSON.stringify(c, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1) + '\n');
  return 0;
}
