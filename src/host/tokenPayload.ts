import { readTokens, TOKEN_FIELDS_HINT } from '../core/tokens/readTokens';
import type { TokenPayload } from '../shared/protocol';

/**
 * The token view's data for a logged record. `editedCompletion` is set when the panel shows the rollout with moved
 * prompts: the logged tokens wrote the logged text, not the edited one, so none are sent and the view says why.
 */
export function tokenPayload(logged: unknown, editedCompletion?: string): TokenPayload {
  const read = readTokens(logged);
  if (!read.tokens) return { notes: [...read.notes, TOKEN_FIELDS_HINT] };
  if (editedCompletion !== undefined) return { source: read.source, notes: ['The logged tokens wrote the logged completion; this view shows it with edited prompts. Revert to see the tokens.'] };
  return { tokens: read.tokens, source: read.source, notes: read.notes };
}
