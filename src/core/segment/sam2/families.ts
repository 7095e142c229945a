/**
 * The SAM2 ONNX export families seen in public exports (models/README.md), recognised by the names, dtypes and
 * shapes their encoder and decoder declare. Everything family-specific lives in these tables; the rest of
 * the SAM2 code reads roles (embed, feat0, coords, …) from them.
 */
import type { ModelIo, TensorType, ValueInfo } from './tensor';

/** Export family ids. */
export type FamilyId = 'A' | 'B' | 'C' | 'D' | 'E';

/** Encoder roles → declared names. */
export interface EncoderSpec {
  readonly input: string;
  /** Stride-16 image embedding [1,256,64,64]. */
  readonly embed: string;
  /** Stride-4 high-resolution features [1,32,256,256]. */
  readonly feat0: string;
  /** Stride-8 high-resolution features [1,64,128,128]. */
  readonly feat1: string;
}

/** Decoder roles → declared names, and how prompts and masks are laid out. */
export interface DecoderSpec {
  readonly embed: string;
  readonly feat0: string;
  readonly feat1: string;
  /** `flat`: coords [L,P,2] with the box as two points labelled 2,3; `nested`: points [B,P,N,2] plus a separate boxes [B,nb,4] input. */
  readonly layout: 'flat' | 'nested';
  readonly coords: string;
  readonly labels: string;
  readonly labelType: TensorType;
  readonly boxes?: string;
  readonly maskInput?: string;
  readonly hasMaskInput?: string;
  /** Mask feedback inputs may be absent in this family (E): then feedback is skipped. */
  readonly maskInputOptional?: boolean;
  readonly origSize?: string;
  readonly origSizeType?: TensorType;
  /**
   * Who adds SAM2's (0,0) label −1 padding point: the graph itself (A, B, D pad unconditionally, as the SAM2
   * predictor does; E's graph handles it), or the caller when no box is given (C, the SAM1 ONNX convention).
   */
  readonly padding: 'graph' | 'callerWhenNoBox';
  readonly outMasks: string;
  readonly outIou: string;
  readonly outLowRes?: string;
  /** `lowres`: outMasks are 256² logits we upsample; `original`: the graph already resized to orig size. */
  readonly masksAt: 'lowres' | 'original';
  /** Masks per prompt: 3 multimask outputs, or 4 where index 0 is the single-mask output. */
  readonly maskCount: 3 | 4;
}

/** One family: where it comes from, and its two graphs. */
export interface FamilySpec {
  readonly id: FamilyId;
  /** Where exports of this family come from (shown in errors and the models README). */
  readonly source: string;
  readonly encoder: EncoderSpec;
  readonly decoder: DecoderSpec;
}

const A_ENCODER: EncoderSpec = { input: 'image', embed: 'image_embed', feat0: 'high_res_feats_0', feat1: 'high_res_feats_1' };

