import type { RolloutRecord } from './rollout';

/**
 * Numbers rollouts within groups for formats that log neither: GRPO writes a prompt's G completions together at
 * one step, so records sharing step + prompt + image are one group, in order. The image counts as well as the
 * prompt because Seg-R1 asks the same question of every image, and the prompt as well as the image because
 * referring-segmentation sets ask several questions of one image. Run it after any image join, so joined
 * images split the groups they name. Group names: `step <s> · <image>` (`· prompt <k>` for the k-th distinct
 * prompt on that image at that step, k ≥ 2), or `step <s> · <prompt>` when no image is known.
 */
export class GroupNumbering {
  private readonly counts = new Map<string, number>();
  /** Distinct prompts seen per step + image, to name the second and later ones. */
  private readonly prompts = new Map<string, Map<string, number>>();

  /** The record with `group` and `sample` filled in where they can be inferred (logged values win). */
  assign(r: RolloutRecord): RolloutRecord {
    if (r.group !== undefined) return r;
    const key = this.key(r);
    if (key === undefined) return r;
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return { ...r, group: key, sample: r.sample ?? n };
  }

  private key(r: RolloutRecord): string | undefined {
    if (r.step === undefined) return undefined;
    if (r.image === undefined) return r.query === undefined ? undefined : `step ${r.step} · ${r.query}`;
    const base = `step ${r.step} · ${r.image}`;
    let seen = this.prompts.get(base);
    if (!seen) this.prompts.set(base, (seen = new Map()));
    const prompt = r.query ?? '';
    let k = seen.get(prompt);
    if (k === undefined) seen.set(prompt, (k = seen.size + 1));
    return k === 1 ? base : `${base} · prompt ${k}`;
  }
}
