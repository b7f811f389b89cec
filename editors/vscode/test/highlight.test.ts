// The grammar as a designer sees it: a flow with Chinese prompts, tokenized with the grammar
// and coloured by scope (a Dark+-like theme), rendered in headless Chromium and screenshotted
// for the README. The colours checked here are the ones the theme gives each construct.
import { strict as assert } from 'assert';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { chromiumAvailable, launchChromium, loadGrammar, screenshotPaths } from './harness';
import { escapeHtml } from '../src/page';

/** Scope prefix → colour, most specific first (VS Code's Dark+ colours). */
const THEME: [string, string][] = [
  ['comment', '#6a9955'],
  ['constant.character.escape', '#d7ba7d'],
  ['punctuation.section.interpolation', '#569cd6'],
  ['meta.interpolation variable', '#9cdcfe'],
  ['string.regexp', '#d16969'],
  ['string', '#ce9178'],
  ['keyword.declaration', '#569cd6'],
  ['keyword.control', '#c586c0'],
  ['keyword.operator.word', '#569cd6'],
  ['keyword', '#569cd6'],
  ['entity.name.function', '#dcdcaa'],
  ['entity.name', '#4ec9b0'],
  ['support.type', '#4ec9b0'],
  ['support', '#dcdcaa'],
  ['constant.numeric', '#b5cea8'],
  ['constant.character.key', '#b5cea8'],
  ['constant', '#569cd6'],
  ['variable', '#9cdcfe'],
];

function colour(scopes: string[]): string | undefined {
  for (const [selector, value] of THEME) {
    if (selector.split(' ').every((part) => scopes.some((scope) => scope.startsWith(part)))) return value;
  }
  return undefined;
}

const SAMPLE = `# 电信客服热线 — a voice line with Chinese prompts
import "common/intents.csflow"

flow hotline {
  channel voice
  language "zh-CN"
  start welcome
  slot phone_number: digits(11) sensitive
  on no_input retry 2 then goto goodbye

  escalate {
    when intent agent handoff care priority high reason "caller asked"
    when text matches /投诉|complain/ handoff care
  }

  state welcome {
    play "audio/welcome.wav"
    menu "查询话费请按1，人工服务请按0。" {
      option "话费" key 1 goto balance
      option "人工" key 0 intent agent handoff care
    }
  }

  state balance {
    ask phone_number "请输入您的手机号码，以井号键结束。" { timeout 8s }
    say "号码 {phone_number} 的余额已发送。\\n谢谢！"
    goto goodbye
  }

  state goodbye { say "再见。" end }
}
`;

describe('syntax colour in headless Chromium', { skip: chromiumAvailable() }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  it('colours keywords, names, strings, interpolation, regexes and comments', async () => {
    const { grammar, INITIAL } = await loadGrammar();
    let stack = INITIAL;
    const coloured = new Map<string, string>();
    const html = SAMPLE.split('\n').map((line) => {
      const result = grammar.tokenizeLine(line, stack);
      stack = result.ruleStack;
      return result.tokens
        .map((token) => {
          const text = line.slice(token.startIndex, token.endIndex);
          const value = colour(token.scopes);
          if (value && text.trim() !== '') coloured.set(text.trim(), value);
          return value ? `<span style="color:${value}">${escapeHtml(text)}</span>` : escapeHtml(text);
        })
        .join('');
    });
    assert.equal(coloured.get('flow'), '#569cd6');
    assert.equal(coloured.get('goto'), '#c586c0');
    assert.equal(coloured.get('welcome'), '#dcdcaa');
    assert.equal(coloured.get('care'), '#4ec9b0');
    assert.equal(coloured.get('phone_number'), '#9cdcfe');
    assert.equal(coloured.get('/'), '#d16969');
    assert.equal(coloured.get('\\n'), '#d7ba7d');
    assert.equal(coloured.get('8s'), '#b5cea8');
    assert.equal(coloured.get('查询话费请按1，人工服务请按0。'), '#ce9178');
    const page = await browser.newPage({ viewport: { width: 760, height: 640 } });
    await page.setContent(`<body style="margin:0;background:#1e1e1e"><pre style="margin:0;padding:12px 16px;font:13px/1.45 'DejaVu Sans Mono','WenQuanYi Zen Hei Mono',monospace;color:#d4d4d4">${html.join('\n')}</pre></body>`);
    for (const file of screenshotPaths('syntax.png')) await page.screenshot({ path: file, fullPage: true });
    await page.close();
  });
});
