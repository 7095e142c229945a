import type { Worker } from 'node:worker_threads';
import { RpcEndpoint, type NotificationMap, type RequestMap } from '../../shared/rpc';

/*
 * RpcEndpoint over a worker thread, both sides: the core's workers (index ranges, metrics, search) speak it
 * instead of each its own ad-hoc messages, so requests get replies, errors travel back and cancellation reaches
 * the handler's signal.
 */

/** The host's side of one worker: its endpoint, and a promise rejected when the thread dies (error or exit). */
export interface WorkerChannel<Out extends RequestMap, NIn extends NotificationMap, NOut extends NotificationMap = Record<never, never>> {
  readonly rpc: RpcEndpoint<Out, Record<never, never>, NOut, NIn>;
  /** Rejects with the thread's error or `<what> exited (code)`; never resolves. Race it against requests. */
  readonly died: Promise<never>;
  /** Dispose the endpoint and terminate the thread. */
  close(): void;
}

/** Open the host's side of a channel to `worker` (no request timeout: a range or a folder takes what it takes). */
export function workerChannel<Out extends RequestMap, NIn extends NotificationMap, NOut extends NotificationMap = Record<never, never>>(worker: Worker, what: string): WorkerChannel<Out, NIn, NOut> {
  const rpc = new RpcEndpoint<Out, Record<never, never>, NOut, NIn>((m, t) => worker.postMessage(m, t ?? []), { timeoutMs: 0 });
  worker.on('message', (m) => rpc.receive(m));
  const died = new Promise<never>((_, reject) => {
    worker.on('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
    worker.on('exit', (code) => reject(new Error(`${what} exited (${code})`)));
  });
  // Nobody may be racing it when the thread exits after the last reply.
  died.catch(() => undefined);
  return {
    rpc,
    died,
    close: () => {
      rpc.dispose();
      void worker.terminate();
    },
  };
}

/** What the worker's side needs of a port: parentPort, or one end of a MessageChannel in a test. */
export interface RpcPort {
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): void;
}

/** The worker's side: handle requests arriving on `port` (the parent port), send notifications back. */
export function serveOnPort<In extends RequestMap, NOut extends NotificationMap, NIn extends NotificationMap = Record<never, never>>(port: RpcPort): RpcEndpoint<Record<never, never>, In, NOut, NIn> {
  const rpc = new RpcEndpoint<Record<never, never>, In, NOut, NIn>((m, t) => port.postMessage(m, t ?? []), { timeoutMs: 0 });
  port.on('message', (m) => rpc.receive(m));
  return rpc;
}
