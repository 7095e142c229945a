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

/**
 * The opening every command shares: `--help`/`-h` prints the usage (exit 0); a usage error prints the reason and the
 * usage (exit 2); otherwise the parsed arguments. A number back is the exit code to return.
 */
export function argsOrExit<A>(command: string, argv: string[], usage: string, parse: (argv: string[]) => A | string): A | number {
  if (argv.includes('--help') || argv.includes('-h')) {
    out(usage);
    return 0;
  }
  const args = parse(argv);
  if (typeof args === 'string') {
    err(`segr1 ${command}: ${args}\n\n${usage}`);
    return 2;
  }
  return args;
}
