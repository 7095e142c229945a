import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_MAX_LINE_BYTES } from '../logs/lineScanner';
import { readTextLines } from '../logs/textLines';
import type { RpcEndpoint } from '../../shared/rpc';
import { workerChannel } from '../workers/workerRpc';
import { getRewardSet } from './registry';
import type { Pending, ReplayedLines, ReplayOptions } from './replay';
import type { CachedOracle, MeasuredLine } from '../attribution/attributeLog';

/**
 * Replay's and attribution's per-line pass over worker threads. The workers are kept alive across passes (one pool per
 * worker script, disposed after {@link POOL_IDLE_MS} idle or by {@link disposeReplayPools}) and spoken to over the
 * project's RpcEndpoint. This thread reads the log and routes each line to the worker that owns its image (GT), so
 * each GT is decoded and resized by one worker only; an idle worker steals queued batches from a busy one. Results
 * are put back in line order, so the report, the bad lines and the notes are exactly the single-thread ones.
 */

/** Rollouts between two progress calls. */
export const PROGRESS_EVERY = 64;

/** Idle time after which a pool's workers are stopped (a new pass starts them again). */
export const POOL_IDLE_MS = 60_000;

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

/** How one pass is set up in a worker (sent with `pass/open`). */
export interface ReplayWorkerConfig {
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
  /** Workers sharing the pass: each keeps this share of replay's GT cache budget (it sees only its images' GTs). */
  readonly share?: number;
}

/** One line handed to a worker. */
export interface ReplayItem {
  readonly line: number;
  readonly text: string;
}

/** What one line gave: its replay (or measurement) or why it could not be, and the notes it raised first on its worker. */
export interface ReplayItemResult<T = Pending> {
  readonly line: number;
  readonly value?: T;
  readonly error?: string;
  readonly notes: readonly string[];
}

/** A batch's answer: each line's result in the order sent, the masks segmented and the GTs decoded for them. */
export interface ReplayBatchResult<T = Pending | MeasuredLine> {
  readonly results: readonly ReplayItemResult<T>[];
  readonly segmented: number;
  readonly gtLoads: number;
}

/** What a pass over workers gives: values in line order, the bad-line count, masks segmented, GTs decoded (all workers). */
export interface PoolPassResult<T> {
  readonly values: T[];
  readonly badLines: number;
  readonly segmented: number;
  readonly gtLoads: number;
}

/** Requests the pool sends a replay worker (RpcEndpoint's request map). */
export type ReplayWorkerRequests = {
  /** Set up pass `pass` (its own ReplayRun: GT cache, notes, paths); batches of it may follow at once. */
  readonly 'pass/open': { readonly params: { readonly pass: number; readonly config: ReplayWorkerConfig }; readonly result: null };
  /** Score these lines of pass `pass`, in order; cancelled between lines. */
  readonly 'pass/batch': { readonly params: { readonly pass: number; readonly items: readonly ReplayItem[] }; readonly result: ReplayBatchResult };
  /** Drop pass `pass` (its caches); harmless for a pass the worker never opened. */
  readonly 'pass/close': { readonly params: { readonly pass: number }; readonly result: null };
};

/** Lines per batch: large enough that messaging is noise next to scoring, small enough to balance two threads. */
const BATCH_LINES = 16;
/** Characters per batch at most (lines with large masks): bounds each message. */
const BATCH_CHARS = 4 << 20;
/** Batches each worker holds at once, so it never waits for the next one. */
const IN_FLIGHT_PER_WORKER = 2;
/** Lines read ahead of the oldest unfinished one before reading pauses (bounds memory on a huge log). */
const MAX_AHEAD_LINES = 1024;
/** What decoding and resizing one GT costs, in lines scored (measured on the sample: ~25 ms against ~0.75 ms a line). */
const GT_COST_LINES = 32;
/** Characters of an image key kept for routing (a hostile path is only a longer key). */
const MAX_KEY_CHARS = 4096;

/**
 * The per-line pass over `opts.workers` threads; undefined when the options cannot go to a worker (a reward set that
 * is not registered under its id, a segmenter without `workerSegmenter`, no worker script): the caller replays here.
 */
export async function replayLinesInWorkers(logPath: string, opts: ReplayOptions): Promise<ReplayedLines | undefined> {
  const script = opts.workerScript ?? join(__dirname, 'replayWorker.js');
  const count = opts.workers ?? 1;
  if (count <= 1 || getRewardSet(opts.rewardSet.id) !== opts.rewardSet || (opts.segmenter && !opts.workerSegmenter) || !existsSync(script)) return undefined;
  const config: ReplayWorkerConfig = { rewardSet: opts.rewardSet.id, root: opts.root, ...(opts.segmenter && opts.workerSegmenter ? { segmenter: opts.workerSegmenter } : {}) };
  const r = await linesInWorkers<Pending>(logPath, config, { ...opts, workerScript: script, workers: count });
  return { pending: r.values, badLines: r.badLines, segmented: r.segmented };
}

