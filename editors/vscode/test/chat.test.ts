// The chat panel: `csflow serve` (the fake one: a stub speaking the conversation API) started
// as the extension starts it, a ChatSession driving it, and the chat page in headless
// Chromium driven through a short phone conversation — keypad, "no answer", typed text.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { HttpConversationApi, Turn } from '../src/chat/api';
import { ChatSession, ChatToPage } from '../src/chat/chatSession';
import { RunningServer, startServe } from '../src/chat/serveProcess';
import { viewTurn } from '../src/chat/view';
import { CSFLOW, FAKE_CSFLOW, FIXTURES, ROOT, chromiumAvailable, eventually, launchChromium, openBridgedPage, pageServer, screenshotPaths } from './harness';

const FLOW_FILE = path.join(FIXTURES, 'phone_banking.csflow');

function requestLog(file: string): { url?: string; body?: unknown }[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as { url?: string; body?: unknown; method?: string })
    .filter((e) => e.method === 'POST');
}

describe('viewTurn', () => {
  it('shows outputs, options, recorded prompts, languages and how the conversation ended', () => {
    const turn: Turn = {
      id: 'c1',
      status: 'handed_off',
      state: 'main_menu',
      outputs: [
        { type: 'play', url: 'audio/welcome.wav', text: 'Welcome.' },
        { type: 'say', text: '正在为您转接人工客服', language: 'zh-CN' },
      ],
      handoff: { queue: 'care', priority: 'high', reason: 'upset customer' },
    };
    const view = viewTurn(turn);
    assert.deepEqual(view.bubbles, [
      { who: 'bot', text: 'Welcome.', audio: 'audio/welcome.wav' },
      { who: 'bot', text: '正在为您转接人工客服', language: 'zh-CN' },
      { who: 'system', text: 'Handed off to the queue care, priority high — upset customer. A human agent takes over here.' },
    ]);
    assert.equal(view.finished, true);
    assert.equal(viewTurn({ id: 'c', status: 'transferred', outputs: [], transfer: { to: '+861012345678', reason: 'caller asked' } }).bubbles[0]!.text, 'Transferred to +861012345678 — caller asked.');
    const waiting = viewTurn({ id: 'c', status: 'waiting', outputs: [], expecting: { kind: 'ask', max_digits: 4, finish_key: '#', timeout_ms: 8000 } });
    assert.deepEqual(waiting.expecting, { kind: 'ask', maxDigits: 4, finishKey: '#', timeoutMs: 8000 });
    assert.equal(waiting.finished, false);
  });
});

