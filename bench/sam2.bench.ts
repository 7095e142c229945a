// SAM2 in the editor, timed against bare onnxruntime on the same export in the same run:
//  1. re-prompt from a cached embedding (prompt feeds + decoder + upsample + threshold) vs a bare ORT decoder run → target ratio ≤ 1.2
//  2. our image path (JPEG decode, 1024² antialiased resize + normalise, content hash, cache write) vs a bare encoder run → target ≤ 0.10
//  3. the encoder runs once per (image, model, channel order), across repeated encodes and a second segmenter on the same cache.
// Model: random-weight SAM2.1-tiny (real hiera-tiny architecture, family E names) from bench/lib/sam2_export.py, in bench/.data/.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { readRgb } from '../src/core/image/io';
import { EmbeddingCache, imageContentHash } from '../src/core/segment/embeddingCache';
import { FAMILIES } from '../src/core/segment/sam2/families';
import { loadSam2 } from '../src/core/segment/sam2/load';
import { sam2PixelTensor } from '../src/core/segment/sam2/preprocess';
import { promptFeeds } from '../src/core/segment/sam2/prompt';
import { ortSessionOptions, toOrt } from '../src/core/segment/sam2/ortBackend';
import type { SegmentPrompt } from '../src/core/segment/segmenter';
import { report } from './lib/report';
import { ensureSam2BenchModel, SAM2_BENCH_DECODER, SAM2_BENCH_DIR, SAM2_BENCH_ENCODER } from './lib/sam2Model';

