/**
 * Find SAM2 exports: scan folders (the workspace models/ folder, an explicit path) for .onnx files, read
 * each file's declared I/O (without onnxruntime, without loading weights), classify encoders and decoders
 * by family, and pair them within a folder, preferring files whose names differ only in encoder/decoder
 * words (so vision_encoder_fp16 pairs with prompt_encoder_mask_decoder_fp16). Returns QuickPick-ready
 * candidates plus the files that looked like SAM2 but could not be used, with the reason.
 */
import { promises as fs } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { decoderFamilies, detectFamily, encoderFamilies, type FamilyId } from './sam2/families';
import { modelNameOf } from './sam2/load';
import { readOnnxIo } from './sam2/onnxIo';
import type { ModelIo } from './sam2/tensor';

/** One usable encoder/decoder pair. */
export interface Sam2Candidate {
  readonly family: FamilyId;
  readonly encoder: string;
  readonly decoder: string;
  /** QuickPick label, e.g. "sam2.1-hiera-tiny — SAM2 family E". */
  readonly label: string;
  /** QuickPick description: where the export comes from. */
  readonly description: string;
  /** QuickPick detail: the two files (relative to the scanned root) and their sizes. */
  readonly detail: string;
  /** Encoder + decoder + sidecar bytes. */
  readonly bytes: number;
}

/** A file (or pair) that could not be used, and why. */
export interface DiscoveryProblem {
  readonly path: string;
  readonly message: string;
}

/** Result of a scan. */
export interface DiscoveryResult {
  readonly candidates: Sam2Candidate[];
  readonly problems: DiscoveryProblem[];
}

/** Scan options. */
export interface DiscoveryOptions {
  /** Folder depth below each root (default 3: models/<name>/onnx/x.onnx). */
  readonly maxDepth?: number;
}

const WORDS = /(prompt_encoder_mask_decoder|vision_encoder|image_encoder|image_decoder|mask_decoder|encoder|decoder|preprocess)/gi;

/** A file name with its encoder/decoder words removed, for pairing. */
export function pairingStem(path: string): string {
  return basename(path).replace(/\.onnx$/i, '').replace(WORDS, '').replace(/[._-]+/g, '_').replace(/^_|_$/g, '').toLowerCase();
}

async function onnxFiles(root: string, depth: number, out: string[]): Promise<void> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = join(root, e.name);
    if (e.isDirectory() && depth > 0 && !e.name.startsWith('.') && e.name !== 'node_modules') await onnxFiles(p, depth - 1, out);
    else if (e.isFile() && /\.onnx$/i.test(e.name)) out.push(p);
  }
}

async function fileBytes(path: string): Promise<number> {
  const dir = dirname(path), base = basename(path);
  let total = 0;
  for (const n of await fs.readdir(dir)) {
    if (n === base || n.startsWith(`${base}_data`) || n.startsWith(`${base}.data`) || n.startsWith(`${base.replace(/\.onnx$/i, '')}.onnx_data`)) total += (await fs.stat(join(dir, n))).size;
  }
  return total;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)} MB`;
}

/**
 * Scan roots (folders, or .onnx files whose folder is then scanned too) for SAM2 encoder/decoder pairs.
 * Missing roots are skipped silently: "no models/ folder" is the normal first-run state.
 */
export async function discoverSam2Models(roots: readonly string[], options: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const files = new Set<string>();
  const rootOf = new Map<string, string>();
  for (const r of roots) {
    const abs = resolve(r);
    let st: import('node:fs').Stats;
    try {
      st = await fs.stat(abs);
    } catch {
      continue;
    }
    const dir = st.isDirectory() ? abs : dirname(abs);
    const found: string[] = [];
    await onnxFiles(dir, st.isDirectory() ? (options.maxDepth ?? 3) : 0, found);
    for (const f of found) {
      files.add(f);
      if (!rootOf.has(f)) rootOf.set(f, dir);
    }
  }
  const problems: DiscoveryProblem[] = [];
  const encoders: { path: string; io: ModelIo }[] = [];
  const decoders: { path: string; io: ModelIo }[] = [];
  for (const f of [...files].sort()) {
    let io: ModelIo;
    try {
      io = readOnnxIo(f);
    } catch (e) {
      problems.push({ path: f, message: `not a readable ONNX model: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    if (encoderFamilies(io).length) encoders.push({ path: f, io });
    else if (decoderFamilies(io).length) decoders.push({ path: f, io });
  }
  const candidates: Sam2Candidate[] = [];
  const usedDecoders = new Set<string>();
  for (const enc of encoders) {
    const sameDir = decoders.filter((d) => dirname(d.path) === dirname(enc.path));
    const fits = sameDir
      .map((d) => {
        try {
          return { d, fam: detectFamily(enc.io, d.io), err: undefined };
        } catch (e) {
          return { d, fam: undefined, err: e instanceof Error ? e.message : String(e) };
        }
      });
    const ok = fits.filter((x) => x.fam);
    if (!ok.length) {
      const why = fits.length ? fits[0]!.err! : 'no decoder of the same family in this folder';
      problems.push({ path: enc.path, message: why });
      continue;
    }
    // Prefer the decoder whose name matches once the encoder/decoder words are removed.
    const stem = pairingStem(enc.path);
    ok.sort((a, b) => Number(pairingStem(b.d.path) === stem) - Number(pairingStem(a.d.path) === stem) || a.d.path.localeCompare(b.d.path));
    const best = ok[0]!;
    usedDecoders.add(best.d.path);
    const root = rootOf.get(enc.path) ?? dirname(enc.path);
    const eb = await fileBytes(enc.path), db = await fileBytes(best.d.path);
    const name = modelNameOf({ encoder: enc.path, decoder: best.d.path });
    const variant = stem && stem !== pairingStem(name) ? ` (${stem})` : '';
    candidates.push({
      family: best.fam!.id,
      encoder: enc.path,
      decoder: best.d.path,
      label: `${name}${variant} — SAM2 family ${best.fam!.id}`,
      description: best.fam!.source,
      detail: `${relative(root, enc.path) || basename(enc.path)} (${mb(eb)}) + ${relative(root, best.d.path) || basename(best.d.path)} (${mb(db)})`,
      bytes: eb + db,
    });
  }
  for (const d of decoders) if (!usedDecoders.has(d.path) && !encoders.some((e) => dirname(e.path) === dirname(d.path))) problems.push({ path: d.path, message: 'SAM2 decoder without an encoder in the same folder' });
  candidates.sort((a, b) => a.label.localeCompare(b.label));
  return { candidates, problems };
}
