import { findAnnotated } from '../annotations/resolve';
import type { AnnotationEntry, AnnotationStore } from '../annotations/types';
import type { RolloutIndex } from '../logs/indexBuilder';
import type { AttributionLabel } from './labels';

/**
 * Label overrides (issue 17 item 6) joined with a log's index: which records the user relabelled, and the label each
 * record shows (the override where there is one, else the computed label).
 */

/** The label overrides of one log, by record index of its index. `log` is the log's key path (see logKeyPath). */
export function labelOverrides(store: AnnotationStore, index: RolloutIndex, log: string): Map<number, AttributionLabel> {
  const out = new Map<number, AttributionLabel>();
  for (const entry of store.entries.values()) {
    if (entry.label === undefined || entry.key.log !== log) continue;
    for (const i of findAnnotated(index, log, entry.key)) out.set(i, entry.label);
  }
  return out;
}

/** A record's shown label: the override (flagged as such when it differs from the computed one), else the computed label. */
export function effectiveLabel(computed: AttributionLabel | undefined, override: AttributionLabel | undefined): { label: AttributionLabel; overridden: boolean } | undefined {
  if (override !== undefined) return { label: override, overridden: override !== computed };
  return computed === undefined ? undefined : { label: computed, overridden: false };
}

/** The Runs tree's suffix for an annotated rollout (`✎ note · label → reward · 2 prompts`); undefined when there is nothing. */
export function annotationMarks(a: Pick<AnnotationEntry, 'note' | 'label' | 'counterfactuals'>): string | undefined {
  const parts: string[] = [];
  if (a.note !== undefined) parts.push('note');
  if (a.label !== undefined) parts.push(`label → ${a.label}`);
  const n = a.counterfactuals.length;
  if (n) parts.push(`${n} prompt${n === 1 ? '' : 's'}`);
  return parts.length ? `✎ ${parts.join(' · ')}` : undefined;
}
