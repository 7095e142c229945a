import { existsSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { evaluateFolder, type EvaluateFolderOptions, type FolderEvaluation } from './evaluateFolder';

/*
 * evaluateFolder on a worker thread, so that a host (the VS Code extension host) stays responsive while the full set
 * runs: the worker posts progress after each image; an abort message stops it before the next image, and it still
 * replies with what it scored.
 */

/** workerData key marking a thread started by {@link evaluateInWorker}. */
const ROLE = 'segr1-evaluate-folder';

/** What the folders and images of a worker run are (the serialisable part of EvaluateFolderOptions). */
type Folders = Pick<EvaluateFolderOptions, 'predDir' | 'gtDir' | 'imagesDir' | 'insideRoots'>;

/** Host → worker. */
type ToWorker = { type: 'abort' };
/** Worker → host. */
type FromWorker =
  | { type: 'progress'; done: number; total: number; stem: string }
  | { type: 'warning'; message: string }
  | { type: 'done'; result: FolderEvaluation }
  | { type: 'error'; message: string };

/**
 * Run evaluateFolder in a worker started from `script` (the bundled dist/evaluateWorker.js, or this module's
 * unbundled build). When the script is missing the run happens on this thread (same result).
 */
export function evaluateInWorker(script: string, opts: EvaluateFolderOptions): Promise<FolderEvaluation> {
  if (!existsSync(script)) return evaluateFolder(opts);
  const { predDir, gtDir, imagesDir, insideRoots } = opts;
  const folders: Folders = { predDir, gtDir, ...(imagesDir !== undefined ? { imagesDir } : {}), ...(insideRoots ? { insideRoots } : {}) };
  return new Promise((resolve, reject) => {
    const w = new Worker(script, { workerData: { [ROLE]: folders } });
    let settled = false;
    const onAbort = (): void => w.postMessage({ type: 'abort' } satisfies ToWorker);
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      void w.terminate();
      fn();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort);
    w.on('message', (m: FromWorker) => {
      if (m.type === 'progress') opts.onProgress?.(m.done, m.total, m.stem);
      else if (m.type === 'warning') opts.warn?.(m.message);
      else if (m.type === 'done') settle(() => resolve(m.result));
      else settle(() => reject(new Error(m.message)));
    });
    w.on('error', (e) => settle(() => reject(e instanceof Error ? e : new Error(String(e)))));
    w.on('exit', (code) => settle(() => reject(new Error(`evaluation worker exited with code ${code} before replying`))));
  });
}

/** Worker side: run the folders given in workerData, answering on the parent port. */
async function serve(folders: Folders): Promise<void> {
  const port = parentPort!;
  const abort = new AbortController();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') abort.abort();
  });
  const post = (m: FromWorker): void => port.postMessage(m);
  try {
    const result = await evaluateFolder({
      ...folders,
      signal: abort.signal,
      onProgress: (done, total, stem) => post({ type: 'progress', done, total, stem }),
      warn: (message) => post({ type: 'warning', message }),
    });
    post({ type: 'done', result });
  } catch (e) {
    post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
  port.close();
}

if (!isMainThread && typeof workerData === 'object' && workerData !== null && ROLE in workerData) void serve((workerData as Record<string, Folders>)[ROLE]!);
