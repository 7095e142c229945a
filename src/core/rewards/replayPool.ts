import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import { readTextLines } from '../logs/textLines';
import { getRewardSet } from './registry';
import type { Pending, ReplayedLines, ReplayOptions } from './replay';
import type { CachedOracle, MeasuredLine } from '../attribution/attributeLog';

/**
 * Replay's and attribution's per-line pass over worker threads. This thread reads the log and hands out batches of
 * lines; each worker keeps its own GT cache and scores its batches with `replayRecord` (or, for attribution,
 * `measureRollout`: the same per-record path); results are put back in line order, so the report, the bad lines and
 * the notes are exactly the single-thread ones.
 */

/** Rollouts between two progress calls. */
export const PROGRESS_EVERY = 64;

/** The error a cancelled replay rejects with (name `AbortError`). */
export function replayAborted(): Error {
  const e = new Error('replay cancelled');
  e.name = 'AbortError';
  return e;
}

/** Throw an AbortError when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw replayAborted();
}

/** How a replay worker is set up (its workerData). */
export interface ReplayWorkerConfig {
  /** Discriminant, so the worker script can tell it was started for replay. */
  readonly role: 'segr1-replay';
  /** A registered reward set's id. */
  readonly rewardSet: string;
  /** Folder record paths resolve against. */
  readonly root: string;
  /** Segmenter for rollouts without a logged mask; absent: their segment is not replayed. */
  readonly segmenter?: 'classical';
  /** What the worker does with each line: replay it (default), or measure it for attribution (segmenter required). */
  readonly job?: 'replay' | 'attribute';
  /** Attribution: the caller's cached oracles (by cache key), so no worker segments them again. */
  readonly oracles?: ReadonlyArray<readonly [string, CachedOracle]>;
}

/** One line handed to a worker. */
export interface ReplayItem {
  readonly line: number;
  readonly text: string;
}

/** Parent → worker: replay these lines. */
export interface ReplayBatchRequest {
  readonly type: 'replay/batch';
  readonly id: number;
  readonly items: readonly ReplayItem[];
}

/** What one line gave: its replay (or measurement) or why it could not be, and the notes it raised first on its worker. */
export interface ReplayItemResult<T = Pending> {
  readonly line: number;
  readonly value?: T;
  readonly error?: string;
  readonly notes: readonly string[];
}

/** Worker → parent. */
export type ReplayWorkerMessage<T = Pending | MeasuredLine> =
  | { readonly type: 'replay/done'; readonly id: number; readonly results: readonly ReplayItemResult<T>[]; readonly segmented: number }
  | { readonly type: 'replay/failed'; readonly message: string };

/** Lines per batch: large enough that messaging is noise next to scoring, small enough to balance two threads. */
const BATCH_LINES = 16;
/** Batches each worker holds at once, so it never waits for the next one. */
const IN_FLIGHT_PER_WORKER = 2;
/** Batches read ahead of the oldest unfinished one before reading pauses (bounds memory on a huge log). */
const MAX_AHEAD = 64;

/**
 * The per-line pass over `opts.workers` threads; undefined when the options cannot go to a worker (a reward set that
 * is not registered under its id, a segmenter without `workerSegmenter`, no worker script): the caller replays here.
 */
export async function replayLinesInWorkers(logPath: string, opts: ReplayOptions): Promise<ReplayedLines | undefined> {
  const script = opts.workerScript ?? join(__dirname, 'replayWorker.js');
  const count = opts.workers ?? 1;
  if (count <= 1 || getRewardSet(opts.rewardSet.id) !== opts.rewardSet || (opts.segmenter && !opts.workerSegmenter) || !existsSync(script)) return undefined;
  const config: ReplayWorkerConfig = { role: 'segr1-replay', rewardSet: opts.rewardSet.id, root: opts.root, ...(opts.segmenter && opts.workerSegmenter ? { segmenter: opts.workerSegmenter } : {}) };
  const r = await linesInWorkers<Pending>(logPath, config, { ...opts, workerScript: script, workers: count });
  return { pending: r.values, badLines: r.badLines, segmented: r.segmented };
}

/** What {@link linesInWorkers} needs besides the worker config: where to report, and how many threads. */
export type PoolOptions = Pick<ReplayOptions, 'onBadLine' | 'onNote' | 'maxLineBytes' | 'onProgress' | 'signal'> & { readonly workers: number; readonly workerScript: string };

/** Every line of a log through `opts.workers` workers set up by `config`; values, bad lines and notes in line order. */
export async function linesInWorkers<T>(logPath: string, config: ReplayWorkerConfig, opts: PoolOptions): Promise<{ values: T[]; badLines: number; segmented: number }> {
  const totalBytes = (await stat(logPath)).size;
  return new ReplayPool<T>(opts.workerScript, config, opts.workers, opts, totalBytes).run(logPath);
}

/** A slot of the ordered output: a batch of lines (pending until its worker answers) or a line that could not be read. */
type Slot<T> = { kind: 'batch'; items: ReplayItem[]; bytes: number; results?: readonly ReplayItemResult<T>[] } | { kind: 'problem'; line: number; message: string };

