import { statSync } from 'node:fs';
import { relative } from 'node:path';
import { loadAnnotations } from '../../core/annotations/file';
import { compareKeys, serializeAnnotations } from '../../core/annotations/store';
import type { AnnotationEntry, AnnotationIssue } from '../../core/annotations/types';
import { err, out } from '../output';

const USAGE = `usage: segr1 annotations <workspace> [--json]

Lists the annotations in <workspace>/.segr1/annotations.json: notes, label overrides and saved counterfactual prompts,
one row per annotated rollout (log, run, step, group, sample).
  --json   print {"file", "version", "entries": [...], "issues": [...]} instead of the table (entries as in the file)
Bad entries are reported (file, JSON path, field) on stderr and skipped; exit 1 when there were any.`;

function cell(v: string | number | null): string {
  return v === null ? '—' : String(v);
}

/** First line of a note, at most 60 characters. */
function shortNote(note: string | undefined): string {
  if (note === undefined) return '';
  const first = note.split('\n', 1)[0]!;
  return first.length > 60 ? `${first.slice(0, 59)}…` : first;
}

/** Text table of the entries, in the file's order. */
export function formatAnnotations(entries: readonly AnnotationEntry[]): string {
  const rows = entries.map((e) => [e.key.log, cell(e.key.run), cell(e.key.step), cell(e.key.group), cell(e.key.sample), e.label ?? '', String(e.counterfactuals.length), shortNote(e.note)]);
  const head = ['log', 'run', 'step', 'group', 'sample', 'label', 'prompts', 'note'];
  const widths = head.map((h, k) => Math.max(h.length, ...rows.map((r) => r[k]!.length)));
  const line = (r: readonly string[]) => r.map((c, k) => (k === r.length - 1 ? c : c.padEnd(widths[k]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line), `${entries.length} annotated rollout${entries.length === 1 ? '' : 's'}`].join('\n');
}

function issueText(i: AnnotationIssue, cwd: string): string {
  return `${relative(cwd, i.file) || i.file}: ${i.path}${i.field ? ` (${i.field})` : ''}: ${i.message}`;
}

/** `segr1 annotations`: exit 0 when every entry read, 1 when some could not be, 2 on usage errors. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  let workspace: string | undefined;
  let json = false;
  for (const a of argv) {
    if (a === '--json') json = true;
    else if (a.startsWith('--')) {
      err(`segr1 annotations: unknown option '${a}'\n\n${USAGE}`);
      return 2;
    } else if (workspace === undefined) workspace = a;
    else {
      err(`segr1 annotations: unexpected argument '${a}'\n\n${USAGE}`);
      return 2;
    }
  }
  if (workspace === undefined) {
    err(`segr1 annotations: a workspace folder is required\n\n${USAGE}`);
    return 2;
  }
  if (!statSync(workspace, { throwIfNoEntry: false })?.isDirectory()) {
    err(`segr1 annotations: ${workspace} is not a folder`);
    return 2;
  }
  const loaded = loadAnnotations(workspace);
  // The file's own order and shape (invalid entries left out: they are reported below).
  const doc = JSON.parse(serializeAnnotations({ ...loaded.store, invalid: [] })) as { version: number; entries: unknown[] };
  const entries = [...loaded.store.entries.values()].sort((a, b) => compareKeys(a.key, b.key));
  if (json) out(JSON.stringify({ file: loaded.file, version: doc.version, entries: doc.entries, issues: loaded.issues }, null, 2));
  else out(formatAnnotations(entries));
  for (const i of loaded.issues) err(issueText(i, process.cwd()));
  return loaded.issues.length ? 1 : 0;
}
