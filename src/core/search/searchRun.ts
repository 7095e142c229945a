import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { RolloutIndex } from '../logs/indexBuilder';
import { scanSelection, type ScanBatch, type Selection } from './scan';
import { workerChannel } from '../workers/workerRpc';
import type { SearchWorkerNotifications, SearchWorkerRequest, SearchWorkerRequests } from './searchWorker';
import { specProblem, type SearchSpec } from './spec';

/** One completion with matches, placed in its run. */
export interface SearchHit {
  /** Record number in the index (what the panel opens). */
  readonly record: number;
  /** 1-based line of the log. */
  readonly line: number;
  readonly run?: string;
  readonly step?: number;
  readonly group?: string;
  readonly sample?: number;
  /** [start, end) pairs in UTF-16 units of the decoded completion, for highlighting (the first 1000). */
  readonly offsets: readonly number[];
  /** Every match in the completion. */
  readonly matchCount: number;
  /** The completion around the first match, and its start in the completion. */
  readonly snippet: string;
  readonly snippetStart: number;
}

/** Hits as they arrive, with progress. */
export interface SearchBatch {
  readonly hits: readonly SearchHit[];
  /** Completions finished so far, of `total`. */
  readonly searched: number;
  readonly total: number;
}

/** Rollouts, completions with a match, and matches at one step (null: records without a step). */
export interface StepCount {
  readonly step: number | null;
  readonly rollouts: number;
  readonly matched: number;
  readonly matches: number;
}

/** What a search found. */
export interface SearchSummary {
  /** Completions searched (timed-out and skipped ones included). */
  readonly searched: number;
  readonly matched: number;
  readonly matches: number;
  /** Per step, in step order; every searched step appears, with or without matches. */
  readonly steps: readonly StepCount[];
  /** Hits delivered through onBatch (at most maxHits). */
  readonly delivered: number;
  /** Lines the index could not read (malformed, torn, over the cap): never searched, counted here. */
  readonly badLines: number;
  /** Records whose bytes no longer read as a record (the log changed since indexing), by line. */
  readonly skipped: ReadonlyArray<{ readonly line: number; readonly reason: string }>;
  /** Lines whose completion the regex did not finish within the budget. */
  readonly timedOut: readonly number[];
  /** Set when the search stopped early because the regex kept exceeding its budget. */
  readonly stopped?: string;
  /** Byte offset just past the last line covered, and its line number: pass `fromOffset: end` to continue later. */
  readonly end: number;
  readonly nextLine: number;
}

/** Options of searchRun. */
export interface SearchOptions {
  readonly signal?: AbortSignal;
  /** Called with each batch of hits in log order (at least once per 4 MiB of log searched). */
  readonly onBatch?: (batch: SearchBatch) => void;
  /** Only records starting at or after this byte (a previous search's `end`). */
  readonly fromOffset?: number;
  /** Hits delivered; counts go on past it (default: all). */
  readonly maxHits?: number;
  /** Wall time one completion may take the matcher before it is abandoned (default 1000 ms). */
  readonly budgetMs?: number;
  /** Completions that may exceed the budget before the search stops (default 5). */
  readonly maxTimeouts?: number;
  /** Worker threads, each searching a contiguous part of the log (default: min(2, cores)). */
  readonly workers?: number;
  /** Worker script; default searchWorker.js beside this module. */
  readonly workerScript?: string;
}

/** Records below which one worker searches alone: starting a second costs more than it saves. */
const MIN_RECORDS_PER_WORKER = 20_000;

/** Default per-completion budget: far above any real completion (~µs each), short enough not to feel hung. */
export const DEFAULT_BUDGET_MS = 1000;

function abortError(): Error {
  const e = new Error('search aborted');
  e.name = 'AbortError';
  return e;
}

/** The index's records the spec selects from `fromOffset` on, as index numbers and byte ranges. */
function select(index: RolloutIndex, spec: SearchSpec, fromOffset: number): { records: Uint32Array; selection: Selection } {
  const runId = spec.run === undefined ? undefined : index.runs.indexOf(spec.run);
  const ids: number[] = [];
  for (let i = 0; i < index.count; i++) {
    if (index.offset[i]! < fromOffset) continue;
    if (runId !== undefined && index.run[i] !== runId) continue;
    if (spec.step !== undefined && index.step[i] !== spec.step) continue;
    ids.push(i);
  }
  const records = Uint32Array.from(ids);
  const offsets = new Float64Array(records.length);
  const lengths = new Uint32Array(records.length);
  records.forEach((r, k) => {
    offsets[k] = index.offset[r]!;
    lengths[k] = index.length[r]!;
  });
  return { records, selection: { offsets, lengths } };
}

