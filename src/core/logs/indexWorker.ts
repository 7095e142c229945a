import { isMainThread, parentPort } from 'node:worker_threads';
import type { HandlerContext } from '../../shared/rpc';
import { serveOnPort } from '../workers/workerRpc';
import { IndexBuilder } from './indexBuilder';
import { columnBuffers } from './indexColumns';
import type { IndexedPart, IndexRangeRequest, IndexWorkerNotifications, IndexWorkerRequests } from './parallelIndex';
import { scanRange } from './rangeScan';

/** Index one range of a log for indexRolloutLogParallel: its columns travel back as transferred buffers, not copies. */
async function indexRange(req: IndexRangeRequest, ctx: HandlerContext, progress: (bytes: number) => void): Promise<IndexedPart> {
  const b = new IndexBuilder(undefined, false);
  let reported = 0;
  const scan = await scanRange(
    req.path,
    b,
    { offset: req.start, lineNo: 1 },
    {
      signal: ctx.signal,
      exact: req.exact,
      maxLineBytes: req.maxLineBytes,
      chunkBytes: req.chunkBytes,
      until: req.until,
      onProgress: (pos) => {
        // Every 32 MiB is enough for a progress bar and keeps the port quiet.
        if (pos - reported < 32 * 1024 * 1024) return;
        reported = pos;
        progress(pos - req.start);
      },
    },
    req.start === 0,
  );
  const issues = [...b.issues.items];
  const dropped = b.issues.droppedCount;
  const index = b.finish({ path: req.path, size: scan.res.size, mtimeMs: 0, scanned: scan.res.end, nextLine: scan.res.nextLineNo });
  ctx.transfer(columnBuffers(index));
  return { index: { ...index, issues: [] }, issues, dropped, extra: scan.extra, binary: scan.binary };
}

if (!isMainThread && parentPort) {
  const rpc = serveOnPort<IndexWorkerRequests, IndexWorkerNotifications>(parentPort);
  rpc.handle('index/range', (req, ctx) => indexRange(req, ctx, (bytes) => rpc.notify('index/progress', { bytes })));
}
