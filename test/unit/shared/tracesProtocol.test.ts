import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MessageChannel } from 'node:worker_threads';
import { serveTraces, type TracesBackend } from '../../../src/host/tracesChannel';
import type { ListQuery, TraceSearchProgress } from '../../../src/shared/tracesProtocol';
import { TracesClient } from '../../../src/webview/tracesClient';

/** Wait until a condition holds (cross-port messages arrive late on a loaded machine). */
async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
}

const PROGRESS: TraceSearchProgress = { searched: 2, total: 4, matched: 1, matches: 3, steps: [{ step: 1, rollouts: 2, matched: 1, matches: 3 }] };
const QUERY: ListQuery = { sortKey: 'line', dir: 1, limit: 0, offset: 0, count: 10 };

/** A handler that runs until its signal aborts, recording why it stopped. */
function untilAborted(signal: AbortSignal, stopped: string[]): Promise<never> {
  return new Promise<never>((_, reject) => {
    signal.addEventListener('abort', () => {
      stopped.push((signal.reason as Error).name);
      reject(signal.reason);
    });
  });
}

/** The host's end (serveTraces over a fake backend) and the webview's end (TracesClient) over a real MessageChannel. */
function channel(overrides: Partial<TracesBackend> = {}) {
  const { port1, port2 } = new MessageChannel();
  const calls: string[] = [];
  const stopped: string[] = [];
  const backend: TracesBackend = {
    ready: () => void calls.push('ready'),
    listPage: async (q) => ({ total: 42, rows: [{ position: q.offset, log: 'a.jsonl', record: 3, line: 4, step: 1, group: 'g', sample: 0, values: [0.5] }] }),
    search: async (spec, onBatch) => {
      onBatch([{ log: 'a.jsonl', record: 1, line: 2, matchCount: 3, snippet: spec.pattern, snippetStart: 0, marks: [0, 1] }], PROGRESS);
      return { progress: PROGRESS, notes: ['1 bad line'] };
    },
    replayDiff: async (set, onProgress) => {
      onProgress(`a.jsonl under ${set}`);
      onProgress('a.jsonl: 64 rollouts');
      return { summary: { rewardSet: set, changed: 5, invertedPairs: 1, text: `${set}: 5 of 64 compared totals change` }, columns: ['reward', 'replay |Δ total|'], sortBy: 'replay |Δ total|' };
    },
    saveSearches: async (s) => void calls.push(`save ${s.length}`),
    runAttribution: async () => void calls.push('attribute'),
    openRollout: async (log, index) => void calls.push(`open ${log}#${index}`),
    openStep: async (log, step) => void calls.push(`step ${log}@${step}`),
    exportChart: async (format, name, data) => `${name}.${format} (${data.length} bytes)`,
    setAlternative: (a) => void calls.push(`alternative ${a}`),
    ...overrides,
  };
  const host = serveTraces((m, t) => port1.postMessage(m, t ?? []), backend);
  const client = new TracesClient((m, t) => port2.postMessage(m, t ?? []));
  port1.on('message', (m) => host.receive(m));
  port2.on('message', (m) => client.receive(m));
  const close = (): void => {
    client.dispose();
    host.dispose();
    port1.close();
    port2.close();
  };
  return { host, client, calls, stopped, close };
}

test('requests get their replies; webview notifications reach the backend; host pushes reach the page', async () => {
  const { host, client, calls, close } = channel();
  const page = await client.rpc.request('list/query', QUERY);
  assert.deepEqual(page, { total: 42, rows: [{ position: 0, log: 'a.jsonl', record: 3, line: 4, step: 1, group: 'g', sample: 0, values: [0.5] }] });
  assert.equal(await client.rpc.request('traces/openRollout', { log: 'a.jsonl', index: 7 }), null);
  assert.equal(await client.rpc.request('traces/openStep', { log: 'a.jsonl', step: 3 }), null);
  assert.equal(await client.rpc.request('attribution/run', null), null);
  assert.equal(await client.rpc.request('search/save', { searches: [{ name: 'n', spec: { pattern: 'x' }, active: true }] }), null);
  assert.equal(await client.rpc.request('traces/export', { format: 'svg', name: 'reward', data: new Uint8Array(3) }), 'reward.svg (3 bytes)');
  client.rpc.notify('ready', null);
  client.rpc.notify('signals/alternative', { alternative: 'rloo' });
  await until(() => calls.length === 6);
  assert.deepEqual(calls, ['open a.jsonl#7', 'step a.jsonl@3', 'attribute', 'save 1', 'ready', 'alternative rloo']);
  const shown: string[] = [];
  client.rpc.on('error', (e) => shown.push(e.message));
  client.rpc.on('list/columns', (c) => shown.push(c.columns.join(',')));
  host.notify('error', { message: 'No rollout logs in this workspace.' });
  host.notify('list/columns', { columns: ['reward', 'advantage'] });
  await until(() => shown.length === 2);
  assert.deepEqual(shown, ['No rollout logs in this workspace.', 'reward,advantage']);
  close();
});

