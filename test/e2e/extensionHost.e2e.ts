// Runs the extension-host suite (test/e2e/suite) in a real VS Code and reports each of its tests as a subtest.
import { test } from 'node:test';
import { reportSuite, runExtensionHostSuite, sampleWorkspace } from './harness';

test('extension-host suite (sample workspace)', { timeout: 300_000 }, async (t) => {
  await reportSuite(t, await runExtensionHostSuite({ name: 'extension-host', copyWorkspace: sampleWorkspace() }));
});
