import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Where the random-weight SAM2.1-tiny export (family E names) lives for the benches. */
export const SAM2_BENCH_DIR = process.env.SEGR1_SAM2_BENCH_DIR ?? 'bench/.data/sam2.1-tiny-random';
/** Its encoder file. */
export const SAM2_BENCH_ENCODER = join(SAM2_BENCH_DIR, 'vision_encoder.onnx');
/** Its decoder file. */
export const SAM2_BENCH_DECODER = join(SAM2_BENCH_DIR, 'prompt_encoder_mask_decoder.onnx');

/**
 * True when the export is there, making it first with bench/lib/sam2_export.py (≈1 min) when python3 has
 * torch/transformers/onnx/onnxscript; otherwise prints why the bench named `what` is skipped.
 */
export function ensureSam2BenchModel(what: string): boolean {
  if (existsSync(SAM2_BENCH_ENCODER) && existsSync(SAM2_BENCH_DECODER)) return true;
  const probe = spawnSync('python3', ['-c', 'import torch, transformers, onnx, onnxscript'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log(`${what} skipped: no export in ${SAM2_BENCH_DIR} and python3 cannot import torch/transformers/onnx/onnxscript (${(probe.stderr || probe.error?.message || '').trim().split('\n').pop()})`);
    return false;
  }
  console.log(`exporting random-weight SAM2.1-tiny to ${SAM2_BENCH_DIR} (≈1 min)…`);
  const r = spawnSync('python3', ['bench/lib/sam2_export.py', SAM2_BENCH_DIR], { stdio: 'inherit' });
  if (r.status !== 0 || !existsSync(SAM2_BENCH_ENCODER)) {
    console.log(`${what} skipped: the export script failed`);
    return false;
  }
  return true;
}
