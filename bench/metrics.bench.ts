// Metrics throughput: our full metric set vs PySODMetrics 1.6.2 on the same PNG files, plus 2-worker scaling.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadMaskGray } from '../src/core/image/grayscale';
import type { GrayImage } from '../src/core/image/types';
import { scorePairs, aggregate, type PairJob } from '../src/core/metrics/dataset';
import { imageMetrics, MetricSuite } from '../src/core/metrics/suite';
import { report } from './lib/report';
import { DATA, ensureSet, pysodPath, type PySodLocation } from './lib/metricsData';

const ANCHOR = 'PySODMetrics 1.6.2 (Sm, wFm, MAE, Em, Fm), same files, one thread';
/** Each timing is the best of this many runs on both sides: the machine is shared, and contention only adds time. */
const REPEATS = Number(process.env.SEGR1_BENCH_REPEATS ?? 3);

interface PySodTiming { pairs: number; decode_s: number; metrics_s: number; metrics_cpu_s: number; sm: number; wfm: number; mae: number; maxEm: number; maxFm: number }

function runPySod(jobs: PairJob[], name: string, path: string): PySodTiming | string {
  const list = join(DATA, `${name}.pairs.txt`);
  writeFileSync(list, jobs.map((j) => `${j.predPath}\t${j.gtPath}`).join('\n') + '\n');
  const r = spawnSync(process.env.PYSOD_PYTHON ?? 'python3', [resolve('bench/lib/pysod_bench.py'), list, String(REPEATS)], { encoding: 'utf8', env: { ...process.env, PYSOD_PATH: path, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 1 << 20 });
  if (r.status !== 0) return `python3 failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as PySodTiming;
}

async function benchSet(name: string, w: number, h: number, count: number, pysod: PySodLocation): Promise<void> {
  const jobs = await ensureSet(name, w, h, count);
  // Decode everything first, one at a time, so the metric timing below is pure single-thread compute.
  let decodeMs = Infinity;
  let data: Array<{ pred: GrayImage; gt: GrayImage }> = [];
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    data = [];
    for (const j of jobs) data.push({ pred: await loadMaskGray(j.predPath), gt: await loadMaskGray(j.gtPath) });
    decodeMs = Math.min(decodeMs, performance.now() - t0);
  }
  // Warm-up on a few pairs so the JIT has compiled the hot loops, as a long dataset run would see.
  for (let k = 0; k < Math.min(20, data.length); k++) imageMetrics(data[k]!.pred, data[k]!.gt);
  let metricsMs = Infinity;
  let metricsCpuMs = Infinity;
  let ours = new MetricSuite().getResults();
  for (let rep = 0; rep < REPEATS; rep++) {
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const suite = new MetricSuite();
    for (const d of data) suite.step(d.pred, d.gt);
    ours = suite.getResults();
    const cpu = process.cpuUsage(c1);
    metricsMs = Math.min(metricsMs, performance.now() - t1);
    metricsCpuMs = Math.min(metricsCpuMs, (cpu.user + cpu.system) / 1000);
  }
  const oursMetricsRate = count / (metricsMs / 1000);
  const oursE2eRate = count / ((metricsMs + decodeMs) / 1000);
  console.log(`${name}: ours decode ${(decodeMs / count).toFixed(2)} ms/pair, metrics ${(metricsMs / count).toFixed(2)} ms/pair (${(metricsCpuMs / count).toFixed(2)} CPU-ms); Sm ${ours.Smeasure.toFixed(6)} wFm ${ours.wFmeasure.toFixed(6)} maxFm ${ours.maxFm.toFixed(6)}`);

  const py = 'path' in pysod ? runPySod(jobs, name, pysod.path) : pysod.missing;
  if (typeof py === 'string') console.log(`${name}: PySODMetrics anchor unavailable: ${py}; reporting our throughput only`);
  else {
    console.log(`${name}: PySOD decode ${((py.decode_s * 1000) / count).toFixed(2)} ms/pair, metrics ${((py.metrics_s * 1000) / count).toFixed(2)} ms/pair (${((py.metrics_cpu_s * 1000) / count).toFixed(2)} CPU-ms); Sm ${py.sm.toFixed(6)} wFm ${py.wfm.toFixed(6)} maxFm ${py.maxFm.toFixed(6)}`);
    // Same files, same numbers: a throughput figure for different results would be meaningless.
    for (const [k, a, b] of [['Sm', ours.Smeasure, py.sm], ['wFm', ours.wFmeasure, py.wfm], ['MAE', ours.MAE, py.mae], ['maxEm', ours.maxEm, py.maxEm], ['maxFm', ours.maxFm, py.maxFm]] as const) {
      if (!(Math.abs(a - b) <= 1e-9)) throw new Error(`${name}: ${k} differs from PySODMetrics: ${a} vs ${b}`);
    }
  }
  const pyMetricsRate = typeof py === 'string' ? NaN : count / py.metrics_s;
  const pyCpuRate = typeof py === 'string' ? NaN : count / py.metrics_cpu_s;
  const oursCpuRate = count / (metricsCpuMs / 1000);
  const pyE2eRate = typeof py === 'string' ? NaN : count / (py.metrics_s + py.decode_s);
  // The machine is shared: CPU time per pair is the steadier comparison; wall-clock is reported beside it.
  report({ name: `metrics ${name} single-thread (compute only, CPU time)`, value: oursCpuRate, unit: 'pairs/CPU-s', anchor: ANCHOR, anchorValue: pyCpuRate, ratio: oursCpuRate / pyCpuRate, target: 'ratio >= 5' });
  report({ name: `metrics ${name} single-thread (compute only)`, value: oursMetricsRate, unit: 'pairs/s', anchor: ANCHOR, anchorValue: pyMetricsRate, ratio: oursMetricsRate / pyMetricsRate, target: 'ratio >= 5' });
  report({ name: `metrics ${name} single-thread (PNG decode + compute)`, value: oursE2eRate, unit: 'pairs/s', anchor: `${ANCHOR}, cv2.imread decode`, anchorValue: pyE2eRate, ratio: oursE2eRate / pyE2eRate, target: 'ratio >= 5' });
}

async function benchWorkers(name: string, w: number, h: number, count: number): Promise<void> {
  const jobs = await ensureSet(name, w, h, count);
  let oneMs = Infinity;
  let twoMs = Infinity;
  let one = aggregate([]);
  let two = aggregate([]);
  for (let rep = 0; rep < REPEATS; rep++) {
    const t0 = performance.now();
    one = aggregate(await scorePairs(jobs, { workers: 1 }));
    oneMs = Math.min(oneMs, performance.now() - t0);
    const t1 = performance.now();
    two = aggregate(await scorePairs(jobs, { workers: 2 }));
    twoMs = Math.min(twoMs, performance.now() - t1);
  }
  if (one.Smeasure !== two.Smeasure || one.maxFm !== two.maxFm) throw new Error('worker and single-thread results differ');
  const rateOne = count / (oneMs / 1000);
  const rateTwo = count / (twoMs / 1000);
  report({ name: `metrics ${name} dataset, 2 workers (decode + compute)`, value: rateTwo, unit: 'pairs/s', anchor: 'same dataset on one thread', anchorValue: rateOne, ratio: rateTwo / rateOne, target: 'ratio >= 1.5' });
}

async function main(): Promise<void> {
  const pysod = pysodPath();
  if ('missing' in pysod) console.log(`PySODMetrics anchor unavailable: ${pysod.missing}; the figures are reported without it`);
  await benchSet('352x352', 352, 352, 1000, pysod);
  await benchSet('1024x768', 1024, 768, 100, pysod);
  await benchWorkers('352x352', 352, 352, 1000);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
