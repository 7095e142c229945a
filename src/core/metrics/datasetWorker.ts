import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { serveOnPort } from '../workers/workerRpc';
import { scorePair, WORKER_ROLE_KEY, type ScoreRequests } from './dataset';

/**
 * Serve scoring requests (RpcEndpoint `metrics/score`) on a worker's parent port until the parent closes it.
 * Curves travel as Float64Arrays (structured clone); each reply is about 8 KiB.
 */
export function serveMetricsWorker(port: MessagePort | null = parentPort): Promise<void> {
  if (!port) return Promise.reject(new Error('not running in a worker thread'));
  return new Promise((resolve) => {
    const rpc = serveOnPort<ScoreRequests, Record<never, never>>(port);
    rpc.handle('metrics/score', (p) => scorePair(p.job));
    port.on('close', () => {
      rpc.dispose();
      resolve();
    });
  });
}

/** True in a thread started by scorePairs (either entry). */
export function isMetricsWorker(): boolean {
  return !isMainThread && typeof workerData === 'object' && workerData !== null && WORKER_ROLE_KEY in workerData;
}

// Started as its own script (unbundled builds): serve right away. The CLI bundle instead re-enters `segr1 metrics --worker`.
if (!isMainThread && (workerData as Record<string, unknown> | null)?.[WORKER_ROLE_KEY] === 'standalone') void serveMetricsWorker();
