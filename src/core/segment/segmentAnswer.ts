import type { ParsedAnswer } from '../completion/types';
import { promptsFromAnswer } from '../geometry/prompts';
import type { BinaryMask, Size } from '../image/types';
import type { EncodedImage, Segmenter } from './segmenter';

/**
 * The mask for a parsed answer as each family's own code builds it (Seg-R1's `segmentation_reward`: per box,
 * the points inside it go with that box; the per-box masks are OR-ed), against an image encoded once.
 * `frame` is the frame the answer was written in; by default the encoded image's own (a squashed image).
 * An answer without prompts gives an empty mask, as the reference's mask starts all zeros.
 */
export async function segmentAnswer(segmenter: Segmenter, encoded: EncodedImage, answer: ParsedAnswer, frame?: Size, signal?: AbortSignal): Promise<BinaryMask> {
  const size = { width: encoded.width, height: encoded.height };
  const masks: BinaryMask[] = [];
  for (const prompt of promptsFromAnswer(answer, frame ?? size, size)) masks.push((await segmenter.decode(encoded, prompt, signal)).mask);
  if (masks.length === 1) return masks[0]!;
  const out = new Uint8Array(size.width * size.height);
  for (const m of masks) for (let i = 0; i < out.length; i++) if (m.data[i]) out[i] = 1;
  return { ...size, data: out };
}
