import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeEntry, EmbeddingCache, embeddingKey, encodeEntry, imageContentHash } from '../../../src/core/segment/embeddingCache';
import { loadSam2 } from '../../../src/core/segment/sam2/load';
import type { TensorData } from '../../../src/core/segment/sam2/tensor';
import { writeFixture } from './sam2Fixtures';

const ROOT = mkdtempSync(join(tmpdir(), 'segr1-cache-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(ROOT, `c${dirs++}`);

function tensors(seed: number, n = 1000): Record<string, TensorData> {
  const a = new Float32Array(n).map((_, i) => Math.sin(seed * 1000 + i));
  return { embed: { type: 'float32', dims: [1, n], data: a }, ids: { type: 'int64', dims: [2], data: BigInt64Array.of(BigInt(seed), -1n) } };
}
const key = (i: number): string => embeddingKey(`img${i}`, 'model', 'rgb');

test('keys separate image, model and channel order', () => {
  const k = embeddingKey('a', 'b', 'rgb');
  assert.match(k, /^[0-9a-f]{64}$/);
  assert.notEqual(k, embeddingKey('a', 'b', 'bgr'));
  assert.notEqual(k, embeddingKey('a', 'c', 'rgb'));
  assert.notEqual(k, embeddingKey('x', 'b', 'rgb'));
  const img = { width: 2, height: 1, data: Uint8Array.of(1, 2, 3, 4, 5, 6) };
  assert.notEqual(imageContentHash(img), imageContentHash({ width: 1, height: 2, data: img.data }), 'same bytes, other shape');
});

test('round trip: hit returns the same tensors; miss is undefined', async () => {
  const c = new EmbeddingCache({ dir: freshDir() });
  assert.equal(await c.get(key(1)), undefined);
  await c.put(key(1), tensors(1));
  const got = await c.get(key(1));
  assert.deepEqual(got?.embed?.dims, [1, 1000]);
  assert.deepEqual(Array.from(got!.embed!.data as Float32Array), Array.from(tensors(1).embed!.data as Float32Array));
  assert.deepEqual(Array.from(got!.ids!.data as BigInt64Array), [1n, -1n]);
  assert.deepEqual(c.stats, { hits: 1, misses: 1, corrupt: 0, writes: 1, evictions: 0 });
});

test('corrupt entries (flipped byte, truncation, garbage) are discarded and count as misses', async () => {
  const c = new EmbeddingCache({ dir: freshDir() });
  const corruptions: ((p: string) => void)[] = [
    (p) => { const b = readFileSync(p); b[b.length - 5]! ^= 0xff; writeFileSync(p, b); },
    (p) => truncateSync(p, statSync(p).size - 100),
    (p) => writeFileSync(p, 'not an embedding'),
  ];
  for (const corrupt of corruptions) {
    await c.put(key(2), tensors(2));
    corrupt(c.pathOf(key(2)));
    assert.equal(await c.get(key(2)), undefined);
    assert.throws(() => statSync(c.pathOf(key(2))), /ENOENT/, 'corrupt file removed');
  }
  assert.equal(c.stats.corrupt, 3);
  assert.equal(decodeEntry(encodeEntry(tensors(3)))?.embed?.dims.length, 2);
});

test('bounded size: least recently used entries are evicted, a hit refreshes recency', async () => {
  const dir = freshDir();
  const one = encodeEntry(tensors(0)).length;
  const c = new EmbeddingCache({ dir, maxBytes: one * 3 });
  const old = Date.now() / 1000 - 1000;
  for (let i = 0; i < 3; i++) {
    await c.put(key(i), tensors(i));
    utimesSync(c.pathOf(key(i)), old + i, old + i);
  }
  assert.ok(await c.get(key(0)), 'touch entry 0 so entry 1 becomes the oldest');
  await c.put(key(3), tensors(3));
  assert.equal(c.stats.evictions, 1);
  assert.ok(await c.get(key(0)));
  assert.equal(await c.get(key(1)), undefined);
  assert.ok(await c.get(key(2)));
  assert.ok(await c.get(key(3)));
});

test('concurrent writers of the same and different keys leave only complete entries and no temp files', async () => {
  const dir = freshDir();
  const a = new EmbeddingCache({ dir }), b = new EmbeddingCache({ dir });
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < 24; i++) {
    jobs.push((i % 2 ? a : b).put(key(100), tensors(100, 50_000)));
    jobs.push((i % 2 ? b : a).put(key(200 + i), tensors(200 + i, 5_000)));
    jobs.push(a.get(key(100)).then((r) => r && assert.equal(r.embed!.data.length, 50_000)));
  }
  await Promise.all(jobs);
  const names = readdirSync(dir);
  assert.equal(names.filter((n) => n.endsWith('.tmp')).length, 0);
  assert.equal(names.length, 25);
  const r = await new EmbeddingCache({ dir }).get(key(100));
  assert.deepEqual(Array.from((r!.embed!.data as Float32Array).subarray(0, 3)), Array.from((tensors(100, 3).embed!.data as Float32Array)));
});

test('SAM2 + cache: second segmenter reuses the disk entry; other channel order misses; corrupt entry is recomputed', async () => {
  const paths = writeFixture('A', join(ROOT, 'fixA'));
  const dir = freshDir();
  const img = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).map((_, i) => (i * 7) % 256) };
  const prompt = { box: { x1: 8, y1: 8, x2: 40, y2: 30 }, points: [] };
  const s1 = await loadSam2(paths, { channels: 'rgb', cache: new EmbeddingCache({ dir }) });
  const e1 = await s1.encode(img);
  const r1 = await s1.decode(e1, prompt);
  assert.equal(s1.encoderRuns, 1);
  assert.equal(e1.cached, false);
  const cache2 = new EmbeddingCache({ dir });
  const s2 = await loadSam2(paths, { channels: 'rgb', cache: cache2 });
  const e2 = await s2.encode(img);
  assert.equal(e2.cached, true);
  assert.equal(s2.encoderRuns, 0);
  const r2 = await s2.decode(e2, prompt);
  assert.equal(r2.score, r1.score);
  assert.deepEqual(r2.mask.data, r1.mask.data);
  const s3 = await loadSam2(paths, { channels: 'bgr', cache: new EmbeddingCache({ dir }) });
  await s3.encode(img);
  assert.equal(s3.encoderRuns, 1, 'channel order is part of the key');
  writeFileSync(cache2.pathOf(e1.key), 'garbage');
  const cache4 = new EmbeddingCache({ dir });
  const s4 = await loadSam2(paths, { channels: 'rgb', cache: cache4 });
  const e4 = await s4.encode(img);
  assert.equal(e4.cached, false);
  assert.equal(s4.encoderRuns, 1);
  assert.equal(cache4.stats.corrupt, 1);
  assert.equal((await s4.decode(e4, prompt)).score, r1.score);
  assert.ok(await new EmbeddingCache({ dir }).get(e1.key), 'recomputed entry written back');
  await Promise.all([s1.dispose(), s2.dispose(), s3.dispose(), s4.dispose()]);
});

