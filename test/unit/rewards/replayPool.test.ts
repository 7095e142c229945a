import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog, type ReplayOptions } from '../../../src/core/rewards/replay';
import { disposeReplayPools, linesInWorkers, routingKey } from '../../../src/core/rewards/replayPool';
import { SAMPLE_PATHS } from '../../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';
import { tempDir } from '../tempDir';

/** The replay worker as transpiled beside replay's pool. */
const WORKER = join(__dirname, '../../../src/core/rewards/replayWorker.js');

let sample: Promise<{ ws: string; log: string; gts: number }> | undefined;

/**
 * The sample (seed 7, 8 images, 64 rollouts) reordered so that consecutive lines never share an image: line k is
 * the (k / 8)-th rollout of image k % 8. Batches of consecutive lines then hold every image.
 */
function interleavedLog(): Promise<{ ws: string; log: string; gts: number }> {
  return (sample ??= (async () => {
    const ws = join(tempDir('segr1-pool-'), 'ws');
    await generateSampleWorkspace(ws, { config: { seed: 7, imageCount: 8, steps: 4, groupsPerStep: 4 }, scoring: segr1ReferenceScoring() });
    const lines = readFileSync(join(ws, SAMPLE_PATHS.rollouts), 'utf8').trimEnd().split('\n');
    const byImage = new Map<string, string[]>();
    for (const l of lines) {
      const gt = (JSON.parse(l) as { gt: string }).gt;
      byImage.set(gt, [...(byImage.get(gt) ?? []), l]);
    }
    const columns = [...byImage.values()];
    const out: string[] = [];
    for (let k = 0; k < Math.max(...columns.map((c) => c.length)); k++) for (const c of columns) if (c[k] !== undefined) out.push(c[k]!);
    // A bad line and a blank line in the middle keep their places.
    out.splice(30, 0, '{"completion": 3}', '');
    const log = join(ws, 'runs/interleaved.jsonl');
    writeFileSync(log, out.join('\n') + '\n');
    return { ws, log, gts: byImage.size };
  })());
}

/** Everything a replay tells its caller, in order, and its report as JSON. */
async function replayAll(log: string, opts: ReplayOptions): Promise<{ calls: string[]; json: string }> {
  const calls: string[] = [];
  const r = await replayLog(log, { ...opts, onBadLine: (l, m) => calls.push(`bad ${l}: ${m}`), onNote: (m) => calls.push(`note ${m}`) });
  calls.push(`badLines ${r.badLines}`);
  return { calls, json: JSON.stringify(r.report) };
}

/** A worker script that appends a line to `marker` when started, then is the real worker. */
function countingScript(extra = ''): { script: string; starts: () => number } {
  const dir = tempDir('segr1-pool-script-');
  const marker = join(dir, 'started');
  const script = join(dir, 'worker.js');
  writeFileSync(script, `require('node:fs').appendFileSync(${JSON.stringify(marker)}, 'w\\n');\n${extra}require(${JSON.stringify(WORKER)});\n`);
  return { script, starts: () => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0) };
}

test('a log whose images interleave: each GT is decoded by one worker only, and the report, bad lines and notes are the single-thread ones', async () => {
  const { ws, log, gts } = await interleavedLog();
  const rewardSet = getRewardSet('segr1-intended')!;
  const one = await replayAll(log, { rewardSet, root: ws });
  for (const workers of [2, 3]) {
    const many = await replayAll(log, { rewardSet, root: ws, workers, workerScript: WORKER });
    assert.deepEqual(many.calls, one.calls, `${workers} workers: bad lines and notes`);
    assert.equal(many.json, one.json, `${workers} workers: the report`);
  }
  assert.ok(one.calls.includes("bad 31: no 'completion' string"), 'the bad line is reported at its place');
  // Without stealing, routing alone decides: every GT once over all workers (batches of 16 consecutive lines gave each worker every GT).
  const r = await linesInWorkers(log, { rewardSet: rewardSet.id, root: ws }, { workers: 2, workerScript: WORKER, steal: false });
  assert.equal(r.values.length, 64);
  assert.equal(r.gtLoads, gts, 'one decode per GT across both workers');
});

test('the pool keeps its workers across passes (and after a cancelled one) until disposed', async () => {
  const { ws, log } = await interleavedLog();
  const { script, starts } = countingScript();
  const rewardSet = getRewardSet('segr1-intended')!;
  const want = await replayAll(log, { rewardSet, root: ws });
  for (let pass = 0; pass < 3; pass++) assert.equal((await replayAll(log, { rewardSet, root: ws, workers: 2, workerScript: script })).json, want.json);
  assert.equal(starts(), 2, 'three passes on two workers started two workers');
  const ac = new AbortController();
  await assert.rejects(replayLog(log, { rewardSet, root: ws, workers: 2, workerScript: script, signal: ac.signal, onBadLine: () => ac.abort() }), { name: 'AbortError' });
  const after = await replayAll(log, { rewardSet, root: ws, workers: 2, workerScript: script });
  assert.deepEqual(after.calls, want.calls, 'a pass after a cancelled one reports as a fresh one');
  assert.equal(after.json, want.json);
  assert.equal(starts(), 2, 'cancelling kept the workers');
  await disposeReplayPools();
  assert.equal((await replayAll(log, { rewardSet, root: ws, workers: 2, workerScript: script })).json, want.json);
  assert.equal(starts(), 4, 'after dispose, a pass starts new workers');
  await disposeReplayPools();
});

test('a worker that dies mid-pass fails that pass with a message, and the next pass replaces it', async () => {
  const { ws, log } = await interleavedLog();
  const crashed = join(tempDir('segr1-pool-crash-'), 'crashed');
  // The first worker ever started exits at its second batch (once: the marker says it happened).
  const { script } = countingScript(
    `const fs = require('node:fs'); let n = 0;\nif (!fs.existsSync(${JSON.stringify(crashed)})) require('node:worker_threads').parentPort.on('message', (m) => { if (m.method === 'pass/batch' && ++n === 2 && !fs.existsSync(${JSON.stringify(crashed)})) { fs.writeFileSync(${JSON.stringify(crashed)}, ''); process.exit(3); } });\n`,
  );
  const rewardSet = getRewardSet('segr1-intended')!;
  await assert.rejects(replayLog(log, { rewardSet, root: ws, workers: 2, workerScript: script }), /replay worker.*exited \(3\)/);
  const want = await replayAll(log, { rewardSet, root: ws });
  assert.equal((await replayAll(log, { rewardSet, root: ws, workers: 2, workerScript: script })).json, want.json);
  await disposeReplayPools();
});

test('routing key: the GT path as logged, found without parsing; quoted look-alikes inside strings are not keys', () => {
  assert.equal(routingKey('{"completion": "say \\"gt\\": \\"no\\"", "gt": "a/b.png", "image": "x.jpg"}'), 'a/b.png');
  assert.equal(routingKey('{"image":"x\\"y.jpg"}'), 'x\\"y.jpg');
  assert.equal(routingKey('{"task": "gt", "gt": 3, "image": "i.jpg"}'), 'i.jpg');
  assert.equal(routingKey('not json at all'), '');
  assert.equal(routingKey(`{"gt": "${'a'.repeat(10_000)}`).length, 4096, 'a hostile key is cut, never read whole');
});
