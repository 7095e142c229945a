import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { indexRolloutLog } from '../../../src/core/logs/jsonlIndex';
import { getRewardSet } from '../../../src/core/rewards/registry';
import { SAMPLE_PATHS } from '../../../src/core/sample/config';
import { segr1ReferenceScoring } from '../../../src/core/sample/scoring';
import { generateSampleWorkspace } from '../../../src/core/sample/workspace';
import { REPLAY_DIFF_COLUMN, replayDiff, type ReplayDiffLog } from '../../../src/host/replayDiff';
import { serveTraces, type TracesBackend } from '../../../src/host/tracesChannel';
import { TracesClient } from '../../../src/webview/tracesClient';
import { tempDir } from '../tempDir';

/** A generated sample log (8 images, 4 steps × 4 groups × 4 rollouts), indexed. */
async function sampleLog(): Promise<ReplayDiffLog> {
  const ws = join(tempDir('segr1-replay-diff-'), 'ws');
  await generateSampleWorkspace(ws, { config: { seed: 7, imageCount: 8, steps: 4, groupsPerStep: 4 }, scoring: segr1ReferenceScoring() });
  const file = join(ws, SAMPLE_PATHS.rollouts);
  return { file, rel: SAMPLE_PATHS.rollouts, root: ws, format: 'canonical', index: await indexRolloutLog(file, { workers: 1 }) };
}

/** The host's end runs the real replay diff (rows = records), the page's end asks over a real MessageChannel. */
function channel(log: ReplayDiffLog) {
  const { port1, port2 } = new MessageChannel();
  const outcomes: string[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not in this test');
  };
  const backend: TracesBackend = {
    ready: () => undefined,
    listPage: unused,
    search: unused,
    saveSearches: unused,
    runAttribution: unused,
    openRollout: unused,
    openStep: unused,
    exportChart: unused,
    setAlternative: () => undefined,
    replayDiff: async (set, onProgress, signal) => {
      const rows = new Map(Array.from({ length: log.index.count }, (_, i) => [i, i] as [number, number]));
      try {
        const r = await replayDiff([log], { rewardSet: getRewardSet(set)!, estimator: 'auto', rowsOfLog: () => rows, rows: log.index.count, signal, onProgress });
        outcomes.push(`done ${r.column.filter(Number.isFinite).length}`);
        return { summary: { rewardSet: r.summary.rewardSet, changed: r.summary.changed, invertedPairs: r.summary.invertedPairs, text: r.text }, columns: [REPLAY_DIFF_COLUMN], sortBy: REPLAY_DIFF_COLUMN };
      } catch (e) {
        outcomes.push(`failed ${(e as Error).name}`);
        throw e;
      }
    },
  };
  const host = serveTraces((m, t) => port1.postMessage(m, t ?? []), backend);
  const client = new TracesClient((m, t) => port2.postMessage(m, t ?? []));
  port1.on('message', (m) => host.receive(m));
  port2.on('message', (m) => client.receive(m));
  return {
    client,
    outcomes,
    close: () => {
      client.dispose();
      host.dispose();
      port1.close();
      port2.close();
    },
  };
}

test('Largest replay Δ over the channel: progress names the log, the summary and the column come back', async () => {
  const log = await sampleLog();
  const { client, outcomes, close } = channel(log);
  const progress: string[] = [];
  const r = await client.replayDiff('segr1-intended', (m) => progress.push(m), new AbortController().signal);
  assert.ok(r);
  assert.equal(progress[0], `${SAMPLE_PATHS.rollouts} under segr1-intended`);
  assert.equal(progress.at(-1), `${SAMPLE_PATHS.rollouts}: 64 rollouts`);
  // The intended reward (true S-measure) differs from what the sample logged with the reference reward.
  assert.equal(r.summary.rewardSet, 'segr1-intended');
  assert.ok(r.summary.changed > 0, r.summary.text);
  assert.match(r.summary.text, /^segr1-intended: \d+ of 64 compared totals change/);
  assert.deepEqual(outcomes, ['done 64']);
  close();
});

test('cancelling the replay from the page stops it on the host with an AbortError', async () => {
  const log = await sampleLog();
  const { client, outcomes, close } = channel(log);
  const ac = new AbortController();
  // Cancel as soon as the host says it started (the workers are still starting then).
  const replay = client.replayDiff('segr1-reference', () => ac.abort(), ac.signal);
  await assert.rejects(replay, { name: 'AbortError' });
  const end = Date.now() + 10_000;
  while (!outcomes.length && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
  assert.deepEqual(outcomes, ['failed AbortError']);
  close();
});
