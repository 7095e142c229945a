// `npm test`: build, type-check, run the unit tests (node:test on src/core), then the end-to-end tests in a real VS Code.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv[2]; // optional: 'unit' or 'e2e'

/**
 * Runs one stage with its output inherited; returns its exit status.
 * @param {string} name
 * @param {string} cmd
 * @param {string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 */
function step(name, cmd, args, opts = {}) {
  const t0 = Date.now();
  console.log(`\n── ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  console.log(`── ${name}: exit ${r.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return r.status ?? 1;
}

/**
 * Every file under dir whose name ends with suffix, sorted.
 * @param {string} dir
 * @param {string} suffix
 * @param {string[]} [out]
 * @returns {string[]}
 */
function find(dir, suffix, out = []) {
  if (!existsSync(dir)) return out;
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) find(p, suffix, out);
    else if (p.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

let failed = 0;
if (step('build', process.execPath, ['esbuild.mjs', '--clean']) !== 0) process.exit(1);
if (step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.core.json']) !== 0) failed++;
if (step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']) !== 0) failed++;
if (step('typecheck', 'npx', ['tsc', '-p', 'src/webview/tsconfig.json']) !== 0) failed++;
if (step('typecheck', 'npx', ['tsc', '-p', 'scripts/tsconfig.json']) !== 0) failed++;
if (step('lint', 'npx', ['eslint', '.']) !== 0) failed++;
if (!only || only === 'unit') {
  const files = find('dist-test/test/unit', '.test.js');
  if (step('unit', process.execPath, ['--test', '--test-concurrency=2', ...files]) !== 0) failed++;
}
if ((!only || only === 'e2e') && existsSync('scripts/e2e.mjs')) {
  if (step('e2e', process.execPath, ['scripts/e2e.mjs']) !== 0) failed++;
}
if (failed) {
  console.error(`\n${failed} test stage(s) failed`);
  process.exit(1);
}
