import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteSam2 } from '../../../src/core/segment/remote';
import { createKserveBackend, KserveError } from '../../../src/core/segment/remoteKserve';
import { loadSam2 } from '../../../src/core/segment/sam2/load';
import type { RgbImage } from '../../../src/core/image/types';
import type { SegmentPrompt } from '../../../src/core/segment/segmenter';
import { GraphBuilder } from './sam2OnnxProto';
import { writeFixture, type FixtureFamily } from './sam2Fixtures';
import { startTestKserve, type TestKserve } from './remoteServer';

const ROOT = mkdtempSync(join(tmpdir(), 'segr1-remote-'));
const FAMS: FixtureFamily[] = ['A', 'D', 'E'];
const fx = Object.fromEntries(FAMS.map((f) => [f, writeFixture(f, join(ROOT, f))])) as Record<FixtureFamily, { encoder: string; decoder: string }>;

/** A four-dtype toy model for protocol checks: y = 2x, n1 = n + 1, nb = not b, i = int32(n). */
function toyModel(): string {
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', [2, 3]);
  const n = g.input('n', 'int64', ['len']);
  const b = g.input('b', 'bool', [3]);
  g.op('Mul', [x, g.f32([2], [])], {}, 'y');
  g.op('Add', [n, g.i64([1], [])], {}, 'n1');
  g.op('Not', [b], {}, 'nb');
  g.op('Cast', [n], { to: { i: 6 } }, 'i');
  g.output('y', 'float32', [2, 3]);
  g.output('n1', 'int64', ['len']);
  g.output('nb', 'bool', [3]);
  g.output('i', 'int32', ['len']);
  const p = join(ROOT, 'toy.onnx');
  writeFileSync(p, g.model('toy'));
  return p;
}

let server: TestKserve;
const ready = (async () => {
  server = await startTestKserve({
    toy: toyModel(),
    ...Object.fromEntries(FAMS.flatMap((f) => [[`sam2_${f}_encoder`, fx[f].encoder], [`sam2_${f}_decoder`, fx[f].decoder]])),
  });
})();
after(async () => {
  await server?.close();
  rmSync(ROOT, { recursive: true, force: true });
});

const feeds = {
  x: { type: 'float32' as const, dims: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, -6.5) },
  n: { type: 'int64' as const, dims: [2], data: BigInt64Array.of(41n, -3n) },
  b: { type: 'bool' as const, dims: [3], data: Uint8Array.of(1, 0, 1) },
};

test('tensors of every dtype round-trip through JSON and through the binary extension', async () => {
  await ready;
  for (const binary of [true, false]) {
    const before = server.control.binaryRequests.length;
    const be = await createKserveBackend({ url: server.url, model: 'toy', binary });
    assert.deepEqual(be.io.inputs.map((v) => `${v.name}:${v.type}`), ['x:float32', 'n:int64', 'b:bool']);
    const out = await be.run(feeds);
    assert.deepEqual(Array.from(out.y!.data as Float32Array), [2, 4, 6, 8, 10, -13]);
    assert.deepEqual(out.y!.dims, [2, 3]);
    assert.deepEqual(Array.from(out.n1!.data as BigInt64Array), [42n, -2n]);
    assert.deepEqual(Array.from(out.nb!.data as Uint8Array), [0, 1, 0]);
    assert.deepEqual(Array.from(out.i!.data as Int32Array), [41, -3]);
    assert.deepEqual(server.control.binaryRequests.slice(before), [binary]);
  }
});

test('5xx answers are retried with backoff; exhausted retries and 4xx fail with the status', async () => {
  await ready;
  const be = await createKserveBackend({ url: server.url, model: 'toy', retries: 2, backoffMs: 5 });
  server.control.failNext = 2;
  const n0 = server.control.infers.get('toy') ?? 0;
  assert.deepEqual(Array.from((await be.run(feeds)).y!.data as Float32Array).slice(0, 2), [2, 4]);
  assert.equal((server.control.infers.get('toy') ?? 0) - n0, 3, 'two failures + one success');
  server.control.failNext = 3;
  await assert.rejects(be.run(feeds), (e: unknown) => e instanceof KserveError && e.status === 503);
  server.control.failNext = 0;
  await assert.rejects(be.run({ x: feeds.x }), (e: unknown) => e instanceof KserveError && e.status === 400);
  await assert.rejects(createKserveBackend({ url: server.url, model: 'nope', retries: 0 }), (e: unknown) => e instanceof KserveError && e.status === 404);
});

