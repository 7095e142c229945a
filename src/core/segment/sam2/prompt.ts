/**
 * SAM2 prompt tensors per family. The predictor's rules: coordinates scaled x·1024/W, y·1024/H; a box is two
 * points labelled 2 (top-left) and 3 (bottom-right) placed before the other points; positive 1, negative 0;
 * a (0,0) point labelled −1 pads where the family expects the caller to pad.
 */
import type { Size } from '../../image/types';
import type { SegmentPrompt } from '../segmenter';
import { declaredType, type FamilySpec } from './families';
import { SAM2_INPUT } from './preprocess';
import { makeStorage, type ModelIo, type TensorData } from './tensor';

/** Side of the low-resolution mask grid (mask_input and low-res logits). */
export const LOW_RES = 256;

/** Points and labels in SAM2's 1024² frame, in the order the decoder receives them (flat layout). */
export interface SamPoints {
  /** x,y pairs. */
  readonly coords: Float32Array;
  readonly labels: Int32Array;
}

/** Box corners then points, scaled to the 1024² frame; the padding point appended when asked. */
export function samPoints(prompt: SegmentPrompt, orig: Size, pad: boolean): SamPoints {
  const sx = SAM2_INPUT / orig.width, sy = SAM2_INPUT / orig.height;
  const xy: number[] = [];
  const labels: number[] = [];
  if (prompt.box) {
    const b = prompt.box;
    xy.push(b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy);
    labels.push(2, 3);
  }
  for (const p of prompt.points) {
    xy.push(p.x * sx, p.y * sy);
    labels.push(p.label);
  }
  if (pad) {
    xy.push(0, 0);
    labels.push(-1);
  }
  return { coords: Float32Array.from(xy), labels: Int32Array.from(labels) };
}

/** Thrown for prompts a family's graph cannot take (empty prompt, point-only on a box-bound export). */
export class PromptError extends Error {
  override readonly name = 'PromptError';
}

/**
 * Every prompt-dependent decoder feed for one prompt (one object, L = 1): points/labels (and boxes for the
 * nested layout), mask feedback, original size. Image features are added by the caller.
 */
export function promptFeeds(fam: FamilySpec, decoderIo: ModelIo, prompt: SegmentPrompt, orig: Size): Record<string, TensorData> {
  const d = fam.decoder;
  if (!prompt.box && prompt.points.length === 0) throw new PromptError('empty prompt: give a box or at least one point');
  const labelType = declaredType(decoderIo, d.labels, d.labelType);
  const feeds: Record<string, TensorData> = {};
  if (d.layout === 'flat') {
    const pts = samPoints(prompt, orig, d.padding === 'callerWhenNoBox' && !prompt.box);
    const n = pts.labels.length;
    feeds[d.coords] = { type: 'float32', dims: [1, n, 2], data: pts.coords };
    feeds[d.labels] = { type: labelType, dims: [1, n], data: makeStorage(labelType, pts.labels) };
  } else {
    // transformers' Sam2 layout: points [B,P,N,2] without the box, the box separately [B,nb,4]; empty tensors where absent.
    const pts = samPoints({ points: prompt.points }, orig, false);
    const n = pts.labels.length;
    feeds[d.coords] = { type: 'float32', dims: [1, 1, n, 2], data: pts.coords };
    feeds[d.labels] = { type: labelType, dims: [1, 1, n], data: makeStorage(labelType, pts.labels) };
    if (d.boxes) {
      const declared = decoderIo.inputs.find((v) => v.name === d.boxes)?.shape[1];
      if (!prompt.box && declared === 1) throw new PromptError(`this family ${fam.id} export was traced with exactly one box (${d.boxes} [1,1,4]); point-only prompts need an export with a dynamic box count`);
      const b = prompt.box;
      const sx = SAM2_INPUT / orig.width, sy = SAM2_INPUT / orig.height;
      feeds[d.boxes] = b
        ? { type: 'float32', dims: [1, 1, 4], data: Float32Array.of(b.x1 * sx, b.y1 * sy, b.x2 * sx, b.y2 * sy) }
        : { type: 'float32', dims: [1, 0, 4], data: new Float32Array(0) };
    }
  }
  const hasMaskInputs = d.maskInput !== undefined && d.hasMaskInput !== undefined && decoderIo.inputs.some((v) => v.name === d.maskInput);
  if (hasMaskInputs) {
    const mask = prompt.maskInput;
    if (mask && mask.length !== LOW_RES * LOW_RES) throw new PromptError(`maskInput must hold ${LOW_RES}×${LOW_RES} logits, got ${mask.length}`);
    feeds[d.maskInput!] = { type: 'float32', dims: [1, 1, LOW_RES, LOW_RES], data: mask ? Float32Array.from(mask) : new Float32Array(LOW_RES * LOW_RES) };
    feeds[d.hasMaskInput!] = { type: 'float32', dims: [1], data: Float32Array.of(mask ? 1 : 0) };
  }
  if (d.origSize) {
    const t = declaredType(decoderIo, d.origSize, d.origSizeType ?? 'int32');
    feeds[d.origSize] = { type: t, dims: [2], data: makeStorage(t, [orig.height, orig.width]) };
  }
  return feeds;
}

/** True when this decoder takes low-res mask feedback. */
export function takesMaskInput(fam: FamilySpec, decoderIo: ModelIo): boolean {
  return fam.decoder.maskInput !== undefined && decoderIo.inputs.some((v) => v.name === fam.decoder.maskInput);
}
