// language-configuration.json: comments, brackets, auto-closing, and indentation on `{`/`}`
// (a `{` inside a prompt or a comment does not indent).
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { EXTENSION } from './harness';

interface LanguageConfiguration {
  comments: { lineComment: string };
  brackets: [string, string][];
  autoClosingPairs: { open: string; close: string; notIn?: string[] }[];
  indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
  wordPattern: string;
}

const configuration = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'language-configuration.json'), 'utf8')) as LanguageConfiguration;

describe('language configuration', () => {
  it('has # comments, the three bracket pairs and auto-closing quotes and braces', () => {
    assert.equal(configuration.comments.lineComment, '#');
    assert.deepEqual(configuration.brackets.map((b) => b.join('')), ['{}', '[]', '()']);
    assert.deepEqual(configuration.autoClosingPairs.map((p) => p.open + p.close), ['{}', '[]', '()', '""']);
  });

  it('indents after a line that opens a block, not after a brace in a string or a comment', () => {
    const increase = new RegExp(configuration.indentationRules.increaseIndentPattern);
    for (const line of ['flow f {', '  state s {', '    menu "Press 1 for {x}." {', '    ask card "Digits?" {   # handlers', '  escalate {', '    if a == "}" {']) {
      assert.ok(increase.test(line), line);
    }
    for (const line of ['    say "Hello {name}"', '  # a comment {', '    say "a {"', '  state s { end }', '  }']) {
      assert.ok(!increase.test(line), line);
    }
    const decrease = new RegExp(configuration.indentationRules.decreaseIndentPattern);
    assert.ok(decrease.test('  }') && decrease.test('} else {') && !decrease.test('  say "}"'));
  });

  it('takes durations, numbers and names as words (double-click selects `5s`, `card_last4`)', () => {
    const word = new RegExp(`^(?:${configuration.wordPattern})$`);
    for (const text of ['5s', '-0.6', 'card_last4', '2m']) assert.ok(word.test(text), text);
  });
});