test('per-attempt timeout, and cancellation stops without retrying', async () => {
  await ready;
  // The timeout also bounds the metadata request `createKserveBackend` makes, which a loaded machine can take
  // 100 ms to answer: 1 s leaves room for that and stays well under the server's 4 s delay.
  const be = await createKserveBackend({ url: server.url, model: 'toy', timeoutMs: 1000, retries: 1, backoffMs: 5 });
  server.control.delayMs = 4000;
  try {
    await assert.rejects(be.run(feeds), /timed out after 1000 ms/);
    const ac = new AbortController();
    const n0 = server.control.infers.get('toy') ?? 0;
    const slow = await createKserveBackend({ url: server.url, model: 'toy', timeoutMs: 5000, retries: 3 });
    const p = slow.run(feeds, ac.signal);
    // Cancel once the server holds the request (a loaded machine may take a while to send it).
    while ((server.control.infers.get('toy') ?? 0) === n0) await new Promise((r) => setTimeout(r, 5));
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((server.control.infers.get('toy') ?? 0) - n0, 1, 'no retry after cancel');
  } finally {
    server.control.delayMs = 0;
  }
  await assert.rejects(createKserveBackend({ url: 'http://127.0.0.1:9', model: 'toy', retries: 1, backoffMs: 5, timeoutMs: 500 }), (e: unknown) => e instanceof KserveError && e.status === 0);
});

function image(): RgbImage {
  return { width: 200, height: 120, data: new Uint8Array(200 * 120 * 3).map((_, i) => (i * 13) % 256) };
}

test('remote SAM2 (families A, D, E served over KServe v2) matches the local masks and scores', async () => {
  await ready;
  const prompts: SegmentPrompt[] = [
    { box: { x1: 20, y1: 10, x2: 150, y2: 100 }, points: [] },
    { box: { x1: 20, y1: 10, x2: 150, y2: 100 }, points: [{ x: 90, y: 50, label: 1 }, { x: 40, y: 30, label: 0 }] },
    { points: [{ x: 100, y: 60, label: 1 }] },
  ];
  for (const f of FAMS) {
    const remote = await createRemoteSam2({ url: server.url, encoderModel: `sam2_${f}_encoder`, decoderModel: `sam2_${f}_decoder`, channels: 'bgr' });
    const local = await loadSam2(fx[f], { channels: 'bgr' });
    assert.equal(remote.family.id, f);
    assert.equal(remote.info.kind, 'remote');
    assert.equal(remote.info.label, `SAM2 (sam2_${f}_encoder, family ${f}, BGR input, ${server.url})`);
    assert.match(remote.info.id, /^remote:http:\/\/127\.0\.0\.1:\d+:[0-9a-f]{16}:bgr$/);
    const er = await remote.encode(image()), el = await local.encode(image());
    for (const p of prompts) {
      const a = await remote.decode(er, p), b = await local.decode(el, p);
      assert.deepEqual(a.mask, b.mask, `family ${f}`);
      assert.equal(a.score, b.score);
    }
    await Promise.all([remote.dispose(), local.dispose()]);
  }
  assert.equal(server.control.binaryRequests.filter((b) => !b).length, 1, 'SAM2 traffic used the binary extension (only the JSON toy request did not)');
});

test('remote encoder with a local decoder', async () => {
  await ready;
  const n0 = server.control.infers.get('sam2_A_decoder') ?? 0;
  const s = await createRemoteSam2({ url: server.url, encoderModel: 'sam2_A_encoder', localDecoder: fx.A.decoder, channels: 'rgb' });
  const r = await s.decode(await s.encode(image()), { box: { x1: 20, y1: 10, x2: 150, y2: 100 }, points: [] });
  assert.ok(r.mask.data.some((v) => v === 1));
  assert.equal(server.control.infers.get('sam2_A_decoder') ?? 0, n0);
  await s.dispose();
});
