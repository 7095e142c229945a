import { QUERY_HELP } from './notebookQuery';

/** One cell as a `.segr1nb` file stores it. */
export interface StoredCell {
  kind: 'markdown' | 'code';
  value: string;
  outputs?: Array<Array<{ mime: string; data: string }>>;
}

/** Text kept inside a markdown fence, however many backticks it holds (so it can never close the fence early). */
function fenced(text: string): string {
  const longest = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return `number ${String(v)}`;
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The outputs of cell `at` that have the stored shape; the others are reported and dropped. */
function readOutputs(v: unknown, at: string, problems: string[]): StoredCell['outputs'] {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    problems.push(`${at}.outputs: expected a list of outputs, found ${describe(v)}; outputs dropped`);
    return undefined;
  }
  const outputs: NonNullable<StoredCell['outputs']> = [];
  v.forEach((items: unknown, j) => {
    if (!Array.isArray(items)) {
      problems.push(`${at}.outputs[${j}]: expected a list of {mime, data} items, found ${describe(items)}; output dropped`);
      return;
    }
    const bad = items.findIndex((i) => !isObject(i) || typeof i.mime !== 'string' || typeof i.data !== 'string');
    if (bad >= 0) {
      const item: unknown = items[bad];
      const field = !isObject(item) ? '' : typeof item.mime !== 'string' ? '.mime' : '.data';
      const found = !isObject(item) ? item : typeof item.mime !== 'string' ? item.mime : item.data;
      problems.push(`${at}.outputs[${j}][${bad}]${field}: expected ${field ? 'a string' : 'an object {mime, data}'}, found ${describe(found)}; output dropped`);
      return;
    }
    outputs.push(items as Array<{ mime: string; data: string }>);
  });
  return outputs;
}

/** The cells of a parsed `cells` array that have the stored shape; each other one is reported and skipped. */
function readCells(list: unknown[], problems: string[]): StoredCell[] {
  const cells: StoredCell[] = [];
  list.forEach((c: unknown, i) => {
    const at = `cells[${i}]`;
    if (!isObject(c)) {
      problems.push(`${at}: expected a cell object {kind, value}, found ${describe(c)}; cell skipped`);
      return;
    }
    if (typeof c.value !== 'string') {
      problems.push(`${at}.value: expected the cell's text as a string, found ${c.value === undefined ? 'no value' : describe(c.value)}; cell skipped`);
      return;
    }
    let kind: StoredCell['kind'] = 'code';
    if (c.kind === 'markdown' || c.kind === 'code') kind = c.kind;
    else problems.push(`${at}.kind: expected "markdown" or "code", found ${c.kind === undefined ? 'no kind' : describe(c.kind)}; read as code`);
    const outputs = readOutputs(c.outputs, at, problems);
    cells.push({ kind, value: c.value, ...(outputs ? { outputs } : {}) });
  });
  return cells;
}

/** A markdown cell saying what could not be read, naming the file when known. */
function problemCell(file: string | undefined, problems: readonly string[], keptText?: string): StoredCell {
  const where = file ? `\`${file.replace(/`/g, "'")}\`` : 'This file';
  const list = fenced(problems.slice(0, 50).join('\n') + (problems.length > 50 ? `\n… and ${problems.length - 50} more` : ''));
  const kept = keptText === undefined ? '' : `\n\nIts text is kept below.\n\n${fenced(keptText.slice(0, 20000))}`;
  return { kind: 'markdown', value: `**${where} is not entirely a valid Seg-R1 notebook**; what is valid is open.\n\n${list}${kept}` };
}

/**
 * Parse a `.segr1nb` file's text (`{"cells": [{kind, value, outputs?}]}`) without trusting its shape: every
 * cell of the stored shape opens, each other part becomes a problem naming its field (`cells[3].value`), and the
 * problems are listed in a first markdown cell. Empty text is a new notebook.
 */
export function parseNotebookText(text: string, file?: string): { cells: StoredCell[]; problems: string[] } {
  const t = text.replace(/^\ufeff/, '').trim();
  if (!t) {
    return {
      cells: [
        { kind: 'markdown', value: '# Seg-R1 workbench notebook\nRun a cell to pull rollouts from the workspace logs; outputs render with the Seg-R1 rollout renderer.' },
        { kind: 'code', value: `${QUERY_HELP}\nworst 3 by reward` },
      ],
      problems: [],
    };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(t);
  } catch (e) {
    const problems = [`not valid JSON (${e instanceof Error ? e.message : String(e)})`];
    return { cells: [problemCell(file, problems, t)], problems };
  }
  if (!isObject(doc)) {
    const problems = [`expected a JSON object {"cells": [...]}, found ${describe(doc)}`];
    return { cells: [problemCell(file, problems, t)], problems };
  }
  if (doc.cells === undefined) return { cells: [], problems: [] };
  if (!Array.isArray(doc.cells)) {
    const problems = [`cells: expected an array of cells, found ${describe(doc.cells)}`];
    return { cells: [problemCell(file, problems, t)], problems };
  }
  const problems: string[] = [];
  const cells = readCells(doc.cells, problems);
  return { cells: problems.length ? [problemCell(file, problems), ...cells] : cells, problems };
}
