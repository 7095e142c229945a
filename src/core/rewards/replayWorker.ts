import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { AttributionContext, measureRollout, OracleCache, type MeasuredLine } from '../attribution/attributeLog';
import { createClassicalSegmenter } from '../segment/classical';
import type { Segmenter } from '../segment/segmenter';
import { getRewardSet } from './registry';
import { ReplayRun, replayRecord, type Pending } from './replay';
import type { ReplayBatchRequest, ReplayItemResult, ReplayWorkerConfig, ReplayWorkerMessage } from './replayPool';

/**
 * A replay worker: replays the batches of lines it is sent with one ReplayRun (its own GT cache) and sends each
 * batch's results back; started with `job: 'attribute'`, it measures them for attribution instead (one
 * AttributionContext: the same per-record path, plus the oracle of each image it meets). Bundled as
 * dist/replayWorker.js, beside the bundles that start it.
 */
async function serve(config: ReplayWorkerConfig, post: (m: ReplayWorkerMessage) => void, on: (fn: (req: ReplayBatchRequest) => void) => void): Promise<void> {
  const rewardSet = getRewardSet(config.rewardSet);
  if (!rewardSet) {
    post({ type: 'replay/failed', message: `unknown reward set '${config.rewardSet}'` });
    return;
  }
  const segmenter: Segmenter | undefined = config.segmenter === 'classical' ? createClassicalSegmenter() : undefined;
  // Notes go to the line being scored when they are first raised here; the parent keeps the first in line order.
  let notes: string[] = [];
  const onNote = (m: string): void => void notes.push(m);
  let one: (text: string, line: number) => Promise<Pending | MeasuredLine>;
  let segmented: () => number;
  if (config.job === 'attribute') {
    if (!segmenter) {
      post({ type: 'replay/failed', message: 'attribution needs a segmenter' });
      return;
    }
    const oracleCache = new OracleCache();
    for (const [key, o] of config.oracles ?? []) oracleCache.set(key, o);
    const ctx = new AttributionContext({ rewardSet, root: config.root, segmenter, onNote, oracleCache });
    one = async (text, line) => ({ measured: await measureRollout(text, line, ctx), oracles: ctx.takeFresh() });
    segmented = () => ctx.run.segmented;
  } else {
    const run = new ReplayRun({ root: config.root, onNote });
    const opts = { rewardSet, ...(segmenter ? { segmenter } : {}) };
    one = (text, line) => replayRecord(text, line, opts, run);
    segmented = () => run.segmented;
  }
  // Batches are scored one after another, in the order they came: the run's scratch buffers are not shared.
  let chain = Promise.resolve();
  on((req) => {
    chain = chain.then(async () => {
      const results: ReplayItemResult<Pending | MeasuredLine>[] = [];
      const before = segmented();
      for (const { line, text } of req.items) {
        notes = [];
        try {
          results.push({ line, value: await one(text, line), notes });
        } catch (e) {
          results.push({ line, error: e instanceof Error ? e.message : String(e), notes });
        }
      }
      post({ type: 'replay/done', id: req.id, results, segmented: segmented() - before });
    });
  });
}

const config = workerData as ReplayWorkerConfig | null;
if (!isMainThread && parentPort && config?.role === 'segr1-replay') {
  const port = parentPort;
  serve(
    config,
    (m) => port.postMessage(m),
    (fn) => port.on('message', (m: ReplayBatchRequest) => m.type === 'replay/batch' && fn(m)),
  ).catch((e: unknown) => port.postMessage({ type: 'replay/failed', message: e instanceof Error ? e.message : String(e) } satisfies ReplayWorkerMessage));
}
