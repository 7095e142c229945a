// Runs the extension-host suite (test/e2e/suite) in a real VS Code and reports each of its tests as a subtest.
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RESULTS_DIR, runExtensionHostSuite, sampleWorkspace } from './harness';
import type { SuiteOutcome } from './suite/runner';

test('extension-host suite (sample workspace)', { timeout: 300_000 }, async (t) => {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const results = join(RESULTS_DIR, 'extension-host-suite.json');
  const r = await runExtensionHostSuite({ name: 'extension-host', copyWorkspace: sampleWorkspace(), env: { SEGR1_SUITE_RESULTS: results } });
  const outcomes: SuiteOutcome[] = existsSync(results) ? JSON.parse(readFileSync(results, 'utf8')) : [];
  for (const o of outcomes) {
    await t.test(o.name, (st) => {
      if (o.status === 'skipped') st.skip(o.message);
      else if (o.status === 'failed') assert.fail(o.message ?? 'failed');
    });
  }
  assert.ok(outcomes.length > 0, `the suite reported no results (exit ${r.exitCode}); see test-results/extension-host/`);
  assert.equal(r.exitCode, 0, 'extension host exited non-zero');
});
