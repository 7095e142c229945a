import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import { loadGtPilL } from '../core/rewards/groundTruth';
import { MAX_IMAGE_PIXELS } from '../core/image/limits';
import type { GrayImage } from '../core/image/types';
import type { RolloutRecord } from '../core/logs/rollout';
import type { MaskPayload } from '../shared/protocol';
import type { ViewProblems } from './viewProblems';

/** Mime types a webview can decode with createImageBitmap; anything else is re-encoded as PNG. */
const BROWSER_FORMATS: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', gif: 'image/gif' };

/** Decoded image file: bytes for the webview and its size. */
export interface LoadedImage {
  bytes: Uint8Array;
  mime: string;
  width: number;
  height: number;
}

/** A GT mask as the training code reads it (PIL "L") and its binary form for the view. */
export interface LoadedGroundTruth {
  readonly gray: GrayImage;
  readonly binary: MaskPayload;
}

/** Resolve a record path; an error text when it escapes the workspace. */
export type ResolvePath = (rel: string) => { path: string } | { error: string };

/** A rollout's image (with its record path) and GT, each absent when the record names none or it cannot be read. */
export interface RolloutAssets {
  readonly image?: LoadedImage & { readonly path: string };
  readonly gt?: LoadedGroundTruth;
}

/** Read an image file for the webview; formats the browser cannot decode go through sharp to PNG. */
export async function loadImageForView(file: string): Promise<LoadedImage> {
  const buf = await fs.readFile(file);
  const meta = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
  if (!meta.width || !meta.height) throw new Error(`${file}: not a readable image`);
  const mime = meta.format ? BROWSER_FORMATS[meta.format] : undefined;
  if (mime) return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.length), mime, width: meta.width, height: meta.height };
  const png = await sharp(buf, { limitInputPixels: MAX_IMAGE_PIXELS }).png().toBuffer();
  return { bytes: new Uint8Array(png.buffer, png.byteOffset, png.length), mime: 'image/png', width: meta.width, height: meta.height };
}

/** Read a GT mask as the training code does (PIL "L") and its binary form (> 127, Seg-R1's rule). */
export async function loadGroundTruth(file: string): Promise<LoadedGroundTruth> {
  const gray = await loadGtPilL(file);
  const bin = new Uint8Array(gray.data.length);
  for (let i = 0; i < bin.length; i++) bin[i] = gray.data[i]! > 127 ? 1 : 0;
  return { gray, binary: { width: gray.width, height: gray.height, data: bin } };
}

/**
 * Step 1 of a rollout view: the record's image and GT, read from the workspace. A path that escapes it, a missing or
 * unreadable file, and a GT whose size differs from the image's are problems of the record's line; the view goes on
 * without what could not be read.
 */
export async function loadAssets(record: Pick<RolloutRecord, 'image' | 'gt'>, resolve: ResolvePath, problems: ViewProblems): Promise<RolloutAssets> {
  let image: RolloutAssets['image'];
  if (record.image) {
    const r = resolve(record.image);
    if ('error' in r) problems.note(`image ${r.error}`);
    else {
      try {
        image = { ...(await loadImageForView(r.path)), path: record.image };
      } catch (e) {
        problems.note(`image '${record.image}': ${readError(e)}`);
      }
    }
  } else problems.remark('this record names no image');

  let gt: LoadedGroundTruth | undefined;
  if (record.gt) {
    const r = resolve(record.gt);
    if ('error' in r) problems.note(`gt ${r.error}`);
    else {
      try {
        gt = await loadGroundTruth(r.path);
        if (image && (gt.gray.width !== image.width || gt.gray.height !== image.height)) {
          problems.note(`GT '${record.gt}' is ${gt.gray.width}×${gt.gray.height} but image is ${image.width}×${image.height}; GT is stretched to the image for display`);
        }
      } catch (e) {
        problems.note(`gt '${record.gt}': ${readError(e)}`);
      }
    }
  }
  return { ...(image ? { image } : {}), ...(gt ? { gt } : {}) };
}

/** The size the rollout's coordinates map to: the image's, else the GT's; undefined when neither could be read. */
export function assetSize(assets: RolloutAssets): { width: number; height: number } | undefined {
  return assets.image ?? assets.gt?.gray;
}

/** sharp's "Input file is missing: <path>" names a path the record does not: say what it means. */
function readError(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^Input file is missing.*/, 'file not found') : String(e);
}