const DIR = SAM2_BENCH_DIR;
const ENCODER = SAM2_BENCH_ENCODER;
const DECODER = SAM2_BENCH_DECODER;
const THREADS = Number(process.env.SEGR1_ORT_THREADS ?? 2);
const ENC_RUNS = Number(process.env.SEGR1_SAM2_ENC_RUNS ?? 3);
const DEC_RUNS = Number(process.env.SEGR1_SAM2_DEC_RUNS ?? 30);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function main(): Promise<void> {
  if (!ensureSam2BenchModel('sam2 bench')) return;
  const mb = (p: string): string => `${(statSync(p).size / 1e6).toFixed(1)} MB`;
  console.log(`model: ${ENCODER} (${mb(ENCODER)} + ${mb(join(DIR, 'vision_encoder.onnx_data'))} sidecar), ${DECODER} (${mb(DECODER)}); ORT ${THREADS} intra-op threads`);

  // A 1280×960 photo-like JPEG (smooth gradients + texture), decoded like a dataset image.
  const W = 1280, H = 960;
  const raw = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const i = (y * W + x) * 3;
    raw[i] = (x * 255) / W;
    raw[i + 1] = (y * 255) / H;
    raw[i + 2] = 128 + 100 * Math.sin(x / 17) * Math.cos(y / 23);
  }
  const jpeg = await sharp(Buffer.from(raw), { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const prompt: SegmentPrompt = { box: { x1: 300, y1: 200, x2: 900, y2: 700 }, points: [{ x: 600, y: 450, label: 1 }, { x: 350, y: 650, label: 0 }] };

  // Anchors (bare ORT sessions) and ours alternate run by run, so both see the same machine load.
  // The same session options as ours (no spin-waiting threads): the anchor differs only in what we add around a run.
  const opts = ortSessionOptions({ threads: THREADS });
  const enc = await ort.InferenceSession.create(ENCODER, opts);
  const dec = await ort.InferenceSession.create(DECODER, opts);
  const cacheDir = mkdtempSync(join(tmpdir(), 'segr1-sam2-bench-'));
  try {
    const cache = new EmbeddingCache({ dir: cacheDir });
    const seg = await loadSam2({ encoder: ENCODER, decoder: DECODER }, { channels: 'rgb', cache, threads: THREADS });
    console.log(`segmenter: ${seg.info.label}`);
    const encoded = await seg.encode(await readRgb(jpeg));
    const features = seg.features(encoded.key)!;
    const image = await readRgb(jpeg);
    const pixels = new ort.Tensor('float32', sam2PixelTensor(image, 'rgb'), [1, 3, 1024, 1024]);

    // Encoder vs our image path (decode, resize + normalise, content hash, cache write of the features).
    const encTimes: number[] = [];
    const pathTimes: number[] = [];
    const parts = { decode: [] as number[], preprocess: [] as number[], hash: [] as number[], cacheWrite: [] as number[] };
    for (let i = 0; i < ENC_RUNS; i++) {
      const t = performance.now();
      await enc.run({ pixel_values: pixels });
      encTimes.push(performance.now() - t);
      const t0 = performance.now();
      const img = await readRgb(jpeg);
      const t1 = performance.now();
      sam2PixelTensor(img, 'rgb');
      const t2 = performance.now();
      imageContentHash(img);
      const t3 = performance.now();
      await cache.put(`${'0'.repeat(63)}${i}`, { ...features });
      const t4 = performance.now();
      parts.decode.push(t1 - t0);
      parts.preprocess.push(t2 - t1);
      parts.hash.push(t3 - t2);
      parts.cacheWrite.push(t4 - t3);
      pathTimes.push(t4 - t0);
    }
    const bareEncoder = median(encTimes);
    const imagePath = median(pathTimes);

    // Bare decoder vs our re-prompt from the cached embedding.
    const decIo = { inputs: dec.inputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'x', shape: m.isTensor ? m.shape : [] })), outputs: [] };
    const fam = FAMILIES.find((f) => f.id === 'E')!;
    const decFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(promptFeeds(fam, decIo, prompt, image))) decFeeds[k] = toOrt(v);
    for (const k of ['image_embeddings.0', 'image_embeddings.1', 'image_embeddings.2'] as const) decFeeds[k] = toOrt(k === 'image_embeddings.0' ? features.feat0 : k === 'image_embeddings.1' ? features.feat1 : features.embed);
    for (let i = 0; i < 3; i++) {
      await dec.run(decFeeds);
      await seg.decode(encoded, prompt);
    }
    const decTimes: number[] = [];
    const ours: number[] = [];
    for (let i = 0; i < DEC_RUNS; i++) {
      const t = performance.now();
      await dec.run(decFeeds);
      const t1 = performance.now();
      await seg.decode(encoded, prompt);
      ours.push(performance.now() - t1);
      decTimes.push(t1 - t);
    }
    const bareDecoder = median(decTimes);
    const reprompt = median(ours);
    await enc.release();
    await dec.release();
    console.log(`image path parts (median ms): decode ${median(parts.decode).toFixed(1)}, resize+normalise ${median(parts.preprocess).toFixed(1)}, hash ${median(parts.hash).toFixed(1)}, cache write ${median(parts.cacheWrite).toFixed(1)}`);
    console.log(`bare encoder runs (ms): ${encTimes.map((t) => t.toFixed(0)).join(', ')}; decoder medians over ${DEC_RUNS}: bare ${bareDecoder.toFixed(1)} ms, ours ${reprompt.toFixed(1)} ms`);

    // Encode-once: more encodes of the same image, then a second segmenter on the same cache.
    for (let i = 0; i < 3; i++) await seg.encode(await readRgb(jpeg));
    const seg2 = await loadSam2({ encoder: ENCODER, decoder: DECODER }, { channels: 'rgb', cache: new EmbeddingCache({ dir: cacheDir }), threads: THREADS });
    const t = performance.now();
    const again = await seg2.encode(await readRgb(jpeg));
    const cachedEncode = performance.now() - t;
    const runs = seg.encoderRuns + seg2.encoderRuns;
    console.log(`encode from disk cache in a fresh segmenter: ${cachedEncode.toFixed(0)} ms (cached=${again.cached})`);
    await seg.dispose();
    await seg2.dispose();

    report({ name: 'SAM2 re-prompt from cached embedding (1 box + 2 points, 1280×960 mask)', value: reprompt, unit: 'ms', anchor: 'bare ORT decoder run', anchorValue: bareDecoder, ratio: reprompt / bareDecoder, target: 'ratio <= 1.2' });
    report({ name: 'SAM2 image path (JPEG decode + resize/normalise + hash + cache write)', value: imagePath, unit: 'ms', anchor: 'bare ORT encoder run', anchorValue: bareEncoder, ratio: imagePath / bareEncoder, target: 'ratio <= 0.10' });
    report({ name: 'SAM2 encoder runs for 5 encodes of one image (2 segmenters, shared cache)', value: runs, unit: 'runs', anchor: 'one run per (image, model, channel order)', anchorValue: 1, ratio: runs, target: 'ratio <= 1' });
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
