/**
 * A simulated Seg-R1 policy: what a Qwen2.5-VL model in GRPO training would answer for a synthetic image at a
 * given point of training. It knows the ground truth and degrades it on purpose — box noise, wrong points and
 * outright misses that shrink as training progresses — so the sample run has a real learning curve whose
 * rewards are computed, not invented.
 */
import type { GrayImage } from '../image/types';
import { Rng } from './random';
import type { SceneObject } from './scene';

/** A box in the model frame, integer pixels [x1, y1, x2, y2]. */
export type FrameBox = [number, number, number, number];

/** A prompt point in the model frame, integer pixels. */
export interface FramePoint {
  readonly x: number;
  readonly y: number;
  readonly label: 0 | 1;
}

/** An object as the model frame sees it (the image squashed to frame×frame). */
export interface FrameObject {
  readonly bbox: readonly [number, number, number, number];
  readonly centroid: readonly [number, number];
  readonly source: SceneObject;
}

/** What the simulated model means to say, before it is written out as text. */
export interface PolicyAnswer {
  readonly boxes: FrameBox[];
  readonly points: FramePoint[];
  /** 'hit': the answer aims at the object(s); 'miss': it aims at a background patch. */
  readonly target: 'hit' | 'miss';
  /** Where the answer aims, in frame pixels (for the reasoning text). */
  readonly aim: readonly [number, number];
}

/** A GT mask squashed to frame×frame by nearest neighbour (the policy's knowledge, not a reward input). */
export function frameMask(gt: GrayImage, frame: number): Uint8Array {
  const out = new Uint8Array(frame * frame);
  for (let y = 0; y < frame; y++) {
    const sy = Math.min(gt.height - 1, Math.floor(((y + 0.5) * gt.height) / frame));
    for (let x = 0; x < frame; x++) {
      const sx = Math.min(gt.width - 1, Math.floor(((x + 0.5) * gt.width) / frame));
      out[y * frame + x] = gt.data[sy * gt.width + sx]! > 127 ? 1 : 0;
    }
  }
  return out;
}

/** Scale the scene objects into the model frame. */
export function frameObjects(objects: readonly SceneObject[], width: number, height: number, frame: number): FrameObject[] {
  const fx = frame / width, fy = frame / height;
  return objects.map((o) => ({
    bbox: [o.bbox[0] * fx, o.bbox[1] * fy, (o.bbox[2] + 1) * fx, (o.bbox[3] + 1) * fy],
    centroid: [o.centroid[0] * fx, o.centroid[1] * fy],
    source: o,
  }));
}

/**
 * How good the policy is at training progress p ∈ [0, 1]: box noise (fraction of the object size),
 * miss probability and the chance that any one point is misplaced. Chosen so the first steps look like an
 * untrained model (mean reward well under 1 of 2) and the last like a converged one.
 */
export function skillAt(p: number): { boxNoise: number; missRate: number; pointErrorRate: number; oversize: number } {
  const r = 1 - p;
  return { boxNoise: 0.04 + 0.26 * r ** 1.3, missRate: 0.02 + 0.33 * r * r, pointErrorRate: 0.05 + 0.35 * r, oversize: 0.3 * r };
}

