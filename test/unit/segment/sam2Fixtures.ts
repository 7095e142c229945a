/**
 * Tiny SAM2 ONNX fixtures, one encoder/decoder pair per export family A–E, with each family's exact I/O
 * names, dtypes and shapes (models/README.md) and deterministic maths a test can compute by hand.
 *
 * Encoder: feat0/feat1/embed = average pools (4, 8, 16) of the input tensor; channel c copies input channel c % 3.
 * Decoder (all in SAM2's 1024² frame, evaluated at low-res cell centres ((i+0.5)·4)):
 *   box   = min(x−x1, x2−x, y−y1, y2−y) for the points labelled 2/3 (or input_boxes), −BIG without a box
 *   pos   = max over label-1 points of (R − distance), neg = the same over label-0 points
 *   base  = min(max(box, pos), −neg) + has_mask_input · mask_input
 *   mask k = base + OFFSETS[k];  iou k = IOU_BASE[k] − IOU_SLOPE[k]·(positive points) + 0.001·(mean embed + mean feat0 + mean feat1)
 * Label −1 points are ignored, like SAM2's padding. Families B/C/D resize in-graph to the original size
 * (Resize linear, pytorch_half_pixel), D thresholds to bool, C has a 4th (single-mask) output first.
 *
 * `node dist-test/test/unit/segment/sam2Fixtures.js OUT_DIR` writes all families to disk (for `segr1 segment` by hand).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GraphBuilder, type ElemType, type ExternalSink } from './sam2OnnxProto';

/** Family ids the fixtures cover. */
export type FixtureFamily = 'A' | 'B' | 'C' | 'D' | 'E';

/** Radius of a point's disc, in 1024-frame pixels. */
export const R = 64;
/** "Minus infinity" for absent prompts. */
export const BIG = 10000;
/** Per-mask logit offsets of the three multimask outputs (1024-frame pixels: shrink, exact, grow). */
export const OFFSETS = [-32, 0, 32] as const;
/** Multimask IoU predictions without positive points… */
export const IOU_BASE = [0.3, 0.6, 0.9] as const;
/** …minus this times the number of positive points (so the pick changes with the prompt). */
export const IOU_SLOPE = [0, 0.4, 0.8] as const;
/** C's extra single-mask output (index 0): offset and IoU. */
export const SINGLE = { offset: 8, iou: 0.5 } as const;

/** File names per family, as the public exports name them. */
export const FIXTURE_FILES: Record<FixtureFamily, { encoder: string; decoder: string }> = {
  A: { encoder: 'sam2_hiera_tiny.encoder.onnx', decoder: 'sam2_hiera_tiny.decoder.onnx' },
  B: { encoder: 'sam2_hiera_tiny_encoder.onnx', decoder: 'sam2_hiera_tiny_decoder.onnx' },
  C: { encoder: 'sam2_tiny_preprocess.onnx', decoder: 'sam2_tiny.onnx' },
  D: { encoder: 'sam2_hiera_tiny_image_encoder.onnx', decoder: 'sam2_hiera_tiny_image_decoder.onnx' },
  E: { encoder: 'vision_encoder.onnx', decoder: 'prompt_encoder_mask_decoder.onnx' },
};

const ENC_NAMES: Record<FixtureFamily, { input: string; feat0: string; feat1: string; embed: string }> = {
  A: { input: 'image', feat0: 'high_res_feats_0', feat1: 'high_res_feats_1', embed: 'image_embed' },
  B: { input: 'image', feat0: 'high_res_feats_0', feat1: 'high_res_feats_1', embed: 'image_embed' },
  C: { input: 'input', feat0: 'high_res_features1', feat1: 'high_res_features2', embed: 'image_embeddings' },
  D: { input: 'image', feat0: 'image_features_0', feat1: 'image_features_1', embed: 'image_embeddings' },
  E: { input: 'pixel_values', feat0: 'image_embeddings.0', feat1: 'image_embeddings.1', embed: 'image_embeddings.2' },
};

function channelCopy(out: number): Float32Array {
  const w = new Float32Array(out * 3);
  for (let c = 0; c < out; c++) w[c * 3 + (c % 3)] = 1;
  return w;
}

