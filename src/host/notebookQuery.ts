/** A workbench-notebook cell, parsed. One query per line; `#` starts a comment. */
export type NotebookQuery =
  | { readonly kind: 'rollout'; readonly log?: string; readonly line: number }
  | { readonly kind: 'rank'; readonly order: 'worst' | 'best'; readonly n: number; readonly column: string; readonly step?: number }
  | { readonly kind: 'group'; readonly log?: string; readonly line: number; readonly sortBy?: string };

/** A query that could not be read, with where and why. */
export interface QueryError {
  readonly line: number;
  readonly message: string;
}

/** Most rollouts one rank query returns (each is a card with an inlined image). */
export const MAX_RANK_N = 50;
/** Longest query line read; a longer one is an error rather than a regex over megabytes. */
export const MAX_QUERY_CHARS = 1000;
/** Longest column name (component names are short; this keeps error messages short too). */
const MAX_COLUMN_CHARS = 64;
/** Column names: what trainers name reward components (`format`, `rewards/format_reward`, `s-measure`). */
const COLUMN_NAME = /^[A-Za-z_][\w./-]*$/;

/** The cell language, documented where the user sees it (the default cell of a new notebook). */
export const QUERY_HELP = [
  '# Seg-R1 workbench notebook: one query per line.',
  '#   rollout [<log>] <line>                  the rollout on that line of the log',
  '#   group [<log>] <line> [by <column>]      every rollout of that rollout\'s GRPO group, sorted by advantage (or <column>)',
  '#   worst <n> by <column> [at step <s>]     lowest n',
  '#   best <n> by <column> [at step <s>]      highest n',
  '# Columns: reward, advantage, each logged reward component, iou, s-measure, intended, points, boxes, positive,',
  '#   think-words, format-failure, step, sample, line (as the panel and the rollout list show them).',
].join('\n');

/** A column name token, or why it is not one. */
function columnToken(raw: string): { column: string } | { error: string } {
  if (raw.length > MAX_COLUMN_CHARS) return { error: `column name longer than ${MAX_COLUMN_CHARS} characters` };
  if (!COLUMN_NAME.test(raw)) return { error: `'${raw}' is not a column name (letters, digits, _ . / -, starting with a letter)` };
  return { column: raw };
}

/** Parse one query line (comment stripped, non-empty). */
function parseLine(src: string): NotebookQuery | string {
  const words = src.split(/\s+/);
  const head = words[0]!.toLowerCase();
  if (head === 'rollout') {
    const last = Number(words[words.length - 1]);
    if (words.length < 2 || words.length > 3 || !Number.isSafeInteger(last) || last < 1) return `expected 'rollout [<log>] <line>' with a positive line number`;
    return { kind: 'rollout', log: words.length === 3 ? words[1] : undefined, line: last };
  }
  if (head === 'group') {
    const m = /^group(?:\s+(\S+))?\s+(\d+)(?:\s+by\s+(\S+))?$/i.exec(src);
    const line = m ? Number(m[2]) : NaN;
    if (!m || !Number.isSafeInteger(line) || line < 1) return `expected 'group [<log>] <line> [by <column>]' with a positive line number`;
    if (m[3] === undefined) return { kind: 'group', log: m[1], line };
    const c = columnToken(m[3]);
    return 'error' in c ? c.error : { kind: 'group', log: m[1], line, sortBy: c.column };
  }
  if (head === 'worst' || head === 'best') {
    const m = /^(worst|best)\s+(\d+)\s+by\s+(\S+)(?:\s+at\s+step\s+(-?\d+(?:\.\d+)?))?$/i.exec(src);
    if (!m || Number(m[2]) < 1) return `expected '${head} <n> by <column> [at step <s>]' with n ≥ 1`;
    const step = m[4] !== undefined ? Number(m[4]) : undefined;
    if (step !== undefined && !Number.isFinite(step)) return `step '${m[4]!.slice(0, 20)}…' is not a finite number`;
    const c = columnToken(m[3]!);
    if ('error' in c) return c.error;
    return { kind: 'rank', order: head, n: Math.min(MAX_RANK_N, Number(m[2])), column: c.column, step };
  }
  return `unknown query '${words[0]!.slice(0, 40)}' (rollout, group, worst, best)`;
}

/** Parse a cell into queries; bad lines become errors, the rest still run. */
export function parseNotebookCell(text: string): { queries: NotebookQuery[]; errors: QueryError[] } {
  const queries: NotebookQuery[] = [];
  const errors: QueryError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.length > MAX_QUERY_CHARS) {
      errors.push({ line, message: `query longer than ${MAX_QUERY_CHARS} characters` });
      return;
    }
    const src = raw.replace(/#.*$/, '').trim();
    if (!src) return;
    const q = parseLine(src);
    if (typeof q === 'string') errors.push({ line, message: q });
    else queries.push(q);
  });
  return { queries, errors };
}