/** Draw one answer for an image at training progress p. */
export function drawAnswer(rng: Rng, objects: readonly FrameObject[], mask: Uint8Array, frame: number, p: number): PolicyAnswer {
  const skill = skillAt(p);
  const clampC = (v: number): number => Math.max(0, Math.min(frame - 1, Math.round(v)));
  if (objects.length === 0 || rng.chance(skill.missRate)) return drawMiss(rng, objects, mask, frame, clampC);
  // With two objects, a later policy learns to box each one; an early one boxes both together or only one.
  const separate = objects.length > 1 && rng.chance(0.15 + 0.65 * p);
  const targets: Array<readonly [number, number, number, number]> = separate
    ? objects.map((o) => o.bbox)
    : objects.length > 1 && rng.chance(0.5)
      ? [unionBox(objects.map((o) => o.bbox))]
      : [objects[0]!.bbox];
  const boxes: FrameBox[] = targets.map((t) => {
    const w = t[2] - t[0], h = t[3] - t[1];
    const grow = rng.uniform(0, skill.oversize);
    const j = (): number => rng.normal() * skill.boxNoise;
    const b: FrameBox = [clampC(t[0] - grow * w + j() * w), clampC(t[1] - grow * h + j() * h), clampC(t[2] + grow * w + j() * w), clampC(t[3] + grow * h + j() * h)];
    if (b[2] <= b[0]) b[2] = Math.min(frame - 1, b[0] + 4);
    if (b[3] <= b[1]) b[3] = Math.min(frame - 1, b[1] + 4);
    return b;
  });
  const points: FramePoint[] = [];
  for (const b of boxes) {
    const nPos = rng.int(1, 2 + Math.round(2 * p));
    const nNeg = rng.int(p < 0.3 ? 0 : 1, 1 + Math.round(2 * p));
    for (let i = 0; i < nPos; i++) {
      const good = !rng.chance(skill.pointErrorRate);
      points.push({ ...(good ? sampleIn(rng, mask, frame, b, 1, true) : sampleAnywhere(rng, b)), label: 1 });
    }
    for (let i = 0; i < nNeg; i++) {
      const good = !rng.chance(skill.pointErrorRate);
      points.push({ ...(good ? sampleIn(rng, mask, frame, b, 0, false) : sampleAnywhere(rng, b)), label: 0 });
    }
  }
  // Models mostly list foreground points first; some interleave.
  if (rng.chance(0.25)) shuffle(rng, points);
  const c = objects[0]!.centroid;
  return { boxes, points, target: 'hit', aim: [c[0], c[1]] };
}

function drawMiss(rng: Rng, objects: readonly FrameObject[], mask: Uint8Array, frame: number, clampC: (v: number) => number): PolicyAnswer {
  // A confident answer about the wrong patch: a plausible-size box over background.
  const ref = objects[0]?.bbox ?? [frame / 4, frame / 4, (3 * frame) / 4, (3 * frame) / 4];
  const w = (ref[2] - ref[0]) * rng.uniform(0.7, 1.3), h = (ref[3] - ref[1]) * rng.uniform(0.7, 1.3);
  let best: FrameBox = [0, 0, clampC(w), clampC(h)];
  let bestOverlap = Infinity;
  for (let attempt = 0; attempt < 8; attempt++) {
    const x1 = rng.uniform(0, Math.max(1, frame - w)), y1 = rng.uniform(0, Math.max(1, frame - h));
    const b: FrameBox = [clampC(x1), clampC(y1), clampC(x1 + w), clampC(y1 + h)];
    let overlap = 0;
    for (let y = b[1]; y <= b[3]; y += 8) for (let x = b[0]; x <= b[2]; x += 8) overlap += mask[y * frame + x]!;
    if (overlap < bestOverlap) { best = b; bestOverlap = overlap; }
  }
  const points: FramePoint[] = [];
  const nPos = rng.int(1, 3);
  for (let i = 0; i < nPos; i++) points.push({ ...sampleAnywhere(rng, best), label: 1 });
  if (rng.chance(0.5)) points.push({ ...sampleAnywhere(rng, best), label: 0 });
  return { boxes: [best], points, target: 'miss', aim: [(best[0] + best[2]) / 2, (best[1] + best[3]) / 2] };
}

/**
 * A point in box `b` whose mask value is `want`; interior points (the same value a few pixels away in
 * every direction) are preferred, as a careful annotator would click. Falls back to any point in the box.
 */
function sampleIn(rng: Rng, mask: Uint8Array, frame: number, b: FrameBox, want: 0 | 1, interior: boolean): { x: number; y: number } {
  const margin = Math.max(2, Math.round(0.08 * Math.min(b[2] - b[0], b[3] - b[1])));
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= frame || y >= frame ? 0 : mask[y * frame + x]!);
  for (let attempt = 0; attempt < 60; attempt++) {
    const x = rng.int(b[0], b[2]), y = rng.int(b[1], b[3]);
    if (at(x, y) !== want) continue;
    if (interior && attempt < 40 && (at(x - margin, y) !== want || at(x + margin, y) !== want || at(x, y - margin) !== want || at(x, y + margin) !== want)) continue;
    return { x, y };
  }
  return sampleAnywhere(rng, b);
}

function sampleAnywhere(rng: Rng, b: FrameBox): { x: number; y: number } {
  return { x: rng.int(b[0], b[2]), y: rng.int(b[1], b[3]) };
}

function unionBox(boxes: ReadonlyArray<readonly [number, number, number, number]>): [number, number, number, number] {
  return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
}

function shuffle<T>(rng: Rng, a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