/** Encoder graph bytes (and, for E, the external-data sidecar bytes). */
export function encoderModel(fam: FixtureFamily): { model: Uint8Array; sidecar?: { name: string; bytes: Uint8Array } } {
  const sink: ExternalSink | undefined = fam === 'E' ? { location: 'vision_encoder.onnx_data', chunks: [], offset: 0 } : undefined;
  const g = new GraphBuilder(sink);
  const n = ENC_NAMES[fam];
  const x = g.input(n.input, 'float32', [1, 3, 1024, 1024]);
  const level = (k: number, ch: number, out: string, side: number): void => {
    const p = g.op('AveragePool', [x], { kernel_shape: { ints: [k, k] }, strides: { ints: [k, k] } });
    g.op('Conv', [p, g.f32(channelCopy(ch), [ch, 3, 1, 1])], {}, out);
    g.output(out, 'float32', [1, ch, side, side]);
  };
  level(4, 32, n.feat0, 256);
  level(8, 64, n.feat1, 128);
  level(16, 256, n.embed, 64);
  const model = g.model(`fixture_${fam}_encoder`);
  if (!sink) return { model };
  const total = sink.chunks.reduce((s, c) => s + c.length, 0);
  const bytes = new Uint8Array(total);
  let o = 0;
  for (const c of sink.chunks) {
    bytes.set(c, o);
    o += c.length;
  }
  return { model, sidecar: { name: sink.location, bytes } };
}

/** The shared decoder maths: coords [L,P,2] f32 and labels [L,P] f32 → base logits [L,1,256,256] and positive count [L,1]. */
function decoderCore(g: GraphBuilder, coords: string, labels: string, box: { x1: string; y1: string; x2: string; y2: string; has: string } | undefined) {
  const grid = Float32Array.from({ length: 256 }, (_, i) => (i + 0.5) * 4);
  const gx = g.f32(grid, [1, 1, 1, 256]);
  const gy = g.f32(grid, [1, 1, 256, 1]);
  const one = g.f32([1], []);
  const big = g.f32([BIG], []);
  const px = g.op('Gather', [coords, g.i64([0], [])], { axis: { i: 2 } });
  const py = g.op('Gather', [coords, g.i64([1], [])], { axis: { i: 2 } });
  const ax23 = g.i64([2, 3]);
  const px4 = g.op('Unsqueeze', [px, ax23]);
  const py4 = g.op('Unsqueeze', [py, ax23]);
  const dx = g.op('Sub', [gx, px4]);
  const dy = g.op('Sub', [gy, py4]);
  const d = g.op('Sqrt', [g.op('Add', [g.op('Mul', [dx, dx]), g.op('Mul', [dy, dy])])]);
  const disc = g.op('Sub', [g.f32([R], []), d]);
  const is = (v: number): string => g.op('Cast', [g.op('Equal', [labels, g.f32([v], [])])], { to: { i: 1 } });
  const masked = (sel: string): string => {
    const s4 = g.op('Unsqueeze', [sel, ax23]);
    const v = g.op('Add', [g.op('Mul', [disc, s4]), g.op('Mul', [g.op('Sub', [s4, one]), big])]);
    return g.op('ReduceMax', [v], { axes: { ints: [1] }, keepdims: { i: 1 } });
  };
  const isPos = is(1);
  const pos = masked(isPos);
  const neg = masked(is(0));
  const ax1 = g.i64([1]);
  const sum1 = (v: string): string => g.op('ReduceSum', [v, ax1], { keepdims: { i: 1 } });
  const b = box ?? (() => {
    const tl = is(2), br = is(3);
    return { x1: sum1(g.op('Mul', [px, tl])), y1: sum1(g.op('Mul', [py, tl])), x2: sum1(g.op('Mul', [px, br])), y2: sum1(g.op('Mul', [py, br])), has: sum1(tl) };
  })();
  const u = (v: string): string => g.op('Unsqueeze', [v, ax23]);
  const inside = g.op('Min', [g.op('Sub', [gx, u(b.x1)]), g.op('Sub', [u(b.x2), gx]), g.op('Sub', [gy, u(b.y1)]), g.op('Sub', [u(b.y2), gy])]);
  const has4 = u(b.has);
  const boxScore = g.op('Add', [g.op('Mul', [inside, has4]), g.op('Mul', [g.op('Sub', [has4, one]), big])]);
  const base = g.op('Min', [g.op('Max', [boxScore, pos]), g.op('Neg', [neg])]);
  return { base, nPos: sum1(isPos) };
}

