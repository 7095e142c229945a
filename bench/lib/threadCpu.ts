import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per thread of this process (Linux /proc; empty elsewhere), for the worker benches: on a shared machine
 * the scheduler gives a process a share of the cores whatever its thread count, so wall-clock ratios of 2 workers
 * against 1 thread mean little there; the threads' CPU times show how the work splits and what an idle 2-core
 * machine would take.
 */

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** CPU milliseconds so far of every thread of this process, by thread id. */
export function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start at its closing parenthesis.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(f[11]) + Number(f[12])) * 1000) / TICKS);
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return out;
}

/** How a pass's CPU split over threads: this (main) thread, the busiest other threads, all of them. */
export interface CpuSplit {
  readonly mainMs: number;
  /** Other threads' CPU, largest first (workers, then GC and libuv helpers). */
  readonly othersMs: number[];
  readonly totalMs: number;
}

/** The CPU each thread spent between two {@link threadCpuMs} snapshots. */
export function cpuSplit(before: Map<number, number>, after: Map<number, number>): CpuSplit {
  const main = process.pid;
  let mainMs = 0;
  const othersMs: number[] = [];
  for (const [tid, ms] of after) {
    const d = ms - (before.get(tid) ?? 0);
    if (tid === main) mainMs = d;
    else if (d > 0) othersMs.push(d);
  }
  othersMs.sort((a, b) => b - a);
  return { mainMs, othersMs, totalMs: mainMs + othersMs.reduce((a, b) => a + b, 0) };
}

/** Wall time the split needs at best on `cores` idle cores: no thread finishes before its own CPU, nor the whole before total / cores. */
export function idleWallMs(s: CpuSplit, cores: number): number {
  return Math.max(s.mainMs, s.othersMs[0] ?? 0, s.totalMs / cores);
}

/** One line for a bench's output. */
export function describeSplit(s: CpuSplit): string {
  return `main ${s.mainMs.toFixed(0)} ms, other threads ${s.othersMs.slice(0, 3).map((v) => v.toFixed(0)).join(' / ')} ms, total ${s.totalMs.toFixed(0)} CPU-ms`;
}
