// One build script, one target per bundle (extension host, webview, CLI, workers) plus the test/bench transpile.
import * as esbuild from 'esbuild';
import { readdirSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const nodeExternals = ['vscode', 'onnxruntime-node', 'sharp'];

/** Shared defaults for one bundle. */
function bundle(opts) {
  return {
    bundle: true,
    sourcemap: !production,
    minify: production,
    logLevel: 'warning',
    target: 'es2022',
    ...opts,
  };
}

const targets = [
  bundle({ entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  bundle({ entryPoints: ['src/host/segmentWorker.ts'], outfile: 'dist/segmentWorker.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  // Beside extension.js and cli.js, where parallelIndex.ts looks for it.
  bundle({ entryPoints: ['src/core/logs/indexWorker.ts'], outfile: 'dist/indexWorker.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  // Beside extension.js and cli.js, where searchRun.ts looks for it.
  bundle({ entryPoints: ['src/core/search/searchWorker.ts'], outfile: 'dist/searchWorker.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  // Beside cli.js and extension.js, where replayPool.ts looks for it.
  bundle({ entryPoints: ['src/core/rewards/replayWorker.ts'], outfile: 'dist/replayWorker.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  // Beside extension.js: "Evaluate Predictions…" runs the full metric set on it, off the extension host's thread.
  bundle({ entryPoints: ['src/core/metrics/evaluateWorker.ts'], outfile: 'dist/evaluateWorker.js', platform: 'node', format: 'cjs', external: nodeExternals }),
  bundle({ entryPoints: ['src/cli/cli.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', external: nodeExternals, banner: { js: '#!/usr/bin/env node' } }),
  bundle({ entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' }),
  bundle({ entryPoints: ['src/webview/main.css'], outfile: 'dist/webview.css', loader: { '.css': 'css' } }),
  bundle({ entryPoints: ['src/webview/traces.ts'], outfile: 'dist/traces.js', platform: 'browser', format: 'iife' }),
  bundle({ entryPoints: ['src/webview/traces.css'], outfile: 'dist/traces.css', loader: { '.css': 'css' } }),
  bundle({ entryPoints: ['src/webview/renderer.ts'], outfile: 'dist/renderer.js', platform: 'browser', format: 'esm' }),
  bundle({ entryPoints: ['src/webview/compare.ts'], outfile: 'dist/compare.js', platform: 'browser', format: 'iife' }),
  bundle({ entryPoints: ['src/webview/compare.css'], outfile: 'dist/compare.css', loader: { '.css': 'css' } }),
];

/** Every .ts file under the given roots, for the unbundled test/bench build. */
function tsFiles(dir, out = []) {
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * AssemblyScript kernels, each → <name>.wasm beside every bundle (dist/) and beside the unbundled module that loads
 * it (dist-test/src/core/…). No runtime: the kernels never allocate.
 * recordScanner: the rollout index's record scan, with SIMD. weightedFmeasure: the metric's feature transform.
 */
const wasmKernels = [
  { name: 'recordScanner', flags: ['--enable', 'simd'], testDir: 'dist-test/src/core/logs' },
  { name: 'weightedFmeasure', flags: [], testDir: 'dist-test/src/core/metrics' },
];

async function buildWasm() {
  const { default: asc } = await import('assemblyscript/asc');
  const { mkdirSync, copyFileSync } = await import('node:fs');
  mkdirSync('dist', { recursive: true });
  for (const k of wasmKernels) {
    const out = `dist/${k.name}.wasm`;
    const { error, stderr } = await asc.main([`src/asm/${k.name}.ts`, '-O3', '--runtime', 'stub', '--noAssert', ...k.flags, '--outFile', out]);
    if (error) throw new Error(`asc ${k.name}: ${error.message}\n${stderr.toString()}`);
    mkdirSync(k.testDir, { recursive: true });
    copyFileSync(out, join(k.testDir, `${k.name}.wasm`));
  }
}

async function main() {
  const { existsSync } = await import('node:fs');
  const present = targets.filter((t) => t.entryPoints.every((e) => existsSync(e)));
  // Tests and benchmarks import src/core and src/shared file-by-file, so they run against the same code the bundles contain.
  // Only a clean build drops stale test files; plain rebuilds must not pull files from under running tests.
  if (process.argv.includes('--clean')) rmSync('dist-test', { recursive: true, force: true });
  const testTarget = {
    entryPoints: [...tsFiles('src/core'), ...tsFiles('src/shared'), 'src/webview/rolloutModel.ts', 'src/webview/tracesClient.ts', ...tsFiles('src/cli'), ...tsFiles('src/extension'), ...tsFiles('src/host'), ...tsFiles('test/unit'), ...tsFiles('test/e2e'), ...tsFiles('bench')],
    outdir: 'dist-test', outbase: '.', platform: 'node', format: 'cjs', target: 'es2022', sourcemap: true, logLevel: 'warning',
  };
  const all = [...present, testTarget];
  if (watch) {
    await buildWasm();
    for (const t of all) (await esbuild.context(t)).watch();
  } else {
    // Build every target even when one fails, so a broken bundle never hides the others' results.
    const results = await Promise.allSettled([...all.map((t) => esbuild.build(t)), buildWasm()]);
    const failed = results.filter((r) => r.status === 'rejected');
    if (failed.length) {
      for (const f of failed) if (!f.reason?.errors) console.error(f.reason);
      console.error(`esbuild: ${failed.length} of ${all.length + 1} targets failed`);
      process.exitCode = 1;
    }
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
