// Replay throughput: `segr1 replay` on the sample run vs Seg-R1's Python reward code on the same rollouts (figure A),
// and replay on 2 worker threads vs 1 thread (figure B).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseSegR1Strict } from '../src/core/completion/segr1Strict';
import { getRewardSet } from '../src/core/rewards/registry';
import { replayLog, type ReplayReport } from '../src/core/rewards/replay';
import { disposeReplayPools } from '../src/core/rewards/replayPool';
import { segr1Segments } from '../src/core/rewards/segr1';
import { report } from './lib/report';
import { cpuSplit, describeSplit, idleWallMs, threadCpuMs, type CpuSplit } from './lib/threadCpu';
import { DATA, ensureSample, scaledLog, WS } from './lib/replaySample';

/** Each timing is the best of this many runs on both sides: the machine is shared, and contention only adds time. */
const REPEATS = Number(process.env.SEGR1_BENCH_REPEATS ?? 3);
/** The Python anchor's two forms, each against the reward set that reproduces it. */
const MODES = [
  { mode: 'as-trained', set: getRewardSet('segr1-reference')!, what: "Seg-R1's reward as trained (grpo.py: PIL resize of the GT + numpy IoU + PySODMetrics 1.6.2 Smeasure.cal_sm on the > 128 GT)" },
  { mode: 'intended', set: getRewardSet('segr1-intended')!, what: "Seg-R1's reward with the true S-measure (PIL resize of the GT + numpy IoU + PySODMetrics 1.6.2 Smeasure.cal_sm)" },
] as const;
const REWARD = MODES[1].set;
/** The worker as shipped (the bundle `node esbuild.mjs` writes; the CLI and the editor start it), not the transpiled tree. */
const WORKER = resolve('dist/replayWorker.js');

/**
 * Best wall and CPU milliseconds of REPEATS fresh replays (each starts with an empty GT cache; on workers, the pool's
 * workers stay up between passes, as in the editor or a process replaying several logs), and the last report.
 */
async function timeReplay(log: string, workers: number, rewardSet = REWARD, repeats = REPEATS): Promise<{ wallMs: number; cpuMs: number; split: CpuSplit; report: ReplayReport }> {
  let wallMs = Infinity;
  let cpuMs = Infinity;
  let split: CpuSplit | undefined;
  let last: ReplayReport | undefined;
  for (let rep = 0; rep < repeats; rep++) {
    const threads = threadCpuMs();
    const t = performance.now();
    const c = process.cpuUsage();
    const { report: r, badLines } = await replayLog(log, { rewardSet, root: WS, workers, workerScript: WORKER });
    const cu = process.cpuUsage(c);
    const wall = performance.now() - t;
    if (badLines !== 0) throw new Error(`${log}: ${badLines} bad lines`);
    if (wall < wallMs) split = cpuSplit(threads, threadCpuMs());
    wallMs = Math.min(wallMs, wall);
    cpuMs = Math.min(cpuMs, (cu.user + cu.system) / 1000);
    last = r;
  }
  return { wallMs, cpuMs, split: split!, report: last! };
}

interface PyTiming { rollouts: number; reward_s: number; reward_cpu_s: number; segment: Record<string, number> }

/** The Python anchor on the rollouts whose answer parses (the reward does no mask work for the others). */
function runPython(log: string, mode: string): PyTiming | string {
  const pysod = process.env.PYSOD_PATH;
  if (!pysod) return 'PySODMetrics not found (set PYSOD_PATH)';
  const rollouts: Array<{ line: number; gt: string; mask: unknown }> = [];
  readFileSync(log, 'utf8').trimEnd().split('\n').forEach((text, i) => {
    const r = JSON.parse(text) as { completion: string; gt: string; mask?: unknown };
    if (r.mask && segr1Segments(parseSegR1Strict(r.completion))) rollouts.push({ line: i + 1, gt: join(WS, r.gt), mask: r.mask });
  });
  const list = join(DATA, 'python-rollouts.json');
  writeFileSync(list, JSON.stringify(rollouts));
  const python = process.env.SEGR1_BENCH_PYTHON ?? '/usr/bin/python3';
  const r = spawnSync(python, [resolve('bench/lib/segr1_reward_bench.py'), list, mode, String(REPEATS)], { encoding: 'utf8', env: { ...process.env, PYSOD_PATH: pysod, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 16 << 20 });
  if (r.status !== 0) return `${python} failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-1)[0]}`;
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]!) as PyTiming;
}

