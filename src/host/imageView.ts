import type { Selection, ViewPayload } from '../shared/protocol';
import { loadGroundTruth, loadImageForView } from './rolloutAssets';

/** A dataset (or loose) image with its GT, without a rollout. */
export async function buildImageView(selection: Selection, imagePath: string, gtPath: string | undefined, title: string, position: ViewPayload['position']): Promise<Omit<ViewPayload, 'revision'>> {
  const problems: string[] = [];
  const image = { ...(await loadImageForView(imagePath)), path: imagePath };
  let gt: ViewPayload['gt'];
  if (gtPath) {
    try {
      const g = await loadGroundTruth(gtPath);
      gt = { ...g.binary, path: gtPath };
      if (g.gray.width !== image.width || g.gray.height !== image.height) problems.push(`GT is ${g.gray.width}×${g.gray.height} but image is ${image.width}×${image.height}`);
    } catch (e) {
      problems.push(`GT '${gtPath}': ${e instanceof Error ? e.message : String(e)}`);
    }
  } else problems.push('no ground-truth mask for this image');
  return { selection, title, synthetic: /synthetic/i.test(imagePath), image, gt, glyphs: [], group: [], problems, position };
}
