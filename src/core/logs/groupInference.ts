import { inferredGroupKey } from './indexBuilder';
import type { RolloutRecord } from './rollout';

/**
 * Numbers rollouts within groups for formats that log neither: GRPO writes a prompt's G completions
 * together at one step, so records sharing step + image/prompt are one group, in order.
 */
export class GroupNumbering {
  private readonly counts = new Map<string, number>();

  /** The record with `group` and `sample` filled in where they can be inferred (logged values win). */
  assign(r: RolloutRecord): RolloutRecord {
    if (r.group !== undefined) return r;
    const key = inferredGroupKey(r.step, r.image, r.query);
    if (key === undefined) return r;
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return { ...r, group: key, sample: r.sample ?? n };
  }
}