/** A worker and the batches it holds. */
interface WorkerState {
  readonly worker: Worker;
  readonly inFlight: Set<number>;
}

class ReplayPool<T> {
  private readonly workers: Worker[] = [];
  private readonly idle: WorkerState[] = [];
  private readonly slots: Slot<T>[] = [];
  /** Batches not yet handed to a worker, by slot index. */
  private readonly queue: number[] = [];
  /** The first slot not yet flushed to the caller. */
  private flushed = 0;
  private readonly out: T[] = [];
  private badLines = 0;
  private segmented = 0;
  private bytesDone = 0;
  private lastReport = 0;
  private readonly notes = new Set<string>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly script: string,
    private readonly config: ReplayWorkerConfig,
    private readonly count: number,
    private readonly opts: PoolOptions,
    private readonly totalBytes: number,
  ) {}

  async run(logPath: string): Promise<{ values: T[]; badLines: number; segmented: number }> {
    const onAbort = (): void => this.fail(replayAborted());
    this.opts.signal?.addEventListener('abort', onAbort);
    try {
      for (let k = 0; k < this.count; k++) this.start();
      let batch: ReplayItem[] = [];
      let bytes = 0;
      const push = (): void => {
        if (batch.length === 0) return;
        this.slots.push({ kind: 'batch', items: batch, bytes });
        this.queue.push(this.slots.length - 1);
        batch = [];
        bytes = 0;
        this.dispatch();
      };
      for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES })) {
        if (this.failure) break;
        if (problem !== undefined) {
          // A problem line keeps its place between the batches around it, so bad lines are reported in line order.
          push();
          this.slots.push({ kind: 'problem', line: lineNo, message: problem });
          this.flush();
          continue;
        }
        bytes += text.length + 1;
        if (text.trim() === '') continue;
        batch.push({ line: lineNo, text });
        if (batch.length >= BATCH_LINES) push();
        while (!this.failure && this.slots.length - this.flushed > MAX_AHEAD) await this.next();
      }
      push();
      while (!this.failure && this.flushed < this.slots.length) await this.next();
      if (this.failure) throw this.failure;
      this.opts.onProgress?.({ rollouts: this.out.length, bytesRead: this.totalBytes, totalBytes: this.totalBytes });
      return { values: this.out, badLines: this.badLines, segmented: this.segmented };
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
      for (const w of this.workers) void w.terminate();
    }
  }

  private start(): void {
    const state: WorkerState = { worker: new Worker(this.script, { workerData: this.config }), inFlight: new Set() };
    const w = state.worker;
    this.workers.push(w);
    w.on('message', (m: ReplayWorkerMessage<T>) => {
      if (m.type === 'replay/failed') return this.fail(new Error(`replay worker: ${m.message}`));
      const slot = this.slots[m.id];
      if (slot?.kind === 'batch') slot.results = m.results;
      state.inFlight.delete(m.id);
      this.segmented += m.segmented;
      this.idle.push(state);
      this.flush();
      this.dispatch();
    });
    w.on('error', (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => {
      if (state.inFlight.size > 0) this.fail(new Error(`replay worker exited (${code}) with ${state.inFlight.size} batches unfinished`));
    });
    // Each entry in `idle` is room for one batch.
    for (let j = 0; j < IN_FLIGHT_PER_WORKER; j++) this.idle.push(state);
  }

  /** Hand queued batches to workers with room. */
  private dispatch(): void {
    while (!this.failure && this.queue.length > 0 && this.idle.length > 0) {
      const state = this.idle.shift()!;
      const id = this.queue.shift()!;
      const slot = this.slots[id] as Extract<Slot<T>, { kind: 'batch' }>;
      state.inFlight.add(id);
      state.worker.postMessage({ type: 'replay/batch', id, items: slot.items } satisfies ReplayBatchRequest);
    }
  }

  /** Give the caller every finished slot at the front, in order: results, bad lines, first notes, progress. */
  private flush(): void {
    const { opts } = this;
    while (this.flushed < this.slots.length) {
      const slot = this.slots[this.flushed]!;
      if (slot.kind === 'problem') {
        this.badLines++;
        opts.onBadLine?.(slot.line, slot.message);
      } else {
        if (!slot.results) break;
        for (const r of slot.results) {
          for (const n of r.notes) {
            if (this.notes.has(n)) continue;
            this.notes.add(n);
            opts.onNote?.(n);
          }
          if (r.value !== undefined) this.out.push(r.value);
          else {
            this.badLines++;
            opts.onBadLine?.(r.line, r.error ?? 'not replayed');
          }
        }
        this.bytesDone += slot.bytes;
        // The batch's lines are no longer needed.
        this.slots[this.flushed] = { kind: 'batch', items: [], bytes: 0, results: [] };
      }
      this.flushed++;
    }
    if (opts.onProgress && this.out.length - this.lastReport >= PROGRESS_EVERY) {
      this.lastReport = this.out.length;
      opts.onProgress({ rollouts: this.out.length, bytesRead: Math.min(this.bytesDone, this.totalBytes), totalBytes: this.totalBytes });
    }
    this.wake?.();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wake?.();
  }

  /** Resolves at the next flush or failure. */
  private next(): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = undefined;
        resolve();
      };
    });
  }
}