async function main(): Promise<void> {
  const log = await ensureSample();
  for (const { mode, set, what } of MODES) {
    // Warm-up: the JIT compiles the hot loops, as it has after the first groups of a long run.
    await replayLog(log, { rewardSet: set, root: WS });
    const ours = await timeReplay(log, 1, set);
    const n = ours.report.summary.rollouts;
    console.log(`replay ${n} rollouts (${set.id}, logged masks): ${(ours.wallMs / n).toFixed(3)} ms/rollout, ${(ours.cpuMs / n).toFixed(3)} CPU-ms/rollout`);
    const py = runPython(log, mode);
    if (typeof py === 'string') console.log(`Python anchor unavailable: ${py}; reporting our throughput only`);
    else {
      // The same rollouts must give the same values, or the comparison means nothing.
      for (const r of ours.report.rollouts) {
        const v = py.segment[String(r.line)];
        const mine = r.components.segment?.replayed;
        if (v !== undefined && !(typeof mine === 'number' && Math.abs(mine - v) <= 1e-9)) throw new Error(`${mode}, line ${r.line}: segment ${mine} here, ${v} in Python`);
      }
      console.log(`Python reward (${mode}): ${py.rollouts} rollouts scored in ${(py.reward_s * 1000).toFixed(0)} ms (${((py.reward_cpu_s * 1000) / py.rollouts).toFixed(3)} CPU-ms per scored rollout); values equal`);
    }
    // Rates over the whole log on both sides: the anchor's rollouts that do not parse cost it nothing.
    const pyCpuRate = typeof py === 'string' ? NaN : n / py.reward_cpu_s;
    const pyWallRate = typeof py === 'string' ? NaN : n / py.reward_s;
    const cpuRate = n / (ours.cpuMs / 1000);
    const wallRate = n / (ours.wallMs / 1000);
    const anchor = `${what}, same rollouts, one thread`;
    report({ name: `replay ${set.id} single-thread vs Python reward ${mode} (CPU time)`, value: cpuRate, unit: 'rollouts/CPU-s', anchor, anchorValue: pyCpuRate, ratio: cpuRate / pyCpuRate, target: 'ratio >= 5' });
    report({ name: `replay ${set.id} single-thread vs Python reward ${mode}`, value: wallRate, unit: 'rollouts/s', anchor, anchorValue: pyWallRate, ratio: wallRate / pyWallRate, target: 'ratio >= 5' });
  }

  const big = scaledLog(log);
  console.log(`load average before the workers figure: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
  // Warm-up of the pool: its workers start, load their modules and compile the hot loops once, as this thread did.
  await replayLog(big, { rewardSet: REWARD, root: WS, workers: 2, workerScript: WORKER });
  // Alternated, each the best of REPEATS: a burst of load on the shared machine hits both sides alike.
  let one = await timeReplay(big, 1, REWARD, 1);
  let two = await timeReplay(big, 2, REWARD, 1);
  for (let rep = 1; rep < REPEATS; rep++) {
    const a = await timeReplay(big, 1, REWARD, 1);
    const b = await timeReplay(big, 2, REWARD, 1);
    if (a.wallMs < one.wallMs) one = a;
    if (b.wallMs < two.wallMs) two = b;
  }
  console.log(`load average after: ${loadavg().map((v) => v.toFixed(2)).join(', ')}`);
  if (JSON.stringify(one.report) !== JSON.stringify(two.report)) throw new Error('2 workers gave a different report than 1 thread');
  const m = one.report.summary.rollouts;
  console.log(`replay ${m} rollouts: 1 thread ${(one.wallMs / m).toFixed(3)} ms/rollout, 2 workers ${(two.wallMs / m).toFixed(3)} ms/rollout (identical reports)`);
  // The scheduler shares a loaded machine per process, not per thread: the CPU split says what 2 idle cores would do.
  console.log(`CPU by thread, 1 thread: ${describeSplit(one.split)}; 2 workers: ${describeSplit(two.split)}; on 2 idle cores the split allows ratio ${(idleWallMs(one.split, 2) / idleWallMs(two.split, 2)).toFixed(2)}`);
  await disposeReplayPools();
  report({ name: 'replay 2 workers vs 1 thread', value: m / (two.wallMs / 1000), unit: 'rollouts/s', anchor: 'replay on 1 thread, same log, same run', anchorValue: m / (one.wallMs / 1000), ratio: one.wallMs / two.wallMs, target: 'ratio >= 1.6' });
}

void main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
