import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOOT_SCRIPT } from '../../../src/host/webviewHtml';

type Listener = (e: Record<string, unknown>) => void;

/** Run the boot script against a fake page; returns what it posted and how to fire events. */
function boot() {
  const posted: unknown[] = [];
  let acquired = 0;
  const windowListeners = new Map<string, Listener>();
  const documentListeners = new Map<string, Listener>();
  const fakeWindow = { addEventListener: (t: string, l: Listener) => windowListeners.set(t, l) };
  const fakeDocument = { addEventListener: (t: string, l: Listener) => documentListeners.set(t, l) };
  const g: { acquireVsCodeApi: () => { postMessage(m: unknown): void } } = {
    acquireVsCodeApi: () => {
      if (++acquired > 1) throw new Error('An instance of the VS Code API has already been acquired');
      return { postMessage: (m: unknown) => posted.push(m) };
    },
  };
  new Function('globalThis', 'window', 'document', BOOT_SCRIPT)(g, fakeWindow, fakeDocument);
  return { g, posted, acquired: () => acquired, error: windowListeners.get('error')!, csp: documentListeners.get('securitypolicyviolation')!, fakeWindow };
}

test('a script that fails to load is reported as webview/error naming it', () => {
  const b = boot();
  b.error({ target: { tagName: 'SCRIPT', src: 'https://x/dist/webview.js' } });
  assert.deepEqual(b.posted, [{ type: 'webview/error', message: 'failed to load script https://x/dist/webview.js' }]);
});

test('an uncaught error names message, file, line and column; ResizeObserver noise and image errors are not reported', () => {
  const b = boot();
  b.error({ target: b.fakeWindow, message: 'ResizeObserver loop completed with undelivered notifications' });
  b.error({ target: { tagName: 'IMG', src: 'x.png' } });
  b.error({ target: b.fakeWindow, message: 'TypeError: x is undefined', filename: 'webview.js', lineno: 3, colno: 7 });
  assert.deepEqual(b.posted, [{ type: 'webview/error', message: 'TypeError: x is undefined at webview.js:3:7' }]);
});

test('only CSP violations that block scripts are reported', () => {
  const b = boot();
  b.csp({ effectiveDirective: 'style-src-elem', blockedURI: 'inline' });
  b.csp({ effectiveDirective: 'script-src-elem', blockedURI: 'https://evil/x.js', sourceFile: 'index.html', lineNumber: 4 });
  assert.deepEqual(b.posted, [{ type: 'webview/error', message: 'Content-Security-Policy (script-src-elem) blocked https://evil/x.js at index.html:4' }]);
});

test('the page bundle still gets the one API instance (acquireVsCodeApi may be called once per page)', () => {
  const b = boot();
  b.error({ target: { tagName: 'LINK', href: 'https://x/dist/webview.css' } });
  const api = b.g.acquireVsCodeApi();
  assert.equal(b.g.acquireVsCodeApi(), api);
  assert.equal(b.acquired(), 1);
});

test('reports are capped so an error in a loop cannot flood the host', () => {
  const b = boot();
  for (let k = 0; k < 50; k++) b.error({ target: b.fakeWindow, message: `e${k}` });
  assert.equal(b.posted.length, 5);
});
