import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { attributeLog, measureLog, OracleCache, type MeasureOptions } from '../../../src/core/attribution/attributeLog';
import { getRewardSet } from '../../../src/core/rewards/registry';
import type { ReplayProgress } from '../../../src/core/rewards/replay';
import { SAMPLE_PATHS } from '../../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';
import { createClassicalSegmenter } from '../../../src/core/segment/classical';
import { tempDir } from '../tempDir';

/** The replay worker as transpiled beside replay's pool. */
const WORKER = join(__dirname, '../../../src/core/rewards/replayWorker.js');

let sample: Promise<{ ws: string; log: string }> | undefined;

/** The sample (seed 7, 8 images, 64 rollouts) with masks dropped on some lines (segmented), a bad line and an escaping path; made once. */
function sampleLog(): Promise<{ ws: string; log: string }> {
  return (sample ??= makeSampleLog());
}

async function makeSampleLog(): Promise<{ ws: string; log: string }> {
  const ws = join(tempDir('segr1-attr-workers-'), 'ws');
  await generateSampleWorkspace(ws, { config: { seed: 7, imageCount: 8, steps: 4, groupsPerStep: 4 }, scoring: segr1ReferenceScoring() });
  const lines = readFileSync(join(ws, SAMPLE_PATHS.rollouts), 'utf8').trimEnd().split('\n');
  const out = lines.map((l, i) => (i % 5 === 1 ? JSON.stringify({ ...(JSON.parse(l) as object), mask: undefined }) : l));
  out.splice(20, 0, '{"completion": 3}');
  out.splice(40, 0, JSON.stringify({ ...(JSON.parse(lines[0]!) as object), image: '../outside.png', mask: undefined }));
  const log = join(ws, 'runs/mixed.jsonl');
  writeFileSync(log, out.join('\n') + '\n');
  return { ws, log };
}

/** Everything an attribution pass tells its caller, in order, and its report exactly as written. */
async function attributeAll(log: string, opts: MeasureOptions): Promise<{ calls: string[]; json: string; progress: ReplayProgress[] }> {
  const calls: string[] = [];
  const progress: ReplayProgress[] = [];
  const { report, badLines } = await attributeLog(log, { ...opts, onBadLine: (l, m) => calls.push(`bad ${l}: ${m}`), onNote: (m) => calls.push(`note ${m}`), onProgress: (p) => progress.push(p) });
  calls.push(`badLines ${badLines}`);
  const json = JSON.stringify({ ...report, oracles: [...report.oracles] }, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `${v}` : v), 2);
  return { calls, json, progress };
}

test('attribution on 2 workers gives the single-thread report, bad lines and notes byte for byte, and the workers ran', async () => {
  const { ws, log } = await sampleLog();
  const dir = tempDir('segr1-attr-worker-script-');
  const marker = join(dir, 'started');
  // A worker script that records it was started, then is the real worker.
  const script = join(dir, 'worker.js');
  writeFileSync(script, `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'w\\n');\nrequire(${JSON.stringify(WORKER)});\n`);
  const segmenter = createClassicalSegmenter();
  try {
    const rewardSet = getRewardSet('segr1-reference')!;
    const one = await attributeAll(log, { rewardSet, root: ws, segmenter, workers: 1 });
    assert.ok(!existsSync(marker), 'one thread starts no worker');
    const two = await attributeAll(log, { rewardSet, root: ws, segmenter, workers: 2, workerScript: script });
    assert.equal(readFileSync(marker, 'utf8'), 'w\nw\n', 'two workers measured the log');
    assert.deepEqual(two.calls, one.calls);
    assert.equal(two.json, one.json);
    assert.ok(one.calls.some((c) => c.startsWith('bad 21:')) && one.calls.some((c) => c.startsWith('bad 41:')), 'the log has bad lines');
    // With oracles cached by an earlier pass, on one thread and on workers: the same again.
    const oracleCache = new OracleCache();
    await attributeAll(log, { rewardSet, root: ws, segmenter, oracleCache });
    for (const workers of [1, 2]) {
      const warm = await attributeAll(log, { rewardSet, root: ws, segmenter, workers, workerScript: script, oracleCache });
      assert.deepEqual(warm.calls, one.calls, `cached oracles, ${workers} thread(s): bad lines and notes`);
      assert.equal(warm.json, one.json, `cached oracles, ${workers} thread(s): the report`);
    }
    const report = JSON.parse(one.json) as { rollouts: unknown[]; images: Record<string, unknown> };
    assert.equal(report.rollouts.length, 64);
    assert.equal(Object.keys(report.images).length, 8, 'an oracle per image');
    for (const p of [one.progress, two.progress]) {
      assert.deepEqual(p.at(-1), { rollouts: 64, bytesRead: p.at(-1)!.totalBytes, totalBytes: p.at(-1)!.totalBytes });
      assert.ok(p.length >= 2, 'progress came during the pass, not only at its end');
    }
  } finally {
    await segmenter.dispose();
  }
});

test('a cancelled attribution on workers rejects with an AbortError', async () => {
  const { ws, log } = await sampleLog();
  const segmenter = createClassicalSegmenter();
  try {
    const abort = new AbortController();
    const run = measureLog(log, { rewardSet: getRewardSet('segr1-reference')!, root: ws, segmenter, workers: 2, workerScript: WORKER, signal: abort.signal, onBadLine: () => abort.abort() });
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  } finally {
    await segmenter.dispose();
  }
});
