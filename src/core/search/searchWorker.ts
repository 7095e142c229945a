import { isMainThread, parentPort } from 'node:worker_threads';
import { scanSelection, type ScanBatch, type Selection } from './scan';
import type { SearchSpec } from './spec';

/** Asks a search worker to search the selected records from position `from` on. */
export interface SearchWorkerRequest {
  readonly type: 'search/start';
  readonly path: string;
  readonly spec: SearchSpec;
  readonly selection: Selection;
  readonly from: number;
  readonly to: number;
  readonly skip: readonly number[];
  /** Int32Array(1) the worker writes k + 1 into while matching record k (the watchdog's view of it). */
  readonly progress: SharedArrayBuffer;
}

/** What a search worker sends back. */
export type SearchWorkerMessage = { readonly type: 'search/batch'; readonly batch: ScanBatch } | { readonly type: 'search/done' } | { readonly type: 'search/failed'; readonly message: string };

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.once('message', (req: SearchWorkerRequest) => {
    if (req.type !== 'search/start') return;
    const progress = new Int32Array(req.progress);
    scanSelection(req.path, req.spec, req.selection, { from: req.from, to: req.to, skip: new Set(req.skip), progress, emit: (batch) => port.postMessage({ type: 'search/batch', batch } satisfies SearchWorkerMessage) }).then(
      () => port.postMessage({ type: 'search/done' } satisfies SearchWorkerMessage),
      (e: unknown) => port.postMessage({ type: 'search/failed', message: e instanceof Error ? e.message : String(e) } satisfies SearchWorkerMessage),
    );
  });
}