type Outcome = { kind: 'done' } | { kind: 'timeout'; k: number };

/**
 * Run one worker from `from` until it finishes or a completion exceeds the budget; a worker stuck in a regex
 * cannot be interrupted, only terminated, so the watchdog terminates it and the caller restarts past that record.
 */
async function runWorker(script: string, req: Omit<SearchWorkerRequest, 'progress'>, onBatch: (b: ScanBatch) => void, opts: { budgetMs: number; signal: AbortSignal | undefined }): Promise<Outcome> {
  const sab = new SharedArrayBuffer(4);
  const progress = new Int32Array(sab);
  const ch = workerChannel<SearchWorkerRequests, SearchWorkerNotifications>(new Worker(script), `${req.path}: search worker`);
  ch.rpc.on('search/batch', (m) => onBatch(m.batch));
  let timer: ReturnType<typeof setInterval> | undefined;
  const watchdog = new Promise<Outcome>((resolve) => {
    let seen = 0;
    let since = Date.now();
    timer = setInterval(() => {
      const now = Atomics.load(progress, 0);
      if (now !== seen) {
        seen = now;
        since = Date.now();
      } else if (now !== 0 && Date.now() - since > opts.budgetMs) resolve({ kind: 'timeout', k: now - 1 });
    }, Math.max(10, Math.floor(opts.budgetMs / 4)));
  });
  const run = ch.rpc.request('search/run', { ...req, progress: sab }, opts.signal ? { signal: opts.signal } : {}).then(
    (): Outcome => ({ kind: 'done' }),
    (e: unknown) => {
      if (opts.signal?.aborted) throw abortError();
      throw new Error(`${req.path}: search failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    },
  );
  try {
    // The thread dying says why itself (`<path>: search worker exited (code)`).
    return await Promise.race([run, watchdog, ch.died]);
  } finally {
    clearInterval(timer);
    ch.close();
  }
}

/**
 * Search every completion of an indexed log (optionally one run and/or step) for a literal or a regex, streaming
 * the records' bytes in 4 MiB blocks on a worker thread and delivering hits in log order as they are found.
 * The search covers the records the index holds (the lines present when it was made or last followed) and reports
 * `end` so a search of the followed index with `fromOffset: end` covers only what was appended. A completion the
 * matcher does not finish within `budgetMs` is abandoned (the worker is terminated and a new one resumes after it)
 * and its line reported in `timedOut`. Cancel with `signal` (rejects with an AbortError).
 * Without a worker script, literal searches run on the calling thread; a regex is refused there, since nothing
 * could stop a catastrophic one.
 */
export async function searchRun(index: RolloutIndex, spec: SearchSpec, opts: SearchOptions = {}): Promise<SearchSummary> {
  const problem = specProblem(spec);
  if (problem) throw new Error(problem);
  const fromOffset = opts.fromOffset ?? 0;
  const { records, selection } = select(index, spec, fromOffset);
  const total = records.length;
  const maxHits = opts.maxHits ?? Number.POSITIVE_INFINITY;
  const perStep = new Map<number, { rollouts: number; matched: number; matches: number }>();
  const stepOf = (r: number): number => index.step[r]!;
  for (const r of records) {
    const s = stepOf(r);
    const c = perStep.get(s) ?? { rollouts: 0, matched: 0, matches: 0 };
    c.rollouts++;
    perStep.set(s, c);
  }
  let matched = 0;
  let matches = 0;
  let delivered = 0;
  const skipped: Array<{ line: number; reason: string }> = [];
  const timedOut = new Set<number>();
  const script = opts.workerScript ?? join(__dirname, 'searchWorker.js');
  const useWorkers = existsSync(script);
  if (opts.signal?.aborted) throw abortError();
  if (!useWorkers && spec.regex) throw new Error(`regex search needs its worker (${script} not found): a regex cannot be stopped on the calling thread`);
  // Contiguous ranges of the selection, one per worker; hits are still delivered in log order.
  const parts = !useWorkers ? 1 : Math.max(1, opts.workers !== undefined ? Math.min(opts.workers, total) : Math.min(2, availableParallelism(), Math.floor(total / MIN_RECORDS_PER_WORKER)));
  const ranges = Array.from({ length: parts }, (_, r) => ({ lo: Math.floor((r * total) / parts), hi: Math.floor(((r + 1) * total) / parts), done: Math.floor((r * total) / parts), finished: false, queue: [] as ScanBatch[] }));
  let current = 0;
  const searched = (): number => ranges.reduce((n, r) => n + r.done - r.lo, 0);
  const deliver = (b: ScanBatch): void => {
    const hits: SearchHit[] = [];
    for (const h of b.hits) {
      if (delivered >= maxHits) break;
      delivered++;
      const r = records[h.k]!;
      const run = index.runs[index.run[r]!];
      const group = index.groups[index.group[r]!];
      const step = index.step[r]!;
      const sample = index.sample[r]!;
      hits.push({
        record: r,
        line: index.line[r]!,
        ...(run === undefined ? {} : { run }),
        ...(Number.isNaN(step) ? {} : { step }),
        ...(group === undefined ? {} : { group }),
        ...(sample < 0 ? {} : { sample }),
        offsets: h.offsets,
        matchCount: h.count,
        snippet: h.snippet,
        snippetStart: h.snippetStart,
      });
    }
    opts.onBatch?.({ hits, searched: searched(), total });
  };
  const arrive = (ri: number, b: ScanBatch): void => {
    ranges[ri]!.done = b.done;
    for (const h of b.hits) {
      const c = perStep.get(stepOf(records[h.k]!))!;
      matched++;
      matches += h.count;
      c.matched++;
      c.matches += h.count;
    }
    for (const x of b.skipped) skipped.push({ line: index.line[records[x.k]!]!, reason: x.reason });
    if (ri === current) deliver(b);
    else ranges[ri]!.queue.push(b);
  };
  const complete = (ri: number): void => {
    ranges[ri]!.finished = true;
    while (current < parts && ranges[current]!.finished) {
      current++;
      const next = ranges[current];
      if (next) next.queue.splice(0).forEach(deliver);
    }
  };
  let stopped: string | undefined;
  if (!useWorkers) {
    await scanSelection(index.path, spec, selection, { from: 0, emit: (b) => arrive(0, b), ...(opts.signal ? { signal: opts.signal } : {}) });
  } else {
    const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS;
    const maxTimeouts = opts.maxTimeouts ?? 5;
    // Stops every range: the caller's cancel, a failed range, or too many timeouts.
    const all = new AbortController();
    const onAbort = (): void => all.abort();
    opts.signal?.addEventListener('abort', onAbort);
    const runRange = async (ri: number): Promise<void> => {
      const r = ranges[ri]!;
      while (r.done < r.hi) {
        const o = await runWorker(script, { path: index.path, spec, selection, from: r.done, to: r.hi, skip: [...timedOut] }, (b) => arrive(ri, b), { budgetMs, signal: all.signal });
        if (o.kind === 'done') break;
        timedOut.add(o.k);
        if (timedOut.size >= maxTimeouts) {
          stopped ??= `the pattern exceeded its ${budgetMs} ms budget on ${timedOut.size} completions; search stopped at line ${index.line[records[o.k]!]}`;
          all.abort();
          return;
        }
      }
      complete(ri);
    };
    try {
      await Promise.all(
        ranges.map((_, ri) =>
          runRange(ri).catch((e: unknown) => {
            all.abort();
            if (!(stopped && e instanceof Error && e.name === 'AbortError')) throw e;
          }),
        ),
      );
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    // After a stop, what the later ranges found is still delivered, in order.
    for (const r of ranges.slice(current + 1)) r.queue.splice(0).forEach(deliver);
  }
  skipped.sort((x, y) => x.line - y.line);
  const firstLine = records.length > 0 ? index.line[records[0]!]! : index.nextLine;
  const badLines = index.issues.filter((i) => i.severity === 'error' && i.line >= firstLine && i.line > 0).length;
  const steps = [...perStep].sort((a, b) => (Number.isNaN(a[0]) ? 1 : Number.isNaN(b[0]) ? -1 : a[0] - b[0])).map(([s, c]) => ({ step: Number.isNaN(s) ? null : s, ...c }));
  return {
    searched: searched(),
    matched,
    matches,
    steps,
    delivered,
    badLines,
    skipped,
    timedOut: [...timedOut].sort((a, b) => a - b).map((k) => index.line[records[k]!]!),
    ...(stopped ? { stopped } : {}),
    end: index.scanned,
    nextLine: index.nextLine,
  };
}
