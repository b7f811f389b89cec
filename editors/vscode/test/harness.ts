/**
 * Test helpers: the fake csflow program, and a webview page rendered in headless Chromium
 * exactly as the extension renders it (same HTML shell, script and style sheet), with
 * VS Code's postMessage bridged to a session object running in the test.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import type { Browser, Page } from 'playwright-core';
import { renderPage } from '../src/page';

export const EXTENSION = path.join(__dirname, '..', '..');
export const FIXTURES = path.join(EXTENSION, 'test', 'fixtures');
export const FAKE_CSFLOW = path.join(FIXTURES, 'fake-csflow.js');
export const OUTPUT = path.join(EXTENSION, 'test-output');

const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html; charset=utf-8' };

/** Serves media/ and out/webview/ like VS Code's webview resource loader, plus one page. */
export async function pageServer(pages: Record<string, { title: string; script: string; style: string }>): Promise<{ origin: string; close(): Promise<void> }> {
  let origin = '';
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname === '/favicon.ico') {
      response.writeHead(204).end();
      return;
    }
    const page = pages[url.pathname];
    if (page) {
      response.writeHead(200, { 'content-type': TYPES['.html']! });
      response.end(renderPage({ title: page.title, cspSource: origin, scriptUri: `${origin}/out/webview/${page.script}`, styleUri: `${origin}/media/${page.style}`, initial: {} }));
      return;
    }
    const file = path.join(EXTENSION, path.normalize(url.pathname));
    if (!file.startsWith(path.join(EXTENSION, 'media')) && !file.startsWith(path.join(EXTENSION, 'out', 'webview'))) {
      response.writeHead(404).end();
      return;
    }
    fs.readFile(file, (error, data) => {
      if (error) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      response.end(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
}

/**
 * Opens a page whose `acquireVsCodeApi().postMessage` calls `toHost` in the test, and
 * returns `toPage`, which delivers a message to the page as VS Code's `webview.postMessage` does.
 * Errors in the page (including CSP violations) are collected.
 */
export async function openBridgedPage(
  browser: Browser,
  url: string,
  toHost: (message: unknown) => void,
  size = { width: 900, height: 700 },
): Promise<{ page: Page; toPage: (message: unknown) => Promise<void>; errors: string[] }> {
  const context = await browser.newContext({ viewport: size, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.exposeFunction('__csflowToHost', (message: unknown) => toHost(message));
  await page.addInitScript(() => {
    const w = globalThis as unknown as { acquireVsCodeApi: () => unknown; __csflowToHost: (m: unknown) => void };
    w.acquireVsCodeApi = () => ({ postMessage: (message: unknown) => w.__csflowToHost(message), getState: () => undefined, setState: () => undefined });
  });
  let chain = Promise.resolve();
  const toPage = (message: unknown): Promise<void> => {
    chain = chain.then(() => page.evaluate((m) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(m, '*'), message)).catch(() => undefined);
    return chain;
  };
  await page.goto(url);
  return { page, toPage, errors };
}

/** Waits until `check` is true (polling), failing with `what` after `ms`. */
export async function eventually(what: string, check: () => boolean | Promise<boolean>, ms = 10000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Where a screenshot goes: test-output/, and images/ when UPDATE_SCREENSHOTS=1 (for the README). */
export function screenshotPaths(name: string): string[] {
  fs.mkdirSync(OUTPUT, { recursive: true });
  const paths = [path.join(OUTPUT, name)];
  if (process.env.UPDATE_SCREENSHOTS === '1') paths.push(path.join(EXTENSION, 'images', name));
  return paths;
}

export function chromiumAvailable(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  return `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)`;
}

export const ROOT = path.join(EXTENSION, '..', '..');
/** The csflow under test: CSFLOW_BIN, or the debug build of this checkout. */
export const CSFLOW = process.env.CSFLOW_BIN ?? path.join(ROOT, 'target', 'debug', 'csflow');

/** A reason to skip a test of the real csflow when it is not built — never under CI, where it must be. */
export function csflowMissing(): string | undefined {
  if (fs.existsSync(CSFLOW) || process.env.CI === 'true') return undefined;
  return `csflow is not built at ${CSFLOW}`;
}

/** The extension's grammar, loaded as VS Code loads it (vscode-textmate with Oniguruma). */
export async function loadGrammar() {
  const oniguruma = await import('vscode-oniguruma');
  const textmate = await import('vscode-textmate');
  const wasm = fs.readFileSync(path.join(EXTENSION, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({ createOnigScanner: (s: string[]) => new oniguruma.OnigScanner(s), createOnigString: (s: string) => new oniguruma.OnigString(s) }),
    loadGrammar: (scope: string) =>
      Promise.resolve(scope === 'source.csflow' ? textmate.parseRawGrammar(fs.readFileSync(path.join(EXTENSION, 'syntaxes', 'csflow.tmLanguage.json'), 'utf8'), 'csflow.tmLanguage.json') : null),
  });
  const grammar = await registry.loadGrammar('source.csflow');
  if (!grammar) throw new Error('the grammar source.csflow did not load');
  return { grammar, INITIAL: textmate.INITIAL };
}
