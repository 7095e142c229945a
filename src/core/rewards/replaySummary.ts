import { differs, type Compared } from './replay';

/**
 * What a replay under another reward set changes, in a few numbers: how many rewards move, by how much, and which
 * GRPO groups the replayed reward would rank differently from the logged one (the pairs whose order inverts: the
 * advantage, and so the policy update, would point the other way for them).
 */

/** One replayed rollout, as the summary needs it. */
export interface SummaryRollout {
  /** Its GRPO group (run, step and group id joined: groups of different runs never mix). */
  readonly group: string;
  /** Rollout name in the summary ("line 12"). */
  readonly name: string;
  readonly total: Compared;
}

/** Two rollouts of one group ranked one way by the logged total and the other way by the replayed total. */
export interface InvertedPair {
  readonly group: string;
  /** Ranked higher by the logged reward. */
  readonly loggedFirst: string;
  readonly replayedFirst: string;
}

/** The summary shown above the list. */
export interface ReplaySummary {
  readonly rewardSet: string;
  readonly rollouts: number;
  /** Rollouts with both a logged and a replayed total. */
  readonly compared: number;
  /** Compared rollouts whose total differs by more than the replay tolerance. */
  readonly changed: number;
  /** Largest |replayed − logged| total (0 when nothing was compared). */
  readonly maxAbsDelta: number;
  /** Groups with at least two compared rollouts (the ones a ranking can invert in). */
  readonly groups: number;
  readonly groupsInverted: number;
  readonly invertedPairs: number;
  /** The first inverted pairs, in group order (at most `examples`). */
  readonly examples: readonly InvertedPair[];
}

/** Order differences smaller than this are ties, as the replay's own tolerance treats them. */
const TIE = 1e-6;

/** Summarise one replay; `examples` bounds the inverted pairs listed (the counts are complete). */
export function summariseReplay(rewardSet: string, rollouts: readonly SummaryRollout[], examples = 5): ReplaySummary {
  let compared = 0;
  let changed = 0;
  let maxAbsDelta = 0;
  const byGroup = new Map<string, Array<{ name: string; logged: number; replayed: number }>>();
  for (const r of rollouts) {
    const { logged, replayed } = r.total;
    if (logged === null || replayed === null || !Number.isFinite(logged) || !Number.isFinite(replayed)) continue;
    compared++;
    if (differs(r.total)) changed++;
    maxAbsDelta = Math.max(maxAbsDelta, Math.abs(replayed - logged));
    let g = byGroup.get(r.group);
    if (!g) byGroup.set(r.group, (g = []));
    g.push({ name: r.name, logged, replayed });
  }
  let groups = 0;
  let groupsInverted = 0;
  let invertedPairs = 0;
  const listed: InvertedPair[] = [];
  for (const [group, members] of byGroup) {
    if (members.length < 2) continue;
    groups++;
    let any = false;
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = members[i]!;
        const b = members[j]!;
        const dl = a.logged - b.logged;
        const dr = a.replayed - b.replayed;
        // Strict on both sides: a tie that becomes an order is a change, not an inversion.
        if (!((dl > TIE && dr < -TIE) || (dl < -TIE && dr > TIE))) continue;
        invertedPairs++;
        any = true;
        if (listed.length < examples) listed.push(dl > 0 ? { group, loggedFirst: a.name, replayedFirst: b.name } : { group, loggedFirst: b.name, replayedFirst: a.name });
      }
    }
    if (any) groupsInverted++;
  }
  return { rewardSet, rollouts: rollouts.length, compared, changed, maxAbsDelta, groups, groupsInverted, invertedPairs, examples: listed };
}

/** The summary as one sentence (the list's status line and the e2e read it). */
export function describeReplaySummary(s: ReplaySummary): string {
  if (!s.compared) return `${s.rewardSet}: no rollout has both a logged and a replayed total (${s.rollouts} replayed): nothing to compare.`;
  const changed = s.changed
    ? `${s.changed} of ${s.compared} compared totals change (largest |Δ| ${s.maxAbsDelta.toPrecision(3)})`
    : `none of ${s.compared} compared totals change (|Δ| ≤ 1e-6): the log replays exactly`;
  const inv = s.invertedPairs
    ? `rankings invert in ${s.groupsInverted} of ${s.groups} groups (${s.invertedPairs} pair${s.invertedPairs === 1 ? '' : 's'}), e.g. ${s.examples.map((e) => `${e.group}: ${e.replayedFirst} above ${e.loggedFirst}`).join('; ')}`
    : `no ranking inverts within ${s.groups} group${s.groups === 1 ? '' : 's'}`;
  const missing = s.rollouts - s.compared;
  return `${s.rewardSet}: ${changed}; ${inv}.${missing ? ` ${missing} rollout${missing === 1 ? '' : 's'} not compared (no logged or replayed total).` : ''}`;
}