function addMaskFeedback(g: GraphBuilder, base: string, mask: string, has: string): string {
  const has4 = g.op('Reshape', [has, g.i64([-1, 1, 1, 1])]);
  return g.op('Add', [base, g.op('Mul', [mask, has4])]);
}

function masksAndIou(g: GraphBuilder, base: string, nPos: string, feats: string[], four: boolean): { masks: string; iou: string } {
  const offsets: number[] = four ? [SINGLE.offset, ...OFFSETS] : [...OFFSETS];
  const bases: number[] = four ? [SINGLE.iou, ...IOU_BASE] : [...IOU_BASE];
  const slopes: number[] = four ? [0, ...IOU_SLOPE] : [...IOU_SLOPE];
  const masks = g.op('Concat', offsets.map((o) => g.op('Add', [base, g.f32([o], [])])), { axis: { i: 1 } });
  const means = feats.map((f) => g.op('ReduceMean', [f], { keepdims: { i: 0 } }));
  const bias = g.op('Mul', [g.op('Sum', means), g.f32([0.001], [])]);
  const k = offsets.length;
  const iou = g.op('Add', [g.op('Sub', [g.f32(bases, [1, k]), g.op('Mul', [g.f32(slopes, [1, k]), nPos])]), bias]);
  return { masks, iou };
}

function resizeTo(g: GraphBuilder, masks: string, origSize: string): string {
  const lead = g.op('Slice', [g.op('Shape', [masks]), g.i64([0]), g.i64([2])]);
  const sizes = g.op('Concat', [lead, g.op('Cast', [origSize], { to: { i: 7 } })], { axis: { i: 0 } });
  return g.op('Resize', [masks, '', '', sizes], { mode: { s: 'linear' }, coordinate_transformation_mode: { s: 'pytorch_half_pixel' } });
}

/** Append SAM2's (0,0) label −1 padding point in-graph, as A/B/D/E exports do. */
function padInGraph(g: GraphBuilder, coords: string, labels: string): { coords: string; labels: string } {
  const L = g.op('Slice', [g.op('Shape', [coords]), g.i64([0]), g.i64([1])]);
  const pc = g.op('Expand', [g.f32([0, 0], [1, 1, 2]), g.op('Concat', [L, g.i64([1, 2])], { axis: { i: 0 } })]);
  const pl = g.op('Expand', [g.f32([-1], [1, 1]), g.op('Concat', [L, g.i64([1])], { axis: { i: 0 } })]);
  return { coords: g.op('Concat', [coords, pc], { axis: { i: 1 } }), labels: g.op('Concat', [labels, pl], { axis: { i: 1 } }) };
}