/** Every known family. */
export const FAMILIES: readonly FamilySpec[] = [
  {
    id: 'A',
    source: 'samexporter / AnyLabeling',
    encoder: A_ENCODER,
    decoder: {
      embed: 'image_embed', feat0: 'high_res_feats_0', feat1: 'high_res_feats_1', layout: 'flat',
      coords: 'point_coords', labels: 'point_labels', labelType: 'float32', maskInput: 'mask_input', hasMaskInput: 'has_mask_input',
      padding: 'graph', outMasks: 'masks', outIou: 'iou_predictions', masksAt: 'lowres', maskCount: 3,
    },
  },
  {
    id: 'B',
    source: 'samexporter-style with orig_im_size (e.g. ibaiGorordo/ONNX-SAM2-Segment-Anything)',
    encoder: A_ENCODER,
    decoder: {
      embed: 'image_embed', feat0: 'high_res_feats_0', feat1: 'high_res_feats_1', layout: 'flat',
      coords: 'point_coords', labels: 'point_labels', labelType: 'float32', maskInput: 'mask_input', hasMaskInput: 'has_mask_input',
      origSize: 'orig_im_size', origSizeType: 'int32',
      padding: 'graph', outMasks: 'masks', outIou: 'iou_predictions', masksAt: 'original', maskCount: 3,
    },
  },
  {
    id: 'C',
    source: 'SAM1-ONNX-style SAM2 exports (input / high_res_features1/2, 4 masks)',
    encoder: { input: 'input', embed: 'image_embeddings', feat0: 'high_res_features1', feat1: 'high_res_features2' },
    decoder: {
      embed: 'image_embeddings', feat0: 'high_res_features1', feat1: 'high_res_features2', layout: 'flat',
      coords: 'point_coords', labels: 'point_labels', labelType: 'float32', maskInput: 'mask_input', hasMaskInput: 'has_mask_input',
      origSize: 'orig_im_size', origSizeType: 'int64',
      padding: 'callerWhenNoBox', outMasks: 'masks', outIou: 'iou_predictions', outLowRes: 'low_res_masks', masksAt: 'original', maskCount: 4,
    },
  },
  {
    id: 'D',
    source: "onnxruntime's SAM2 converter (onnxruntime/python/tools/transformers/models/sam2)",
    encoder: { input: 'image', embed: 'image_embeddings', feat0: 'image_features_0', feat1: 'image_features_1' },
    decoder: {
      embed: 'image_embeddings', feat0: 'image_features_0', feat1: 'image_features_1', layout: 'flat',
      coords: 'point_coords', labels: 'point_labels', labelType: 'int32', maskInput: 'input_masks', hasMaskInput: 'has_input_masks',
      origSize: 'original_image_size', origSizeType: 'int32',
      padding: 'graph', outMasks: 'masks', outIou: 'iou_predictions', outLowRes: 'low_res_masks', masksAt: 'original', maskCount: 3,
    },
  },
  {
    id: 'E',
    source: 'transformers.js / onnx-community sam2.1 (vision_encoder.onnx + prompt_encoder_mask_decoder.onnx)',
    encoder: { input: 'pixel_values', embed: 'image_embeddings.2', feat0: 'image_embeddings.0', feat1: 'image_embeddings.1' },
    decoder: {
      embed: 'image_embeddings.2', feat0: 'image_embeddings.0', feat1: 'image_embeddings.1', layout: 'nested',
      coords: 'input_points', labels: 'input_labels', labelType: 'int64', boxes: 'input_boxes',
      maskInput: 'mask_input', hasMaskInput: 'has_mask_input', maskInputOptional: true,
      padding: 'graph', outMasks: 'pred_masks', outIou: 'iou_scores', masksAt: 'lowres', maskCount: 3,
    },
  },
];

/** Names an encoder of this family must declare. */
export function encoderNames(e: EncoderSpec): { inputs: string[]; outputs: string[] } {
  return { inputs: [e.input], outputs: [e.embed, e.feat0, e.feat1] };
}

/** Names a decoder of this family must declare (optional mask-feedback inputs excluded where optional). */
export function decoderNames(d: DecoderSpec): { inputs: string[]; outputs: string[] } {
  const inputs = [d.embed, d.feat0, d.feat1, d.coords, d.labels];
  if (d.boxes) inputs.push(d.boxes);
  if (d.maskInput && !d.maskInputOptional) inputs.push(d.maskInput);
  if (d.hasMaskInput && !d.maskInputOptional) inputs.push(d.hasMaskInput);
  if (d.origSize) inputs.push(d.origSize);
  const outputs = [d.outMasks, d.outIou];
  if (d.outLowRes) outputs.push(d.outLowRes);
  return { inputs, outputs };
}

function missing(io: ModelIo, names: { inputs: string[]; outputs: string[] }): string[] {
  const ins = new Set(io.inputs.map((v) => v.name));
  const outs = new Set(io.outputs.map((v) => v.name));
  return [...names.inputs.filter((n) => !ins.has(n)).map((n) => `input ${n}`), ...names.outputs.filter((n) => !outs.has(n)).map((n) => `output ${n}`)];
}

/** Families whose encoder names this graph declares (A and B share an encoder). */
export function encoderFamilies(io: ModelIo): FamilySpec[] {
  return FAMILIES.filter((f) => missing(io, encoderNames(f.encoder)).length === 0);
}

/** Families whose decoder names this graph declares. A decoder with B's names also has A's, so the most specific (most names) wins. */
export function decoderFamilies(io: ModelIo): FamilySpec[] {
  const hits = FAMILIES.filter((f) => missing(io, decoderNames(f.decoder)).length === 0);
  const size = (f: FamilySpec): number => decoderNames(f.decoder).inputs.length + decoderNames(f.decoder).outputs.length;
  return hits.sort((a, b) => size(b) - size(a));
}

/** True when a graph looks like a SAM2 encoder of any family. */
export function isEncoderIo(io: ModelIo): boolean {
  return encoderFamilies(io).length > 0;
}

/** True when a graph looks like a SAM2 decoder of any family. */
export function isDecoderIo(io: ModelIo): boolean {
  return decoderFamilies(io).length > 0;
}

function describe(v: ValueInfo): string {
  return `${v.name} ${v.type}[${v.shape.join(',')}]`;
}

/** "inputs: …; outputs: …" for error messages. */
export function describeIo(io: ModelIo): string {
  return `inputs ${io.inputs.map(describe).join(', ') || '(none)'}; outputs ${io.outputs.map(describe).join(', ') || '(none)'}`;
}

