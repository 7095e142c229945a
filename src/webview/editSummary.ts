import type { PromptEditDto, ViewPayload } from '../shared/protocol';

/**
 * What the RE-SEGMENTED / EDITED badge stands for, as it happened: how many prompts moved (or none), and which
 * segmenter made the mask now on screen (or why there is none).
 */
export function editedTooltip(view: ViewPayload, edits: readonly PromptEditDto[]): string {
  const prompts = edits.length ? describeEdits(edits) : 'prompts as logged (none edited)';
  const made = view.noMask ? 'no mask: the training parser rejects this answer, so nothing was segmented' : view.mask ? `mask by ${view.mask.source}` : 'no mask: the segmenter made none';
  return `${edits.length ? 'Edited' : 'Re-segmented'}: ${prompts}; ${made}. Rewards are recomputed, not logged.`;
}

/** "2 moves, 1 point added" — what the user did, by kind, in the order kinds first occur. */
export function describeEdits(edits: readonly PromptEditDto[]): string {
  const names: Record<PromptEditDto['kind'], [string, string]> = {
    point: ['point moved', 'points moved'],
    box: ['box moved', 'boxes moved'],
    'add-point': ['point added', 'points added'],
    'remove-point': ['point removed', 'points removed'],
    'flip-point': ['label flipped', 'labels flipped'],
  };
  const counts = new Map<PromptEditDto['kind'], number>();
  for (const e of edits) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${names[k][n === 1 ? 0 : 1]}`).join(', ') + ' in the panel';
}
