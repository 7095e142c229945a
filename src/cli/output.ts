import { escapeControls } from '../shared/terminalText';

/**
 * Every line the CLI prints goes through here: a log's values (paths, messages, completions) may hold
 * terminal escape sequences, which are shown escaped instead of acted on.
 */

/** Print to stdout, control characters escaped (newlines and tabs kept). */
export function out(text: string): void {
  console.log(escapeControls(text, true));
}

/** Print to stderr, control characters escaped (newlines and tabs kept). */
export function err(text: string): void {
  console.error(escapeControls(text, true));
}