/** What {@link linesInWorkers} needs besides the worker config: where to report, and how many threads. */
export type PoolOptions = Pick<ReplayOptions, 'onBadLine' | 'onNote' | 'maxLineBytes' | 'onProgress' | 'signal'> & {
  readonly workers: number;
  readonly workerScript: string;
  /** An idle worker takes queued batches of a busy one (default true); false keeps every image on its worker. */
  readonly steal?: boolean;
};

/** Every line of a log through `opts.workers` workers of the script's pool; values, bad lines and notes in line order. */
export async function linesInWorkers<T>(logPath: string, config: ReplayWorkerConfig, opts: PoolOptions): Promise<PoolPassResult<T>> {
  throwIfAborted(opts.signal);
  const totalBytes = (await stat(logPath)).size;
  const pool = replayPool(opts.workerScript);
  const workers = pool.acquire(opts.workers);
  try {
    return await new PoolPass<T>(workers, { ...config, share: workers.length }, opts, totalBytes).run(logPath);
  } finally {
    pool.release();
  }
}

/** The pools alive in this process, by worker script. */
const pools = new Map<string, ReplayWorkerPool>();

/** The persistent pool of a worker script (created on first use; the CLI and the editor share it within a process). */
export function replayPool(script: string): ReplayWorkerPool {
  let p = pools.get(script);
  if (!p) {
    const pool = new ReplayWorkerPool(script, () => void (pools.get(script) === pool && pools.delete(script)));
    pools.set(script, (p = pool));
  }
  return p;
}

/** Stop every pool's workers now (the editor on deactivation; a pass under way fails). */
export async function disposeReplayPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.dispose()));
}

/** A worker of the pool and its RPC channel. */
export interface PoolWorker {
  readonly worker: Worker;
  readonly rpc: RpcEndpoint<ReplayWorkerRequests, Record<never, never>>;
  /** Why it is gone (crashed or exited); set once. */
  gone?: Error;
}

/**
 * Replay workers of one script, alive across passes. Workers are referenced only while a pass runs (an idle pool
 * never keeps a CLI process alive) and stopped after {@link POOL_IDLE_MS} without a pass; one that crashes is dropped
 * and replaced on the next pass.
 */
