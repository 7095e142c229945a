/**
 * What the workbench notebook host adds to a rollout output for its card (mask, GT outline, replay values, a link
 * back to the panel) and the group header output. The renderer trusts none of it: a `.segr1nb` file from elsewhere
 * may carry anything, so every field is checked where it is drawn.
 */

/** Mime of the group header output (mean, σ, sort key of a `group` query). */
export const GROUP_MIME = 'application/vnd.segr1.group+json';

/** Card fields beyond the rollout record. */
export interface CardExtras {
  /** The log, relative to its workspace folder, and the rollout's line: what *Open in Workbench* opens. */
  readonly log?: string;
  readonly line?: number;
  /** Predicted mask as an opaque PNG layer (`data:image/png`), stretched over the image and drawn translucent. */
  readonly mask_data?: string;
  /** Where the mask comes from (`logged mask (from the run)`, the segmenter's label). */
  readonly mask_source?: string;
  /** GT outline: an SVG path (`M`/`H`/`V`/`Z`, integers) in a `width × height` raster stretched over the image. */
  readonly gt_outline?: { readonly d: string; readonly width: number; readonly height: number };
  /** Why there is no mask (the trainer's parser rejected the answer). */
  readonly no_mask?: string;
  /** Replay values shown under the rewards (IoU, S-measure, intended), null where unknown. */
  readonly metrics?: Readonly<Record<string, number | null>>;
  /** Problems the host met (missing image, GT size mismatch). */
  readonly problems?: readonly string[];
}

/** The group header a `group` query emits before its cards. */
export interface GroupHeader {
  readonly title: string;
  readonly count: number;
  /** Column the cards are sorted by, highest first. */
  readonly sortedBy: string;
  /** Mean and σ of the logged rewards, as the trainer normalises them (σ with Bessel's correction, as torch.std). */
  readonly mean: number | null;
  readonly std: number | null;
  readonly zeroVariance: boolean;
}

/** Longest GT outline path drawn (a noisy GT at 384 px is far shorter; a crafted file is refused, not parsed). */
export const MAX_OUTLINE_CHARS = 1024 * 1024;
/** Largest outline raster side (the host traces at most 384). */
const MAX_OUTLINE_SIDE = 4096;

/** The outline if it is one the host could have written: bounded size, integers and M/H/V/Z only; else undefined. */
export function acceptedOutline(v: unknown): CardExtras['gt_outline'] {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const { d, width, height } = o;
  if (typeof d !== 'string' || d.length > MAX_OUTLINE_CHARS || !/^[MHVZ0-9 ]*$/.test(d)) return undefined;
  const side = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= MAX_OUTLINE_SIDE;
  return side(width) && side(height) ? { d, width, height } : undefined;
}

/** A number to show, or undefined for anything else (a string, NaN, a crafted object). */
export function finiteNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
