// `npm run package`: production build, then a linux-x64 VSIX carrying the native deps for that platform only
// (.vscodeignore is a whitelist). Checks the archive's contents and prints its size and the time taken.
// Usage: node scripts/package.mjs [--out file.vsix] [--keep-production-build]
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './codeServer.mjs';

const TARGET = 'linux-x64';
const args = process.argv.slice(2);
const outArg = args.indexOf('--out');
const pkg = (await import(join(REPO_ROOT, 'package.json'), { with: { type: 'json' } })).default;
const out = outArg >= 0 ? resolve(/** @type {string} */ (args[outArg + 1])) : join(REPO_ROOT, `${pkg.name}-${pkg.version}-${TARGET}.vsix`);

/**
 * Runs a step in the repository root; exits with its status on failure.
 * @param {string} what
 * @param {string} cmd
 * @param {string[]} argv
 */
function step(what, cmd, argv) {
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    console.error(`package: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  console.log(`package: ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const t0 = Date.now();
try {
  step('production build', process.execPath, ['esbuild.mjs', '--production']);
  const vsce = [
    join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
    'package',
    '--target', TARGET,
    '--out', out,
    // Relative README links (screenshot, models/README.md) stay relative: there is no public repository URL to point at.
    '--no-rewrite-relative-links',
    ...(pkg.repository ? [] : ['--allow-missing-repository']),
    ...(existsSync(join(REPO_ROOT, 'LICENSE')) || existsSync(join(REPO_ROOT, 'LICENSE.md')) ? [] : ['--skip-license']),
  ];
  step(`vsce package --target ${TARGET}`, process.execPath, vsce);
} finally {
  // Others work against the development build (source maps, unminified); put it back unless asked not to.
  if (!args.includes('--keep-production-build')) step('development build restored', process.execPath, ['esbuild.mjs']);
}

// The archive must hold this platform's native binaries and no other platform's.
const list = spawnSync('unzip', ['-Z1', out], { encoding: 'utf8', maxBuffer: 64 << 20 });
if (list.status !== 0) {
  console.error(`package: cannot list ${out}: ${list.stderr}`);
  process.exit(1);
}
const entries = list.stdout.split('\n').filter(Boolean);
const required = [
  'extension/package.json',
  'extension/dist/extension.js',
  'extension/dist/webview.js',
  'extension/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
  'extension/node_modules/onnxruntime-common/package.json',
  'extension/node_modules/sharp/dist/index.cjs',
  'extension/node_modules/@img/sharp-linux-x64/package.json',
  'extension/node_modules/@img/sharp-libvips-linux-x64/package.json',
];
const missing = required.filter((e) => !entries.includes(e));
const foreign = entries.filter((e) => /napi-v6\/(darwin|win32|linux\/arm64)\/|@img\/sharp-(?!linux-x64|libvips-linux-x64)[^/]*-/.test(e) || /\.map$|\/src\/.*\.ts$/.test(e));
if (missing.length || foreign.length) {
  if (missing.length) console.error(`package: missing from the VSIX:\n  ${missing.join('\n  ')}`);
  if (foreign.length) console.error(`package: should not be in the VSIX:\n  ${foreign.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
const mb = (statSync(out).size / 1e6).toFixed(1);
console.log(`package: ${out} — ${mb} MB, ${entries.length} files, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
