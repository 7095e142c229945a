import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { checkInsideSync, refusalMessage } from '../dataset/paths';
import type { RolloutRecord } from './rollout';

/**
 * How to attach dataset images to rollouts of a format that does not name them: from a logged column
 * (kept in `extra`), from a dataset key found in the prompt (an image stem, a referring expression), or
 * by dataset order (GRPO visits the dataset in order, G rollouts per item — valid for single-process logs).
 */
export type ImageJoin =
  | { readonly by: 'column'; readonly column: string }
  | { readonly by: 'prompt'; readonly items: ReadonlyArray<{ readonly image: string; readonly key: string }> }
  | { readonly by: 'order'; readonly images: readonly string[]; readonly groupSize: number };

/** Attaches images record by record, in log order; records that already name an image keep it. */
export class ImageJoiner {
  private ordinal = 0;
  /** Records left without an image (0-based record ordinals). */
  readonly withoutImage: number[] = [];
  private readonly byLength: ReadonlyArray<{ readonly image: string; readonly key: string }>;

  constructor(private readonly join?: ImageJoin) {
    // Longest key first, so 'camo_12' never claims a prompt about 'camo_123'.
    this.byLength = join?.by === 'prompt' ? [...join.items].filter((i) => i.key !== '').sort((a, b) => b.key.length - a.key.length) : [];
  }

  /** The record with its image attached when the join finds one. */
  apply(r: RolloutRecord): RolloutRecord {
    const k = this.ordinal++;
    if (r.image !== undefined) return r;
    const image = this.find(r, k);
    if (image === undefined) {
      this.withoutImage.push(k);
      return r;
    }
    return { ...r, image };
  }

  private find(r: RolloutRecord, k: number): string | undefined {
    const j = this.join;
    if (!j) return undefined;
    switch (j.by) {
      case 'column': {
        const v = r.extra?.[j.column];
        return typeof v === 'string' && v !== '' ? v : undefined;
      }
      case 'prompt': {
        const q = r.query;
        if (q === undefined) return undefined;
        return this.byLength.find((i) => q.includes(i.key))?.image;
      }
      case 'order':
        return j.images.length ? j.images[Math.floor(k / Math.max(1, j.groupSize)) % j.images.length] : undefined;
    }
  }
}

/**
 * An image join written as the CLI's --images-by and the segr1.logs.overrides setting take it: `column:<name>`,
 * `prompt:<list.txt>` (lines "image<TAB>key", key defaulting to the image's stem) or `order:<list.txt>:<G>`. List files
 * are read relative to `base`; with `confined` (the text came from workspace settings, not from the user's command line)
 * a list must stay inside `base` once symlinks are resolved. Returns the join, or a message saying what is wrong.
 */
export function parseImageJoin(spec: string, base = '.', opts: { readonly confined?: boolean } = {}): ImageJoin | string {
  const [how, arg, g, ...rest] = spec.split(':');
  const usage = `expected column:<name>, prompt:<list.txt> or order:<list.txt>:<G>, got '${spec}'`;
  if (rest.length) return usage;
  if (how === 'column' && arg && g === undefined) return { by: 'column', column: arg };
  if ((how !== 'prompt' && how !== 'order') || !arg) return usage;
  let file = resolve(base, arg);
  if (opts.confined) {
    const r = checkInsideSync(base, arg);
    if (!r.ok && r.reason !== 'missing') return refusalMessage('image list', r);
    if (r.ok) file = r.real;
  }
  let lines: string[];
  try {
    lines = readFileSync(file, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  } catch (e) {
    return `cannot read the image list '${arg}': ${e instanceof Error ? e.message : String(e)}`;
  }
  if (how === 'prompt' && g === undefined) {
    return {
      by: 'prompt',
      items: lines.map((l) => {
        const [image, key] = l.split('\t') as [string, string | undefined];
        return { image, key: key ?? basename(image).replace(/\.[^.]+$/, '') };
      }),
    };
  }
  if (how === 'order' && g !== undefined && Number.isInteger(Number(g)) && Number(g) > 0) return { by: 'order', images: lines, groupSize: Number(g) };
  return usage;
}
