// Rollout log indexing at scale. A 1 GB canonical JSONL of realistic Seg-R1 rollouts (bench/.data, reused) is
// read raw, sequentially, with the index's own chunk size (the anchor), then indexed in a child process whose
// peak RSS (worker threads included) is read from process.resourceUsage(). Both are measured twice: from disk
// (page cache dropped before each, when run as root) and from the page cache. Also: index + open of 100,000 rollouts.
// SEGR1_INDEX_BENCH_BYTES overrides the 1 GB (e.g. for a quick run).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { indexRolloutLog, readRollout } from '../src/core/logs/jsonlIndex';
import { dropPageCache, rawRead, REPORTING } from './lib/diskRead';
import { ensureRolloutCount, ensureRolloutFile } from './lib/logsData';
import { report } from './lib/report';

const DATA = process.env.SEGR1_BENCH_DATA ?? join(__dirname, '..', '..', 'bench', '.data');

type Mode = 'parallel' | 'serial' | 'exact';

/**
 * A read from the page cache is a memory copy (7–15 GB/s on this VM), which no JSON indexer on two cores comes near:
 * the issue's "≥ 0.5, i.e. ≥ 200 MB/s" means the file read from storage, the from-disk figure. These figures show
 * what each path costs in CPU, with the same anchor for comparison across runs.
 */
const PAGE_CACHE_TARGET = 'diagnostic (the ≥ 0.5 target is the from-disk figure)';

/** Child mode: index one file and print timing and peak RSS as JSON. */
async function child(file: string, mode: Mode): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const index = await indexRolloutLog(file, mode === 'parallel' ? {} : { workers: 1, exact: mode === 'exact' });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const maxRssKb = process.resourceUsage().maxRSS;
  process.stdout.write(JSON.stringify({ ms, cpuMs, count: index.count, issues: index.issues.length, bytes: index.size, maxRssMb: maxRssKb / 1024 }) + '\n');
}

