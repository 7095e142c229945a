/**
 * Text of the Runs tree rows, pure (no vscode) so hostile names can be tested: a short label, a short description
 * that keeps the key numbers visible at the default sidebar width, and a Markdown tooltip with all of them.
 * Run names, group keys and paths come from logs: every one is escaped before it enters Markdown.
 */

/** What one row shows: `tooltip` is Markdown meant for a MarkdownString with HTML and theme icons off. */
export interface RowText {
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
}

/** Longest run name kept in a label: longer ones are shortened in the middle (the tooltip has the full name). */
export const RUN_LABEL_MAX = 18;
/** Longest group key kept in a label. */
export const GROUP_LABEL_MAX = 22;
/** Longest text from a log a tooltip repeats. */
const TOOLTIP_TEXT_MAX = 400;

// C0/C1 controls and the bidi overrides/isolates/marks that would reorder the row's text.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** One line of plain text from a log: controls and bidi overrides become spaces, whitespace runs collapse. */
export function plainText(s: string): string {
  return s.replace(INVISIBLE, ' ').replace(/\s+/gu, ' ').trim();
}

/** Shortens to at most `max` characters (code points) by cutting the middle: both ends of a run name tell runs apart. */
export function shortenMiddle(s: string, max: number): string {
  const cps = [...s];
  if (cps.length <= max) return s;
  const keep = Math.max(1, max - 1);
  const head = Math.ceil(keep / 2);
  return `${cps.slice(0, head).join('')}…${cps.slice(cps.length - (keep - head)).join('')}`;
}

/**
 * Text from a log, as literal Markdown: one line, every ASCII punctuation character backslash-escaped (CommonMark
 * lets any of them be escaped, so no link, emphasis, HTML, entity, table or heading can start), cut to a bounded length.
 */
