// The graph view: GraphSession runs (fake) `csflow graph`, whose SVG is laid out by the real
// Graphviz; the page is rendered in headless Chromium, a state is clicked and the jump is
// checked, problems are marked; and, when this csflow has `graph`, the same on the real one.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { findNode, parseGraph, problemsByNode, scalarColumnToUtf16 } from '../src/graph/graphData';
import { GraphSession, GraphToPage, SourceJump } from '../src/graph/graphSession';
import { sanitizeSvg } from '../src/graph/svg';
import { runProcess } from '../src/process';
import { FAKE_CSFLOW, FIXTURES, chromiumAvailable, eventually, launchChromium, openBridgedPage, pageServer, screenshotPaths, CSFLOW, ROOT } from './harness';

const FLOW_FILE = path.join(FIXTURES, 'phone_banking.csflow');

function session(posted: GraphToPage[], jumps: SourceJump[], flow = 'phone_banking', command = FAKE_CSFLOW, paths = [FLOW_FILE], cwd = FIXTURES) {
  return new GraphSession({ command, paths, flow, cwd }, runProcess, (m) => posted.push(m), (j) => jumps.push(j));
}

describe('graph data', () => {
  it('finds nodes by the names Graphviz gives them and maps problems onto them', () => {
    const graph = parseGraph(fs.readFileSync(path.join(FIXTURES, 'graph.json'), 'utf8'));
    assert.equal(findNode(graph, 'state:main_menu')?.kind, 'state');
    assert.equal(findNode(graph, '"state:main_menu"')?.id, 'state:main_menu');
    assert.equal(findNode(graph, 'main_menu')?.id, 'state:main_menu');
    assert.equal(findNode(graph, 'nothing'), undefined);
    const problems = problemsByNode(graph);
    assert.deepEqual(problems.get('state:old_menu'), { level: 'warning', marks: ['unreachable'], messages: ['unreachable-state: the state `old_menu` can never be reached'] });
    assert.equal(problems.has('state:main_menu'), false);
  });

  it('refuses a document that is not a graph, saying why', () => {
    assert.throws(() => parseGraph('not json'), /not JSON/);
    assert.throws(() => parseGraph('{"version":1}'), /no "nodes" list/);
  });

  it('converts columns counted in Unicode scalars to UTF-16 offsets', () => {
    assert.equal(scalarColumnToUtf16('say "😀😀" goto x', 10), 11);
    assert.equal(scalarColumnToUtf16('  state 中文', 9), 8);
    assert.equal(scalarColumnToUtf16('ab', 99), 2);
  });

  it('strips scripts, event handlers and script links from a picture', () => {
    const svg = sanitizeSvg('<?xml version="1.0"?><!DOCTYPE svg><svg onload="alert(1)"><script>alert(2)</script><a href="javascript:alert(3)"><g onclick=\'x()\'><title>state:a</title></g></a><foreignObject><div/></foreignObject></svg>');
    assert.equal(svg, '<svg><a href="#"><g><title>state:a</title></g></a></svg>');
    assert.throws(() => sanitizeSvg('error: no picture'), /no <svg>/);
  });
});

