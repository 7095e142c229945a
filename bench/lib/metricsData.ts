// Mask pairs and the PySODMetrics location shared by the metrics benches (bench/metrics.bench.ts, bench/metricsFull.bench.ts).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { GrayImage } from '../../src/core/image/types';
import type { PairJob } from '../../src/core/metrics/dataset';
import { Rng } from '../../src/core/sample/random';

/** Where the generated mask sets live. */
export const DATA = resolve('bench/.data/metrics');
/** The PySODMetrics commit the anchors run. */
export const PYSOD_COMMIT = 'ac5b1fc7b00bfd0a67a952810f72847ae906b3c6';

/** Deterministic PRNG (mulberry32) so every run writes the same masks. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

/** A GT of 1–3 ellipses and a soft, shifted, noisy prediction of it: what a SOD/COD model writes. */
export function makePair(w: number, h: number, seed: number): { pred: GrayImage; gt: GrayImage } {
  const r = rng(seed);
  const shapes = Array.from({ length: 1 + Math.floor(r() * 3) }, () => ({ cy: r() * h, cx: r() * w, ry: (0.08 + r() * 0.25) * h, rx: (0.08 + r() * 0.25) * w }));
  const dy = (r() - 0.5) * 0.04 * h;
  const dx = (r() - 0.5) * 0.04 * w;
  const gt = new Uint8Array(w * h);
  const pred = new Uint8Array(w * h);
  for (let y = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, i++) {
      let inside = false;
      let best = 0;
      for (const s of shapes) {
        const d = Math.hypot((y - s.cy) / s.ry, (x - s.cx) / s.rx);
        if (d <= 1) inside = true;
        const dp = Math.hypot((y - s.cy - dy) / s.ry, (x - s.cx - dx) / s.rx);
        best = Math.max(best, 1 / (1 + Math.exp((dp - 1) * 12)));
      }
      gt[i] = inside ? 255 : 0;
      pred[i] = Math.max(0, Math.min(255, Math.round(best * 255 + (r() - 0.5) * 24)));
    }
  }
  return { pred: { width: w, height: h, data: pred }, gt: { width: w, height: h, data: gt } };
}

/** An 8-bit single-channel PNG, as mask files normally are (io.ts encodeGrayPng currently writes RGB). */
function encodeMaskPng(img: GrayImage): Promise<Buffer> {
  return sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), { raw: { width: img.width, height: img.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6 })
    .toBuffer();
}

/** The pairs of a named set, written once (deterministic masks) and reused by later runs. */
export async function ensureSet(name: string, w: number, h: number, count: number): Promise<PairJob[]> {
  const dir = join(DATA, name);
  const marker = join(dir, `.complete-gray-${count}`);
  const jobs: PairJob[] = [];
  for (let k = 0; k < count; k++) {
    const stem = `m${String(k).padStart(5, '0')}`;
    jobs.push({ stem, predPath: join(dir, 'pred', `${stem}.png`), gtPath: join(dir, 'gt', `${stem}.png`) });
  }
  if (existsSync(marker)) return jobs;
  mkdirSync(join(dir, 'pred'), { recursive: true });
  mkdirSync(join(dir, 'gt'), { recursive: true });
  for (let k = 0; k < count; k++) {
    const { pred, gt } = makePair(w, h, 1000 * w + k);
    writeFileSync(jobs[k]!.predPath, await encodeMaskPng(pred));
    writeFileSync(jobs[k]!.gtPath, await encodeMaskPng(gt));
  }
  writeFileSync(marker, '');
  return jobs;
}

/** Where PySODMetrics is, or why the anchor cannot run (with how to get it). */
export type PySodLocation = { readonly path: string } | { readonly missing: string };

/** How to get the PySODMetrics anchor, printed whenever it is missing. */
export const PYSOD_HOWTO =
  `PySODMetrics is read only from $PYSOD_PATH: git clone https://github.com/lartpang/PySODMetrics && ` +
  `git -C PySODMetrics checkout ${PYSOD_COMMIT.slice(0, 8)}, then PYSOD_PATH=$PWD/PySODMetrics`;

/**
 * Where PySODMetrics is imported from: $PYSOD_PATH, a checkout of lartpang/PySODMetrics, and nothing else (no path of
 * any machine): without it the figures are reported without their anchor. `missing` says why it is unusable.
 */
export function pysodPath(): PySodLocation {
  const path = process.env.PYSOD_PATH;
  if (!path) return { missing: `PYSOD_PATH is not set. ${PYSOD_HOWTO}` };
  if (!existsSync(join(path, 'py_sod_metrics'))) return { missing: `PYSOD_PATH=${path} holds no py_sod_metrics/ folder. ${PYSOD_HOWTO}` };
  return { path };
}

