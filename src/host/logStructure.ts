import type { RolloutIndex } from '../core/logs/jsonlIndex';
import { groupAdvantages } from '../core/rewards/advantages';

/** One GRPO group of a log: its rollouts in log order. */
export interface GroupInfo {
  /** Position in `LogStructure.groups`. */
  readonly ordinal: number;
  readonly key: string;
  readonly step: number;
  readonly members: readonly number[];
}

/**
 * Steps → groups → rollouts of an indexed log, derived once from the index's typed arrays. Pure (no
 * vscode), so tree, panel navigation and tests share it.
 */
export class LogStructure {
  readonly groups: readonly GroupInfo[];
  /** Steps in ascending order (NaN steps sort last, shown as "no step"). */
  readonly steps: readonly number[];
  private readonly groupOfRecord: Int32Array;
  private readonly groupsByStep = new Map<number, GroupInfo[]>();

  constructor(readonly index: RolloutIndex) {
    const byKey = new Map<string, { step: number; members: number[] }>();
    const order: string[] = [];
    for (let i = 0; i < index.count; i++) {
      const g = index.group[i]!;
      const step = index.step[i]!;
      // Records without a group each form their own group so navigation still works.
      const key = g >= 0 ? index.groups[g]! : `#${index.line[i]}`;
      let e = byKey.get(key);
      if (!e) {
        e = { step, members: [] };
        byKey.set(key, e);
        order.push(key);
      }
      e.members.push(i);
    }
    this.groupOfRecord = new Int32Array(index.count);
    const groups: GroupInfo[] = [];
    for (const key of order) {
      const e = byKey.get(key)!;
      const info: GroupInfo = { ordinal: groups.length, key, step: e.step, members: e.members };
      groups.push(info);
      for (const m of e.members) this.groupOfRecord[m] = info.ordinal;
      const stepKey = Number.isNaN(e.step) ? Number.POSITIVE_INFINITY : e.step;
      const list = this.groupsByStep.get(stepKey) ?? [];
      list.push(info);
      this.groupsByStep.set(stepKey, list);
    }
    this.groups = groups;
    this.steps = [...this.groupsByStep.keys()].sort((a, b) => a - b);
  }

  /** Groups of one step (Infinity = records without a step). */
  groupsOfStep(step: number): readonly GroupInfo[] {
    return this.groupsByStep.get(step) ?? [];
  }

  /** The group a record belongs to. */
  groupOf(record: number): GroupInfo {
    return this.groups[this.groupOfRecord[record]!]!;
  }

  /** Mean and std of the logged rewards of a group as the trainer computes them (NaN rewards skipped). */
  rewardStats(g: GroupInfo): { mean: number; std: number; n: number; zeroVariance: boolean } {
    const v = g.members.map((m) => this.index.reward[m]!).filter((r) => !Number.isNaN(r));
    if (!v.length) return { mean: Number.NaN, std: Number.NaN, n: 0, zeroVariance: false };
    const a = groupAdvantages(v);
    return { mean: a.mean, std: v.length > 1 ? a.std : 0, n: v.length, zeroVariance: v.length > 1 && a.zeroVariance };
  }

  /** Record index `delta` rollouts away in log order (clamped). */
  stepRollout(record: number, delta: number): number {
    return Math.min(this.index.count - 1, Math.max(0, record + delta));
  }

  /** First rollout of the group `delta` groups away (clamped). */
  stepGroup(record: number, delta: number): number {
    const g = this.groups[Math.min(this.groups.length - 1, Math.max(0, this.groupOfRecord[record]! + delta))]!;
    return g.members[0]!;
  }
}
