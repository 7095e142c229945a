// End-to-end tests in a real VS Code: every dist-test/test/e2e/*.e2e.js (node:test files using test/e2e/harness),
// one file at a time since each starts its own code-server + Chromium (≈1.6 GB). Prints `N passed, N failed, N skipped`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureCodeServer, REPO_ROOT } from './codeServer.mjs';

const CHROMIUM = process.env.SEGR1_CHROMIUM ?? '/usr/bin/chromium';
const E2E_DIR = join(REPO_ROOT, 'dist-test', 'test', 'e2e');
const RESULTS = join(REPO_ROOT, 'test-results');
// Optional filters: `node scripts/e2e.mjs smoke badInput` runs only files whose name contains "smoke" or "badInput".
const filters = process.argv.slice(2);
const filter = filters.join("' or '");

process.chdir(REPO_ROOT);
if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js')) || !existsSync(join(E2E_DIR, 'harness.js'))) {
  const b = spawnSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`e2e: ${CHROMIUM} not found (apt-get install -y chromium, or set SEGR1_CHROMIUM)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
ensureCodeServer();

// Each test clears its own test-results/<name>/ (others may be running e2e tests in this working tree); the TAP file is ours.
mkdirSync(RESULTS, { recursive: true });

const files = readdirSync(E2E_DIR)
  .filter((f) => f.endsWith('.e2e.js') && (!filters.length || filters.some((s) => f.includes(s))))
  .sort()
  .map((f) => join(E2E_DIR, f));
if (!files.length) {
  console.error(`e2e: no *.e2e.js in ${E2E_DIR}${filter ? ` matching '${filter}'` : ''}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const tap = join(RESULTS, `e2e-${process.pid}.tap`);
const t0 = Date.now();
const r = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files],
  { stdio: 'inherit', env: { ...process.env, SEGR1_E2E: '1' } },
);

// Count leaf tests from the TAP stream: a test with subtests (the extension-host suite) counts as its subtests,
// plus one failure of its own only when it failed with every subtest passing (e.g. the host exited non-zero).
const counts = { passed: 0, failed: 0, skipped: 0 };
if (existsSync(tap)) {
  /** @type {{ indent: number, ok: boolean, skip: boolean }[]} */
  const results = [];
  for (const line of readFileSync(tap, 'utf8').split('\n')) {
    const m = /^(\s*)(ok|not ok) \d+ - (.*)$/.exec(line);
    if (m) results.push({ indent: (m[1] ?? '').length, ok: m[2] === 'ok', skip: /# SKIP/i.test(m[3] ?? '') });
  }
  // In TAP a parent's result line comes after its subtests' lines, which are indented deeper.
  results.forEach((res, i) => {
    let childFailed = false;
    let children = 0;
    for (const child of results.slice(0, i).reverse()) {
      if (child.indent <= res.indent) break;
      children++;
      if (!child.ok) childFailed = true;
    }
    if (children) {
      if (!res.ok && !childFailed) counts.failed++;
    } else if (res.skip) counts.skipped++;
    else if (res.ok) counts.passed++;
    else counts.failed++;
  });
}
rmSync(tap, { force: true });
if (r.status !== 0 && counts.failed === 0) counts.failed = 1; // the runner itself failed (crash, timeout before any result)
console.log(`\ne2e: ${files.length} files in ${((Date.now() - t0) / 1000).toFixed(1)} s; artefacts in test-results/`);
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
process.exit(r.status === 0 && counts.failed === 0 ? 0 : 1);
