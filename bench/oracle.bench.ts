// The oracle pass is encoder-bound: over the sample's images, with the random-weight SAM2.1-tiny export, our pass
// (GT decode + prompt derivation + frame image + encode once + 3 prompt sets decoded + IoU) is timed against what
// onnxruntime alone needs for the same work, measured in the same run image by image:
//  1. ours vs (images × bare ORT encoder + prompt sets × bare ORT decoder) → target ratio ≤ 1.15
//  2. the reference Seg-R1 pattern (SAM2 `set_image` per prompt: one encoder run per prompt set) vs ours, for comparison.
// Without the export (python3 lacking torch/transformers/onnx) the bench is skipped; SEGR1_ORACLE_BENCH_FIXTURE=1 then
// runs it on the tiny family-E test fixture to exercise the path, printing numbers that are not reported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { oracleFramePrompts, segmentOracle } from '../src/core/attribution/oracle';
import { loadFrameImage } from '../src/core/image/frameImage';
import { resizeBilinearPil } from '../src/core/image/resize';
import { loadGtPilL } from '../src/core/rewards/groundTruth';
import { SEGR1_REWARD_SIDE } from '../src/core/rewards/masks';
import { DEFAULT_SAMPLE_CONFIG } from '../src/core/sample/config';
import { writeSampleDataset } from '../src/core/sample/dataset';
import { loadSam2 } from '../src/core/segment/sam2/load';
import { ortSessionOptions, toOrt } from '../src/core/segment/sam2/ortBackend';
import { sam2PixelTensor } from '../src/core/segment/sam2/preprocess';
import { promptFeeds } from '../src/core/segment/sam2/prompt';
import { writeFixture } from '../test/unit/segment/sam2Fixtures';
import { report } from './lib/report';
import { ensureSam2BenchModel, SAM2_BENCH_DECODER, SAM2_BENCH_ENCODER } from './lib/sam2Model';

