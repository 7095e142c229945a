import { parentPort } from 'node:worker_threads';
import { AttributionContext, measureRollout, OracleCache, type MeasuredLine } from '../attribution/attributeLog';
import { createClassicalSegmenter } from '../segment/classical';
import type { Segmenter } from '../segment/segmenter';
import type { RpcEndpoint } from '../../shared/rpc';
import { serveOnPort, type RpcPort } from '../workers/workerRpc';
import { getRewardSet } from './registry';
import { REPLAY_GT_CACHE_BYTES, ReplayRun, replayRecord, type Pending } from './replay';
import { replayAborted, type ReplayBatchResult, type ReplayItemResult, type ReplayWorkerConfig, type ReplayWorkerRequests } from './replayPool';

/**
 * A replay worker of the pool: serves `pass/open`, `pass/batch` and `pass/close` over RpcEndpoint. Each open pass
 * has its own ReplayRun (GT cache, resolved paths, notes), or for `job: 'attribute'` its own AttributionContext (the
 * same per-record path, plus the oracle of each image it meets). The worker outlives its passes; bundled as
 * dist/replayWorker.js, beside the bundles that start it.
 */

/** One open pass: how to score a line, and the masks segmented so far. */
interface PassState {
  readonly one: (text: string, line: number) => Promise<Pending | MeasuredLine>;
  readonly segmented: () => number;
  readonly gtLoads: () => number;
  /** Notes raised by the line being scored (the pool keeps the first of each in line order). */
  notes: string[];
}

/** Set up a pass from its config; throws naming what is wrong with it. */
function openPass(config: ReplayWorkerConfig): PassState {
  const rewardSet = getRewardSet(config.rewardSet);
  if (!rewardSet) throw new Error(`unknown reward set '${config.rewardSet}'`);
  const segmenter: Segmenter | undefined = config.segmenter === 'classical' ? createClassicalSegmenter() : undefined;
  // Each worker sees only its images' GTs: its share of the budget keeps the pass within one thread's.
  const gtCacheBytes = Math.floor(REPLAY_GT_CACHE_BYTES / Math.max(1, config.share ?? 1));
  const state: { notes: string[] } = { notes: [] };
  const onNote = (m: string): void => void state.notes.push(m);
  if (config.job === 'attribute') {
    if (!segmenter) throw new Error('attribution needs a segmenter');
    const oracleCache = new OracleCache();
    for (const [key, o] of config.oracles ?? []) oracleCache.set(key, o);
    const ctx = new AttributionContext({ rewardSet, root: config.root, segmenter, onNote, oracleCache, gtCacheBytes });
    return Object.assign(state, { one: async (text: string, line: number) => ({ measured: await measureRollout(text, line, ctx), oracles: ctx.takeFresh() }), segmented: () => ctx.run.segmented, gtLoads: () => ctx.run.gtLoads });
  }
  const run = new ReplayRun({ root: config.root, onNote, gtCacheBytes });
  const opts = { rewardSet, ...(segmenter ? { segmenter } : {}) };
  return Object.assign(state, { one: (text: string, line: number) => replayRecord(text, line, opts, run), segmented: () => run.segmented, gtLoads: () => run.gtLoads });
}

/** Serve the pool's requests on a port (parentPort in the real worker). */
export function serveReplayWorker(port: RpcPort): RpcEndpoint<Record<never, never>, ReplayWorkerRequests> {
  const rpc = serveOnPort<ReplayWorkerRequests, Record<never, never>>(port);
  const passes = new Map<number, PassState>();
  // Batches run one after another, in the order they came: a pass's scratch buffers are not shared.
  let chain: Promise<unknown> = Promise.resolve();

  rpc.handle('pass/open', (p) => {
    passes.set(p.pass, openPass(p.config));
    return null;
  });

  rpc.handle('pass/batch', (p, ctx) => {
    const job = chain.then(async (): Promise<ReplayBatchResult> => {
      const pass = passes.get(p.pass);
      if (!pass) throw new Error(`pass ${p.pass} is not open in this worker`);
      const results: ReplayItemResult<Pending | MeasuredLine>[] = [];
      const before = pass.segmented();
      const loadsBefore = pass.gtLoads();
      for (const { line, text } of p.items) {
        // Cancelled between lines: a long batch stops within one rollout.
        if (ctx.signal.aborted) throw replayAborted();
        pass.notes = [];
        try {
          results.push({ line, value: await pass.one(text, line), notes: pass.notes });
        } catch (e) {
          results.push({ line, error: e instanceof Error ? e.message : String(e), notes: pass.notes });
        }
      }
      return { results, segmented: pass.segmented() - before, gtLoads: pass.gtLoads() - loadsBefore };
    });
    chain = job.catch(() => undefined);
    return job;
  });

  rpc.handle('pass/close', (p) => {
    passes.delete(p.pass);
    return null;
  });
  return rpc;
}

if (parentPort) serveReplayWorker(parentPort);
