/**
 * The segmentation worker thread (bundled to dist/segmentWorker.js; never imports vscode). Keeps one warm
 * SAM2 session pair per loaded model, decodes image files with sharp, and serves encode/decode requests
 * from the host over RpcEndpoint. Encodes and decodes queue separately per model, so a re-prompt never
 * waits behind another image's encoder run; a request cancelled while queued never starts.
 */
import { parentPort } from 'node:worker_threads';
import { readRgb } from '../core/image/io';
import { EmbeddingCache } from '../core/segment/embeddingCache';
import { createRemoteSam2 } from '../core/segment/remote';
import { loadSam2 } from '../core/segment/sam2/load';
import type { Sam2Segmenter } from '../core/segment/sam2/sam2Segmenter';
import type { RpcEndpoint } from '../shared/rpc';
import { serveOnPort, type RpcPort } from '../core/workers/workerRpc';
import type { HostToWorker, WorkerToHost } from '../shared/workerProtocol';

/** Runs jobs one after another; a job whose signal fires while it waits is rejected without running. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Jobs waiting or running. */
  size = 0;

  /** Queue a job behind the others; rejects at once if its signal fires while it waits. */
  run<T>(job: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.size++;
    const start = this.tail.then(() => {
      if (signal?.aborted) throw signal.reason ?? Object.assign(new Error('request cancelled'), { name: 'AbortError' });
      return job();
    });
    const done = start.finally(() => void this.size--);
    this.tail = done.catch(() => undefined);
    if (!signal) return done;
    // Reject a waiting job as soon as it is cancelled, not when its turn comes.
    return new Promise<T>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason ?? Object.assign(new Error('request cancelled'), { name: 'AbortError' }));
      signal.addEventListener('abort', onAbort, { once: true });
      done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}

interface Loaded {
  readonly seg: Sam2Segmenter;
  readonly encodes: SerialQueue;
  readonly decodes: SerialQueue;
}

/** Serve the host↔worker protocol (HostToWorker requests, WorkerToHost notifications) on a port: parentPort in the real worker. */
export function serveSegmentWorker(port: RpcPort): RpcEndpoint<Record<never, never>, HostToWorker, WorkerToHost> {
  const rpc = serveOnPort<HostToWorker, WorkerToHost>(port);
  const models = new Map<string, Loaded>();
  let next = 1;
  const model = (id: string): Loaded => {
    const m = models.get(id);
    if (!m) throw new Error(`no model '${id}' loaded in the segmentation worker`);
    return m;
  };

  rpc.handle('model/load', async (p) => {
    const cache = p.cacheDir ? new EmbeddingCache({ dir: p.cacheDir, maxBytes: p.cacheMaxBytes }) : undefined;
    const seg = await loadSam2({ encoder: p.encoder, decoder: p.decoder }, { channels: p.channels, cache, threads: p.threads, multimask: p.multimask });
    const modelId = `m${next++}`;
    models.set(modelId, { seg, encodes: new SerialQueue(), decodes: new SerialQueue() });
    return { modelId, info: seg.info, family: seg.family.id, acceptsMaskInput: seg.acceptsMaskInput };
  });

  rpc.handle('model/loadRemote', async (p, ctx) => {
    const cache = p.cacheDir ? new EmbeddingCache({ dir: p.cacheDir, maxBytes: p.cacheMaxBytes }) : undefined;
    const seg = await createRemoteSam2({ ...p, cache }, ctx.signal);
    const modelId = `m${next++}`;
    models.set(modelId, { seg, encodes: new SerialQueue(), decodes: new SerialQueue() });
    return { modelId, info: seg.info, family: seg.family.id, acceptsMaskInput: seg.acceptsMaskInput };
  });

  rpc.handle('image/encode', async (p, ctx) => {
    const m = model(p.modelId);
    const token = p.progressToken;
    if (token) rpc.notify('encode/progress', { progressToken: token, phase: 'queued', fraction: 0 });
    return m.encodes.run(async () => {
      if (token && p.path) rpc.notify('encode/progress', { progressToken: token, phase: 'decode', fraction: 0.01 });
      const image = p.image ?? (p.path ? await readRgb(p.path) : undefined);
      if (!image) throw new Error('image/encode needs pixels or a path');
      const r = await m.seg.encode(image, ctx.signal, token ? (q) => rpc.notify('encode/progress', { progressToken: token, ...q }) : undefined);
      return { key: r.key, width: r.width, height: r.height, cached: r.cached };
    }, ctx.signal);
  });

  rpc.handle('mask/decode', async (p, ctx) => {
    const m = model(p.modelId);
    return m.decodes.run(async () => {
      const r = await m.seg.decode(p.encoded, p.prompt, ctx.signal);
      const buffers = [r.mask.data.buffer as ArrayBuffer];
      if (r.lowResLogits) buffers.push(r.lowResLogits.buffer as ArrayBuffer);
      ctx.transfer(buffers);
      return { mask: r.mask, score: r.score, lowResLogits: r.lowResLogits };
    }, ctx.signal);
  });

  rpc.handle('model/stats', (p) => {
    const m = model(p.modelId);
    return { encoderRuns: m.seg.encoderRuns, decoderRuns: m.seg.decoderRuns };
  });

  rpc.handle('model/dispose', async (p) => {
    const m = models.get(p.modelId);
    models.delete(p.modelId);
    await m?.seg.dispose();
    return null;
  });
  return rpc;
}

if (parentPort) serveSegmentWorker(parentPort as unknown as Parameters<typeof serveSegmentWorker>[0]);