const THREADS = Number(process.env.SEGR1_ORT_THREADS ?? 2);
const FIXTURE = process.env.SEGR1_ORACLE_BENCH_FIXTURE === '1';

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'segr1-oracle-bench-'));
  try {
    let paths = { encoder: SAM2_BENCH_ENCODER, decoder: SAM2_BENCH_DECODER };
    if (!ensureSam2BenchModel('oracle bench')) {
      if (!FIXTURE) return;
      paths = writeFixture('E', join(tmp, 'fixtureE'));
      console.log('SEGR1_ORACLE_BENCH_FIXTURE=1: timing the tiny family-E test fixture instead (numbers printed, not reported)');
    }
    const items = await writeSampleDataset(join(tmp, 'ws'), DEFAULT_SAMPLE_CONFIG);
    const root = join(tmp, 'ws');
    const seg = await loadSam2(paths, { channels: 'rgb', threads: THREADS });
    const opts = ortSessionOptions({ threads: THREADS });
    const enc = await ort.InferenceSession.create(paths.encoder, opts);
    const dec = await ort.InferenceSession.create(paths.decoder, opts);
    const fam = seg.family;
    const decIo = { inputs: dec.inputMetadata.map((m) => ({ name: m.name, type: m.isTensor ? m.type : 'x', shape: m.isTensor ? m.shape : [] })), outputs: [] };
    console.log(`segmenter: ${seg.info.label}; ${items.length} sample images; ORT ${THREADS} intra-op threads`);

    let ours = 0;
    let bareEnc = 0;
    let bareDec = 0;
    let segr1 = 0;
    let promptSets = 0;
    // Warm both paths (session start-up, first-run allocations) on an image of no sample item, so that every
    // counted image costs ours one real encoder run, as it costs the anchor.
    const warm = { width: SEGR1_REWARD_SIDE, height: SEGR1_REWARD_SIDE, data: new Uint8Array(SEGR1_REWARD_SIDE * SEGR1_REWARD_SIDE * 3).fill(77) };
    const warmEncoded = await seg.encode(warm);
    await seg.decode(warmEncoded, { box: { x1: 100, y1: 100, x2: 400, y2: 400 }, points: [] });
    await enc.run({ [seg.family.encoder.input]: new ort.Tensor('float32', sam2PixelTensor(warm, 'rgb'), [1, 3, 1024, 1024]) });
    const warmRuns = seg.encoderRuns;
    for (const item of items) {
      // Ours, end to end for one image: GT at original size and in the frame, the frame image, encode, 3 decodes, IoUs.
      const t0 = performance.now();
      const gt = await loadGtPilL(join(root, item.gt));
      // The frame GT from the decoded one (bit-identical to loadGtInFrame, which streams it from the file instead).
      const gtInFrame = resizeBilinearPil(gt, SEGR1_REWARD_SIDE, SEGR1_REWARD_SIDE);
      const img = await loadFrameImage(join(root, item.image), SEGR1_REWARD_SIDE, 'bgr');
      const encoded = await seg.encode(img);
      const oracle = await segmentOracle({ segmenter: seg, encoded, gt, gtInFrame });
      const t1 = performance.now();
      if ('reason' in oracle) throw new Error(`${item.gt}: no oracle (${oracle.reason})`);
      // Anchors on the same pixels and prompts: one bare encoder run, then a bare decoder run per prompt set.
      const pixels = new ort.Tensor('float32', sam2PixelTensor(img, 'rgb'), [1, 3, 1024, 1024]);
      const feats = seg.features(encoded.key)!;
      const prompts = Object.values(oracleFramePrompts(oracle.prompts, gt, img));
      const feeds = prompts.map((p) => {
        const f: Record<string, ort.Tensor> = {};
        for (const [k, v] of Object.entries(promptFeeds(fam, decIo, p, img))) f[k] = toOrt(v);
        f[fam.decoder.embed] = toOrt(feats.embed);
        f[fam.decoder.feat0] = toOrt(feats.feat0);
        f[fam.decoder.feat1] = toOrt(feats.feat1);
        return f;
      });
      const t2 = performance.now();
      await enc.run({ [fam.encoder.input]: pixels });
      const t3 = performance.now();
      for (const f of feeds) await dec.run(f);
      const t4 = performance.now();
      // Seg-R1's pattern: the predictor's `set_image` before every prompt, so one encoder run per prompt set.
      for (const f of feeds) {
        await enc.run({ [fam.encoder.input]: pixels });
        await dec.run(f);
      }
      const t5 = performance.now();
      ours += t1 - t0;
      bareEnc += t3 - t2;
      bareDec += t4 - t3;
      segr1 += t5 - t4;
      promptSets += feeds.length;
    }
    const anchor = bareEnc + bareDec;
    const images = items.length;
    console.log(`ours ${ours.toFixed(0)} ms; bare encoder ${bareEnc.toFixed(0)} ms over ${images} images; bare decoder ${bareDec.toFixed(0)} ms over ${promptSets} prompt sets; Seg-R1 pattern ${segr1.toFixed(0)} ms; encoder runs (ours) ${seg.encoderRuns - warmRuns}`);
    await enc.release();
    await dec.release();
    await seg.dispose();
    if (FIXTURE && paths.encoder !== SAM2_BENCH_ENCODER) {
      console.log(`fixture ratios: ours / anchor ${(ours / anchor).toFixed(3)}; Seg-R1 pattern / ours ${(segr1 / ours).toFixed(3)}`);
      return;
    }
    report({ name: `Oracle pass over the sample's ${images} images (3 prompt sets each, SAM2.1-tiny random weights)`, value: ours, unit: 'ms', anchor: 'images × bare ORT encoder + prompt sets × bare ORT decoder', anchorValue: anchor, ratio: ours / anchor, target: 'ratio <= 1.15' });
    report({ name: `Seg-R1 pattern for the same oracle prompts (one encoder run per prompt set, ${images} images)`, value: segr1, unit: 'ms', anchor: 'our oracle pass (encoder once per image)', anchorValue: ours, ratio: segr1 / ours, target: 'comparison: how many times slower than ours' });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
