/** What a CLI command's main() returned and printed. */
export interface CliRun {
  code: number;
  /** console.log lines, joined by newlines. */
  out: string;
  /** console.error lines, joined by newlines. */
  err: string;
}

/** Runs a CLI command's main(argv) with console.log and console.error captured, both restored even when it throws. */
export async function runCli(main: (argv: string[]) => Promise<number>, argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
