import { BASE_METRICS } from './fmeasureV2';

/** One grouped block of the `--all` table: a metric-by-mode matrix whose cells are key templates (`{m}` = metric). */
interface Block {
  readonly title: string;
  readonly columns: ReadonlyArray<readonly [string, string]>;
}

const BLOCKS: readonly Block[] = [
  {
    title: 'FmeasureV2',
    columns: [
      ['adp', 'adp{m}'],
      ['mean', 'mean{m}'],
      ['max', 'max{m}'],
      ['sample_bi', 'sample_bi{m}'],
      ['overall_bi', 'overall_bi{m}'],
    ],
  },
  {
    title: 'size-invariant',
    columns: [
      ['s_adp', 'si_sample_adp{m}'],
      ['s_mean', 'si_sample_mean{m}'],
      ['s_max', 'si_sample_max{m}'],
      ['s_bi', 'si_sample_bi{m}'],
      ['o_mean', 'si_overall_mean{m}'],
      ['o_max', 'si_overall_max{m}'],
      ['o_bi', 'si_overall_bi{m}'],
    ],
  },
];

function fmt(v: number | undefined): string {
  if (v === undefined) return '-';
  return Number.isNaN(v) ? 'NaN' : v.toFixed(4);
}

/** Keys as `name value` cells, `perLine` per line. */
function flat(keys: readonly string[], values: Record<string, number>, perLine: number): string[] {
  const lines: string[] = [];
  const w = Math.max(...keys.map((k) => k.length));
  for (let i = 0; i < keys.length; i += perLine) {
    lines.push(
      keys
        .slice(i, i + perLine)
        .map((k) => `${k.padEnd(w)} ${(k === 'count' ? String(values[k]) : fmt(values[k])).padStart(7)}`)
        .join('   '),
    );
  }
  return lines;
}

/**
 * The stdout table of `segr1 metrics --all`: the FmeasureV2 and size-invariant keys as metric × mode matrices, every
 * other key (paper set, AUCs, MSIoU, HCE, cm, …) as `name value` cells in registry order (4 per line unless
 * `cellsPerLine` says otherwise: the editor's results document uses 2, narrow enough not to wrap). Absent keys print `-`.
 */
export function fullSetTable(values: Record<string, number>, keys: readonly string[], opts: { readonly cellsPerLine?: number } = {}): string {
  const used = new Set<string>();
  const parts: string[] = [];
  const metrics = BASE_METRICS.map(([m]) => m);
  for (const b of BLOCKS) {
    const cells = b.columns.map(([, t]) => metrics.map((m) => t.replace('{m}', m)));
    if (!cells.some((col) => col.some((k) => keys.includes(k)))) continue;
    const head = [b.title.padEnd(14), ...b.columns.map(([h]) => h.padStart(10))].join(' ');
    const rows = metrics.map((m, r) => [m.padEnd(14), ...cells.map((col) => fmt(values[col[r]!]).padStart(10))].join(' '));
    for (const col of cells) for (const k of col) used.add(k);
    parts.push([head, ...rows].join('\n'));
  }
  const rest = [...keys.filter((k) => !used.has(k)), 'count'];
  parts.unshift(flat(rest, values, opts.cellsPerLine ?? 4).join('\n'));
  return parts.join('\n\n');
}
