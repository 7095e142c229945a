/** A workbench-notebook cell, parsed. One query per line; `#` starts a comment. */
export type NotebookQuery =
  | { readonly kind: 'rollout'; readonly log?: string; readonly line: number }
  | { readonly kind: 'rank'; readonly order: 'worst' | 'best'; readonly n: number; readonly column: string; readonly step?: number }
  | { readonly kind: 'group'; readonly log?: string; readonly line: number };

/** A query that could not be read, with where and why. */
export interface QueryError {
  readonly line: number;
  readonly message: string;
}

/** The cell language, documented where the user sees it (the default cell of a new notebook). */
export const QUERY_HELP = [
  '# Seg-R1 workbench notebook: one query per line.',
  '#   rollout [<log>] <line>       the rollout on that line of the log',
  '#   group [<log>] <line>         every rollout of that rollout\'s GRPO group',
  '#   worst <n> by <column> [at step <s>]   lowest n (reward, advantage, or a component)',
  '#   best <n> by <column> [at step <s>]    highest n',
].join('\n');

/** Parse a cell into queries; bad lines become errors, the rest still run. */
export function parseNotebookCell(text: string): { queries: NotebookQuery[]; errors: QueryError[] } {
  const queries: NotebookQuery[] = [];
  const errors: QueryError[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const src = raw.replace(/#.*$/, '').trim();
    if (!src) return;
    const words = src.split(/\s+/);
    const head = words[0]!.toLowerCase();
    const line = i + 1;
    if (head === 'rollout' || head === 'group') {
      const last = Number(words[words.length - 1]);
      if (words.length < 2 || words.length > 3 || !Number.isInteger(last) || last < 1) {
        errors.push({ line, message: `expected '${head} [<log>] <line>' with a positive line number` });
        return;
      }
      queries.push({ kind: head, log: words.length === 3 ? words[1] : undefined, line: last });
      return;
    }
    if (head === 'worst' || head === 'best') {
      const m = /^(worst|best)\s+(\d+)\s+by\s+(\S+)(?:\s+at\s+step\s+(-?\d+(?:\.\d+)?))?$/i.exec(src);
      if (!m || Number(m[2]) < 1) {
        errors.push({ line, message: `expected '${head} <n> by <column> [at step <s>]'` });
        return;
      }
      queries.push({ kind: 'rank', order: head, n: Math.min(50, Number(m[2])), column: m[3]!, step: m[4] !== undefined ? Number(m[4]) : undefined });
      return;
    }
    errors.push({ line, message: `unknown query '${words[0]}' (rollout, group, worst, best)` });
  });
  return { queries, errors };
}
