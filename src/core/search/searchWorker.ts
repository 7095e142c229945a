import { isMainThread, parentPort } from 'node:worker_threads';
import { serveOnPort } from '../workers/workerRpc';
import { scanSelection, type ScanBatch, type Selection } from './scan';
import type { SearchSpec } from './spec';

/** Asks a search worker to search the selected records from position `from` on. */
export interface SearchWorkerRequest {
  readonly path: string;
  readonly spec: SearchSpec;
  readonly selection: Selection;
  readonly from: number;
  readonly to: number;
  readonly skip: readonly number[];
  /** Int32Array(1) the worker writes k + 1 into while matching record k (the watchdog's view of it). */
  readonly progress: SharedArrayBuffer;
}

/** Requests a search worker handles (RpcEndpoint): `search/run` replies once the range is searched. */
export type SearchWorkerRequests = { 'search/run': { params: SearchWorkerRequest; result: null } };
/** Notifications a search worker sends: hits, in log order, as they are found. */
export type SearchWorkerNotifications = { 'search/batch': { readonly batch: ScanBatch } };

if (!isMainThread && parentPort) {
  const rpc = serveOnPort<SearchWorkerRequests, SearchWorkerNotifications>(parentPort);
  rpc.handle('search/run', async (req, ctx) => {
    const progress = new Int32Array(req.progress);
    await scanSelection(req.path, req.spec, req.selection, { from: req.from, to: req.to, skip: new Set(req.skip), progress, signal: ctx.signal, emit: (batch) => rpc.notify('search/batch', { batch }) });
    return null;
  });
}
