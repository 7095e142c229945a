import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { encodeRgb } from '../image/io';
import type { GrayImage } from '../image/types';
import { SAMPLE_PATHS, sampleStem, type SampleConfig } from './config';
import { paintScene, type Palette, type SceneObject } from './scene';

/** One written image of the synthetic dataset, with what the simulated policy may know about it. */
export interface SampleItem {
  readonly stem: string;
  /** Workspace-relative paths (forward slashes). */
  readonly image: string;
  readonly gt: string;
  readonly width: number;
  readonly height: number;
  readonly palette: Palette;
  readonly objects: readonly SceneObject[];
  /** The exact binary GT (0/255) at the original size. */
  readonly gtMask: GrayImage;
}

/**
 * Paint and write the COD10K-style synthetic dataset under `root`: `Imgs/<stem>.jpg` (JPEG q90, as the public
 * datasets ship) and `GT/<stem>.png` (lossless 0/255, so masks stay exactly binary).
 */
export async function writeSampleDataset(root: string, config: SampleConfig): Promise<SampleItem[]> {
  await fs.mkdir(path.join(root, SAMPLE_PATHS.images), { recursive: true });
  await fs.mkdir(path.join(root, SAMPLE_PATHS.masks), { recursive: true });
  const items: SampleItem[] = [];
  for (let i = 0; i < config.imageCount; i++) {
    const [width, height] = config.sizes[i % config.sizes.length]!;
    const scene = paintScene(config.seed, i, width, height, (i + 1) % config.twoObjectEvery === 0 ? 2 : 1);
    const stem = sampleStem(i);
    const image = `${SAMPLE_PATHS.images}/${stem}.jpg`;
    const gt = `${SAMPLE_PATHS.masks}/${stem}.png`;
    await fs.writeFile(path.join(root, image), await encodeRgb(scene.image, 'jpeg'));
    await fs.writeFile(path.join(root, gt), await encodeMaskPng(scene.gt));
    items.push({ stem, image, gt, width, height, palette: scene.palette, objects: scene.objects, gtMask: scene.gt });
  }
  await removeStale(root, new Set(items.flatMap((it) => [it.image, it.gt])));
  return items;
}

/**
 * Delete sample files an earlier, larger sample left behind, so the dataset matches the run. Only names this
 * generator writes (`cod_NNNN.jpg` / `.png`) in its own folders are touched.
 */
async function removeStale(root: string, keep: ReadonlySet<string>): Promise<void> {
  for (const dir of [SAMPLE_PATHS.images, SAMPLE_PATHS.masks]) {
    for (const name of await fs.readdir(path.join(root, dir))) {
      const rel = `${dir}/${name}`;
      if (/^cod_\d{4}\.(jpg|png)$/.test(name) && !keep.has(rel)) await fs.rm(path.join(root, rel), { force: true });
    }
  }
}

/**
 * A GT mask as an 8-bit greyscale PNG (PIL mode "L", like COD10K's). Sharp turns a one-channel raw input into
 * RGB on output unless told the colourspace, so `encodeGrayPng` in image/io cannot be used for this yet.
 */
export async function encodeMaskPng(mask: GrayImage): Promise<Buffer> {
  return sharp(Buffer.from(mask.data.buffer, mask.data.byteOffset, mask.data.length), { raw: { width: mask.width, height: mask.height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 9 })
    .toBuffer();
}
