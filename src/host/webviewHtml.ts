import { randomBytes } from 'node:crypto';

/** Inputs for the workbench page; URIs must already be webview URIs (asWebviewUri). */
export interface WebviewHtmlOptions {
  /** `webview.cspSource`: the origin allowed to serve our script and stylesheet. */
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
  /** Supplied by tests for deterministic output; otherwise 128 random bits. */
  readonly nonce?: string;
}

/** A fresh nonce from the OS CSPRNG (never Math.random). */
export function makeNonce(): string {
  return randomBytes(16).toString('base64');
}

/** HTML-escape text placed inside attribute values or elements of the shell page. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Escape text for a double-quoted attribute value (single quotes stay readable, e.g. in the CSP). */
export function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/**
 * Runs before the page's bundle: reports a script or stylesheet that fails to load, an uncaught script error and a
 * CSP violation that blocks a script as `webview/error`, so the host can show an error with Reload instead of a
 * blank panel. It shares the one VS Code API instance with the bundle (acquireVsCodeApi may be called once per page,
 * so the bundle's call returns the same instance). Its text is constant: nothing from the host or a log is in it.
 */
export const BOOT_SCRIPT = `(function () {
  var acquire = globalThis.acquireVsCodeApi;
  if (typeof acquire !== 'function') return;
  var api;
  globalThis.acquireVsCodeApi = function () { return api || (api = acquire()); };
  var sent = 0;
  function report(message) {
    if (sent >= 5) return;
    sent++;
    try { globalThis.acquireVsCodeApi().postMessage({ type: 'webview/error', message: String(message).slice(0, 500) }); } catch (e) { /* the host is gone */ }
  }
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && (t.tagName === 'SCRIPT' || t.tagName === 'LINK')) {
      report('failed to load ' + (t.tagName === 'SCRIPT' ? 'script ' + t.src : 'stylesheet ' + t.href));
      return;
    }
    if (t && t !== window) return;
    if (/ResizeObserver loop/.test(e.message || '')) return;
    report((e.message || 'script error') + ' at ' + (e.filename || 'unknown file') + ':' + (e.lineno || 0) + ':' + (e.colno || 0));
  }, true);
  document.addEventListener('securitypolicyviolation', function (e) {
    if (!/^(script|worker)/.test(e.effectiveDirective || '')) return;
    report('Content-Security-Policy (' + e.effectiveDirective + ') blocked ' + (e.blockedURI || 'an inline script') + ' at ' + (e.sourceFile || 'unknown file') + ':' + (e.lineNumber || 0));
  });
})();`;

/** Inputs for the error page shown instead of a webview that failed to load. */
export interface ErrorHtmlOptions {
  readonly title: string;
  /** Why it failed (text; escaped here). */
  readonly reason: string;
  readonly nonce?: string;
}

/**
 * The page shown when a panel's webview failed to load: the reason and a Reload button that asks the host to rebuild
 * the page (`webview/reload`). Self-contained (inline style and script by nonce), so it shows even when the
 * bundle or the stylesheet is what failed.
 */
export function renderErrorHtml(o: ErrorHtmlOptions): string {
  const nonce = o.nonce ?? makeNonce();
  const csp = ["default-src 'none'", `style-src 'nonce-${nonce}'`, `script-src 'nonce-${nonce}'`].join('; ');
  const n = escapeAttr(nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<title>${escapeHtml(o.title)}</title>
<style nonce="${n}">
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); background: var(--vscode-editor-background); padding: 2em; }
.load-error { border-left: 4px solid var(--vscode-errorForeground, #f14c4c); padding: 0.5em 1em; max-width: 60em; }
button { font: inherit; color: var(--vscode-button-foreground); background: var(--vscode-button-background); border: 1px solid var(--vscode-contrastBorder, transparent); padding: 4px 14px; cursor: pointer; }
button:hover { background: var(--vscode-button-hoverBackground); }
button:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 2px; }
</style>
</head>
<body>
<div class="load-error" id="load-error" role="alert">
<h2>${escapeHtml(o.title)} could not be shown</h2>
<p id="load-error-reason">${escapeHtml(o.reason)}</p>
<p>Reload rebuilds the panel and shows what it showed before.</p>
<button id="reload" type="button">Reload</button>
</div>
<script nonce="${n}">
(function () {
  var api = acquireVsCodeApi();
  var b = document.getElementById('reload');
  b.addEventListener('click', function () { b.disabled = true; b.textContent = 'Reloading…'; api.postMessage({ type: 'webview/reload' }); });
  b.focus();
})();
</script>
</body>
</html>`;
}

/**
 * The shell page of every workbench webview: strict CSP (default-src 'none', scripts only by nonce,
 * no eval, no inline style), the boot script, one script, one stylesheet. All content is built by the script with DOM APIs.
 */
export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const nonce = o.nonce ?? makeNonce();
  const csp = [
    "default-src 'none'",
    `img-src ${o.cspSource} blob: data:`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" role="application" aria-label="${escapeAttr(o.title)}"></div>
<script nonce="${escapeAttr(nonce)}">${BOOT_SCRIPT}</script>
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
