/**
 * When a webview page counts as failed: it did not say `ready` within a deadline of being loaded (its script never
 * ran, e.g. a resource that failed to load after the editor moved to another group), or it reported a script or
 * resource error before saying `ready`. Pure (timers injected) so the rules are unit-tested without VS Code.
 */

/** What the page did, as the host saw it. */
export type LoadVerdict =
  /** Show the error page with Reload: the page never came up. */
  | { readonly kind: 'failed'; readonly reason: string }
  /** The page is up but hit an error: tell the user (with Reload) and keep the page. */
  | { readonly kind: 'degraded'; readonly reason: string }
  /** Nothing to do (a stale or repeated report). */
  | { readonly kind: 'ignore' };

/** Timer functions (setTimeout/clearTimeout in the host, a fake clock in tests). */
export interface WatchdogClock {
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

/** Options for {@link LoadWatchdog}. */
export interface WatchdogOptions {
  /** Name of the panel in messages ("Seg-R1 Workbench"). */
  readonly panel: string;
  /** How long a page may take to say `ready` (ms). */
  readonly deadlineMs: number;
  readonly clock: WatchdogClock;
  /** Called once per load that fails (deadline or an error before `ready`). */
  readonly onFailed: (reason: string) => void;
}

/** Default deadline: generous, since a loaded CI machine can take several seconds to start a webview. */
export const DEFAULT_LOAD_DEADLINE_MS = 30_000;

/**
 * One watchdog per panel. `loading()` when the page is (re)loaded or shown again, `ready()` when it says so,
 * `hidden()` when VS Code tears a hidden page down (no deadline runs while nothing loads).
 */
export class LoadWatchdog {
  private timer: unknown;
  private up = false;
  private failedLoad = false;
  /** Loads so far (the first load and each Reload): a report names which attempt failed. */
  private attempt = 0;

  constructor(private readonly o: WatchdogOptions) {}

  /** How many times the page has been loaded (1 after the first load). */
  get attempts(): number {
    return this.attempt;
  }

  /** True once the current page said `ready`. */
  get isReady(): boolean {
    return this.up;
  }

  /** The page is being (re)loaded: a new attempt, with a fresh deadline. */
  loading(): void {
    this.attempt++;
    this.up = false;
    this.failedLoad = false;
    this.arm();
  }

  /** The page was shown again and reloads by itself (a hidden webview is torn down): re-arm without a new attempt. */
  shown(): void {
    if (this.up || this.failedLoad) return;
    this.arm();
  }

  /** The page was hidden: its load stops, and so does the deadline. */
  hidden(): void {
    this.up = false;
    this.disarm();
  }

  /** The page said `ready`. */
  ready(): void {
    this.up = true;
    this.disarm();
  }

  /** The page reported a script or resource error: fatal before `ready`, a notice after. */
  error(message: string): LoadVerdict {
    const what = String(message).slice(0, 500);
    if (this.failedLoad) return { kind: 'ignore' };
    if (this.up) return { kind: 'degraded', reason: `${this.o.panel}: ${what}` };
    return this.fail(`${this.o.panel} did not load: ${what}`);
  }

  /** Stop every timer (panel disposed). */
  dispose(): void {
    this.disarm();
  }

  private fail(reason: string): LoadVerdict {
    this.disarm();
    this.failedLoad = true;
    this.o.onFailed(reason);
    return { kind: 'failed', reason };
  }

  private arm(): void {
    this.disarm();
    const attempt = this.attempt;
    this.timer = this.o.clock.setTimer(() => {
      this.timer = undefined;
      // A timer of an earlier attempt that fired late says nothing about this one.
      if (attempt !== this.attempt || this.up || this.failedLoad) return;
      this.fail(`${this.o.panel} did not load: its page did not start within ${Math.round(this.o.deadlineMs / 1000)} s (attempt ${attempt})`);
    }, this.o.deadlineMs);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.o.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
