/**
 * A tiny SAM2 export (family A names and shapes, the encoder of test/unit/segment/sam2Fixtures.ts) whose decoder
 * masks exactly the prompt box's interior and ignores the points: its oracle IoU on an image is known by hand
 * (GT area inside the box / union), so the attribution labels decided from it are too.
 *
 * Decoder maths, in SAM2's 1024² frame at the low-res cell centres ((i + 0.5)·4): the logit of every one of the
 * three masks is min(x − x1, x2 − x, y − y1, y2 − y) for the box carried by the label-2/3 points (−BIG without a box);
 * predicted IoUs are constant, so the pick never depends on the prompt.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encoderModel, FIXTURE_FILES } from '../segment/sam2Fixtures';
import { GraphBuilder } from '../segment/sam2OnnxProto';

const BIG = 10000;

/** The decoder graph (family A: point_coords/point_labels/mask_input/has_mask_input → iou_predictions, masks). */
export function boxInteriorDecoder(): Uint8Array {
  const g = new GraphBuilder();
  const embed = g.input('image_embed', 'float32', [1, 256, 64, 64]);
  const feat0 = g.input('high_res_feats_0', 'float32', [1, 32, 256, 256]);
  const feat1 = g.input('high_res_feats_1', 'float32', [1, 64, 128, 128]);
  const coords = g.input('point_coords', 'float32', ['num_labels', 'num_points', 2]);
  const labels = g.input('point_labels', 'float32', ['num_labels', 'num_points']);
  const maskIn = g.input('mask_input', 'float32', ['num_labels', 1, 256, 256]);
  const hasIn = g.input('has_mask_input', 'float32', ['num_labels']);
  const grid = Float32Array.from({ length: 256 }, (_, i) => (i + 0.5) * 4);
  const gx = g.f32(grid, [1, 1, 1, 256]);
  const gy = g.f32(grid, [1, 1, 256, 1]);
  const px = g.op('Gather', [coords, g.i64([0], [])], { axis: { i: 2 } });
  const py = g.op('Gather', [coords, g.i64([1], [])], { axis: { i: 2 } });
  const is = (v: number): string => g.op('Cast', [g.op('Equal', [labels, g.f32([v], [])])], { to: { i: 1 } });
  const ax1 = g.i64([1]);
  const sum1 = (v: string): string => g.op('ReduceSum', [v, ax1], { keepdims: { i: 1 } });
  const u = (v: string): string => g.op('Unsqueeze', [v, g.i64([2, 3])]);
  const tl = is(2);
  const br = is(3);
  const x1 = u(sum1(g.op('Mul', [px, tl])));
  const y1 = u(sum1(g.op('Mul', [py, tl])));
  const x2 = u(sum1(g.op('Mul', [px, br])));
  const y2 = u(sum1(g.op('Mul', [py, br])));
  const has = u(sum1(tl));
  const inside = g.op('Min', [g.op('Sub', [gx, x1]), g.op('Sub', [x2, gx]), g.op('Sub', [gy, y1]), g.op('Sub', [y2, gy])]);
  const one = g.f32([1], []);
  const boxScore = g.op('Add', [g.op('Mul', [inside, has]), g.op('Mul', [g.op('Sub', [has, one]), g.f32([BIG], [])])]);
  // The unused inputs still feed the graph (times zero), so every declared input is consumed.
  const zero = (v: string): string => g.op('Mul', [g.op('ReduceMean', [v], { keepdims: { i: 0 } }), g.f32([0], [])]);
  const hasZero = g.op('Mul', [g.op('ReduceSum', [hasIn], { keepdims: { i: 0 } }), g.f32([0], [])]);
  const bias = g.op('Sum', [zero(embed), zero(feat0), zero(feat1), zero(maskIn), hasZero]);
  const base = g.op('Add', [boxScore, bias]);
  g.op('Concat', [base, base, base], { axis: { i: 1 } }, 'masks');
  g.op('Add', [g.op('Mul', [sum1(tl), g.f32([0, 0, 0], [1, 3])]), g.f32([0.5, 0.9, 0.1], [1, 3])], {}, 'iou_predictions');
  g.output('iou_predictions', 'float32', ['num_labels', 3]);
  g.output('masks', 'float32', ['num_labels', 3, 256, 256]);
  return g.model('box_interior_A_decoder');
}

/** Write the pair (family A file names) into dir; returns the two paths. */
export function writeBoxInteriorSam2(dir: string): { encoder: string; decoder: string } {
  mkdirSync(dir, { recursive: true });
  const files = FIXTURE_FILES.A;
  const encoder = join(dir, files.encoder);
  const decoder = join(dir, files.decoder);
  writeFileSync(encoder, encoderModel('A').model);
  writeFileSync(decoder, boxInteriorDecoder());
  return { encoder, decoder };
}
