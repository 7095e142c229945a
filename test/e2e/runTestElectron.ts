// The same extension-host suite under @vscode/test-electron, for machines that have a desktop VS Code build.
// This machine cannot download one, so it runs only with SEGR1_VSCODE_EXECUTABLE (or VSCODE_EXECUTABLE_PATH) set;
// otherwise it says so and exits 0. Usage: node dist-test/test/e2e/runTestElectron.js [workspace]
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT, SUITE_INDEX } from './harness';

/** Runs the suite in the given VS Code executable; resolves with its exit code. */
export async function runUnderElectron(vscodeExecutablePath: string, workspace?: string): Promise<number> {
  const userData = mkdtempSync(join(tmpdir(), 'segr1-electron-'));
  return runTests({
    vscodeExecutablePath,
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: SUITE_INDEX,
    extensionTestsEnv: { SEGR1_SUITE_RESULTS: join(userData, 'suite-results.json') },
    launchArgs: [
      ...(workspace ? [resolve(workspace)] : []),
      '--disable-extensions',
      '--disable-workspace-trust',
      '--user-data-dir', join(userData, 'user-data'),
      '--extensions-dir', join(userData, 'extensions'),
    ],
  });
}

if (require.main === module) {
  const exe = process.env.SEGR1_VSCODE_EXECUTABLE ?? process.env.VSCODE_EXECUTABLE_PATH;
  if (!exe || !existsSync(exe)) {
    console.log('runTestElectron: skipped — set SEGR1_VSCODE_EXECUTABLE to a desktop VS Code build (none can be downloaded here); `npm run test:e2e` runs the same suite in code-server.');
    process.exit(0);
  }
  runUnderElectron(exe, process.argv[2]).then(
    (code) => process.exit(code),
    (e) => {
      console.error('runTestElectron failed:', e);
      process.exit(1);
    },
  );
}