export class ReplayWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private active = 0;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Workers started so far (for tests and diagnostics). */
  started = 0;

  constructor(
    private readonly script: string,
    private readonly onDisposed: () => void,
    private readonly idleMs = POOL_IDLE_MS,
  ) {}

  /** `count` live workers for a pass (started as needed), referenced until {@link release}. */
  acquire(count: number): PoolWorker[] {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.active++;
    for (let i = this.workers.length - 1; i >= 0; i--) if (this.workers[i]!.gone) this.workers.splice(i, 1);
    while (this.workers.length < count) this.workers.push(this.start());
    for (const w of this.workers) w.worker.ref();
    return this.workers.slice(0, count);
  }

  /** A pass is over: when none is left, unreference the workers and stop them after the idle time. */
  release(): void {
    if (--this.active > 0) return;
    for (const w of this.workers) w.worker.unref();
    this.idleTimer = setTimeout(() => void this.dispose(), this.idleMs);
    this.idleTimer.unref();
  }

  private start(): PoolWorker {
    const worker = new Worker(this.script);
    this.started++;
    // Batches may take long (segmentation); cancellation and a crash end them, not a timer.
    const channel = workerChannel<ReplayWorkerRequests, Record<never, never>>(worker, 'replay worker');
    const w: PoolWorker = { worker, rpc: channel.rpc };
    void channel.died.catch((e: Error) => {
      w.gone ??= e;
      w.rpc.dispose();
    });
    return w;
  }

  /** Stop every worker; passes under way fail. */
  async dispose(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.onDisposed();
    const all = this.workers.splice(0);
    for (const w of all) {
      w.gone ??= new Error('replay pool disposed');
      w.rpc.dispose();
    }
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

/**
 * The image a line belongs to, found without parsing it (the worker parses): the string value of its first `"gt"`
 * key, else of `"image"`. Only routing depends on it, never a number: a wrong or missing key costs a GT decode.
 */
export function routingKey(text: string): string {
  return keyValue(text, '"gt"') ?? keyValue(text, '"image"') ?? '';
}

function keyValue(text: string, quotedKey: string): string | undefined {
  // An unescaped `"gt"` is a JSON token (inside a string its quotes would be escaped); a key when `:` follows.
  for (let at = text.indexOf(quotedKey); at >= 0; at = text.indexOf(quotedKey, at + 1)) {
    let i = at + quotedKey.length;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (text[i] !== ':') continue;
    i++;
    while (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9) i++;
    if (text[i] !== '"') return undefined;
    const start = i + 1;
    for (let j = start; j < text.length && j - start < MAX_KEY_CHARS; j++) {
      const c = text.charCodeAt(j);
      if (c === 92) j++;
      else if (c === 34) return text.slice(start, j);
    }
    return text.slice(start, start + MAX_KEY_CHARS);
  }
  return undefined;
}

/** A batch of lines for one worker, with each line's place in the output and the characters it covers. */
interface Batch {
  readonly items: ReplayItem[];
  /** Each line's image key (routing). */
  readonly keys: string[];
  readonly seqs: number[];
  readonly chars: number[];
  size: number;
}

/** A worker's lane in a pass: its images' lines not yet batched, its queued batches, the batches it holds. */
interface Lane {
  readonly w: PoolWorker;
  open: Batch;
  readonly queue: Batch[];
  inFlight: number;
  /** Lines routed here so far: a new image goes to the least loaded lane. */
  load: number;
  /** Images whose GT this worker has met in the pass (decoded or about to be). */
  readonly known: Set<string>;
}

/** A line's outcome, waiting to be given to the caller in line order. */
type Outcome<T> = { readonly kind: 'result'; readonly r: ReplayItemResult<T>; readonly chars: number } | { readonly kind: 'problem'; readonly line: number; readonly message: string } | { readonly kind: 'blank'; readonly chars: number };

const emptyBatch = (): Batch => ({ items: [], keys: [], seqs: [], chars: [], size: 0 });

/** Passes in this process: each has its own id in every worker. */
let passIds = 0;

/** One pass of a log over some of a pool's workers. */
class PoolPass<T> {
  private readonly id = ++passIds;
  private readonly lanes: Lane[];
  /** Image key → lane: each image's lines go to one worker. */
  private readonly route = new Map<string, Lane>();
  private readonly outcomes = new Map<number, Outcome<T>>();
  /** The next line's place in the output. */
  private nextSeq = 0;
  /** The first place not yet given to the caller. */
  private flushed = 0;
  private readonly out: T[] = [];
  private badLines = 0;
  private segmented = 0;
  private gtLoads = 0;
  private charsDone = 0;
  private lastReport = 0;
  private readonly notes = new Set<string>();
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    workers: readonly PoolWorker[],
    private readonly config: ReplayWorkerConfig,
    private readonly opts: PoolOptions,
    private readonly totalBytes: number,
  ) {
    this.lanes = workers.map((w) => ({ w, open: emptyBatch(), queue: [], inFlight: 0, load: 0, known: new Set<string>() }));
  }

  async run(logPath: string): Promise<PoolPassResult<T>> {
    const onAbort = (): void => this.fail(replayAborted());
    this.opts.signal?.addEventListener('abort', onAbort);
    try {
      for (const lane of this.lanes) {
        if (lane.w.gone) throw lane.w.gone;
        lane.w.rpc.request('pass/open', { pass: this.id, config: this.config }).catch((e: unknown) => this.fail(this.asError(e)));
      }
      for await (const { lineNo, text, problem } of readTextLines(logPath, { maxLineBytes: this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES })) {
        if (this.failure) break;
        const seq = this.nextSeq++;
        if (problem !== undefined) {
          // A problem line keeps its place between the lines around it, so bad lines are reported in line order.
          this.outcomes.set(seq, { kind: 'problem', line: lineNo, message: problem });
          this.flush();
          continue;
        }
        if (text.trim() === '') {
          this.outcomes.set(seq, { kind: 'blank', chars: text.length + 1 });
          this.flush();
          continue;
        }
        const key = routingKey(text);
        const lane = this.laneOf(key);
        lane.load++;
        const b = lane.open;
        b.items.push({ line: lineNo, text });
        b.keys.push(key);
        b.seqs.push(seq);
        b.chars.push(text.length + 1);
        b.size += text.length;
        if (b.items.length >= BATCH_LINES || b.size >= BATCH_CHARS) this.close(lane);
        this.dispatch();
        while (!this.failure && this.nextSeq - this.flushed > MAX_AHEAD_LINES) {
          // Reading waits: send what is batched, however small, so no line waits for lines that will not come.
          for (const l of this.lanes) this.close(l);
          this.dispatch();
          await this.next();
        }
      }
      for (const l of this.lanes) this.close(l);
      this.dispatch();
      while (!this.failure && this.flushed < this.nextSeq) await this.next();
      if (this.failure) throw this.failure;
      this.opts.onProgress?.({ rollouts: this.out.length, bytesRead: this.totalBytes, totalBytes: this.totalBytes });
      return { values: this.out, badLines: this.badLines, segmented: this.segmented, gtLoads: this.gtLoads };
    } finally {
      this.opts.signal?.removeEventListener('abort', onAbort);
      for (const lane of this.lanes) if (!lane.w.gone) lane.w.rpc.request('pass/close', { pass: this.id }).catch(() => undefined);
    }
  }

  /** The lane of an image: the one it was routed to, else the least loaded (sticky from then on). */
  private laneOf(key: string): Lane {
    let lane = this.route.get(key);
    if (!lane) {
      lane = this.lanes.reduce((a, b) => (b.load < a.load ? b : a));
      this.route.set(key, lane);
      lane.known.add(key);
    }
    return lane;
  }

  /** Queue a lane's open batch (if it has lines). */
  private close(lane: Lane): void {
    if (lane.open.items.length === 0) return;
    lane.queue.push(lane.open);
    lane.open = emptyBatch();
  }

  /** Fill every lane's free slots: its own queue first, then its open batch, then a batch stolen from the longest queue. */
  private dispatch(): void {
    for (const lane of this.lanes) {
      while (!this.failure && lane.inFlight < IN_FLIGHT_PER_WORKER) {
        if (lane.queue.length === 0) this.close(lane);
        let batch = lane.queue.shift();
        if (!batch && this.opts.steal !== false) batch = this.steal(lane);
        if (!batch) break;
        this.send(lane, batch);
      }
    }
  }

  /**
   * A batch for an idle lane from the busiest one, when taking it ends the pass sooner: the thief's cost (its lines,
   * plus a GT decode per image it has not met) must be below what the victim still has queued. The cheapest batch is
   * taken, and its images are routed to the thief from now on, so the load moves once instead of batch by batch.
   */
  private steal(thief: Lane): Batch | undefined {
    const queued = (l: Lane): number => l.queue.reduce((n, b) => n + b.items.length, 0);
    const victim = this.lanes.reduce((a, b) => (queued(b) > queued(a) ? b : a));
    if (victim === thief || victim.queue.length === 0) return undefined;
    const cost = (b: Batch): number => b.items.length + GT_COST_LINES * new Set(b.keys.filter((k) => !thief.known.has(k))).size;
    let pick = 0;
    for (let i = 1; i < victim.queue.length; i++) if (cost(victim.queue[i]!) < cost(victim.queue[pick]!)) pick = i;
    const batch = victim.queue[pick]!;
    if (cost(batch) >= queued(victim) - batch.items.length) return undefined;
    victim.queue.splice(pick, 1);
    for (const key of batch.keys) {
      thief.known.add(key);
      if (this.route.get(key) === victim) this.route.set(key, thief);
    }
    return batch;
  }

  private send(lane: Lane, batch: Batch): void {
    lane.inFlight++;
    const signal = this.opts.signal;
    lane.w.rpc.request('pass/batch', { pass: this.id, items: batch.items }, signal ? { signal } : {}).then(
      (r) => {
        // A failed pass tells its caller nothing more.
        if (this.failure) return;
        lane.inFlight--;
        this.segmented += r.segmented;
        this.gtLoads += r.gtLoads;
        r.results.forEach((res, k) => this.outcomes.set(batch.seqs[k]!, { kind: 'result', r: res as ReplayItemResult<T>, chars: batch.chars[k]! }));
        this.flush();
        this.dispatch();
      },
      (e: unknown) => this.fail(this.asError(e)),
    );
  }

  /** A rejected request as the pass's error: cancellation is an AbortError, a dead worker says so. */
  private asError(e: unknown): Error {
    if (this.opts.signal?.aborted) return replayAborted();
    const gone = this.lanes.find((l) => l.w.gone)?.w.gone;
    if (gone) return new Error(`replay worker: ${gone.message}`);
    return new Error(`replay worker: ${e instanceof Error ? e.message : String(e)}`);
  }

  /** Give the caller every finished line at the front, in order: results, bad lines, first notes, progress. */
  private flush(): void {
    const { opts } = this;
    for (let o = this.outcomes.get(this.flushed); o; o = this.outcomes.get(this.flushed)) {
      this.outcomes.delete(this.flushed++);
      if (o.kind === 'problem') {
        this.badLines++;
        opts.onBadLine?.(o.line, o.message);
        continue;
      }
      this.charsDone += o.chars;
      if (o.kind === 'blank') continue;
      for (const n of o.r.notes) {
        if (this.notes.has(n)) continue;
        this.notes.add(n);
        opts.onNote?.(n);
      }
      if (o.r.value !== undefined) this.out.push(o.r.value);
      else {
        this.badLines++;
        opts.onBadLine?.(o.r.line, o.r.error ?? 'not replayed');
      }
    }
    if (opts.onProgress && this.out.length - this.lastReport >= PROGRESS_EVERY) {
      this.lastReport = this.out.length;
      opts.onProgress({ rollouts: this.out.length, bytesRead: Math.min(this.charsDone, this.totalBytes), totalBytes: this.totalBytes });
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
