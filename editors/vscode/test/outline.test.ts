// The quick outline (flows, states, tests) and "the flow under the cursor", on the examples.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { LineIndex, flowAt, outline, stateAt } from '../src/outline';

const EXAMPLES = path.join(__dirname, '..', '..', '..', '..', 'examples');

describe('outline', () => {
  it('finds every flow, channel, state and test of the examples', () => {
    const bank = outline(fs.readFileSync(path.join(EXAMPLES, 'bank', 'bank.csflow'), 'utf8'));
    assert.deepEqual(bank.flows.map((f) => [f.name, f.channel]), [['bank_phone', 'voice']]);
    const states = bank.flows[0]!.states.map((s) => s.name);
    assert.ok(states.includes('welcome') && states.includes('main_menu') && states.includes('lost_card'), states.join());
    // Every state the outline found is written as `state NAME {` where it says.
    const text = fs.readFileSync(path.join(EXAMPLES, 'bank', 'bank.csflow'), 'utf8').split('\n');
    for (const state of bank.flows[0]!.states) {
      assert.equal(text[state.position.line]!.slice(state.position.character, state.position.character + state.name.length), state.name);
      assert.match(text[state.position.line]!, new RegExp(`^\\s*state ${state.name} \\{`));
    }
    const tests = outline(fs.readFileSync(path.join(EXAMPLES, 'bank', 'bank.test.csflow'), 'utf8')).tests;
    assert.equal(tests[0]!.name, 'balance by keypad');
    assert.equal(tests[0]!.flow, 'bank_phone');
    assert.equal(tests[0]!.position.line + 1, 7); // as `csflow test --format json` reports it
  });

  it('is not fooled by braces in strings, regexes, comments and escapes', () => {
    const text = [
      'flow a {',
      '  slot ref: text matching /^[A-Z]{6}$/   # a { in a comment',
      '  state s { say "Use {{braces}} and {ref} \\" }" goto t }',
      '  state t { if text matches /x{2}/ { end } else { end } }',
      '}',
      'flow b { channel chat state u { end } }',
      'test "中文 {测试}" { flow b send "}" expect end }',
    ].join('\n');
    const result = outline(text);
    assert.deepEqual(result.flows.map((f) => [f.name, f.states.map((s) => s.name)]), [['a', ['s', 't']], ['b', ['u']]]);
    assert.equal(result.flows[1]!.channel, 'chat');
    assert.deepEqual(result.tests.map((t) => [t.name, t.flow]), [['中文 {测试}', 'b']]);
  });

  it('keeps going in a half-written file', () => {
    const result = outline('flow a {\n  state s {\n    say "unterminated\n  }\n  state t { end }\n');
    assert.equal(result.flows[0]!.name, 'a');
    assert.deepEqual(result.flows[0]!.states.map((s) => s.name), ['s', 't']);
  });
});

describe('flowAt (the flow under the cursor)', () => {
  const text = 'flow a {\n  state s { end }\n}\n\nflow b {\n  state u { end }\n}\ntest "t" {\n  flow b\n  expect end\n}\n';
  const file = outline(text);
  it('is the flow around the cursor, or the flow of the test around it', () => {
    assert.equal(flowAt(file, text.indexOf('state s')), 'a');
    assert.equal(flowAt(file, text.indexOf('state u')), 'b');
    assert.equal(flowAt(file, text.indexOf('expect end')), 'b');
    assert.equal(stateAt(file.flows[1]!, text.indexOf('end }', text.indexOf('state u')))?.name, 'u');
  });
  it('is undefined between two flows (the command asks), the only flow otherwise', () => {
    assert.equal(flowAt(file, text.indexOf('\n\nflow b') + 1), undefined);
    assert.equal(flowAt(outline('# c\nflow only { state s { end } }\n'), 0), 'only');
    assert.equal(flowAt(outline('test "x" { flow bank_phone }\ntest "y" { flow bank_phone }'), 0), 'bank_phone');
  });
});

describe('LineIndex', () => {
  it('maps offsets to 0-based lines and UTF-16 characters, Chinese and emoji included', () => {
    const text = 'say "你好"\n  😀 state x\n';
    const index = new LineIndex(text);
    const offset = text.indexOf('state');
    assert.deepEqual(index.position(offset), { line: 1, character: 5 });
    assert.equal(index.offset({ line: 1, character: 5 }), offset);
  });
});
