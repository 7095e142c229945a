import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRgb } from '../../../src/core/image/io';
import type { RgbImage } from '../../../src/core/image/types';
import { openDiscoveredSam2, SegmentWorkerHost } from '../../../src/host/segmentHost';
import { SerialQueue } from '../../../src/host/segmentWorker';
import { writeFixture } from './sam2Fixtures';
import { startTestKserve } from './remoteServer';

const WORKER = join(__dirname, '../../../../dist/segmentWorker.js');
const ROOT = mkdtempSync(join(tmpdir(), 'segr1-worker-'));
const A = writeFixture('A', join(ROOT, 'A'));
const D = writeFixture('D', join(ROOT, 'D'));
const host = new SegmentWorkerHost(WORKER);
after(async () => {
  await host.dispose();
  rmSync(ROOT, { recursive: true, force: true });
});

function image(w: number, h: number, seed: number): RgbImage {
  return { width: w, height: h, data: new Uint8Array(w * h * 3).map((_, i) => (i * seed) % 251) };
}

test('the bundled worker exists (built by esbuild.mjs)', () => {
  assert.ok(existsSync(WORKER), WORKER);
});

test('load, encode a file (sharp in the worker) and pixels, decode; encoder runs once per image', async () => {
  const seg = await host.loadSam2({ encoder: A.encoder, decoder: A.decoder, channels: 'bgr', cacheDir: join(ROOT, 'cache') });
  assert.equal(seg.family, 'A');
  assert.equal(seg.info.label, 'SAM2 (sam2_hiera_tiny, family A, BGR input)');
  const img = image(512, 256, 3);
  const png = join(ROOT, 'img.png');
  writeFileSync(png, await encodeRgb(img));
  const phases: string[] = [];
  const e1 = await seg.encodeFile(png, undefined, (p) => phases.push(p.phase));
  assert.equal(e1.cached, false);
  for (const ph of ['queued', 'decode', 'preprocess', 'encoder', 'cacheWrite', 'done']) assert.ok(phases.includes(ph), `phase ${ph} in ${phases.join(',')}`);
  const e2 = await seg.encode(img);
  assert.equal(e2.key, e1.key, 'same pixels from file or memory → same key');
  assert.equal(e2.cached, true);
  assert.equal(img.data.length, 512 * 256 * 3, 'caller pixels stay usable');
  const r = await seg.decode(e2, { box: { x1: 64, y1: 32, x2: 448, y2: 224 }, points: [] });
  assert.ok(r.mask.data instanceof Uint8Array);
  assert.ok(r.lowResLogits instanceof Float32Array);
  let n = 0;
  for (const v of r.mask.data) n += v;
  assert.equal(n, (463 - 48 + 1) * (231 - 24 + 1));
  const fed = await seg.decode(e2, { box: { x1: 64, y1: 32, x2: 448, y2: 224 }, points: [], maskInput: new Float32Array(256 * 256).fill(-1e4) });
  assert.equal(fed.mask.data.reduce((a, b) => a + b, 0), 0);
  assert.deepEqual(await seg.stats(), { encoderRuns: 1, decoderRuns: 2 });
  await seg.dispose();
});

test('a queued encode cancelled before its turn never runs the encoder', async () => {
  const seg = await host.loadSam2({ encoder: A.encoder, decoder: A.decoder, channels: 'rgb' });
  const ac = new AbortController();
  const first = seg.encode(image(300, 200, 5));
  const second = seg.encode(image(300, 200, 7), ac.signal);
  ac.abort();
  await assert.rejects(second, { name: 'AbortError' });
  await first;
  assert.equal((await seg.stats()).encoderRuns, 1);
  await seg.dispose();
});

test('load errors travel back with their name and the family table', async () => {
  await assert.rejects(host.loadSam2({ encoder: A.encoder, decoder: D.decoder, channels: 'rgb' }), (e: Error) => {
    assert.equal(e.name, 'UnknownExportError');
    assert.match(e.message, /encoder looks like A\/B but decoder like D/);
    return true;
  });
});

test('the worker drives a remote SAM2 (KServe v2) just like a local one', async () => {
  const server = await startTestKserve({ enc: A.encoder, dec: A.decoder });
  try {
    const seg = await host.loadRemoteSam2({ url: server.url, encoderModel: 'enc', decoderModel: 'dec', channels: 'rgb', retries: 0 });
    assert.equal(seg.info.kind, 'remote');
    assert.equal(seg.family, 'A');
    const e = await seg.encode(image(512, 256, 3));
    const r = await seg.decode(e, { box: { x1: 64, y1: 32, x2: 448, y2: 224 }, points: [] });
    assert.equal(r.mask.data.reduce((a, b) => a + b, 0), (463 - 48 + 1) * (231 - 24 + 1));
    assert.deepEqual([server.control.infers.get('enc'), server.control.infers.get('dec')], [1, 1]);
    await seg.dispose();
  } finally {
    await server.close();
  }
});

test('openDiscoveredSam2 loads the preferred (else first) export found under the roots', async () => {
  const none = await openDiscoveredSam2(host, [join(ROOT, 'no-models')], { channels: 'rgb' });
  assert.equal(none.segmenter, undefined);
  const models = join(ROOT, 'models');
  writeFixture('E', join(models, 'e'));
  const d = writeFixture('D', join(models, 'd'));
  const first = await openDiscoveredSam2(host, [models], { channels: 'bgr' });
  assert.deepEqual(first.candidates.map((c) => c.label), ['e — SAM2 family E', 'sam2_hiera_tiny — SAM2 family D']);
  assert.equal(first.segmenter?.family, 'E');
  const preferred = await openDiscoveredSam2(host, [models], { channels: 'bgr', preferEncoder: d.encoder });
  assert.equal(preferred.segmenter?.family, 'D');
  assert.match(preferred.segmenter!.info.label, /family D, BGR input/);
  await Promise.all([first.segmenter!.dispose(), preferred.segmenter!.dispose()]);
});

test('SerialQueue runs in order and drops jobs cancelled while waiting', async () => {
  const q = new SerialQueue();
  const order: number[] = [];
  const ac = new AbortController();
  const a = q.run(async () => { await new Promise((r) => setTimeout(r, 20)); order.push(1); return 1; });
  const b = q.run(async () => { order.push(2); return 2; }, ac.signal);
  const c = q.run(async () => { order.push(3); return 3; });
  ac.abort();
  await assert.rejects(b, { name: 'AbortError' });
  assert.deepEqual(await Promise.all([a, c]), [1, 3]);
  assert.deepEqual(order, [1, 3]);
  assert.equal(q.size, 0);
});

test('a terminated worker rejects what is pending and refuses new work', async () => {
  const h = new SegmentWorkerHost(WORKER);
  const seg = await h.loadSam2({ encoder: A.encoder, decoder: A.decoder, channels: 'rgb' });
  const p = seg.encode(image(800, 600, 9)).then(() => undefined, (e: Error) => e);
  await h.dispose();
  assert.equal((await p)?.name, 'RpcDisposedError');
  await assert.rejects(seg.encode(image(10, 10, 1)));
});
