import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, makeNonce, renderWebviewHtml } from '../../../src/extension/webviewHtml';

const base = { cspSource: 'https://x.vscode-cdn.net', scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/dist/webview.css', title: 'Seg-R1 Workbench' };

test('CSP denies by default, allows scripts only by nonce, no eval or inline', () => {
  const html = renderWebviewHtml({ ...base, nonce: 'abc123' });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'nonce-abc123'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval|unsafe-inline/);
  assert.match(csp, /style-src https:\/\/x\.vscode-cdn\.net/);
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]!, /nonce="abc123"/);
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
