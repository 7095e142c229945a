// A tiny test registry for the extension-host suite: no mocha in the extension host, and the same files run under
// code-server and @vscode/test-electron alike.
import { writeFileSync } from 'node:fs';

/** One registered extension-host test. */
export interface SuiteTest {
  /** Shown in the results. */
  readonly name: string;
  /** Rejects or throws to fail. */
  readonly fn: () => unknown;
  /** Fails the test when it runs longer; default 30 s. */
  readonly timeoutMs: number;
}

/** Outcome of one test. */
export interface SuiteOutcome {
  /** The test's name. */
  readonly name: string;
  /** passed, failed or skipped (a test skips itself by throwing skip()). */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Wall time in ms. */
  readonly ms: number;
  /** Failure message or skip reason. */
  readonly message?: string;
}

const registry: SuiteTest[] = [];

/** Registers a test; files named *.suite.ts call this at load time. */
export function test(name: string, fn: () => unknown, timeoutMs = 30_000): void {
  registry.push({ name, fn, timeoutMs });
}

/** Thrown by a test that does not apply in this run (e.g. no sample workspace open). */
export class Skip extends Error {}

/** Marks the running test as skipped with a reason. */
export function skip(reason: string): never {
  throw new Skip(reason);
}

/** Runs every registered test in order, logs one line each, and writes a JSON report when SEGR1_SUITE_RESULTS is set. */
export async function runRegistered(log: (line: string) => void = console.log): Promise<SuiteOutcome[]> {
  const outcomes: SuiteOutcome[] = [];
  for (const t of registry) {
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(t.fn),
        new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`timed out after ${t.timeoutMs} ms`)), t.timeoutMs))),
      ]);
      outcomes.push({ name: t.name, status: 'passed', ms: Date.now() - t0 });
    } catch (e) {
      const skipped = e instanceof Skip;
      const message = skipped ? e.message : e instanceof Error ? (e.stack ?? e.message) : String(e);
      outcomes.push({ name: t.name, status: skipped ? 'skipped' : 'failed', ms: Date.now() - t0, message });
    } finally {
      clearTimeout(timer);
    }
    const o = outcomes[outcomes.length - 1]!;
    const mark = o.status === 'passed' ? '✔' : o.status === 'skipped' ? '﹣' : '✖';
    log(`[segr1-suite] ${mark} ${o.name} (${o.ms} ms)${o.message ? `\n${o.message}` : ''}`);
  }
  const out = process.env.SEGR1_SUITE_RESULTS;
  if (out) writeFileSync(out, JSON.stringify(outcomes, null, 2));
  return outcomes;
}
