// Issue 15 item 2: the index worker speaks RpcEndpoint (requests with replies, errors and progress notifications).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { IndexWorkerNotifications, IndexWorkerRequests } from '../../../src/core/logs/parallelIndex';
import { workerChannel } from '../../../src/core/workers/workerRpc';
import { tempDir } from '../tempDir';

const SCRIPT = join(__dirname, '..', '..', '..', 'src', 'core', 'logs', 'indexWorker.js');

test('index worker: a range is a request whose reply carries the columns; a failure comes back as an error naming the file', async () => {
  const dir = tempDir('segr1-idxrpc-');
  const log = join(dir, 'run.jsonl');
  writeFileSync(log, [1, 2, 3].map((k) => JSON.stringify({ step: k, group: 'g', sample: k, completion: 'x', reward: k / 2 })).join('\n') + '\n');
  const ch = workerChannel<IndexWorkerRequests, IndexWorkerNotifications>(new Worker(SCRIPT), 'index worker');
  try {
    const part = await ch.rpc.request('index/range', { path: log, start: 0 }, { timeoutMs: 20_000 });
    assert.equal(part.index.count, 3);
    assert.deepEqual([...part.index.reward], [0.5, 1, 1.5]);
    const missing = join(dir, 'gone.jsonl');
    await assert.rejects(ch.rpc.request('index/range', { path: missing, start: 0 }, { timeoutMs: 20_000 }), (e: Error) => e.message.includes(missing));
    // The thread still serves after an error.
    assert.equal((await ch.rpc.request('index/range', { path: log, start: 0 }, { timeoutMs: 20_000 })).index.count, 3);
  } finally {
    ch.close();
  }
});
