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
 * The shell page of every workbench webview: strict CSP (default-src 'none', scripts only by nonce,
 * no eval, no inline style), one script, one stylesheet. All content is built by the script with DOM APIs.
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
<script nonce="${escapeAttr(nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
