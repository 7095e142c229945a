import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodeGrayPng, readRgb } from '../../core/image/io';
import { EmbeddingCache } from '../../core/segment/embeddingCache';
import { discoverSam2Models } from '../../core/segment/modelDiscovery';
import { createRemoteSam2 } from '../../core/segment/remote';
import { loadSam2, type LoadSam2Options } from '../../core/segment/sam2/load';
import type { ChannelOrder } from '../../core/segment/sam2/preprocess';
import type { Sam2Segmenter } from '../../core/segment/sam2/sam2Segmenter';
import type { PromptBox, PromptPoint } from '../../core/segment/segmenter';
import { argsOrExit, out } from '../output';

const USAGE = `usage: segr1 segment --model <path> --image <img> [--box x1,y1,x2,y2] [--point x,y,label]... [--channels rgb|bgr] --out <mask.png>

Segments one image with a SAM2 ONNX export (families A–E, see models/README.md). Coordinates are original-image
pixels; label 1 = foreground, 0 = background. Writes a 0/255 PNG the size of the image and prints one JSON line.
  --model <path>      encoder .onnx file or a folder holding an encoder/decoder pair
  --decoder <path>    explicit decoder file (with --model an encoder file)
  --channels rgb|bgr  channel order fed to the encoder (default rgb; Seg-R1 training fed BGR)
  --single            keep the single-mask output where the export has one, instead of the best of three
  --cache <dir>       embedding cache directory (re-running on the same image skips the encoder)
  --threads <n>       onnxruntime intra-op threads
  --remote <url> --encoder-model <name> (--decoder-model <name> | --decoder <path>)
                      use a KServe v2 / Triton server instead of local files`;

interface Args {
  model?: string;
  decoder?: string;
  image: string;
  out: string;
  box?: PromptBox;
  points: PromptPoint[];
  channels: ChannelOrder;
  single: boolean;
  cache?: string;
  threads?: number;
  remote?: string;
  encoderModel?: string;
  decoderModel?: string;
}

function numbers(text: string | undefined, n: number, what: string): number[] | string {
  const v = (text ?? '').split(',').map(Number);
  if (v.length !== n || v.some((x) => !Number.isFinite(x))) return `${what} needs ${n} comma-separated numbers, got '${text ?? ''}'`;
  return v;
}

/** Parse argv; a string is a usage error. */
export function parseSegmentArgs(argv: string[]): Args | string {
  const a: Partial<Args> & { points: PromptPoint[] } = { points: [], channels: 'rgb', single: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (k === '--model') a.model = value();
    else if (k === '--decoder') a.decoder = value();
    else if (k === '--image') a.image = value();
    else if (k === '--out') a.out = value();
    else if (k === '--cache') a.cache = value();
    else if (k === '--remote') a.remote = value();
    else if (k === '--encoder-model') a.encoderModel = value();
    else if (k === '--decoder-model') a.decoderModel = value();
    else if (k === '--single') a.single = true;
    else if (k === '--threads') a.threads = Number(value());
    else if (k === '--channels') {
      const c = value();
      if (c !== 'rgb' && c !== 'bgr') return `--channels must be rgb or bgr, got '${c ?? ''}'`;
      a.channels = c;
    } else if (k === '--box') {
      const v = numbers(value(), 4, '--box');
      if (typeof v === 'string') return v;
      const [x1, y1, x2, y2] = v as [number, number, number, number];
      if (x2 <= x1 || y2 <= y1) return `--box needs x1 < x2 and y1 < y2`;
      a.box = { x1, y1, x2, y2 };
    } else if (k === '--point') {
      const v = numbers(value(), 3, '--point');
      if (typeof v === 'string') return v;
      const [x, y, label] = v as [number, number, number];
      if (label !== 0 && label !== 1) return `--point label must be 0 or 1, got ${label}`;
      a.points.push({ x, y, label });
    } else return `unknown option '${k}'`;
  }
  if (!a.image || !a.out) return '--image and --out are required';
  if (!a.model && !a.remote) return '--model (or --remote) is required';
  if (a.remote && (!a.encoderModel || (!a.decoderModel && !a.decoder))) return '--remote needs --encoder-model and --decoder-model (or --decoder)';
  if (!a.box && !a.points.length) return 'give a prompt: --box and/or --point';
  if (a.threads !== undefined && !(Number.isInteger(a.threads) && a.threads >= 0)) return '--threads must be a non-negative integer';
  return a as Args;
}

async function open(a: Args): Promise<Sam2Segmenter> {
  const cache = a.cache ? new EmbeddingCache({ dir: a.cache }) : undefined;
  if (a.remote) {
    return createRemoteSam2({ url: a.remote, encoderModel: a.encoderModel!, decoderModel: a.decoderModel, localDecoder: a.decoder, channels: a.channels, cache, multimask: !a.single });
  }
  // Lazy encoder: with a cached embedding the CLI never loads the encoder at all.
  const opts = { channels: a.channels, cache, threads: a.threads, multimask: !a.single, lazyEncoder: true };
  if (a.decoder) return loadSam2({ encoder: a.model!, decoder: a.decoder }, opts);
  return openSam2Export(a.model!, opts);
}

/**
 * The SAM2 export a `--model` path names (an encoder file, or a folder holding one encoder/decoder pair), loaded;
 * throws listing the candidates when a folder holds several, or the problems when it holds none.
 */
export async function openSam2Export(model: string, opts: LoadSam2Options): Promise<Sam2Segmenter> {
  const found = await discoverSam2Models([model]);
  const want = resolve(model);
  const pick = found.candidates.find((c) => c.encoder === want) ?? (found.candidates.length === 1 ? found.candidates[0] : undefined);
  if (!pick) {
    const lines = found.candidates.length
      ? [`several SAM2 exports under ${model}; pass the encoder file:`, ...found.candidates.map((c) => `  ${c.encoder}  (${c.label})`)]
      : [`no SAM2 export found at ${model}`, ...found.problems.map((p) => `  ${p.path}: ${p.message}`)];
    throw new Error(lines.join('\n'));
  }
  return loadSam2({ encoder: pick.encoder, decoder: pick.decoder }, opts);
}

/** `segr1 segment`: one image, one prompt, one mask PNG. */
export async function main(argv: string[]): Promise<number> {
  const a = argsOrExit('segment', argv, USAGE, parseSegmentArgs);
  if (typeof a === 'number') return a;
  const image = await readRgb(a.image);
  const seg = await open(a);
  try {
    const t0 = performance.now();
    const enc = await seg.encode(image);
    const t1 = performance.now();
    const r = await seg.decode(enc, { box: a.box, points: a.points });
    const t2 = performance.now();
    const gray = new Uint8Array(r.mask.data.length);
    let area = 0;
    for (let i = 0; i < gray.length; i++) {
      gray[i] = r.mask.data[i] ? 255 : 0;
      area += r.mask.data[i]!;
    }
    writeFileSync(a.out, await encodeGrayPng({ width: r.mask.width, height: r.mask.height, data: gray }));
    out(JSON.stringify({
      out: a.out, segmenter: seg.info.label, family: seg.family.id, channels: a.channels,
      width: r.mask.width, height: r.mask.height, area, score: r.score,
      encodeMs: Math.round(t1 - t0), decodeMs: Math.round(t2 - t1), embeddingCached: enc.cached,
    }));
    return 0;
  } finally {
    await seg.dispose();
  }
}
