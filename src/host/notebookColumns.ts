/**
 * The columns a notebook query can rank and sort by: every number the panel or the rollout list shows for a rollout.
 * Logged values come from the index, prompt statistics from one parse of the log, replay values (IoU, S-measure,
 * intended reward) from scoring the rollout's mask against its GT as the panel's group strip does.
 */

/** Where a column's values come from. */
export type ColumnSource =
  | { readonly kind: 'index'; readonly key: 'reward' | 'advantage' | 'step' | 'sample' | 'line' }
  | { readonly kind: 'component'; readonly name: string }
  | { readonly kind: 'prompt'; readonly key: 'points' | 'boxes' | 'positiveFraction' | 'boxAreaFraction' | 'thinkWords' | 'formatFailure' }
  | { readonly kind: 'replay'; readonly key: 'iou' | 'sm' | 'intended' };

/** Canonical column names (as the card and the help show them) and the names also accepted for each. */
const NAMED: ReadonlyArray<{ readonly name: string; readonly aliases: readonly string[]; readonly source: ColumnSource }> = [
  { name: 'reward', aliases: ['total'], source: { kind: 'index', key: 'reward' } },
  { name: 'advantage', aliases: ['adv'], source: { kind: 'index', key: 'advantage' } },
  { name: 'iou', aliases: [], source: { kind: 'replay', key: 'iou' } },
  { name: 's-measure', aliases: ['sm', 'smeasure', 's_measure'], source: { kind: 'replay', key: 'sm' } },
  { name: 'intended', aliases: ['intended-reward'], source: { kind: 'replay', key: 'intended' } },
  { name: 'points', aliases: [], source: { kind: 'prompt', key: 'points' } },
  { name: 'boxes', aliases: [], source: { kind: 'prompt', key: 'boxes' } },
  { name: 'positive', aliases: ['positive-fraction', 'positiveFraction'], source: { kind: 'prompt', key: 'positiveFraction' } },
  { name: 'box-area', aliases: ['boxAreaFraction'], source: { kind: 'prompt', key: 'boxAreaFraction' } },
  { name: 'think-words', aliases: ['thinkWords'], source: { kind: 'prompt', key: 'thinkWords' } },
  { name: 'format-failure', aliases: ['formatFailure'], source: { kind: 'prompt', key: 'formatFailure' } },
  { name: 'step', aliases: [], source: { kind: 'index', key: 'step' } },
  { name: 'sample', aliases: [], source: { kind: 'index', key: 'sample' } },
  { name: 'line', aliases: [], source: { kind: 'index', key: 'line' } },
];

/** Every column name a query accepts for logs with these reward components, in the order the help lists them. */
export function columnNames(components: Iterable<string>): string[] {
  const named = NAMED.map((c) => c.name);
  return [...named.slice(0, 2), ...[...new Set(components)].filter((c) => !named.includes(c)), ...named.slice(2)];
}

/**
 * The source of column `name`. A logged component's exact name wins (a trainer may log its own `iou`); then the named
 * columns and their aliases, case-insensitively; then components case-insensitively. Unknown: an error listing all.
 */
export function resolveColumn(name: string, components: Iterable<string>): ColumnSource | { readonly error: string } {
  const comps = [...new Set(components)];
  if (comps.includes(name)) return { kind: 'component', name };
  const lower = name.toLowerCase();
  const named = NAMED.find((c) => c.name === lower || c.aliases.some((a) => a.toLowerCase() === lower));
  if (named) return named.source;
  const ci = comps.find((c) => c.toLowerCase() === lower);
  if (ci !== undefined) return { kind: 'component', name: ci };
  return { error: `unknown column '${name}'; valid columns: ${columnNames(comps).join(', ')}` };
}

/** The n rows with the highest (`best`) or lowest (`worst`) value; rows without a value (NaN) never rank; ties keep input order. */
export function rankRows<T extends { readonly v: number }>(rows: readonly T[], order: 'best' | 'worst', n: number): T[] {
  const known = rows.filter((r) => !Number.isNaN(r.v));
  const dir = order === 'worst' ? 1 : -1;
  // Array.prototype.sort is stable: equal values stay in log order.
  return known.sort((a, b) => (a.v === b.v ? 0 : (a.v - b.v) * dir > 0 ? 1 : -1)).slice(0, Math.max(0, n));
}

/** Members sorted by a value, highest first, those without one (NaN) last in their original order. */
export function sortByValueDesc<T>(rows: readonly T[], value: (r: T) => number): T[] {
  return rows
    .map((r, k) => ({ r, k, v: value(r) }))
    .sort((a, b) => {
      const an = Number.isNaN(a.v);
      const bn = Number.isNaN(b.v);
      if (an || bn) return an === bn ? a.k - b.k : an ? 1 : -1;
      return b.v - a.v || a.k - b.k;
    })
    .map((x) => x.r);
}