export function escapeMarkdown(s: string): string {
  return shortenMiddle(plainText(s), TOOLTIP_TEXT_MAX).replace(/[!-/:-@[-`{-~]/gu, '\\$&');
}

/** A number with `digits` decimals, '—' when unknown. */
export function num(v: number, digits: number): string {
  return Number.isFinite(v) ? v.toFixed(digits) : '—';
}

/** A signed number ('+0.41'), '—' when unknown. */
export function signed(v: number, digits: number): string {
  return Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(digits)}` : '—';
}

/** Mean, population σ, min and max of the finite values among `values[i]` for i in `members` (all when omitted). */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/** Summary of `values` over `members` (or all of them); NaN entries are skipped, n counts the rest. */
export function summarize(values: ArrayLike<number>, members?: ArrayLike<number>): Summary {
  const m = members?.length ?? values.length;
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < m; k++) {
    const v = values[members ? members[k]! : k]!;
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!n) return { n: 0, mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = sum / n;
  let ss = 0;
  for (let k = 0; k < m; k++) {
    const v = values[members ? members[k]! : k]!;
    if (Number.isFinite(v)) ss += (v - mean) ** 2;
  }
  return { n, mean, std: Math.sqrt(ss / n), min, max };
}

/** Format failures: rollouts whose logged format reward is 0; `logged` false when the log has no format component. */
export interface FormatFailures {
  readonly count: number;
  readonly logged: boolean;
}

/** The logged format reward per record: the first component whose name contains "format"; undefined when none. */
export function formatComponent<T extends ArrayLike<number>>(components: ReadonlyMap<string, T>): T | undefined {
  for (const [name, values] of components) if (/format/iu.test(name)) return values;
  return undefined;
}

/** Counts rollouts (of `members`, or all `total`) with a logged format reward equal to 0. */
export function countFormatFailures(components: ReadonlyMap<string, ArrayLike<number>>, members: ArrayLike<number> | undefined, total: number): FormatFailures {
  const format = formatComponent(components);
  if (!format) return { count: 0, logged: false };
  const m = members?.length ?? total;
  let count = 0;
  for (let k = 0; k < m; k++) if (format[members ? members[k]! : k] === 0) count++;
  return { count, logged: true };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const failuresLine = (f: FormatFailures, n: number) => `format failures (logged format reward 0): ${f.logged ? `${f.count} of ${n}` : 'not logged'}`;
const rewardLine = (r: Summary) => `reward: mean ${num(r.mean, 3)} · σ ${num(r.std, 3)} · min ${num(r.min, 3)} · max ${num(r.max, 3)} (${r.n} logged)`;
const advantageLine = (a: Summary) => `advantage: ${a.n ? `${signed(a.min, 3)} … ${signed(a.max, 3)}` : 'not logged'}`;
// Markdown hard line breaks: each fact on its own line without a paragraph gap.
const lines = (xs: readonly string[]) => xs.join('  \n');

/** A log (run) row. */
export function runText(r: { name: string; runs: number; path: string; rollouts: number; steps: number; groups: number; reward: Summary; advantage: Summary; formatFailures: FormatFailures }): RowText {
  const name = plainText(r.name) || '(unnamed run)';
  return {
    label: shortenMiddle(name, RUN_LABEL_MAX),
    description: `${r.steps} steps · r̄ ${num(r.reward.mean, 2)}`,
    tooltip: lines([
      `**${escapeMarkdown(name)}**${r.runs > 1 ? ` (and ${r.runs - 1} other run${r.runs > 2 ? 's' : ''} in this log)` : ''}`,
      `${plural(r.rollouts, 'rollout')} · ${plural(r.steps, 'step')} · ${plural(r.groups, 'group')}`,
      rewardLine(r.reward),
      advantageLine(r.advantage),
      failuresLine(r.formatFailures, r.rollouts),
      `log: ${escapeMarkdown(r.path)}`,
    ]),
  };
}

/** A step row (`step` NaN or infinite: the records without a step). */
export function stepText(s: { step: number; groups: number; rollouts: number; reward: Summary; advantage: Summary; formatFailures: FormatFailures }): RowText {
  const label = Number.isFinite(s.step) ? `step ${s.step}` : 'no step';
  return {
    label,
    description: `${s.groups} groups · r̄ ${num(s.reward.mean, 2)}`,
    tooltip: lines([`**${label}**`, `${plural(s.groups, 'group')} · ${plural(s.rollouts, 'rollout')}`, rewardLine(s.reward), advantageLine(s.advantage), failuresLine(s.formatFailures, s.rollouts)]),
  };
}

/** A group row; `std` is the trainer's σ (the one its advantages divide by), `zeroVariance` when all rewards are equal. */
export function groupText(g: { key: string; step: number; rollouts: number; mean: number; std: number; zeroVariance: boolean; reward: Summary; advantage: Summary; formatFailures: FormatFailures; path: string; firstLine: number }): RowText {
  const key = plainText(g.key) || '(no key)';
  return {
    label: `group ${shortenMiddle(key, GROUP_LABEL_MAX)}`,
    description: g.zeroVariance ? `r̄ ${num(g.mean, 2)} · σ 0 · no signal` : `r̄ ${num(g.mean, 2)} · σ ${num(g.std, 2)}`,
    tooltip: lines([
      `**group ${escapeMarkdown(key)}**${Number.isFinite(g.step) ? ` · step ${g.step}` : ''}`,
      plural(g.rollouts, 'rollout'),
      `reward: mean ${num(g.mean, 3)} · σ ${num(g.std, 3)} · min ${num(g.reward.min, 3)} · max ${num(g.reward.max, 3)} (${g.reward.n} logged)`,
      ...(g.zeroVariance ? ['all rewards equal: GRPO advantages are all 0, the group teaches nothing'] : []),
      advantageLine(g.advantage),
      failuresLine(g.formatFailures, g.rollouts),
      `log: ${escapeMarkdown(g.path)}:${g.firstLine}`,
    ]),
  };
}

/** A rollout row; `format` is its logged format reward (NaN when not logged). */
export function rolloutText(r: { sample: number; index: number; reward: number; advantage: number; format: number; path: string; line: number }): RowText {
  const label = `rollout ${r.sample >= 0 ? r.sample : r.index}`;
  const failed = r.format === 0;
  return {
    label,
    description: `r ${num(r.reward, 2)} · A ${signed(r.advantage, 2)}${failed ? ' · format 0' : ''}`,
    tooltip: lines([
      `**${label}**`,
      `reward ${num(r.reward, 3)} · advantage ${signed(r.advantage, 3)}`,
      `format reward: ${Number.isNaN(r.format) ? 'not logged' : num(r.format, 3)}${failed ? ' (format failure)' : ''}`,
      `log: ${escapeMarkdown(r.path)}:${r.line}`,
    ]),
  };
}