function indexInChild(file: string, mode: Mode): { ms: number; cpuMs: number; count: number; issues: number; bytes: number; maxRssMb: number } {
  const r = spawnSync(process.execPath, [__filename, '--child', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`index child failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; cpuMs: number; count: number; issues: number; bytes: number; maxRssMb: number };
}

async function main(): Promise<void> {
  const target = Number(process.env.SEGR1_INDEX_BENCH_BYTES ?? 1024 ** 3);
  // v2: records carry the model frame, a COCO RLE mask and repr-precision floats, as Seg-R1 training logs do.
  const big = join(DATA, target === 1024 ** 3 ? 'rollouts-v2-1g.jsonl' : `rollouts-v2-${target}.jsonl`);
  let t0 = performance.now();
  const size = ensureRolloutFile(big, target);
  console.log(`${big}: ${(size / 1e6).toFixed(0)} MB (ready in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  const mbs = (r: { ms: number; bytes: number }) => r.bytes / 1e6 / (r.ms / 1000);
  if (dropPageCache()) {
    // Five rounds, each a raw read and an index back to back (cache dropped before each); the round with the median
    // ratio is reported.
    if (REPORTING) console.log('virtio balloon free page reporting is on: each from-disk pass starts 4 s after the cache drop, once the dropped pages are back with the host');
    const rounds: Array<{ raw: number; idx: number; ratio: number }> = [];
    for (let k = 0; k < 5; k++) {
      dropPageCache();
      const raw = mbs(rawRead(big));
      dropPageCache();
      const idx = mbs(indexInChild(big, 'parallel'));
      rounds.push({ raw, idx, ratio: idx / raw });
      console.log(`from disk, round ${k + 1}: raw read ${raw.toFixed(0)} MB/s; index ${idx.toFixed(0)} MB/s (ratio ${(idx / raw).toFixed(2)})`);
    }
    const mid = [...rounds].sort((a, b) => a.ratio - b.ratio)[2]!;
    report({ name: 'rollout log index throughput (1 GB JSONL, from disk; median of 5 paired rounds)', value: mid.idx, unit: 'MB/s', anchor: 'raw sequential read, page cache dropped, same round', anchorValue: mid.raw, ratio: mid.ratio, target: 'ratio >= 0.5' });
  } else console.log('page cache cannot be dropped here (not root): from-disk figures skipped');
  rawRead(big); // warm the page cache so both passes read from the same place
  const raw = rawRead(big);
  const idx = indexInChild(big, 'parallel');
  const rawMBs = mbs(raw);
  const idxMBs = mbs(idx);
  // CPU time is printed too: on a shared machine wall time also counts the waits for a core.
  console.log(`page cache: raw read ${(raw.ms / 1000).toFixed(2)} s; index ${(idx.ms / 1000).toFixed(2)} s (CPU ${(idx.cpuMs / 1000).toFixed(2)} s): ${idx.count} records, ${idx.issues} issues, peak RSS ${idx.maxRssMb.toFixed(0)} MB`);
  report({ name: 'rollout log index throughput (1 GB JSONL, page cache)', value: idxMBs, unit: 'MB/s', anchor: 'raw sequential read from the page cache', anchorValue: rawMBs, ratio: idxMBs / rawMBs, target: PAGE_CACHE_TARGET });
  report({ name: 'rollout log index peak RSS (1 GB JSONL)', value: idx.maxRssMb, unit: 'MB', anchor: 'budget', anchorValue: 300, ratio: idx.maxRssMb / 300, target: 'ratio <= 1' });
  // One thread, fast path and the reference path (JSON.parse + validation per line), to show what each buys.
  const serial = indexInChild(big, 'serial');
  console.log(`one thread: ${(serial.ms / 1000).toFixed(2)} s (CPU ${(serial.cpuMs / 1000).toFixed(2)} s = ${(serial.bytes / 1e3 / serial.cpuMs).toFixed(0)} MB/s of CPU), peak RSS ${serial.maxRssMb.toFixed(0)} MB`);
  report({ name: 'rollout log index throughput, one thread (1 GB JSONL, page cache)', value: mbs(serial), unit: 'MB/s', anchor: 'raw sequential read from the page cache', anchorValue: rawMBs, ratio: mbs(serial) / rawMBs, target: PAGE_CACHE_TARGET });
  const exact = indexInChild(big, 'exact');
  console.log(`JSON.parse path: ${(exact.ms / 1000).toFixed(2)} s (CPU ${(exact.cpuMs / 1000).toFixed(2)} s = ${(exact.bytes / 1e3 / exact.cpuMs).toFixed(0)} MB/s of CPU), peak RSS ${exact.maxRssMb.toFixed(0)} MB`);
  report({ name: 'rollout log index throughput, JSON.parse path, one thread (1 GB JSONL, page cache)', value: mbs(exact), unit: 'MB/s', anchor: 'raw sequential read from the page cache', anchorValue: rawMBs, ratio: mbs(exact) / rawMBs, target: PAGE_CACHE_TARGET });

  const small = join(DATA, 'rollouts-v2-100k.jsonl');
  ensureRolloutCount(small, 100_000);
  rawRead(small);
  const rawSmall = rawRead(small);
  t0 = performance.now();
  const index = await indexRolloutLog(small);
  // "Open": the first screen reads a group's records by byte range.
  for (let i = 0; i < 8; i++) await readRollout(index, Math.floor((i * index.count) / 8));
  const openMs = performance.now() - t0;
  console.log(`100k rollouts (${(rawSmall.bytes / 1e6).toFixed(0)} MB): ${index.count} indexed + 8 opened in ${openMs.toFixed(0)} ms (raw sequential read of the same file ${rawSmall.ms.toFixed(0)} ms)`);
  // No tool to compare with here: the anchor is the interactive budget, opening a 100k-rollout run within a second.
  report({ name: 'index + open 100,000 rollouts', value: openMs, unit: 'ms', anchor: '1 s interactive budget', anchorValue: 1000, ratio: openMs / 1000, target: 'ratio <= 1' });
}

if (process.argv[2] === '--child') void child(process.argv[4]!, process.argv[3] as Mode);
else
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
