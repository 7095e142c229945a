import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { discoverSam2Models, pairingStem } from '../../../src/core/segment/modelDiscovery';
import { readOnnxIo } from '../../../src/core/segment/sam2/onnxIo';
import { FIXTURE_FILES, writeFixture, type FixtureFamily } from './sam2Fixtures';

const ROOT = mkdtempSync(join(tmpdir(), 'segr1-discovery-'));
process.on('exit', () => rmSync(ROOT, { recursive: true, force: true }));

test('readOnnxIo reads the same I/O as onnxruntime, without loading weights', async () => {
  for (const f of ['A', 'B', 'C', 'D', 'E'] as FixtureFamily[]) {
    const p = writeFixture(f, join(ROOT, 'io', f));
    for (const file of [p.encoder, p.decoder]) {
      const s = await ort.InferenceSession.create(file);
      const norm = (list: readonly ort.InferenceSession.ValueMetadata[]) => list.map((v) => (v.isTensor ? { name: v.name, type: v.type, shape: [...v.shape] } : { name: v.name }));
      const io = readOnnxIo(file);
      assert.deepEqual(io.inputs, norm(s.inputMetadata), `${f} ${file} inputs`);
      assert.deepEqual(io.outputs, norm(s.outputMetadata), `${f} ${file} outputs`);
      await s.release();
    }
  }
  writeFileSync(join(ROOT, 'garbage.onnx'), 'definitely not protobuf \xff\xff\xff');
  assert.throws(() => readOnnxIo(join(ROOT, 'garbage.onnx')));
});

test('pairing stems drop encoder/decoder words', () => {
  assert.equal(pairingStem('/m/vision_encoder_fp16.onnx'), 'fp16');
  assert.equal(pairingStem('/m/prompt_encoder_mask_decoder_fp16.onnx'), 'fp16');
  assert.equal(pairingStem('/m/sam2_hiera_tiny.encoder.onnx'), pairingStem('/m/sam2_hiera_tiny.decoder.onnx'));
});

test('discovery pairs encoders and decoders per folder and family, and explains what it skipped', async () => {
  const models = join(ROOT, 'ws', 'models');
  writeFixture('A', join(models, 'samexporter'));
  writeFixture('B', join(models, 'ibai'));
  const e = writeFixture('E', join(models, 'sam2.1-hiera-tiny-ONNX', 'onnx'));
  // A second precision variant in the same folder must pair by name, not by accident.
  copyFileSync(e.encoder, join(models, 'sam2.1-hiera-tiny-ONNX', 'onnx', 'vision_encoder_quantized.onnx'));
  copyFileSync(e.decoder, join(models, 'sam2.1-hiera-tiny-ONNX', 'onnx', 'prompt_encoder_mask_decoder_quantized.onnx'));
  const a = writeFixture('A', join(ROOT, 'tmpA'));
  const d = writeFixture('D', join(ROOT, 'tmpD'));
  mkdirSync(join(models, 'mixed'), { recursive: true });
  copyFileSync(a.encoder, join(models, 'mixed', 'enc.onnx'));
  copyFileSync(d.decoder, join(models, 'mixed', 'dec.onnx'));
  mkdirSync(join(models, 'lonely'), { recursive: true });
  copyFileSync(d.decoder, join(models, 'lonely', FIXTURE_FILES.D.decoder));
  writeFileSync(join(models, 'broken.onnx'), Buffer.from([0x0a, 0xff, 0xff, 0xff]));
  const c = writeFixture('C', join(ROOT, 'elsewhere'));

  const r = await discoverSam2Models([models, c.encoder, join(ROOT, 'does-not-exist')]);
  const got = r.candidates.map((x) => `${x.family} ${x.label} | ${x.encoder.slice(ROOT.length)} + ${x.decoder.slice(ROOT.length)}`);
  assert.deepEqual(got, [
    'B sam2_hiera_tiny — SAM2 family B | /ws/models/ibai/sam2_hiera_tiny_encoder.onnx + /ws/models/ibai/sam2_hiera_tiny_decoder.onnx',
    'A sam2_hiera_tiny — SAM2 family A | /ws/models/samexporter/sam2_hiera_tiny.encoder.onnx + /ws/models/samexporter/sam2_hiera_tiny.decoder.onnx',
    'E sam2.1-hiera-tiny-ONNX — SAM2 family E | /ws/models/sam2.1-hiera-tiny-ONNX/onnx/vision_encoder.onnx + /ws/models/sam2.1-hiera-tiny-ONNX/onnx/prompt_encoder_mask_decoder.onnx',
    'E sam2.1-hiera-tiny-ONNX (quantized) — SAM2 family E | /ws/models/sam2.1-hiera-tiny-ONNX/onnx/vision_encoder_quantized.onnx + /ws/models/sam2.1-hiera-tiny-ONNX/onnx/prompt_encoder_mask_decoder_quantized.onnx',
    'C sam2_tiny — SAM2 family C | /elsewhere/sam2_tiny_preprocess.onnx + /elsewhere/sam2_tiny.onnx',
  ].sort((x, y) => x.split(' | ')[0]!.slice(2).localeCompare(y.split(' | ')[0]!.slice(2))));
  const eCand = r.candidates.find((x) => x.label.startsWith('sam2.1-hiera-tiny-ONNX —'))!;
  assert.match(eCand.detail, /^sam2\.1-hiera-tiny-ONNX\/onnx\/vision_encoder\.onnx \(0\.0 MB\) \+ sam2\.1-hiera-tiny-ONNX\/onnx\/prompt_encoder_mask_decoder\.onnx/);
  assert.match(eCand.description, /transformers\.js/);
  const problems = r.problems.map((p) => `${p.path.slice(ROOT.length)}: ${p.message.split('\n')[0]}`);
  assert.ok(problems.some((p) => p.startsWith('/ws/models/broken.onnx: not a readable ONNX model')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('/ws/models/mixed/enc.onnx: unrecognised SAM2 export (encoder looks like A/B but decoder like D)')), problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('/ws/models/lonely/sam2_hiera_tiny_image_decoder.onnx: SAM2 decoder without an encoder')), problems.join('\n'));
  assert.deepEqual(await discoverSam2Models([join(ROOT, 'nothing-here')]), { candidates: [], problems: [] });
});
