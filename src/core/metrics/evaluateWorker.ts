import { existsSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData, type MessagePort } from 'node:worker_threads';
import { serveOnPort, workerChannel } from '../workers/workerRpc';
import { evaluateFolder, type EvaluateFolderOptions, type FolderEvaluation } from './evaluateFolder';

/*
 * evaluateFolder on a worker thread, so that a host (the VS Code extension host) stays responsive while the full set
 * runs. The channel is RpcEndpoint: `evaluate/folder` is a request whose reply is the evaluation (errors travel
 * back); progress and warnings are notifications; `evaluate/stop` asks the worker to stop before the next image
 * and still reply with what it scored (an abort is a shorter evaluation, not a failure).
 */

/** workerData key marking a thread started by {@link evaluateInWorker}. */
const ROLE = 'segr1-evaluate-folder';

/** What the folders and images of a worker run are (the serialisable part of EvaluateFolderOptions). */
type Folders = Pick<EvaluateFolderOptions, 'predDir' | 'gtDir' | 'imagesDir' | 'insideRoots'>;

/** Requests the evaluation worker handles. */
type EvaluateRequests = { 'evaluate/folder': { params: Folders; result: FolderEvaluation } };
/** Host → worker notifications. */
type ToWorker = { 'evaluate/stop': Record<string, never> };
/** Worker → host notifications. */
type FromWorker = { 'evaluate/progress': { done: number; total: number; stem: string }; 'evaluate/warning': { message: string } };

/**
 * Run evaluateFolder in a worker started from `script` (the bundled dist/evaluateWorker.js, or this module's
 * unbundled build). When the script is missing the run happens on this thread (same result).
 */
export async function evaluateInWorker(script: string, opts: EvaluateFolderOptions): Promise<FolderEvaluation> {
  if (!existsSync(script)) return evaluateFolder(opts);
  const { predDir, gtDir, imagesDir, insideRoots } = opts;
  const folders: Folders = { predDir, gtDir, ...(imagesDir !== undefined ? { imagesDir } : {}), ...(insideRoots ? { insideRoots } : {}) };
  const { rpc, died, close } = workerChannel<EvaluateRequests, FromWorker, ToWorker>(new Worker(script, { workerData: { [ROLE]: true } }), 'evaluation worker');
  rpc.on('evaluate/progress', (p) => opts.onProgress?.(p.done, p.total, p.stem));
  rpc.on('evaluate/warning', (p) => opts.warn?.(p.message));
  const onAbort = (): void => rpc.notify('evaluate/stop', {});
  try {
    const reply = rpc.request('evaluate/folder', folders);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort);
    return await Promise.race([reply, died]);
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    close();
  }
}

/** Worker side: evaluate the folders each request names, answering on the parent port. */
function serve(port: MessagePort): void {
  const rpc = serveOnPort<EvaluateRequests, FromWorker, ToWorker>(port);
  let stop = new AbortController();
  rpc.on('evaluate/stop', () => stop.abort());
  rpc.handle('evaluate/folder', async (folders, ctx) => {
    stop = new AbortController();
    const signal = AbortSignal.any([stop.signal, ctx.signal]);
    return evaluateFolder({
      ...folders,
      signal,
      onProgress: (done, total, stem) => rpc.notify('evaluate/progress', { done, total, stem }),
      warn: (message) => rpc.notify('evaluate/warning', { message }),
    });
  });
}

if (!isMainThread && parentPort && typeof workerData === 'object' && workerData !== null && ROLE in workerData) serve(parentPort);
