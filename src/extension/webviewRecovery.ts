import * as vscode from 'vscode';
import { DEFAULT_LOAD_DEADLINE_MS, LoadWatchdog } from '../host/loadWatchdog';
import { renderErrorHtml, renderWebviewHtml } from '../host/webviewHtml';
import type { WebviewLifecycleMessage } from '../shared/webviewLifecycle';

/**
 * Test-only hook: `SEGR1_TEST_FAIL_WEBVIEW_LOAD=workbench:2` (comma-separated `key:attempt`) in the extension host's
 * environment makes that page load of that panel point at a script that does not exist, as a failed resource load
 * does. Unset in production; it costs only that one load, which Reload recovers.
 */
const FAIL_LOAD_ENV = 'SEGR1_TEST_FAIL_WEBVIEW_LOAD';

function failThisLoad(key: string, attempt: number): boolean {
  return (process.env[FAIL_LOAD_ENV] ?? '').split(',').some((e) => e.trim() === `${key}:${attempt}`);
}

/** What a panel gives its recovery. */
export interface RecoveryOptions {
  /** Panel name in messages ("Seg-R1 Workbench"). */
  readonly title: string;
  /** Hook key for the test-only failure ("workbench", "traces"). */
  readonly key: string;
  /** Bundle file names in dist/. */
  readonly script: string;
  readonly style: string;
  /** Called before the page is rebuilt by Reload: the panel forgets that the page was ready and keeps what it showed. */
  readonly beforeReload: () => void;
}

/**
 * Loads a panel's page and watches it: a page that reports a load error or does not say `ready` within the deadline
 * is replaced by an error page with Reload; Reload rebuilds the page, and the panel restores what it showed
 * (its own record of the selection, and the page's webview state).
 */
export class WebviewRecovery implements vscode.Disposable {
  private readonly watchdog: LoadWatchdog;
  private readonly dist: vscode.Uri;

  constructor(private readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly o: RecoveryOptions) {
    this.dist = vscode.Uri.joinPath(extensionUri, 'dist');
    this.watchdog = new LoadWatchdog({
      panel: o.title,
      deadlineMs: DEFAULT_LOAD_DEADLINE_MS,
      clock: { setTimer: (fn, ms) => setTimeout(fn, ms), clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) },
      onFailed: (reason) => this.showError(reason),
    });
  }

  /** Set (or reset) the page's HTML: a fresh nonce each time, so VS Code really reloads it. */
  load(): void {
    const webview = this.panel.webview;
    this.watchdog.loading();
    const script = failThisLoad(this.o.key, this.watchdog.attempts) ? 'missing-for-recovery-test.js' : this.o.script;
    webview.html = renderWebviewHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.dist, script)).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.dist, this.o.style)).toString(),
      title: this.o.title,
    });
  }

  /** The page said `ready`. */
  ready(): void {
    this.watchdog.ready();
  }

  /** The panel was shown or hidden (a hidden page is torn down and reloads when shown). */
  visibilityChanged(visible: boolean): void {
    if (visible) this.watchdog.shown();
    else this.watchdog.hidden();
  }

  /** Handle a lifecycle message from the page. */
  onMessage(m: WebviewLifecycleMessage): void {
    if (m.type === 'webview/reload') {
      this.reload();
      return;
    }
    const verdict = this.watchdog.error(typeof m.message === 'string' ? m.message : 'unknown error');
    if (verdict.kind !== 'degraded') return;
    // The page is up: keep it, say what happened, offer Reload.
    console.warn(`[segr1] ${verdict.reason}`);
    void vscode.window.showErrorMessage(verdict.reason, 'Reload').then((c) => {
      if (c === 'Reload') this.reload();
    });
  }

  /** Rebuild the page; the panel restores what it showed once the new page says `ready`. */
  reload(): void {
    this.o.beforeReload();
    this.load();
  }

  private showError(reason: string): void {
    console.warn(`[segr1] ${reason}`);
    this.panel.webview.html = renderErrorHtml({ title: this.o.title, reason });
  }

  dispose(): void {
    this.watchdog.dispose();
  }
}
