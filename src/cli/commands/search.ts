import { existsSync } from 'node:fs';
import { indexRolloutLog } from '../../core/logs/jsonlIndex';
import { SNIPPET_CONTEXT } from '../../core/search/scan';
import { searchRun, type SearchHit, type SearchSummary } from '../../core/search/searchRun';
import { specProblem, type SearchSpec } from '../../core/search/spec';
import { escapeControls } from '../../shared/terminalText';
import { argsOrExit, err, out } from '../output';

const USAGE = `usage: segr1 search <log.jsonl> <pattern> [--regex] [--ignore-case] [--run <run>] [--step <n>] [--json] [--limit <n>]

Searches the completion of every rollout of a canonical JSONL log (the decoded text, not the raw JSON) and prints
each hit (line, step, group, sample and the match in context, marked «…») and the counts per step.
  --regex          the pattern is a JavaScript regular expression (flags u, + i with --ignore-case)
  --ignore-case    case-insensitive (Unicode simple case folding)
  --run <run>      only rollouts of this run
  --step <n>       only rollouts of this step
  --json           print {"summary": {...}, "hits": [...]} instead of text
  --limit <n>      hits printed (default 50; 0 = none, counts only); counts always cover every rollout
A regex gets 1 s per completion; a completion it cannot finish in time is skipped and named, and the search stops
after 5 of them. Exit 0 when something matched, 1 when nothing did, 2 on usage errors.
Other tools' logs: convert them first with 'segr1 convert'.`;

interface Args {
  log: string;
  spec: SearchSpec;
  json: boolean;
  limit: number;
}

function parseArgs(argv: string[]): Args | string {
  const pos: string[] = [];
  let regex = false;
  let ignoreCase = false;
  let json = false;
  let run: string | undefined;
  let step: number | undefined;
  let limit = 50;
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === '--regex') regex = true;
    else if (k === '--ignore-case' || k === '-i') ignoreCase = true;
    else if (k === '--json') json = true;
    else if (k === '--run') {
      run = argv[++i];
      if (run === undefined) return '--run needs a run id';
    } else if (k === '--step') {
      const v = argv[++i];
      step = Number(v);
      if (v === undefined || v.trim() === '' || !Number.isFinite(step)) return `--step needs a number (got ${v === undefined ? 'nothing' : `'${v}'`})`;
    } else if (k === '--limit') {
      const v = argv[++i];
      limit = Number(v);
      if (v === undefined || !Number.isInteger(limit) || limit < 0) return `--limit needs a non-negative integer (got ${v === undefined ? 'nothing' : `'${v}'`})`;
    } else if (k === '--') {
      // Everything after -- is positional: a pattern may start with dashes.
      pos.push(...argv.slice(i + 1));
      break;
    } else if (k.startsWith('--')) return `unknown option '${k}'`;
    else pos.push(k);
  }
  if (pos.length !== 2) return pos.length < 2 ? 'a log and a pattern are required' : `unexpected argument '${pos[2]}'`;
  const spec: SearchSpec = { pattern: pos[1]!, regex, ignoreCase, ...(run === undefined ? {} : { run }), ...(step === undefined ? {} : { step }) };
  return { log: pos[0]!, spec, json, limit };
}

/** One hit as a line: where it is, and the match in its context with control characters shown as escapes. */
export function formatHit(log: string, h: SearchHit): string {
  const s = h.offsets[0]! - h.snippetStart;
  const e = h.offsets[1]! - h.snippetStart;
  const text = (x: string) => escapeControls(x, false);
  const before = (h.snippetStart > 0 ? '…' : '') + text(h.snippet.slice(0, s));
  const after = text(h.snippet.slice(e)) + (h.snippet.length - e >= SNIPPET_CONTEXT ? '…' : '');
  const where = [`step ${h.step ?? '—'}`, `group ${h.group ?? '—'}`, `sample ${h.sample ?? '—'}`].join('  ');
  const more = h.matchCount > 1 ? ` (${h.matchCount} matches)` : '';
  return `${log}:${h.line}  ${where}${more}  ${before}«${text(h.snippet.slice(s, e))}»${after}`;
}

/** The counts per step as a table, then the totals and anything not searched. */
export function formatSummary(s: SearchSummary, shown: number): string {
  const rows = [['step', 'rollouts', 'matched', 'matches'], ...s.steps.map((c) => [c.step === null ? '—' : String(c.step), String(c.rollouts), String(c.matched), String(c.matches)])];
  const lines = rows.map((r) => [r[0]!.padEnd(8), ...r.slice(1).map((x) => x.padStart(9))].join(' '));
  lines.push(`${s.matched} of ${s.searched} completions match (${s.matches} matches); ${shown} shown`);
  if (s.badLines > 0) lines.push(`${s.badLines} bad line(s) of the log not searched (see 'segr1 convert' for their issues)`);
  for (const k of s.skipped) lines.push(`skipped line ${k.line}: ${k.reason}`);
  if (s.timedOut.length > 0) lines.push(`regex budget exceeded on line(s) ${s.timedOut.join(', ')}: not searched`);
  if (s.stopped) lines.push(`stopped: ${s.stopped}`);
  return lines.join('\n');
}

/** `segr1 search`: exit 0 when a completion matched, 1 when none did, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  const args = argsOrExit('search', argv, USAGE, parseArgs);
  if (typeof args === 'number') return args;
  const problem = specProblem(args.spec);
  if (problem) {
    err(`segr1 search: ${problem}`);
    return 2;
  }
  if (!existsSync(args.log)) {
    err(`segr1 search: no such file: ${args.log}`);
    return 2;
  }
  const index = await indexRolloutLog(args.log);
  if (index.notRollouts) {
    err(`segr1 search: ${args.log}: ${index.notRollouts}`);
    return 2;
  }
  const hits: SearchHit[] = [];
  const summary = await searchRun(index, args.spec, {
    maxHits: args.limit,
    onBatch: (b) => {
      if (args.json) hits.push(...b.hits);
      else for (const h of b.hits) out(formatHit(args.log, h));
    },
  });
  if (args.json) out(JSON.stringify({ summary, hits }, null, 1));
  else out((summary.delivered > 0 ? '\n' : '') + formatSummary(summary, summary.delivered));
  return summary.matched > 0 ? 0 : 1;
}
