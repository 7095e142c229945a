// Size-checking decoders under fuzz: SEGR1_SIZES_FUZZ_N inputs each (default 1,000,000) through decodeRle (pixel cap
// 65,536), readPngHeader + decodePngGray and validateRolloutJson, from the generators of test/unit/hostile/sizesFuzz.test.ts
// (seed 11). Only decoding is timed, not generating. Anchor for each, timed in the same run: the same decoder on the
// valid input each fuzz input was mutated from (a bare decode of valid input). Any exception other than the typed
// errors makes the bench fail.
import { performance } from 'node:perf_hooks';
import { decodePngGray } from '../src/core/image/grayscale';
import { DeclaredSizeError } from '../src/core/image/limits';
import { readPngHeader } from '../src/core/image/pngHeader';
import { decodeRle, RleError } from '../src/core/image/rle';
import type { CocoRle } from '../src/core/logs/rollout';
import { validateRolloutJson } from '../src/core/logs/validateRecord';
import { FUZZ_MAX_PIXELS, pngFuzzInput, recordFuzzInput, rleFuzzInput } from '../test/unit/hostile/sizesFuzzInputs';
import { report } from './lib/report';

const N = Number(process.env.SEGR1_SIZES_FUZZ_N ?? 1_000_000);
const SEED = 11;
let unexpected = 0;
let sink = 0;

function timed(f: () => void): number {
  const t0 = performance.now();
  f();
  return performance.now() - t0;
}

let rleMs = 0;
let rleAnchorMs = 0;
for (let i = 0; i < N; i++) {
  const { rle, source: valid } = rleFuzzInput(SEED, i);
  rleMs += timed(() => {
    try {
      sink += decodeRle(rle as CocoRle, { maxPixels: FUZZ_MAX_PIXELS }).data.length;
    } catch (e) {
      if (!(e instanceof RleError || e instanceof DeclaredSizeError)) unexpected++;
    }
  });
  rleAnchorMs += timed(() => {
    sink += decodeRle(valid).data.length;
  });
}

let pngMs = 0;
let pngAnchorMs = 0;
for (let i = 0; i < N; i++) {
  const { bytes, source: valid } = pngFuzzInput(SEED, i);
  pngMs += timed(() => {
    try {
      sink += readPngHeader(bytes)?.width ?? 0;
      sink += decodePngGray(bytes)?.data.length ?? 0;
    } catch (e) {
      if (!(e instanceof DeclaredSizeError)) unexpected++;
    }
  });
  pngAnchorMs += timed(() => {
    sink += readPngHeader(valid)!.width;
    sink += decodePngGray(valid)!.data.length;
  });
}

let recMs = 0;
let recAnchorMs = 0;
for (let i = 0; i < N; i++) {
  const v = recordFuzzInput(SEED, i);
  const text = JSON.stringify(v) ?? 'null';
  recMs += timed(() => {
    try {
      sink += validateRolloutJson(v, i + 1).issues.length;
    } catch {
      unexpected++;
    }
  });
  // Anchor: parsing the same record's JSON text, what every reader does before validating.
  recAnchorMs += timed(() => {
    sink += JSON.parse(text) === null ? 0 : 1;
  });
}

const rate = (ms: number) => N / (ms / 1000);
console.log(`${N} inputs per decoder, ${unexpected} unexpected exceptions (sink ${sink % 7})`);
if (unexpected > 0) process.exitCode = 1;
report({ name: 'decodeRle fuzz throughput', value: rate(rleMs), unit: 'inputs/s', anchor: 'decodeRle of the valid masks the inputs were mutated from', anchorValue: rate(rleAnchorMs), ratio: rate(rleMs) / rate(rleAnchorMs), target: 'ratio >= 0.5' });
report({ name: 'PNG header + gray decode fuzz throughput', value: rate(pngMs), unit: 'inputs/s', anchor: 'the same decode of the valid PNGs the inputs were mutated from', anchorValue: rate(pngAnchorMs), ratio: rate(pngMs) / rate(pngAnchorMs), target: 'ratio >= 0.5' });
report({ name: 'validateRolloutJson fuzz throughput', value: rate(recMs), unit: 'inputs/s', anchor: 'JSON.parse of the same records', anchorValue: rate(recAnchorMs), ratio: rate(recMs) / rate(recAnchorMs), target: 'ratio >= 0.2' });
