// The chat panel's fallback for a csflow without `serve`: conversations through the real
// `csflow run` on the examples, driven by the same ChatSession as the HTTP API.
import { strict as assert } from 'assert';
import * as path from 'path';
import { describe, it } from 'node:test';
import { ChatSession, ChatToPage } from '../src/chat/chatSession';
import { RunConversationApi, parseRunTurn, runLine } from '../src/chat/runBackend';
import { CSFLOW, ROOT, csflowMissing } from './harness';

describe('parseRunTurn', () => {
  it('reads what csflow run prints for a turn', () => {
    assert.deepEqual(parseRunTurn('r', ['bot: Hello.', 'bot: Pick one.', '     options: [1] Card services  [0] An  agent', '']), {
      id: 'r',
      status: 'waiting',
      outputs: [
        { type: 'say', text: 'Hello.' },
        { type: 'say', text: 'Pick one.' },
      ],
      expecting: { kind: 'menu', options: [{ label: 'Card services', key: '1' }, { label: 'An  agent', key: '0' }] },
    });
    assert.deepEqual(parseRunTurn('r', ['     options: [订单查询]  [退货退款]']).expecting?.options, [{ label: '订单查询' }, { label: '退货退款' }]);
    assert.deepEqual(parseRunTurn('r', ['bot: Key in four digits.', '     (answer for card_last4)']).expecting, { kind: 'ask' });
    assert.deepEqual(parseRunTurn('r', ['-- handed off to queue care (priority high, reason "said \\"no\\"")', '   slots: a = ***']).handoff, { queue: 'care', priority: 'high', reason: 'said "no"' });
    assert.equal(parseRunTurn('r', ['-- the conversation has ended']).status, 'ended');
    assert.deepEqual(parseRunTurn('r', ['-- the conversation failed: step budget']), { id: 'r', status: 'failed', outputs: [], error: 'step budget' });
  });
  it('writes keys, silence and text as csflow run reads them', () => {
    assert.deepEqual([runLine({ keys: '12#' }), runLine({ event: 'no_input' }), runLine({ text: 'two\nlines' })], ['#12#', '/noinput', 'two lines']);
  });
});

describe('RunConversationApi with the real csflow run', { skip: csflowMissing() }, () => {
  it('talks to the bank line by keypad and silence, and to the shop chat in Chinese', async () => {
    const bank = new RunConversationApi(CSFLOW, [path.join(ROOT, 'examples', 'bank', 'bank.csflow')], ROOT);
    const posted: ChatToPage[] = [];
    const chat = new ChatSession(bank, (m) => posted.push(m), { flow: 'bank_phone', declaredChannel: 'voice' });
    const turns = () => posted.filter((m): m is Extract<ChatToPage, { type: 'turn' }> => m.type === 'turn').map((m) => m.turn);
    try {
      await chat.handle({ type: 'ready' });
      assert.match(turns()[0]!.bubbles.map((b) => b.text).join('\n'), /^Welcome to Northwind Bank/, JSON.stringify(posted));
      assert.deepEqual(turns()[0]!.options.map((o) => o.key), ['1', '2', '3', '4', '0']);
      await chat.handle({ type: 'option', label: 'Questions', key: '3' });
      assert.match(turns()[1]!.bubbles[0]!.text, /^For our opening hours press 1/);
      await chat.handle({ type: 'noInput' });
      assert.match(turns()[2]!.bubbles[0]!.text, /^For our opening hours press 1/);
      await chat.handle({ type: 'keys', keys: '9' });
      await chat.handle({ type: 'keys', keys: '2' });
      assert.equal(turns()[4]!.expecting?.kind, 'ask');
      assert.match(turns()[4]!.bubbles.at(-1)!.text, /last four digits/);
      await chat.handle({ type: 'option', label: 'Report fraud', key: '4' }); // not an option here: four digits expected
      assert.equal(turns().length, 6);
    } finally {
      bank.stop();
    }
    const shop = new RunConversationApi(CSFLOW, [path.join(ROOT, 'examples', 'shop')], ROOT);
    const shopPosted: ChatToPage[] = [];
    const shopChat = new ChatSession(shop, (m) => shopPosted.push(m), { flow: 'shop_aftersales', declaredChannel: 'chat' });
    try {
      await shopChat.handle({ type: 'ready' });
      const first = shopPosted.find((m): m is Extract<ChatToPage, { type: 'turn' }> => m.type === 'turn')!.turn;
      assert.match(first.bubbles[0]!.text, /欢迎/);
      assert.ok(first.options.some((o) => o.label === '联系客服'), JSON.stringify(first.options));
    } finally {
      shop.stop();
    }
  });

  it('says why when the flow does not exist', async () => {
    const api = new RunConversationApi(CSFLOW, [path.join(ROOT, 'examples', 'bank', 'bank.csflow')], ROOT);
    await assert.rejects(api.start('nope', 'voice'), /no flow named `nope`/);
    api.stop();
  });
});