test('a failing handler rejects the page’s promise with its message; malformed params fail their request only', async () => {
  const { client, close } = channel({
    listPage: async () => {
      throw new Error('saved search filter: bad regex /(/ in a.jsonl');
    },
    replayDiff: async (set) => {
      throw new Error(`Replay: unknown reward set "${set}"`);
    },
  });
  await assert.rejects(client.rpc.request('list/query', QUERY), { message: 'saved search filter: bad regex /(/ in a.jsonl' });
  await assert.rejects(client.replayDiff('nope', () => undefined, new AbortController().signal), { message: 'Replay: unknown reward set "nope"' });
  // The page is another process: a message that does not fit the protocol names the request and the field.
  const bad = client.rpc as unknown as { request(m: string, p: unknown): Promise<unknown> };
  await assert.rejects(bad.request('traces/export', { format: 'gif', name: 'x', data: new Uint8Array(1) }), { name: 'TypeError', message: "traces/export: format must be 'svg' or 'png'" });
  await assert.rejects(bad.request('list/query', { ...QUERY, offset: -1 }), { name: 'TypeError', message: /^list\/query: / });
  await assert.rejects(bad.request('traces/openRollout', { log: 'a', index: 'x' }), { name: 'TypeError', message: /^traces\/openRollout: log, index/ });
  // The channel still answers after the failures.
  assert.equal(await client.rpc.request('traces/openRollout', { log: 'a.jsonl', index: 1 }), null);
  close();
});

test('search: batches reach the call that asked, the final counts answer it', async () => {
  const { client, close } = channel();
  const batches: string[] = [];
  const r = await client.search({ pattern: 'think', regex: false, ignoreCase: true }, (hits, p) => batches.push(`${hits[0]!.snippet} ${p.matches}`), new AbortController().signal);
  assert.deepEqual(batches, ['think 3']);
  assert.deepEqual(r, { progress: PROGRESS, notes: ['1 bad line'] });
  close();
});

test('replay: progress comes to the caller as it runs; the result carries the summary and the column to sort by', async () => {
  const { client, close } = channel();
  const progress: string[] = [];
  const r = await client.replayDiff('segr1-intended', (m) => progress.push(m), new AbortController().signal);
  assert.deepEqual(progress, ['a.jsonl under segr1-intended', 'a.jsonl: 64 rollouts']);
  assert.deepEqual(r, { summary: { rewardSet: 'segr1-intended', changed: 5, invertedPairs: 1, text: 'segr1-intended: 5 of 64 compared totals change' }, columns: ['reward', 'replay |Δ total|'], sortBy: 'replay |Δ total|' });
  close();
});

test('cancelling from the page aborts the host’s work; late progress of the cancelled call is dropped', async () => {
  let report: ((m: string) => void) | undefined;
  const stopped: string[] = [];
  const { host, client, close } = channel({
    replayDiff: (_set, onProgress, signal) => {
      report = onProgress;
      onProgress('started');
      return untilAborted(signal, stopped);
    },
    search: (_spec, onBatch, signal) => {
      onBatch([], PROGRESS);
      return untilAborted(signal, stopped);
    },
  });
  const progress: string[] = [];
  const ac = new AbortController();
  const replay = client.replayDiff('segr1-reference', (m) => progress.push(m), ac.signal);
  await until(() => progress.length === 1);
  ac.abort();
  await assert.rejects(replay, { name: 'AbortError' });
  await until(() => stopped.length === 1);
  assert.deepEqual(stopped, ['AbortError'], 'the host handler’s signal aborted');
  // A progress report the host sends after the cancel (the workers were still winding down) reaches no one.
  report!('late');
  host.notify('replay/progress', { task: 1, message: 'late, by task' });
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(progress, ['started']);

  const sac = new AbortController();
  let batches = 0;
  const search = client.search({ pattern: 'x' }, () => void batches++, sac.signal);
  await until(() => batches === 1);
  sac.abort();
  await assert.rejects(search, { name: 'AbortError' });
  await until(() => stopped.length === 2);
  assert.deepEqual(stopped, ['AbortError', 'AbortError']);
  assert.equal(client.rpc.pendingCount, 0);
  close();
});