test('lazy encoder: a disk-cache hit never creates the encoder session; model hashes are memoised per file stamp', async () => {
  const paths = writeFixture('E', join(ROOT, 'fixE'));
  const dir = freshDir();
  const img = { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(7) };
  const first = await loadSam2(paths, { channels: 'rgb', cache: new EmbeddingCache({ dir }), lazyEncoder: true });
  await first.encode(img);
  assert.equal(first.encoderRuns, 1);
  const memo = JSON.parse(readFileSync(join(dir, 'model-hashes.json'), 'utf8')) as Record<string, string>;
  assert.equal(Object.keys(memo).length, 1);
  assert.match(Object.keys(memo)[0]!, /vision_encoder\.onnx:\d+:[\d.]+\|.*vision_encoder\.onnx_data:\d+:/, 'stamp covers the sidecar');
  const second = await loadSam2(paths, { channels: 'rgb', cache: new EmbeddingCache({ dir }), lazyEncoder: true });
  assert.equal(second.info.id, first.info.id, 'memoised hash gives the same identity');
  const e = await second.encode(img);
  assert.equal(e.cached, true);
  const backend = (second as unknown as { opts: { encoder: { loaded: boolean } } }).opts.encoder;
  assert.equal(backend.loaded, false);
  await Promise.all([first.dispose(), second.dispose()]);
});

test('writers in separate processes (same key and own keys) never leave a torn or temp file', async () => {
  const { spawn } = await import('node:child_process');
  const dir = freshDir();
  const mod = join(__dirname, '../../../src/core/segment/embeddingCache.js');
  const script = `
    const { EmbeddingCache, embeddingKey } = require(${JSON.stringify(mod)});
    const c = new EmbeddingCache({ dir: ${JSON.stringify(dir)} });
    const id = Number(process.argv[1]);
    (async () => {
      for (let i = 0; i < 15; i++) {
        const shared = new Float32Array(40000).fill(i % 3);
        await c.put(embeddingKey('shared', 'm', 'rgb'), { embed: { type: 'float32', dims: [40000], data: shared } });
        await c.put(embeddingKey('own' + id + '_' + i, 'm', 'rgb'), { embed: { type: 'float32', dims: [100], data: new Float32Array(100).fill(id) } });
        const r = await c.get(embeddingKey('shared', 'm', 'rgb'));
        if (r && new Set(r.embed.data).size !== 1) throw new Error('torn read');
      }
      if (c.stats.corrupt) throw new Error('corrupt entries seen: ' + c.stats.corrupt);
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const codes = await Promise.all([0, 1, 2].map((id) => new Promise<number | null>((resolve) => {
    spawn(process.execPath, ['-e', script, String(id)], { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', resolve);
  })));
  assert.deepEqual(codes, [0, 0, 0]);
  const names = readdirSync(dir);
  assert.equal(names.filter((n) => n.endsWith('.tmp')).length, 0);
  assert.equal(names.length, 1 + 3 * 15);
  const r = await new EmbeddingCache({ dir }).get(embeddingKey('shared', 'm', 'rgb'));
  assert.equal(new Set(r!.embed!.data as Float32Array).size, 1);
});
