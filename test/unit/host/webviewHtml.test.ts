import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BOOT_SCRIPT, escapeHtml, makeNonce, renderErrorHtml, renderWebviewHtml } from '../../../src/host/webviewHtml';

const base = { cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/dist/webview.css', title: 'Seg-R1 Workbench' };

test('CSP denies by default, allows scripts only by nonce, no eval or inline', () => {
  const html = renderWebviewHtml({ ...base, nonce: 'abc123' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
  assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  // The boot script (error reports) and the bundle, both by nonce.
  assert.equal(scripts.length, 2);
  for (const s of scripts) assert.match(s!, /nonce="abc123"/);
  assert.doesNotMatch(html, /style="/);
});

test('nonces are fresh, long and from a CSPRNG-sized space', () => {
  const a = makeNonce();
  const b = makeNonce();
  assert.notEqual(a, b);
  assert.ok(Buffer.from(a, 'base64').length >= 16);
  assert.notEqual(renderWebviewHtml(base), renderWebviewHtml(base));
});

test('title and URIs are escaped', () => {
  const html = renderWebviewHtml({ ...base, title: '<img src=x onerror=alert(1)>', nonce: 'n' });
  assert.doesNotMatch(html, /<img/);
  assert.equal(escapeHtml(`"'<>&`), '&quot;&#39;&lt;&gt;&amp;');
});

test('the error page escapes the reason, has a Reload button and allows only its own nonce', () => {
  const html = renderErrorHtml({ title: 'Seg-R1 Workbench', reason: '<img src=x onerror=alert(1)> failed', nonce: 'n0' });
  assert.doesNotMatch(html, /<img/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt; failed/);
  assert.match(html, /<button id="reload"[^>]*>Reload<\/button>/);
  assert.match(html, /webview\/reload/);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-n0'(;|$)/);
  for (const m of html.matchAll(/<(script|style)([^>]*)>/g)) assert.match(m[2]!, /nonce="n0"/);
});

test('the boot script reports load errors, script errors and script CSP violations as webview/error', () => {
  assert.match(BOOT_SCRIPT, /addEventListener\('error'/);
  assert.match(BOOT_SCRIPT, /securitypolicyviolation/);
  assert.match(BOOT_SCRIPT, /type: 'webview\/error'/);
  // It parses as a script (a syntax error in it would silently disable every report).
  assert.doesNotThrow(() => new Function(BOOT_SCRIPT));
  assert.ok(renderWebviewHtml({ ...base, nonce: 'q' }).includes(BOOT_SCRIPT));
});
