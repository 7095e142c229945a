/**
 * Attribution labels: why a rollout failed, decided from numbers alone (pure; the panel, the CLI and a worker
 * share it). Precedence: format → segmenter → policy → reward → ok. The primary label is the first that holds;
 * `flags` lists every one that holds, in the same order.
 */

/** A primary attribution label. */
export type AttributionLabel = 'format' | 'segmenter' | 'policy' | 'reward' | 'ok';

/** Labels in precedence order (`ok` last: none of the others holds). */
export const ATTRIBUTION_LABELS: readonly AttributionLabel[] = ['format', 'segmenter', 'policy', 'reward', 'ok'];

/** Thresholds of the labels (settings `segr1.attribution.*`, CLI flags). */
export interface AttributionThresholds {
  /** `segmenter` when the image's oracle IoU is below this (default 0.5). */
  readonly tauSeg: number;
  /** `policy` when the rollout's IoU is below oracle IoU − delta (default 0.2). */
  readonly delta: number;
  /** `reward`: the rollout's total exceeds a groupmate's by at least this… (default 0.05) */
  readonly rewardMargin: number;
  /** …while its IoU is lower by at least this (default 0.1). */
  readonly iouMargin: number;
}

/** The documented defaults. */
export const DEFAULT_THRESHOLDS: AttributionThresholds = { tauSeg: 0.5, delta: 0.2, rewardMargin: 0.05, iouMargin: 0.1 };

/**
 * Slack on every threshold comparison, so that a difference that is the threshold in decimal (0.3 − 0.2 = 0.0999…)
 * counts as reaching it; far below any difference the labels are meant to tell apart.
 */
export const THRESHOLD_EPSILON = 1e-9;

/** What the labels are decided from, for one rollout. Null = unknown (e.g. no GT, empty GT, no total). */
export interface RolloutNumbers {
  /** The reward set's format component; null when the set has none. */
  readonly format: number | null;
  /** False when no prompt could be parsed from the answer. */
  readonly parsed: boolean;
  /** IoU of the rollout's mask (logged, else the segmenter's) with the GT. */
  readonly iou: number | null;
  /** Oracle IoU of the rollout's image (best of the three prompt sets); null when there is no oracle. */
  readonly oracleIou: number | null;
  /** Total reward: logged when the log has one, else replayed. */
  readonly total: number | null;
}

/** A groupmate's numbers the `reward` check compares with. */
export interface Groupmate {
  /** Where it is, for the explanation (e.g. the log line). */
  readonly line: number;
  readonly iou: number | null;
  readonly total: number | null;
}

/** One rollout's attribution. */
export interface Attribution {
  readonly label: AttributionLabel;
  /** Every label that holds, in precedence order (never `ok`). */
  readonly flags: readonly Exclude<AttributionLabel, 'ok'>[];
  /** Why the primary label holds, with the numbers that decided it (tooltip text). */
  readonly explanation: string;
  /** Why each flag holds. */
  readonly reasons: Readonly<Partial<Record<AttributionLabel, string>>>;
}

function f3(v: number): string {
  return v.toFixed(3);
}

/** Label one rollout given its numbers and its groupmates' (the rollout itself may be among them; it is skipped by line). */
export function attributeRollout(line: number, r: RolloutNumbers, groupmates: readonly Groupmate[], t: AttributionThresholds = DEFAULT_THRESHOLDS): Attribution {
  const reasons: Partial<Record<AttributionLabel, string>> = {};
  if (r.format === 0) reasons.format = 'format component = 0';
  else if (!r.parsed) reasons.format = 'no prompt could be parsed from the answer';
  if (r.oracleIou !== null && r.oracleIou < t.tauSeg - THRESHOLD_EPSILON) {
    reasons.segmenter = `oracle IoU ${f3(r.oracleIou)} < τ_seg ${f3(t.tauSeg)}: even ideal prompts fail on this image`;
  }
  if (r.iou !== null && r.oracleIou !== null && r.iou < r.oracleIou - t.delta - THRESHOLD_EPSILON) {
    reasons.policy = `IoU ${f3(r.iou)} < oracle IoU ${f3(r.oracleIou)} − δ ${f3(t.delta)}: the prompts are the problem`;
  }
  const inversion = rewardInversion(line, r, groupmates, t);
  if (inversion) {
    reasons.reward = `total ${f3(r.total!)} exceeds line ${inversion.line}'s ${f3(inversion.total!)} by ${f3(r.total! - inversion.total!)} (≥ ${f3(t.rewardMargin)}) while its IoU ${f3(r.iou!)} is lower than ${f3(inversion.iou!)} by ${f3(inversion.iou! - r.iou!)} (≥ ${f3(t.iouMargin)})`;
  }
  const flags = ATTRIBUTION_LABELS.filter((l): l is Exclude<AttributionLabel, 'ok'> => l !== 'ok' && reasons[l] !== undefined);
  const label = flags[0] ?? 'ok';
  const explanation = label === 'ok' ? okExplanation(r, t) : reasons[label]!;
  return { label, flags, explanation, reasons };
}

/**
 * The groupmate this rollout is inverted against: its total exceeds the mate's by ≥ rewardMargin while its IoU is
 * lower by ≥ iouMargin. Of several, the one with the largest IoU gap (then the earliest line), so the explanation
 * names the worst inversion.
 */
export function rewardInversion(line: number, r: RolloutNumbers, groupmates: readonly Groupmate[], t: AttributionThresholds = DEFAULT_THRESHOLDS): Groupmate | undefined {
  if (r.total === null || r.iou === null || !Number.isFinite(r.total) || Number.isNaN(r.iou)) return undefined;
  let worst: Groupmate | undefined;
  for (const m of groupmates) {
    if (m.line === line || m.total === null || m.iou === null || !Number.isFinite(m.total) || Number.isNaN(m.iou)) continue;
    if (r.total - m.total < t.rewardMargin - THRESHOLD_EPSILON) continue;
    if (m.iou - r.iou < t.iouMargin - THRESHOLD_EPSILON) continue;
    if (!worst || m.iou > worst.iou!) worst = m;
  }
  return worst;
}

function okExplanation(r: RolloutNumbers, t: AttributionThresholds): string {
  const parts = [`format ${r.format === null ? '—' : f3(r.format)}`];
  parts.push(r.oracleIou === null ? 'no oracle (empty or missing GT)' : `oracle IoU ${f3(r.oracleIou)} ≥ τ_seg ${f3(t.tauSeg)}`);
  if (r.iou === null) parts.push('IoU unknown');
  else if (r.oracleIou !== null) parts.push(`IoU ${f3(r.iou)} ≥ oracle − δ ${f3(r.oracleIou - t.delta)}`);
  else parts.push(`IoU ${f3(r.iou)}`);
  parts.push('no ranking inversion in its group');
  return parts.join('; ');
}

/** Counts per label, every label present (zeros included), in precedence order. */
export function countLabels(labels: Iterable<AttributionLabel>): Record<AttributionLabel, number> {
  const out: Record<AttributionLabel, number> = { format: 0, segmenter: 0, policy: 0, reward: 0, ok: 0 };
  for (const l of labels) out[l]++;
  return out;
}
