/**
 * The traces view's search, on the host: every completion of every run searched with the core's streamed search
 * (worker threads, cancellable), hits forwarded to the webview as they arrive with running counts per step; and
 * saved searches turned into row masks of the rollout list. No `vscode` import: tests drive it with plain indexes.
 */
import type { RolloutIndex } from '../core/logs/jsonlIndex';
import { searchRun, type SearchHit } from '../core/search/searchRun';
import type { SearchSpec } from '../core/search/spec';
import { TRACE_SEARCH_MAX_HITS, type TraceSearchHit, type TraceSearchProgress } from '../shared/tracesProtocol';

/** One log to search: its id (path) and index. */
export interface SearchLog {
  readonly file: string;
  readonly index: RolloutIndex;
}

/** Where a search's results go. */
export interface SearchSink {
  batch(hits: readonly TraceSearchHit[], progress: TraceSearchProgress): void;
  done(progress: TraceSearchProgress, notes: readonly string[]): void;
}

/** The matches of a hit that fall inside its snippet, as [start, end) pairs relative to the snippet (clipped to it). */
export function snippetMarks(offsets: readonly number[], snippetStart: number, snippetLength: number): number[] {
  const out: number[] = [];
  const end = snippetStart + snippetLength;
  for (let k = 0; k + 1 < offsets.length; k += 2) {
    const s = Math.max(offsets[k]!, snippetStart);
    const e = Math.min(offsets[k + 1]!, end);
    if (s < e) out.push(s - snippetStart, e - snippetStart);
    if (offsets[k]! >= end) break;
  }
  return out;
}

/** A core hit as the webview lists it. */
function toTraceHit(log: string, h: SearchHit): TraceSearchHit {
  return {
    log,
    record: h.record,
    line: h.line,
    ...(h.step === undefined ? {} : { step: h.step }),
    ...(h.group === undefined ? {} : { group: h.group }),
    ...(h.sample === undefined ? {} : { sample: h.sample }),
    matchCount: h.matchCount,
    snippet: h.snippet,
    snippetStart: h.snippetStart,
    marks: snippetMarks(h.offsets, h.snippetStart, h.snippet.length),
  };
}

/** Running counts over several logs, keyed by step (NaN: no step). */
class Counts {
  private readonly steps = new Map<number, { rollouts: number; matched: number; matches: number }>();
  total = 0;
  searched = 0;
  matched = 0;
  matches = 0;

  constructor(logs: readonly SearchLog[]) {
    for (const l of logs) {
      for (let i = 0; i < l.index.count; i++) {
        const s = l.index.step[i]!;
        const c = this.steps.get(s) ?? { rollouts: 0, matched: 0, matches: 0 };
        c.rollouts++;
        this.steps.set(s, c);
      }
      this.total += l.index.count;
    }
  }

  add(step: number | undefined, matches: number): void {
    const c = this.steps.get(step ?? Number.NaN);
    this.matched++;
    this.matches += matches;
    if (c) {
      c.matched++;
      c.matches += matches;
    }
  }

  progress(): TraceSearchProgress {
    const steps = [...this.steps].sort((a, b) => (Number.isNaN(a[0]) ? 1 : Number.isNaN(b[0]) ? -1 : a[0] - b[0])).map(([s, c]) => ({ step: Number.isNaN(s) ? null : s, ...c }));
    return { searched: this.searched, total: this.total, matched: this.matched, matches: this.matches, steps };
  }
}

/**
 * Search every log in turn, in log order: hits go to the sink as they arrive (the first TRACE_SEARCH_MAX_HITS), the
 * counts cover every match. Rejects with an AbortError when `signal` aborts, or with the core's error (a regex the
 * core refuses, an unreadable log) naming the log.
 */
export async function searchLogs(logs: readonly SearchLog[], spec: SearchSpec, sink: SearchSink, opts: { signal?: AbortSignal; workerScript?: string } = {}): Promise<void> {
  const counts = new Counts(logs);
  const notes: string[] = [];
  let shown = 0;
  for (const l of logs) {
    const before = counts.searched;
    const summary = await searchRun(l.index, spec, {
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.workerScript ? { workerScript: opts.workerScript } : {}),
      onBatch: (b) => {
        const out: TraceSearchHit[] = [];
        for (const h of b.hits) {
          counts.add(h.step, h.matchCount);
          if (shown < TRACE_SEARCH_MAX_HITS) {
            out.push(toTraceHit(l.file, h));
            shown++;
          }
        }
        counts.searched = before + b.searched;
        sink.batch(out, counts.progress());
      },
    });
    counts.searched = before + summary.searched;
    if (summary.badLines > 0) notes.push(`${l.file}: ${summary.badLines} bad line(s) not searched`);
    for (const s of summary.skipped) notes.push(`${l.file}:${s.line}: skipped: ${s.reason}`);
    if (summary.timedOut.length > 0) notes.push(`${l.file}: regex budget exceeded on line(s) ${summary.timedOut.join(', ')}: not searched`);
    if (summary.stopped) {
      notes.push(`${l.file}: ${summary.stopped}`);
      break;
    }
  }
  if (shown < counts.matched) notes.push(`${shown} of ${counts.matched} matching rollouts listed`);
  sink.done(counts.progress(), notes);
}

/**
 * Which rows of the rollout list a saved search keeps: 1 where the row's completion matches. `rowsOf(log)` maps a
 * log's record numbers to list rows (RolloutTableModel.rowsOfLog).
 */
export async function searchMask(logs: readonly SearchLog[], spec: SearchSpec, rows: number, rowsOf: (log: string) => Map<number, number>, signal?: AbortSignal): Promise<Uint8Array> {
  const mask = new Uint8Array(rows);
  for (const l of logs) {
    const map = rowsOf(l.file);
    await searchRun(l.index, spec, {
      ...(signal ? { signal } : {}),
      onBatch: (b) => {
        for (const h of b.hits) {
          const row = map.get(h.record);
          if (row !== undefined) mask[row] = 1;
        }
      },
    });
  }
  return mask;
}
