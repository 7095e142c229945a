// Extension-host suite entry (extensionTestsPath): loads every *.suite.js beside it and runs them in the real extension host.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runRegistered } from './runner';

/** Called by VS Code's extension test runner; rejecting makes the host exit non-zero. */
export async function run(): Promise<void> {
  for (const f of readdirSync(__dirname).filter((n) => n.endsWith('.suite.js')).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(__dirname, f));
  }
  const outcomes = await runRegistered();
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  console.log(`[segr1-suite] done: ${passed} of ${outcomes.length} passed, ${failed} failing`);
  if (failed) throw new Error(`${failed} extension-host test(s) failed`);
}
