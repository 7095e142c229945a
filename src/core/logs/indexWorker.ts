import { isMainThread, parentPort } from 'node:worker_threads';
import { IndexBuilder } from './indexBuilder';
import { columnBuffers } from './indexColumns';
import type { IndexRangeRequest, IndexWorkerMessage } from './parallelIndex';
import { scanRange } from './rangeScan';

/** Index one range of a log for indexRolloutLogParallel: its columns travel back as transferred buffers, not copies. */
async function indexRange(req: IndexRangeRequest, post: (m: IndexWorkerMessage, transfer?: ArrayBuffer[]) => void): Promise<void> {
  const b = new IndexBuilder(undefined, false);
  let reported = 0;
  const scan = await scanRange(
    req.path,
    b,
    { offset: req.start, lineNo: 1 },
    {
      exact: req.exact,
      maxLineBytes: req.maxLineBytes,
      chunkBytes: req.chunkBytes,
      until: req.until,
      onProgress: (pos) => {
        // Every 32 MiB is enough for a progress bar and keeps the port quiet.
        if (pos - reported < 32 * 1024 * 1024) return;
        reported = pos;
        post({ type: 'index/progress', bytes: pos - req.start });
      },
    },
    req.start === 0,
  );
  const issues = [...b.issues.items];
  const dropped = b.issues.droppedCount;
  const index = b.finish({ path: req.path, size: scan.res.size, mtimeMs: 0, scanned: scan.res.end, nextLine: scan.res.nextLineNo });
  const transfer = columnBuffers(index);
  post({ type: 'index/done', part: { index: { ...index, issues: [] }, issues, dropped, extra: scan.extra, binary: scan.binary } }, transfer);
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  port.once('message', (req: IndexRangeRequest) => {
    if (req.type !== 'index/range') return;
    indexRange(req, (m, transfer) => port.postMessage(m, transfer)).catch((e: unknown) => port.postMessage({ type: 'index/failed', message: e instanceof Error ? e.message : String(e) } satisfies IndexWorkerMessage));
  });
}
