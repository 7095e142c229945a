import { RpcEndpoint, type PostFn } from '../shared/rpc';
import type {
  ListPage,
  ListQuery,
  ReplaySummaryDto,
  SavedSearchDto,
  SearchSpecDto,
  TraceSearchHit,
  TraceSearchProgress,
  TracesHostNotifications,
  TracesHostRequests,
  TracesWebviewNotifications,
} from '../shared/tracesProtocol';

/** The host's end of the traces channel. */
export type TracesHostEndpoint = RpcEndpoint<Record<never, never>, TracesHostRequests, TracesHostNotifications, TracesWebviewNotifications>;

/** What a finished "Largest replay Δ" gives the webview. */
export interface ReplayDiffResult {
  readonly summary: ReplaySummaryDto;
  readonly columns: readonly string[];
  readonly sortBy: string;
}

/**
 * What the traces panel does for its webview; the panel implements it with VS Code and the workspace, a test with
 * fakes. Every method may throw: the error goes back to the webview, which shows it.
 */
export interface TracesBackend {
  /** The webview is listening (first load, or rebuilt after it was hidden). */
  ready(): void;
  /** A page of the rollout list; null when the data was replaced while it was computed. */
  listPage(query: ListQuery, signal: AbortSignal): Promise<ListPage | null>;
  /** Search every completion, handing batches to `onBatch`; resolves with the final counts. */
  search(spec: SearchSpecDto, onBatch: (hits: readonly TraceSearchHit[], progress: TraceSearchProgress) => void, signal: AbortSignal): Promise<{ progress: TraceSearchProgress; notes: readonly string[] }>;
  /** Replay every rollout off the extension host's thread; null when there is nothing to replay. */
  replayDiff(rewardSet: string, onProgress: (message: string) => void, signal: AbortSignal): Promise<ReplayDiffResult | null>;
  saveSearches(searches: readonly SavedSearchDto[]): Promise<void>;
  runAttribution(): Promise<void>;
  openRollout(log: string, index: number): Promise<void>;
  openStep(log: string, step: number): Promise<void>;
  /** Save an exported chart; the workspace-relative path written, or null when the user dismissed the dialog. */
  exportChart(format: 'svg' | 'png', name: string, data: Uint8Array): Promise<string | null>;
  setAlternative(alternative: string): void;
}

/** Throw a TypeError naming the request and field when a param is not what the protocol says. */
function check(ok: boolean, method: string, field: string, want: string): void {
  if (!ok) throw new TypeError(`${method}: ${field} must be ${want}`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The host's end of the traces channel over `post`: every request of the webview handed to `backend` (params
 * checked first: the page is a separate process, and a bad message must fail its request, not the host), long ones
 * with their progress sent as notifications tagged with the caller's task number.
 */
export function serveTraces(post: PostFn, backend: TracesBackend): TracesHostEndpoint {
  // No timeout on the host's own sends: it sends notifications only.
  const rpc: TracesHostEndpoint = new RpcEndpoint(post, { timeoutMs: 0 });
  rpc.on('ready', () => backend.ready());
  rpc.on('signals/alternative', (p) => {
    if (typeof p?.alternative === 'string') backend.setAlternative(p.alternative);
  });
  rpc.handle('list/query', (q, ctx) => {
    check(typeof q?.sortKey === 'string' && (q.dir === 1 || q.dir === -1) && isCount(q.offset) && isCount(q.count) && isCount(q.limit), 'list/query', 'sortKey, dir, offset, count, limit', 'a string, ±1 and counts');
    return backend.listPage(q, ctx.signal);
  });
  rpc.handle('search/run', ({ task, spec }, ctx) => {
    check(isCount(task), 'search/run', 'task', 'a count');
    check(typeof spec?.pattern === 'string' && ['boolean', 'undefined'].includes(typeof spec.regex) && ['boolean', 'undefined'].includes(typeof spec.ignoreCase), 'search/run', 'spec', '{ pattern, regex, ignoreCase }');
    return backend.search(spec, (hits, progress) => rpc.notify('search/batch', { task, hits, progress }), ctx.signal);
  });
  rpc.handle('list/replayDiff', ({ task, rewardSet }, ctx) => {
    check(isCount(task), 'list/replayDiff', 'task', 'a count');
    check(typeof rewardSet === 'string', 'list/replayDiff', 'rewardSet', 'a string');
    return backend.replayDiff(rewardSet, (message) => rpc.notify('replay/progress', { task, message }), ctx.signal);
  });
  rpc.handle('search/save', async ({ searches }) => {
    check(Array.isArray(searches), 'search/save', 'searches', 'an array');
    await backend.saveSearches(searches);
    return null;
  });
  rpc.handle('attribution/run', async () => {
    await backend.runAttribution();
    return null;
  });
  rpc.handle('traces/openRollout', async ({ log, index }) => {
    check(typeof log === 'string' && isCount(index), 'traces/openRollout', 'log, index', 'a string and a count');
    await backend.openRollout(log, index);
    return null;
  });
  rpc.handle('traces/openStep', async ({ log, step }) => {
    check(typeof log === 'string' && typeof step === 'number' && Number.isFinite(step), 'traces/openStep', 'log, step', 'a string and a number');
    await backend.openStep(log, step);
    return null;
  });
  rpc.handle('traces/export', ({ format, name, data }) => {
    check(format === 'svg' || format === 'png', 'traces/export', 'format', "'svg' or 'png'");
    check(typeof name === 'string' && data instanceof Uint8Array, 'traces/export', 'name, data', 'a string and bytes');
    return backend.exportChart(format, name, data);
  });
  return rpc;
}