/** What each family expects, one line each, for error messages. */
export function familyExpectations(): string {
  return FAMILIES.map((f) => {
    const e = encoderNames(f.encoder), d = decoderNames(f.decoder);
    return `  ${f.id} (${f.source}): encoder ${e.inputs.join(', ')} → ${e.outputs.join(', ')}; decoder ${d.inputs.join(', ')} → ${d.outputs.join(', ')}`;
  }).join('\n');
}

/** Thrown when a pair of graphs matches no family; the message lists what was found and what each family expects. */
export class UnknownExportError extends Error {
  override readonly name = 'UnknownExportError';
}

function checkShape(v: ValueInfo | undefined, want: readonly (number | undefined)[], what: string, problems: string[]): void {
  if (!v) return;
  if (v.shape.length !== want.length) {
    problems.push(`${what} ${describe(v)}: expected rank ${want.length}`);
    return;
  }
  want.forEach((w, i) => {
    const got = v.shape[i];
    if (w !== undefined && typeof got === 'number' && got >= 0 && got !== w) problems.push(`${what} ${describe(v)}: dim ${i} should be ${w}`);
  });
}

function checkType(v: ValueInfo | undefined, allowed: readonly string[], what: string, problems: string[]): void {
  if (v && !allowed.includes(v.type)) problems.push(`${what} ${describe(v)}: expected ${allowed.join(' or ')}`);
}

/**
 * The family of an encoder/decoder pair, checked for names, dtypes and the shapes that matter.
 * Throws UnknownExportError listing the declared I/O and every family's expectations.
 */
export function detectFamily(encoder: ModelIo, decoder: ModelIo): FamilySpec {
  const encFams = encoderFamilies(encoder);
  const decFams = decoderFamilies(decoder);
  const fam = decFams.find((d) => encFams.some((e) => e.id === d.id));
  if (!fam) {
    const found = `encoder: ${describeIo(encoder)}\ndecoder: ${describeIo(decoder)}`;
    const why = !encFams.length ? 'the encoder matches no family' : !decFams.length ? 'the decoder matches no family' : `encoder looks like ${encFams.map((f) => f.id).join('/')} but decoder like ${decFams.map((f) => f.id).join('/')}`;
    throw new UnknownExportError(`unrecognised SAM2 export (${why}).\nfound\n${found}\nexpected one of\n${familyExpectations()}`);
  }
  const problems: string[] = [];
  const byName = (io: ModelIo, n: string | undefined, out = false): ValueInfo | undefined => (n === undefined ? undefined : (out ? io.outputs : io.inputs).find((v) => v.name === n));
  const e = fam.encoder, d = fam.decoder;
  checkType(byName(encoder, e.input), ['float32'], 'encoder input', problems);
  checkShape(byName(encoder, e.input), [undefined, 3, 1024, 1024], 'encoder input', problems);
  checkShape(byName(encoder, e.embed, true), [undefined, 256, 64, 64], 'encoder output', problems);
  checkShape(byName(encoder, e.feat0, true), [undefined, 32, 256, 256], 'encoder output', problems);
  checkShape(byName(encoder, e.feat1, true), [undefined, 64, 128, 128], 'encoder output', problems);
  checkType(byName(decoder, d.coords), ['float32'], 'decoder input', problems);
  checkType(byName(decoder, d.labels), ['float32', 'int32', 'int64'], 'decoder input', problems);
  checkShape(byName(decoder, d.coords), d.layout === 'flat' ? [undefined, undefined, 2] : [undefined, undefined, undefined, 2], 'decoder input', problems);
  if (d.origSize) checkType(byName(decoder, d.origSize), ['int32', 'int64', 'float32'], 'decoder input', problems);
  if (problems.length) {
    throw new UnknownExportError(`SAM2 export named like family ${fam.id} (${fam.source}) but:\n  ${problems.join('\n  ')}\nfound\nencoder: ${describeIo(encoder)}\ndecoder: ${describeIo(decoder)}`);
  }
  return fam;
}

/** The element type a decoder actually declares for an input (exports vary: labels f32 vs int), else the family default. */
export function declaredType(io: ModelIo, name: string, fallback: TensorType): TensorType {
  const t = io.inputs.find((v) => v.name === name)?.type;
  return t === 'float32' || t === 'int32' || t === 'int64' || t === 'bool' ? t : fallback;
}

/** Masks per prompt the decoder declares (dim 1 of flat masks, dim 2 of nested), else the family default. */
export function declaredMaskCount(io: ModelIo, fam: FamilySpec): number {
  const v = io.outputs.find((o) => o.name === fam.decoder.outIou);
  const d = v?.shape[v.shape.length - 1];
  return typeof d === 'number' && d > 0 ? d : fam.decoder.maskCount;
}