describe('csflow serve + ChatSession (no browser)', () => {
  let server: RunningServer;
  const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-chat-')), 'requests.jsonl');
  before(async () => {
    process.env.FAKE_CSFLOW_LOG = log;
    server = await startServe({ command: FAKE_CSFLOW, paths: [FLOW_FILE], cwd: FIXTURES });
  });
  after(async () => {
    await server?.stop();
    delete process.env.FAKE_CSFLOW_LOG;
  });

  it('starts the server with the file and a loopback address, and waits for /healthz', () => {
    const argv = (fs.readFileSync(log, 'utf8').split('\n')[0] ?? '');
    assert.match(argv, /"argv":\["serve","[^"]*phone_banking\.csflow","--listen","127\.0\.0\.1:\d+"\]/);
    assert.match(server.baseUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('sends keys for a voice option, no_input for silence, text for typing; refuses input after the end', async () => {
    const posted: ChatToPage[] = [];
    const chat = new ChatSession(new HttpConversationApi(server.baseUrl), (m) => posted.push(m), { flow: 'phone_banking', declaredChannel: 'voice' });
    await chat.handle({ type: 'ready' });
    await chat.handle({ type: 'option', label: 'Card services', key: '1' });
    await chat.handle({ type: 'noInput' });
    await chat.handle({ type: 'keys', keys: '12a34' });
    await chat.handle({ type: 'text', text: '  no  ' });
    await chat.handle({ type: 'text', text: 'hello?' });
    const bodies = requestLog(log).map((e) => [e.url?.replace(/c\d+/, 'ID'), e.body]);
    assert.deepEqual(bodies, [
      ['/v1/conversations', { flow: 'phone_banking', channel: 'voice' }],
      ['/v1/conversations/ID/input', { keys: '1' }],
      ['/v1/conversations/ID/input', { event: 'no_input' }],
      ['/v1/conversations/ID/input', { keys: '1234' }],
      ['/v1/conversations/ID/input', { text: 'no' }],
    ]);
    const turns = posted.filter((m): m is Extract<ChatToPage, { type: 'turn' }> => m.type === 'turn');
    assert.equal(turns.length, 5);
    assert.match(turns[3]!.turn.bubbles[0]!.text, /ending 1234 is blocked/);
    assert.equal(turns[4]!.turn.finished, true);
    assert.deepEqual(posted.at(-1), { type: 'error', message: 'This conversation is over: start it again.' });
    assert.deepEqual(posted.filter((m) => m.type === 'user').map((m) => (m as { bubble: { text: string } }).bubble.text), ['⌨ 1', '(no answer)', '⌨ 1234', 'no']);
  });

  it('shows the server\'s error message for an unknown flow', async () => {
    const posted: ChatToPage[] = [];
    const chat = new ChatSession(new HttpConversationApi(server.baseUrl), (m) => posted.push(m), { flow: 'nope', declaredChannel: undefined });
    await chat.handle({ type: 'ready' });
    assert.ok(posted.some((m) => m.type === 'error' && m.message === 'no flow named nope'), JSON.stringify(posted));
  });

  it('a server that stops before it is ready is reported with what it printed', async () => {
    await assert.rejects(startServe({ command: FAKE_CSFLOW, paths: ['--bad'], cwd: FIXTURES, readyTimeoutMs: 3000 }).then(async (s) => {
      await s.stop();
      throw new Error('started');
    }), /started|stopped|did not answer/);
    await assert.rejects(startServe({ command: '/no/such/csflow', paths: [], cwd: FIXTURES }), /was not found/);
  });
});

describe('the chat page in headless Chromium', { skip: chromiumAvailable() }, () => {
  let browser: Browser;
  let pages: Awaited<ReturnType<typeof pageServer>>;
  let server: RunningServer;
  before(async () => {
    browser = await launchChromium();
    pages = await pageServer({ '/chat.html': { title: 'Talk to this flow', script: 'chat.js', style: 'chat.css' } });
    server = await startServe({ command: FAKE_CSFLOW, paths: [FLOW_FILE], cwd: FIXTURES });
  });
  after(async () => {
    await browser?.close();
    await pages?.close();
    await server?.stop();
  });

  async function open(declaredChannel: 'voice' | 'any', size = { width: 480, height: 820 }) {
    // Messages the session posts while the page is still loading are delivered once it has.
    const ready: { bridge?: Awaited<ReturnType<typeof openBridgedPage>> } = {};
    const early: unknown[] = [];
    const post = (m: unknown): void => (ready.bridge ? void ready.bridge.toPage(m) : void early.push(m));
    const chat = new ChatSession(new HttpConversationApi(server.baseUrl), post, { flow: 'phone_banking', declaredChannel });
    const bridge = await openBridgedPage(browser, `${pages.origin}/chat.html`, (m) => void chat.handle(m as never), size);
    ready.bridge = bridge;
    for (const m of early.splice(0)) void bridge.toPage(m);
    return bridge;
  }

  it('a voice call: keypad, no answer, four digits, then typing — and a screenshot', async () => {
    const { page, errors } = await open('voice');
    const bubbles = page.locator('.transcript .bubble');
    await eventually('the welcome', async () => (await bubbles.count()) === 2);
    assert.equal(await page.locator('.title').textContent(), 'Talk to phone_banking');
    assert.equal(await bubbles.nth(0).locator('.audio').textContent(), '▶ audio/welcome.wav');
    assert.ok(await page.locator('.keypad').isVisible(), 'the keypad shows for a voice flow');
    assert.deepEqual(await page.locator('.options .option').allTextContents(), ['1Card services', '2Opening hours', '0Agent']);
    // One key answers a menu at once.
    await page.locator('.keypad .key[data-key="1"]').click();
    await eventually('the question', async () => (await bubbles.last().textContent())?.includes('last four digits') ?? false);
    assert.match((await page.locator('.hint').textContent()) ?? '', /^state card_services · Waiting for an answer · up to 4 digits · end with # · time-out 8 s/);
    await page.locator('button.no-answer').click();
    await eventually('the re-prompt', async () => (await bubbles.last().textContent())?.includes('did not hear anything') ?? false);
    for (const key of ['4', '3', '2', '1']) await page.locator(`.keypad .key[data-key="${key}"]`).click();
    await eventually('the block', async () => (await bubbles.last().textContent())?.includes('anything else') ?? false);
    assert.deepEqual(await page.locator('.bubble.user').allTextContents(), ['⌨ 1', '(no answer)', '⌨ 4321']);
    for (const file of screenshotPaths('chat-voice.png')) await page.screenshot({ path: file });
    await page.locator('input.text').fill('no, thank you');
    await page.locator('button.send').click();
    await eventually('the end', async () => (await page.locator('.bubble.system').count()) === 1);
    assert.equal(await page.locator('.bubble.system').textContent(), 'The conversation ended.');
    assert.ok(await page.locator('button.no-answer').isDisabled());
    assert.ok(await page.locator('.keypad .key').first().isDisabled());
    // Start again: a new conversation.
    await page.locator('button.restart').click();
    await eventually('a new conversation', async () => (await bubbles.count()) === 2);
    assert.deepEqual(errors, []);
  });

  it('a chat: option buttons send their label; a hand-off is shown', async () => {
    const { page, errors } = await open('any', { width: 480, height: 640 });
    const bubbles = page.locator('.transcript .bubble');
    await eventually('the welcome', async () => (await bubbles.count()) === 2);
    assert.equal(await page.locator('select.channel').inputValue(), 'chat');
    assert.equal(await page.locator('.keypad').isVisible(), false);
    await page.locator('.options .option', { hasText: 'Opening hours' }).click();
    await eventually('the answer', async () => (await page.locator('.bubble.bot', { hasText: 'Monday to Friday' }).count()) === 1);
    assert.equal(await page.locator('.bubble.user').first().textContent(), 'Opening hours');
    for (const file of screenshotPaths('chat.png')) await page.screenshot({ path: file });
    await page.locator('input.text').fill('I want an agent');
    await page.locator('input.text').press('Enter');
    await eventually('the hand-off', async () => (await page.locator('.bubble.system').count()) === 1);
    assert.equal(await page.locator('.bubble.system').textContent(), 'Handed off to the queue general, priority high — caller asked. A human agent takes over here.');
    // Switching to voice starts again with the keypad.
    await page.locator('select.channel').selectOption('voice');
    await eventually('voice', async () => await page.locator('.keypad').isVisible());
    assert.deepEqual(errors, []);
  });
});

/** `csflow serve` exists once the server has landed; until then this says so and is skipped. */
function realServe(): string | undefined {
  if (!fs.existsSync(CSFLOW)) return `csflow is not built at ${CSFLOW}`;
  const help = spawnSync(CSFLOW, ['serve', '--help'], { encoding: 'utf8' });
  return help.status === 0 && help.stdout.includes('--listen') ? undefined : 'this csflow has no `serve --listen` yet';
}

describe('ChatSession with the real csflow serve', { skip: realServe() }, () => {
  it('talks to the bank example by keypad, as the panel does', async () => {
    const running = await startServe({ command: CSFLOW, paths: [path.join(ROOT, 'examples', 'bank', 'bank.csflow')], cwd: ROOT, readyTimeoutMs: 60000 });
    try {
      const posted: ChatToPage[] = [];
      const chat = new ChatSession(new HttpConversationApi(running.baseUrl), (m) => posted.push(m), { flow: 'bank_phone', declaredChannel: 'voice' });
      await chat.handle({ type: 'ready' });
      const turns = () => posted.filter((m): m is Extract<ChatToPage, { type: 'turn' }> => m.type === 'turn').map((m) => m.turn);
      assert.equal(turns().length, 1, JSON.stringify(posted));
      assert.match(turns()[0]!.bubbles.map((b) => b.text).join('\n'), /Welcome to Northwind Bank/);
      assert.equal(turns()[0]!.expecting?.kind, 'menu');
      await chat.handle({ type: 'option', label: 'Questions', key: '3' });
      assert.equal(turns()[1]!.state, 'questions', JSON.stringify(posted.at(-1)));
      await chat.handle({ type: 'noInput' });
      assert.equal(turns().length, 3, JSON.stringify(posted.at(-1)));
    } finally {
      await running.stop();
    }
  });
});
