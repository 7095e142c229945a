import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { replayLog, type ReplayOptions, type ReplayProgress } from '../../../src/core/rewards/replay';
import { SAMPLE_PATHS } from '../../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';
import { createClassicalSegmenter } from '../../../src/core/segment/classical';
import { tempDir } from '../tempDir';

const FIXTURES = join(__dirname, '../../../../test/fixtures/rewards');
const BEFORE = JSON.parse(readFileSync(join(FIXTURES, 'replay-sample/before.json'), 'utf8')) as Record<string, { sha256: string; segmented: number; segment: Array<number | null>; advantage: Array<number | null> }>;

/** The report exactly as `segr1 replay --json` writes it. */
function reportJson(report: unknown): string {
  return JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/** Everything a replay tells its caller, in the order it told it. */
async function replayAll(log: string, opts: ReplayOptions): Promise<{ json: string; beforeJson: string; calls: string[]; progress: ReplayProgress[]; segmented: number }> {
  const calls: string[] = [];
  const progress: ReplayProgress[] = [];
  const r = await replayLog(log, { ...opts, onBadLine: (l, m) => calls.push(`bad ${l}: ${m}`), onNote: (m) => calls.push(`note ${m}`), onProgress: (p) => progress.push(p) });
  calls.push(`badLines ${r.badLines}`);
  // The report in the shape the build before the GT-in-frame work wrote (its summary had no compared counts, nor the weights).
  const { compared: _compared, nothingCompared: _nothing, rewardWeights: _weights, ...summary } = r.report.summary;
  return { json: reportJson(r.report), beforeJson: reportJson({ ...r.report, summary }), calls, progress, segmented: r.segmented };
}

test('replaying a generated sample gives the report of the build before the GT-in-frame work, on 1 thread and on 2 workers', async () => {
  // The fixture's sample: seed 7, 8 images, 4 steps × 4 groups × 4; lines 5–8 lose their masks and are segmented.
  const ws = join(tempDir('segr1-replay-sample-'), 'ws');
  await generateSampleWorkspace(ws, { config: { seed: 7, imageCount: 8, steps: 4, groupsPerStep: 4 }, scoring: segr1ReferenceScoring() });
  const lines = readFileSync(join(ws, SAMPLE_PATHS.rollouts), 'utf8').trimEnd().split('\n');
  const log = join(ws, 'runs/mixed.jsonl');
  writeFileSync(log, lines.map((l, i) => (i >= 4 && i < 8 ? JSON.stringify({ ...(JSON.parse(l) as object), mask: undefined }) : l)).join('\n') + '\n');
  for (const id of ['segr1-reference', 'segr1-intended']) {
    const want = BEFORE[id]!;
    const segmenter = createClassicalSegmenter();
    try {
      for (const workers of [1, 2]) {
        const r = await replayAll(log, { rewardSet: getRewardSet(id)!, root: ws, segmenter, workerSegmenter: 'classical', workers });
        const report = JSON.parse(r.json) as { rollouts: Array<{ components: { segment: { replayed: number | null } }; advantage: { replayed: number | null } }> };
        assert.deepEqual(report.rollouts.map((x) => x.components.segment.replayed), want.segment, `${id}, ${workers} thread(s): segment values`);
        assert.deepEqual(report.rollouts.map((x) => x.advantage.replayed), want.advantage, `${id}, ${workers} thread(s): advantages`);
        assert.equal(createHash('sha256').update(r.beforeJson).digest('hex'), want.sha256, `${id}, ${workers} thread(s): the whole report, byte for byte`);
        assert.equal(r.segmented, want.segmented);
        assert.deepEqual(r.progress.at(-1), { rollouts: 64, bytesRead: r.progress.at(-1)!.totalBytes, totalBytes: r.progress.at(-1)!.totalBytes });
        assert.ok(r.progress.length >= 2, 'progress came during the run, not only at its end');
      }
    } finally {
      await segmenter.dispose();
    }
  }
});

test('on workers, bad lines, notes and the report come exactly as on one thread (defect fixture)', async () => {
  const log = join(FIXTURES, 'replay/rollouts.jsonl');
  const root = join(FIXTURES, 'replay');
  for (const id of ['segr1-reference', 'segr1-intended']) {
    const one = await replayAll(log, { rewardSet: getRewardSet(id)!, root, workers: 1 });
    const two = await replayAll(log, { rewardSet: getRewardSet(id)!, root, workers: 2 });
    assert.deepEqual(two.calls, one.calls);
    assert.equal(two.json, one.json);
    assert.ok(one.calls.some((c) => c.startsWith('bad 5:')) && one.calls.some((c) => c.startsWith('note ')), 'the fixture has bad lines and notes');
  }
});

test('a log with torn lines among many: bad lines stay in line order on 3 workers', async () => {
  const dir = tempDir('segr1-replay-torn-');
  const src = readFileSync(join(FIXTURES, 'replay/rollouts.jsonl'), 'utf8').trimEnd().split('\n');
  const good = [src[0]!, src[2]!, src[3]!];
  const out: string[] = [];
  for (let k = 0; k < 120; k++) out.push(k % 17 === 5 ? '\u0000\u0000garbage' : k % 23 === 9 ? '{"completion": 3}' : good[k % 3]!);
  const log = join(dir, 'torn.jsonl');
  writeFileSync(log, out.join('\n') + '\n');
  // GT paths resolve against the fixture folder.
  const opts = { rewardSet: getRewardSet('segr1-intended')!, root: join(FIXTURES, 'replay') };
  const one = await replayAll(log, { ...opts, workers: 1 });
  const three = await replayAll(log, { ...opts, workers: 3 });
  assert.deepEqual(three.calls, one.calls);
  assert.equal(three.json, one.json);
  assert.ok(one.calls.filter((c) => c.startsWith('bad ')).length >= 10);
});

test('cancelling: an aborted signal stops the replay with an AbortError, on one thread and on workers', async () => {
  const log = join(FIXTURES, 'replay/rollouts.jsonl');
  const root = join(FIXTURES, 'replay');
  for (const workers of [1, 2]) {
    await assert.rejects(replayLog(log, { rewardSet: getRewardSet('segr1-intended')!, root, workers, signal: AbortSignal.abort() }), { name: 'AbortError' });
    const ac = new AbortController();
    const dir = tempDir('segr1-replay-abort-');
    const big = join(dir, 'big.jsonl');
    const first = readFileSync(log, 'utf8').split('\n')[0]!;
    writeFileSync(big, Array.from({ length: 2000 }, () => first).join('\n') + '\n');
    let seen = 0;
    await assert.rejects(
      replayLog(big, {
        rewardSet: getRewardSet('segr1-intended')!,
        root,
        workers,
        onProgress: (p) => {
          seen = p.rollouts;
          if (p.rollouts >= 64) ac.abort();
        },
        signal: ac.signal,
      }),
      { name: 'AbortError' },
      `${workers} thread(s)`,
    );
    assert.ok(seen < 2000, `stopped early (${seen} rollouts seen)`);
  }
});
