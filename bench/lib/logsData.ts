import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { Rng } from '../../src/core/sample/random';

/** Deterministic PRNG (mulberry32) so every run benches the same bytes. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

const WORDS = 'the camouflaged animal lies on bark its outline follows the texture of leaves so the salient region is near the centre left edge shadow body head tail wing fin pattern colour contrast boundary object scene background foreground'.split(' ');

/** A COCO compressed-RLE counts string of n characters (alphabet '0'…'o', backslash included, which JSON escapes). */
function rleCounts(n: number, rand: () => number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(48 + Math.floor(rand() * 64));
  return s;
}

/**
 * One realistic Seg-R1 rollout line as a training script logs it: a GRPO group of 8 per image and step, a
 * ~0.4–2 kB completion (think + points/labels/bbox answer, some non-ASCII and escapes), the model frame, the
 * SAM2 mask as COCO RLE (~0.3–1.5 kB), reward components, total and advantage as Python's repr writes floats
 * (up to 17 significant digits), and one extra field.
 */
export function rolloutLine(k: number, rand: () => number): string {
  const groupSize = 8;
  const groupIndex = Math.floor(k / groupSize);
  const step = 1 + Math.floor(groupIndex / 16);
  const stem = `COD10K-CAM-${String(groupIndex % 5000).padStart(5, '0')}`;
  const words: string[] = [];
  const n = 40 + Math.floor(rand() * 220);
  for (let i = 0; i < n; i++) words.push(WORDS[Math.floor(rand() * WORDS.length)]!);
  if (rand() < 0.1) words.push('— “quoted” é');
  const pts = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => `[${Math.floor(rand() * 768)},${Math.floor(rand() * 768)}]`);
  const completion = `<think>${words.join(' ')}</think>\n<answer><points>[${pts.join(',')}]</points><labels>[${pts.map(() => (rand() < 0.8 ? 1 : 0)).join(',')}]</labels><bbox>[${Math.floor(rand() * 300)},${Math.floor(rand() * 300)},${400 + Math.floor(rand() * 368)},${400 + Math.floor(rand() * 368)}]</bbox></answer>`;
  const seg = rand();
  const fmt = rand() < 0.9 ? 1 : 0;
  return JSON.stringify({
    run: 'segr1-cod-7b',
    step,
    group: `${stem}@${step}`,
    sample: k % groupSize,
    image: `datasets/COD10K/Imgs/${stem}.jpg`,
    gt: `datasets/COD10K/GT/${stem}.png`,
    task: 'cod',
    completion,
    model_frame: { width: 840, height: 644 },
    rewards: { segmentation_reward: seg, format_reward: fmt },
    reward: seg + fmt,
    advantage: rand() * 4 - 2,
    mask: { size: [644, 840], counts: rleCounts(300 + Math.floor(rand() * 1200), rand) },
    kl: Math.round(rand() * 1e5) / 1e7,
  });
}

/** Write `bytes` of rollouts to `path` unless a file of at least that size is already there; returns its size. */
export function ensureRolloutFile(path: string, bytes: number, seed = 1): number {
  if (existsSync(path) && statSync(path).size >= bytes) return statSync(path).size;
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  const rand = rng(seed);
  let written = 0;
  let k = 0;
  let batch: string[] = [];
  let batchLen = 0;
  while (written + batchLen < bytes) {
    const line = rolloutLine(k++, rand) + '\n';
    batch.push(line);
    batchLen += Buffer.byteLength(line);
    if (batchLen > 8 << 20) {
      writeSync(fd, batch.join(''));
      written += batchLen;
      batch = [];
      batchLen = 0;
    }
  }
  if (batch.length) writeSync(fd, batch.join(''));
  closeSync(fd);
  renameSync(tmp, path);
  return statSync(path).size;
}

/** Write exactly `count` rollouts to `path` unless it already holds them (a sidecar-free check: first run writes it). */
export function ensureRolloutCount(path: string, count: number, seed = 2): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true });
  const rand = rng(seed);
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  let batch: string[] = [];
  for (let k = 0; k < count; k++) {
    batch.push(rolloutLine(k, rand) + '\n');
    if (batch.length === 10000) {
      writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  if (batch.length) writeSync(fd, batch.join(''));
  closeSync(fd);
  renameSync(tmp, path);
}
