/**
 * The attribution labels of a rollout (issue 17 item 2), by precedence. Defined here rather than imported from
 * core/attribution so signals and annotations do not depend on that module; the strings are the contract both share.
 */

/** Every attribution label, in precedence order. */
export const ATTRIBUTION_LABELS = ['format', 'segmenter', 'policy', 'reward', 'ok'] as const;

/** One rollout's primary attribution label. */
export type AttributionLabel = (typeof ATTRIBUTION_LABELS)[number];

/** Whether a value is one of the attribution labels. */
export function isAttributionLabel(v: unknown): v is AttributionLabel {
  return typeof v === 'string' && (ATTRIBUTION_LABELS as readonly string[]).includes(v);
}
