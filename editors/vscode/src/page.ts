/**
 * The HTML shell of a webview page: a strict content security policy (scripts only from the
 * extension, with a nonce), the page's style sheet and script, and an empty body the script
 * fills. The same shell is rendered in headless Chromium by the tests.
 */
import { randomBytes } from 'crypto';

export interface PageOptions {
  title: string;
  /** `webview.cspSource` in VS Code; the test server's origin in tests. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  /** Data the script reads on start (serialised into a data attribute, HTML-escaped). */
  initial: unknown;
  nonce?: string;
}

export function nonce(): string {
  return randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function renderPage(options: PageOptions): string {
  const scriptNonce = options.nonce ?? nonce();
  const csp = [
    "default-src 'none'",
    `img-src ${options.cspSource} data:`,
    `style-src ${options.cspSource} 'unsafe-inline'`,
    `font-src ${options.cspSource}`,
    `script-src 'nonce-${scriptNonce}' ${options.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${escapeHtml(options.styleUri)}">
</head>
<body data-initial="${escapeHtml(JSON.stringify(options.initial))}">
<div id="app"></div>
<script type="module" nonce="${scriptNonce}" src="${escapeHtml(options.scriptUri)}"></script>
</body>
</html>
`;
}
