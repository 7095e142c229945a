import { RpcEndpoint, type PostFn } from '../shared/rpc';
import type { ReplaySummaryDto, SearchSpecDto, TraceSearchHit, TraceSearchProgress, TracesHostNotifications, TracesHostRequests, TracesWebviewNotifications } from '../shared/tracesProtocol';

/** The webview's end of the traces channel. */
export type TracesWebviewEndpoint = RpcEndpoint<TracesHostRequests, Record<never, never>, TracesWebviewNotifications, TracesHostNotifications>;

/** What a finished replay gives the page. */
export interface ReplayOutcome {
  readonly summary: ReplaySummaryDto;
  readonly columns: readonly string[];
  readonly sortBy: string;
}

/**
 * The traces page's end of the channel (no DOM: it runs in a unit test over a MessageChannel as in the page). Plain
 * requests go through `rpc`; the long ones (search, replay) get a task number here, so their progress notifications
 * reach the call that asked for them and a cancelled call's late progress is dropped.
 */
export class TracesClient {
  readonly rpc: TracesWebviewEndpoint;
  private nextTask = 1;
  private readonly searches = new Map<number, (hits: readonly TraceSearchHit[], progress: TraceSearchProgress) => void>();
  private readonly replays = new Map<number, (message: string) => void>();

  constructor(post: PostFn) {
    // No timeout: a replay or a search over a big workspace, or a save dialog, takes as long as it takes; each is
    // cancellable, and the page's endpoint goes with the page.
    this.rpc = new RpcEndpoint(post, { timeoutMs: 0 });
    this.rpc.on('search/batch', (b) => this.searches.get(b.task)?.(b.hits, b.progress));
    this.rpc.on('replay/progress', (p) => this.replays.get(p.task)?.(p.message));
  }

  /** Feed one message from the host; false for traffic that is not the channel's. */
  receive(message: unknown): boolean {
    return this.rpc.receive(message);
  }

  /** Search every completion: batches go to `onBatch` until the final counts answer (AbortError when cancelled). */
  async search(spec: SearchSpecDto, onBatch: (hits: readonly TraceSearchHit[], progress: TraceSearchProgress) => void, signal: AbortSignal): Promise<{ progress: TraceSearchProgress; notes: readonly string[] }> {
    const task = this.nextTask++;
    this.searches.set(task, onBatch);
    try {
      return await this.rpc.request('search/run', { task, spec }, { signal });
    } finally {
      this.searches.delete(task);
    }
  }

  /** "Largest replay Δ" under a reward set, progress to `onProgress`; null when there is nothing to replay. */
  async replayDiff(rewardSet: string, onProgress: (message: string) => void, signal: AbortSignal): Promise<ReplayOutcome | null> {
    const task = this.nextTask++;
    this.replays.set(task, onProgress);
    try {
      return await this.rpc.request('list/replayDiff', { task, rewardSet }, { signal });
    } finally {
      this.replays.delete(task);
    }
  }

  /** Stop listening and reject whatever is pending. */
  dispose(): void {
    this.searches.clear();
    this.replays.clear();
    this.rpc.dispose();
  }
}
