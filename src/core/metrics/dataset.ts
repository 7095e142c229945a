import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerChannel } from '../workers/workerRpc';
import { loadMaskGray } from '../image/grayscale';
import { imageMetrics, MetricSuite, type DatasetMetrics, type ImageMetrics } from './suite';

/** One pred/GT file pair to score, named by its file stem. */
export interface PairJob {
  /** File stem shared by the pred and GT files. */
  readonly stem: string;
  /** Path of the predicted mask. */
  readonly predPath: string;
  /** Path of the ground-truth mask. */
  readonly gtPath: string;
}

/** What scoring one pair gave: its metrics, or why it could not be scored (unreadable file, size mismatch). */
export type PairOutcome =
  | { readonly stem: string; readonly ok: true; readonly metrics: ImageMetrics }
  | { readonly stem: string; readonly ok: false; readonly error: string };

/** Decode both masks as cv2.imread(IMREAD_GRAYSCALE) would and compute every metric. Never throws. */
export async function scorePair(job: PairJob): Promise<PairOutcome> {
  try {
    const [pred, gt] = await Promise.all([loadMaskGray(job.predPath), loadMaskGray(job.gtPath)]);
    return { stem: job.stem, ok: true, metrics: imageMetrics(pred, gt) };
  } catch (e) {
    return { stem: job.stem, ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** How to start a scoring worker: a script path, plus argv when the script is the CLI bundle re-entering itself. */
export interface WorkerLaunch {
  /** Script the worker runs. */
  readonly script: string;
  /** Extra argv for the worker (e.g. ['metrics', '--worker'] for dist/cli.js). */
  readonly argv?: readonly string[];
}

/** Options of {@link scorePairs}. */
export interface ScoreOptions {
  /** Worker threads; 0 or 1 scores on the calling thread. */
  readonly workers?: number;
  /** Worker entry; defaults to the datasetWorker module next to this file (unbundled builds). */
  readonly launch?: WorkerLaunch;
  /** Called after each pair is scored (progress). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Requests a scoring worker handles (RpcEndpoint): `metrics/score` replies with the pair's outcome. */
export type ScoreRequests = { 'metrics/score': { params: { readonly job: PairJob }; result: PairOutcome } };

/** workerData key telling a thread that it is a scoring worker and how it was started. */
export const WORKER_ROLE_KEY = 'segr1MetricsWorker';

/** Pairs each worker holds at once, so decoding (libuv pool) overlaps metric computation. */
const IN_FLIGHT_PER_WORKER = 2;

/** Score pairs on the calling thread or over worker threads; outcomes come back in job order. */
export async function scorePairs(jobs: readonly PairJob[], options: ScoreOptions = {}): Promise<PairOutcome[]> {
  const workers = Math.max(0, Math.min(options.workers ?? 0, jobs.length));
  return workers <= 1 ? scoreHere(jobs, options.onProgress) : scoreInWorkers(jobs, workers, options.launch ?? defaultLaunch(), options.onProgress);
}

async function scoreHere(jobs: readonly PairJob[], onProgress?: (done: number, total: number) => void): Promise<PairOutcome[]> {
  const out: PairOutcome[] = [];
  // Decode the next pair while the current one is computed.
  let next = jobs.length > 0 ? scorePair(jobs[0]!) : undefined;
  for (let i = 0; i < jobs.length; i++) {
    const current = next!;
    next = i + 1 < jobs.length ? scorePair(jobs[i + 1]!) : undefined;
    out.push(await current);
    onProgress?.(i + 1, jobs.length);
  }
  return out;
}

function defaultLaunch(): WorkerLaunch {
  return { script: join(__dirname, 'datasetWorker.js') };
}

async function scoreInWorkers(jobs: readonly PairJob[], count: number, launch: WorkerLaunch, onProgress?: (done: number, total: number) => void): Promise<PairOutcome[]> {
  const out = new Array<PairOutcome>(jobs.length);
  let nextJob = 0;
  let done = 0;
  const channels = Array.from({ length: count }, () =>
    workerChannel<ScoreRequests, Record<never, never>>(new Worker(launch.script, { argv: launch.argv ? [...launch.argv] : [], workerData: { [WORKER_ROLE_KEY]: launch.argv ? 'cli' : 'standalone' } }), 'metrics worker'),
  );
  /** One of a worker's request slots: takes the next pair until none is left. */
  const lane = async (ch: (typeof channels)[number]): Promise<void> => {
    while (nextJob < jobs.length) {
      const id = nextJob++;
      out[id] = await Promise.race([ch.rpc.request('metrics/score', { job: jobs[id]! }), ch.died]);
      onProgress?.(++done, jobs.length);
    }
  };
  try {
    await Promise.all(channels.flatMap((ch) => Array.from({ length: IN_FLIGHT_PER_WORKER }, () => lane(ch))));
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)} after ${done}/${jobs.length} pairs`, { cause: e });
  } finally {
    for (const ch of channels) ch.close();
  }
  return out;
}

/** Aggregate scored outcomes in job order (fixed order keeps the float sums reproducible). */
export function aggregate(outcomes: readonly PairOutcome[]): DatasetMetrics {
  const suite = new MetricSuite();
  for (const o of outcomes) if (o.ok) suite.add(o.metrics);
  return suite.getResults();
}