/** Decoder graph bytes. */
export function decoderModel(fam: FixtureFamily): Uint8Array {
  const g = new GraphBuilder();
  const n = ENC_NAMES[fam];
  const embed = g.input(n.embed, 'float32', [1, 256, 64, 64]);
  const feat0 = g.input(n.feat0, 'float32', [1, 32, 256, 256]);
  const feat1 = g.input(n.feat1, 'float32', [1, 64, 128, 128]);
  const feats = [embed, feat0, feat1];
  if (fam === 'E') {
    const pts = g.input('input_points', 'float32', [1, 1, 'num_points', 2]);
    const lab = g.input('input_labels', 'int64', [1, 1, 'num_points']);
    const boxes = g.input('input_boxes', 'float32', [1, 'num_boxes', 4]);
    const ax0 = g.i64([0]);
    const padded = padInGraph(g, g.op('Squeeze', [pts, ax0]), g.op('Cast', [g.op('Squeeze', [lab, ax0])], { to: { i: 1 } }));
    const coord = (i: number): string => g.op('ReduceSum', [g.op('Gather', [boxes, g.i64([i], [])], { axis: { i: 2 } }), g.i64([0, 1])], { keepdims: { i: 0 } });
    const reshape11 = (v: string): string => g.op('Reshape', [v, g.i64([1, 1])]);
    const count = g.op('ReduceSum', [g.op('Add', [g.op('Mul', [g.op('Gather', [boxes, g.i64([0], [])], { axis: { i: 2 } }), g.f32([0], [])]), g.f32([1], [])]), g.i64([0, 1])], { keepdims: { i: 0 } });
    const box = { x1: reshape11(coord(0)), y1: reshape11(coord(1)), x2: reshape11(coord(2)), y2: reshape11(coord(3)), has: reshape11(count) };
    const { base, nPos } = decoderCore(g, padded.coords, padded.labels, box);
    const { masks, iou } = masksAndIou(g, base, nPos, feats, false);
    g.op('Unsqueeze', [masks, ax0], {}, 'pred_masks');
    g.op('Unsqueeze', [iou, ax0], {}, 'iou_scores');
    g.op('Unsqueeze', [nPos, ax0], {}, 'object_score_logits');
    g.output('iou_scores', 'float32', [1, 1, 3]);
    g.output('pred_masks', 'float32', [1, 1, 3, 256, 256]);
    g.output('object_score_logits', 'float32', [1, 1, 1]);
    return g.model('fixture_E_decoder');
  }
  const labelType: ElemType = fam === 'D' ? 'int32' : 'float32';
  let coords = g.input('point_coords', 'float32', ['num_labels', 'num_points', 2]);
  const rawLabels = g.input('point_labels', labelType, ['num_labels', 'num_points']);
  let labels = labelType === 'float32' ? rawLabels : g.op('Cast', [rawLabels], { to: { i: 1 } });
  const maskName = fam === 'D' ? 'input_masks' : 'mask_input';
  const hasName = fam === 'D' ? 'has_input_masks' : 'has_mask_input';
  const maskIn = g.input(maskName, 'float32', ['num_labels', 1, 256, 256]);
  const hasIn = g.input(hasName, 'float32', ['num_labels']);
  const origName = fam === 'B' ? 'orig_im_size' : fam === 'C' ? 'orig_im_size' : fam === 'D' ? 'original_image_size' : undefined;
  const orig = origName ? g.input(origName, fam === 'C' ? 'int64' : 'int32', [2]) : undefined;
  if (fam !== 'C') ({ coords, labels } = padInGraph(g, coords, labels));
  const core = decoderCore(g, coords, labels, undefined);
  const base = addMaskFeedback(g, core.base, maskIn, hasIn);
  const four = fam === 'C';
  const { masks, iou } = masksAndIou(g, base, core.nPos, feats, four);
  const k = four ? 4 : 3;
  g.op('Identity', [iou], {}, 'iou_predictions');
  g.output('iou_predictions', 'float32', ['num_labels', k]);
  if (fam === 'A') {
    g.op('Identity', [masks], {}, 'masks');
    g.output('masks', 'float32', ['num_labels', k, 256, 256]);
    return g.model('fixture_A_decoder');
  }
  const up = resizeTo(g, masks, orig!);
  if (fam === 'D') {
    g.op('Greater', [up, g.f32([0], [])], {}, 'masks');
    g.output('masks', 'bool', ['num_labels', k, 'original_image_height', 'original_image_width']);
  } else {
    g.op('Identity', [up], {}, 'masks');
    g.output('masks', 'float32', ['num_labels', k, 'H', 'W']);
  }
  if (fam === 'C' || fam === 'D') {
    g.op('Clip', [masks, g.f32([-32], []), g.f32([32], [])], {}, 'low_res_masks');
    g.output('low_res_masks', 'float32', ['num_labels', k, 256, 256]);
  }
  return g.model(`fixture_${fam}_decoder`);
}

/** Write one family's pair into dir; returns the two paths. */
export function writeFixture(fam: FixtureFamily, dir: string): { encoder: string; decoder: string } {
  mkdirSync(dir, { recursive: true });
  const files = FIXTURE_FILES[fam];
  const enc = encoderModel(fam);
  const encoder = join(dir, files.encoder), decoder = join(dir, files.decoder);
  writeFileSync(encoder, enc.model);
  if (enc.sidecar) writeFileSync(join(dir, enc.sidecar.name), enc.sidecar.bytes);
  writeFileSync(decoder, decoderModel(fam));
  return { encoder, decoder };
}

if (require.main === module) {
  const out = process.argv[2] ?? 'test/fixtures/onnx';
  for (const f of ['A', 'B', 'C', 'D', 'E'] as const) console.log(f, writeFixture(f, join(out, f)));
}
