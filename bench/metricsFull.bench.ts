// Full metric set (`segr1 metrics --all`: every key the registry holds) vs PySODMetrics computing the same set on the
// same PNG files, one thread, in the same run. The paper set's figure stays in bench/metrics.bench.ts.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMaskGray } from '../src/core/image/grayscale';
import type { GrayImage } from '../src/core/image/types';
import type { PairJob } from '../src/core/metrics/dataset';
import { FullSet } from '../src/core/metrics/fullSet';
import { DATA, ensureSet, pysodPath, type PySodLocation } from './lib/metricsData';
import { report } from './lib/report';

/** Best of this many runs on both sides (a shared machine only adds time). */
const REPEATS = Number(process.env.SEGR1_BENCH_REPEATS ?? 3);
/** The Python that runs the anchor: it needs scikit-image for the size-invariant metrics. */
const PYTHON = process.env.PYSOD_PYTHON ?? 'python3';

interface PySodFull { pairs: number; metrics_s: number; metrics_cpu_s: number; values: Record<string, number> }

function runPySod(jobs: PairJob[], name: string, path: string, keys: readonly string[]): PySodFull | string {
  const list = join(DATA, `${name}.full.pairs.txt`);
  const keyFile = join(DATA, `${name}.full.keys.txt`);
  writeFileSync(list, jobs.map((j) => `${j.predPath}\t${j.gtPath}`).join('\n') + '\n');
  writeFileSync(keyFile, keys.join('\n') + '\n');
  const r = spawnSync(PYTHON, [resolve('bench/lib/pysod_full_bench.py'), list, keyFile, String(REPEATS)], {
    encoding: 'utf8',
    env: { ...process.env, PYSOD_PATH: path, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' },
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) return `${PYTHON} failed (set PYSOD_PYTHON to a Python with numpy, opencv, scikit-image): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as PySodFull;
}

async function benchFull(name: string, w: number, h: number, count: number, pysod: PySodLocation): Promise<void> {
  const jobs = await ensureSet(name, w, h, count);
  const data: Array<{ stem: string; pred: GrayImage; gt: GrayImage }> = [];
  for (const j of jobs) data.push({ stem: j.stem, pred: await loadMaskGray(j.predPath), gt: await loadMaskGray(j.gtPath) });
  const warm = new FullSet();
  for (const d of data.slice(0, 10)) warm.step(d.stem, d.pred, d.gt);
  let ms = Infinity;
  let cpuMs = Infinity;
  let ours: Record<string, number> = {};
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const set = new FullSet();
    for (const d of data) set.step(d.stem, d.pred, d.gt);
    ours = set.results().values;
    const cpu = process.cpuUsage(c0);
    ms = Math.min(ms, performance.now() - t0);
    cpuMs = Math.min(cpuMs, (cpu.user + cpu.system) / 1000);
  }
  const keys = warm.keys;
  console.log(`${name} full set (${keys.length} keys): ours ${(ms / count).toFixed(2)} ms/pair (${(cpuMs / count).toFixed(2)} CPU-ms)`);
  const py = 'path' in pysod ? runPySod(jobs, name, pysod.path, keys) : pysod.missing;
  const anchor = `PySODMetrics 1.6.2 computing the same ${keys.length}-key set (test_metrics.py classes), same files, one thread`;
  if (typeof py === 'string') console.log(`${name}: PySODMetrics anchor unavailable: ${py}; reporting our throughput only`);
  else {
    console.log(`${name} full set: PySOD ${((py.metrics_s * 1000) / count).toFixed(2)} ms/pair (${((py.metrics_cpu_s * 1000) / count).toFixed(2)} CPU-ms)`);
    // Same files, same numbers: a ratio between different results would be meaningless.
    for (const [k, v] of Object.entries(py.values)) {
      if (!(Math.abs(ours[k]! - v) <= 1e-6)) throw new Error(`${name}: ${k} differs from PySODMetrics: ${ours[k]} vs ${v}`);
    }
  }
  const rate = count / (ms / 1000);
  const cpuRate = count / (cpuMs / 1000);
  const pyRate = typeof py === 'string' ? NaN : count / py.metrics_s;
  const pyCpuRate = typeof py === 'string' ? NaN : count / py.metrics_cpu_s;
  report({ name: `metrics full set ${name} single-thread (compute only, CPU time)`, value: cpuRate, unit: 'pairs/CPU-s', anchor, anchorValue: pyCpuRate, ratio: cpuRate / pyCpuRate, target: 'ratio >= 5' });
  report({ name: `metrics full set ${name} single-thread (compute only)`, value: rate, unit: 'pairs/s', anchor, anchorValue: pyRate, ratio: rate / pyRate, target: 'ratio >= 5' });
}

async function main(): Promise<void> {
  const pysod = pysodPath();
  if ('missing' in pysod) console.log(`PySODMetrics anchor unavailable: ${pysod.missing}; the figures are reported without it`);
  await benchFull('352x352', 352, 352, 200, pysod);
  await benchFull('1024x768', 1024, 768, 30, pysod);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
