import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { RpcDisposedError, RpcEndpoint, RpcTimeoutError, type RpcMessage } from '../../../src/shared/rpc';

type ClientCalls = {
  add: { params: { a: number; b: number }; result: number };
  fail: { params: { message: string }; result: never };
  slow: { params: { ms: number }; result: string };
  invert: { params: { pixels: Uint8Array }; result: { pixels: Uint8Array } };
  missing: { params: null; result: null };
};
type ServerNotes = { progress: { fraction: number } };

/** Wait until a condition holds (cross-thread messages arrive late on a loaded machine). */
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

/** Two endpoints over a real MessageChannel, so transfers really detach buffers. */
function pair(timeoutMs?: number) {
  const { port1, port2 } = new MessageChannel();
  const client = new RpcEndpoint<ClientCalls, Record<never, never>, Record<never, never>, ServerNotes>((m, t) => port1.postMessage(m, t ?? []), { timeoutMs });
  const server = new RpcEndpoint<Record<never, never>, ClientCalls, ServerNotes>((m, t) => port2.postMessage(m, t ?? []));
  port1.on('message', (m) => client.receive(m));
  port2.on('message', (m) => server.receive(m));
  const aborted: string[] = [];
  server.handle('add', ({ a, b }) => a + b);
  server.handle('fail', ({ message }) => {
    const e = new RangeError(message);
    throw e;
  });
  server.handle('slow', ({ ms }, ctx) => new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => resolve('done'), ms);
    ctx.signal.addEventListener('abort', () => {
      clearTimeout(t);
      aborted.push(String((ctx.signal.reason as Error).name));
      reject(ctx.signal.reason);
    });
  }));
  server.handle('invert', ({ pixels }, ctx) => {
    for (let i = 0; i < pixels.length; i++) pixels[i] = 255 - pixels[i]!;
    ctx.transfer([pixels.buffer as ArrayBuffer]);
    return { pixels };
  });
  const close = (): void => {
    client.dispose();
    server.dispose();
    port1.close();
    port2.close();
  };
  return { client, server, aborted, close };
}

test('requests resolve with typed results; ids increment; many in flight', async () => {
  const sent: RpcMessage[] = [];
  const ep = new RpcEndpoint<ClientCalls, Record<never, never>>((m) => sent.push(m));
  void ep.request('add', { a: 1, b: 2 }).catch(() => undefined);
  void ep.request('add', { a: 3, b: 4 }).catch(() => undefined);
  assert.deepEqual(sent.map((m) => (m.rpc === 'request' ? m.id : -1)), [1, 2]);
  ep.dispose();
  const { client, close } = pair();
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => client.request('add', { a: i, b: 1 })));
  assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i + 1));
  assert.equal(client.pendingCount, 0);
  close();
});

test('handler errors come back as rejections with name and message', async () => {
  const { client, close } = pair();
  await assert.rejects(client.request('fail', { message: 'bad box' }), { name: 'RangeError', message: 'bad box' });
  await assert.rejects(client.request('missing', null), { name: 'RpcMethodNotFound' });
  close();
});

test('timeout rejects the caller and aborts the handler', async () => {
  const { client, aborted, close } = pair(50);
  await assert.rejects(client.request('slow', { ms: 5000 }), RpcTimeoutError);
  await until(() => aborted.length > 0);
  assert.deepEqual(aborted, ['AbortError']);
  assert.equal(await client.request('slow', { ms: 1 }, { timeoutMs: 1000 }), 'done');
  close();
});

test('cancellation through an AbortSignal reaches the handler; a pre-aborted signal never sends', async () => {
  const { client, aborted, close } = pair();
  const ac = new AbortController();
  const p = client.request('slow', { ms: 5000 }, { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(p, { name: 'AbortError' });
  await until(() => aborted.length > 0);
  assert.deepEqual(aborted, ['AbortError']);
  const sent: RpcMessage[] = [];
  const ep = new RpcEndpoint<ClientCalls, Record<never, never>>((m) => sent.push(m));
  await assert.rejects(ep.request('add', { a: 1, b: 1 }, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  assert.equal(sent.length, 0);
  close();
});

test('dispose rejects pending requests and clears them', async () => {
  const { client, close } = pair();
  const p = client.request('slow', { ms: 5000 });
  assert.equal(client.pendingCount, 1);
  client.dispose();
  await assert.rejects(p, RpcDisposedError);
  assert.equal(client.pendingCount, 0);
  await assert.rejects(client.request('add', { a: 1, b: 1 }), RpcDisposedError);
  close();
});

test('transferables move both ways: the sender’s buffer is detached, no copy is made', async () => {
  const { client, close } = pair();
  const pixels = Uint8Array.from([0, 10, 255]);
  const res = await client.request('invert', { pixels }, { transfer: [pixels.buffer] });
  assert.equal(pixels.byteLength, 0, 'request buffer transferred');
  assert.deepEqual(Array.from(res.pixels), [255, 245, 0]);
  close();
});

test('notifications reach listeners; foreign messages are left to other handlers', async () => {
  const { client, server, close } = pair();
  const got: number[] = [];
  const off = client.on('progress', (p) => got.push(p.fraction));
  server.notify('progress', { fraction: 0.5 });
  server.notify('progress', { fraction: 1 });
  await until(() => got.length === 2);
  off();
  server.notify('progress', { fraction: 2 });
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(got, [0.5, 1]);
  assert.equal(client.receive({ type: 'ready' }), false);
  assert.equal(client.receive(null), false);
  close();
});