describe('GraphSession with csflow graph (fake csflow, real Graphviz)', () => {
  it('posts the picture, the problems per node and the diagnostics; a click jumps to the state', async () => {
    const posted: GraphToPage[] = [];
    const jumps: SourceJump[] = [];
    const graph = session(posted, jumps);
    await graph.handle({ type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['loading', 'graph']);
    const shown = posted[1] as Extract<GraphToPage, { type: 'graph' }>;
    assert.match(shown.svg, /^<svg[\s\S]*<title>state:main_menu<\/title>/);
    assert.deepEqual(shown.problems.map((p) => [p.id, p.level, p.marks]), [['state:old_menu', 'warning', ['unreachable']]]);
    assert.deepEqual(shown.diagnostics.map((d) => [d.name, d.line]), [['unreachable-state', 34], ['missing-no-match', 17]]);
    await graph.handle({ type: 'jump', keys: ['state:card_services', 'node3'] });
    assert.deepEqual(jumps, [{ file: FLOW_FILE, line: 24, column: 9, absoluteFile: FLOW_FILE }]);
    await graph.handle({ type: 'jumpDiagnostic', index: 1 });
    assert.equal(jumps[1]?.line, 17);
  });

  it('says what went wrong when the flow does not exist or csflow is missing', async () => {
    const posted: GraphToPage[] = [];
    await session(posted, [], 'no_such_flow').refresh();
    const error = posted.at(-1) as Extract<GraphToPage, { type: 'error' }>;
    assert.equal(error.type, 'error');
    assert.match(error.message, /could not draw the flow "no_such_flow"/);
    assert.match(error.detail, /no flow named `no_such_flow`/);
    const missing: GraphToPage[] = [];
    await session(missing, [], 'phone_banking', '/no/such/csflow').refresh();
    assert.match((missing.at(-1) as { message: string }).message, /was not found/);
  });

  it('falls back to the state name when csflow gives no JSON', () => {
    const graph = session([], []);
    assert.deepEqual(graph.locate(['"state:goodbye"']), { file: undefined, line: 0, column: 0, absoluteFile: undefined, stateName: 'goodbye' });
  });
});

describe('the graph page in headless Chromium', { skip: chromiumAvailable() }, () => {
  let browser: Browser;
  let server: Awaited<ReturnType<typeof pageServer>>;
  before(async () => {
    browser = await launchChromium();
    server = await pageServer({ '/graph.html': { title: 'Flow graph', script: 'graph.js', style: 'graph.css' } });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('draws the flow, marks the unreachable state, jumps on a click, lists problems', async () => {
    const jumps: SourceJump[] = [];
    const ready: { bridge?: Awaited<ReturnType<typeof openBridgedPage>> } = {};
    const early: unknown[] = [];
    const post = (m: unknown): void => (ready.bridge ? void ready.bridge.toPage(m) : void early.push(m));
    const graph = new GraphSession({ command: FAKE_CSFLOW, paths: [FLOW_FILE], flow: 'phone_banking', cwd: FIXTURES }, runProcess, post, (j) => jumps.push(j));
    const pending: Promise<void>[] = [];
    const bridge = await openBridgedPage(browser, `${server.origin}/graph.html`, (m) => pending.push(graph.handle(m as never)), { width: 820, height: 760 });
    ready.bridge = bridge;
    for (const m of early.splice(0)) void bridge.toPage(m);
    const { page, errors } = bridge;
    await eventually('the picture', async () => (await page.locator('.canvas svg g.node').count()) === 8);
    assert.equal(await page.locator('.title').textContent(), 'Flow graph: phone_banking');
    const oldMenu = page.locator('g.node', { has: page.locator('text', { hasText: 'old_menu' }) });
    assert.match((await oldMenu.getAttribute('class')) ?? '', /problem problem-warning mark-unreachable/);
    assert.match((await oldMenu.locator('title').textContent()) ?? '', /unreachable-state: the state `old_menu` can never be reached/);
    assert.equal(await page.locator('.problems li').count(), 2);
    await page.locator('g.node', { has: page.locator('text', { hasText: 'card_services' }) }).click();
    await eventually('the jump', () => jumps.length === 1);
    assert.deepEqual(jumps[0], { file: FLOW_FILE, line: 24, column: 9, absoluteFile: FLOW_FILE });
    await page.locator('.problems li', { hasText: 'missing-no-match' }).click();
    await eventually('the jump to the diagnostic', () => jumps.length === 2);
    assert.equal(jumps[1]!.line, 17);
    for (const file of screenshotPaths('graph.png')) await page.screenshot({ path: file, fullPage: true });
    // Zoom changes the picture's size; refresh redraws it.
    const before = (await page.locator('.canvas svg').boundingBox())!.width;
    await page.locator('button.zoom-in').click();
    await page.locator('button.zoom-in').click();
    assert.ok((await page.locator('.canvas svg').boundingBox())!.width !== before);
    await page.locator('button.refresh').click();
    await eventually('the refresh', async () => (await page.locator('.canvas svg g.node').count()) === 8);
    await Promise.all(pending);
    assert.deepEqual(errors, []);
  });
});

/** `csflow graph` exists once the graph command has landed; until then this says so and is skipped. */
function realGraph(): string | undefined {
  if (!fs.existsSync(CSFLOW)) return `csflow is not built at ${CSFLOW}`;
  const help = spawnSync(CSFLOW, ['graph', '--help'], { encoding: 'utf8' });
  return help.status === 0 ? undefined : 'this csflow has no `graph` command yet';
}

describe('GraphSession with the real csflow graph', { skip: realGraph() }, () => {
  it('draws bank_phone from the examples, and every state of it can be clicked to its source', async () => {
    const posted: GraphToPage[] = [];
    const jumps: SourceJump[] = [];
    const bank = path.join(ROOT, 'examples', 'bank', 'bank.csflow');
    const graph = session(posted, jumps, 'bank_phone', CSFLOW, [bank], ROOT);
    await graph.refresh();
    const shown = posted.at(-1) as Extract<GraphToPage, { type: 'graph' }>;
    assert.equal(shown.type, 'graph', JSON.stringify(posted.at(-1)));
    assert.equal(shown.warning, undefined);
    const titles = [...shown.svg.matchAll(/<g id="[^"]*" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]!.replace(/&#45;/g, '-'));
    const states = titles.filter((t) => t.startsWith('state:'));
    assert.ok(states.length >= 5, titles.join(', '));
    const lines = fs.readFileSync(bank, 'utf8').split('\n');
    for (const title of states) {
      const target = graph.locate([title]);
      assert.ok(target && !target.stateName, `no place for ${title}`);
      assert.match(lines[target.line - 1]!, new RegExp(`state ${title.slice('state:'.length)}\\b`));
    }
  });

  it('is shown in the graph page; clicking a state of the real picture jumps to it', { skip: chromiumAvailable() }, async () => {
    const bank = path.join(ROOT, 'examples', 'bank', 'bank.csflow');
    const jumps: SourceJump[] = [];
    const ready: { bridge?: Awaited<ReturnType<typeof openBridgedPage>> } = {};
    const early: unknown[] = [];
    const post = (m: unknown): void => (ready.bridge ? void ready.bridge.toPage(m) : void early.push(m));
    const graph = new GraphSession({ command: CSFLOW, paths: [bank], flow: 'bank_phone', cwd: ROOT }, runProcess, post, (j) => jumps.push(j));
    const browser = await launchChromium();
    const server = await pageServer({ '/graph.html': { title: 'Flow graph', script: 'graph.js', style: 'graph.css' } });
    try {
      const bridge = await openBridgedPage(browser, `${server.origin}/graph.html`, (m) => void graph.handle(m as never), { width: 1100, height: 760 });
      ready.bridge = bridge;
      for (const m of early.splice(0)) void bridge.toPage(m);
      const { page, errors } = bridge;
      await eventually('the picture', async () => (await page.locator('.canvas svg g.node').count()) > 5, 30000);
      for (const file of screenshotPaths('graph-bank.png')) await page.screenshot({ path: file });
      const lostCard = page.locator('g.node', { has: page.locator('title', { hasText: /^state:lost_card$/ }) });
      await lostCard.locator('text').first().click();
      await eventually('the jump', () => jumps.length === 1);
      const lines = fs.readFileSync(bank, 'utf8').split('\n');
      assert.match(lines[jumps[0]!.line - 1]!, /state lost_card \{/);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  });
});
