// Formatting through `csflow fmt --stdin` (used when the language server offers none).
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { formatText } from '../src/format';
import { runProcess } from '../src/process';
import { FAKE_CSFLOW, FIXTURES, CSFLOW, ROOT } from './harness';


describe('formatText', () => {
  it('sends the document on standard input and takes the answer', async () => {
    assert.deepEqual(await formatText(runProcess, FAKE_CSFLOW, 'flow f {   \n  state s { end }  \n}\n', FIXTURES), { kind: 'formatted', text: 'flow f {\n  state s { end }\n}\n' });
    assert.deepEqual(await formatText(runProcess, FAKE_CSFLOW, 'flow f { }\n', FIXTURES), { kind: 'unchanged' });
  });

  it('leaves a file with syntax errors alone and says why', async () => {
    const outcome = await formatText(runProcess, FAKE_CSFLOW, 'flow f { state { } }', FIXTURES);
    assert.deepEqual(outcome, { kind: 'failed', message: 'error[E0001/syntax-error]: expected a state name after `state`' });
    assert.equal((await formatText(runProcess, '/no/such/csflow', 'x', FIXTURES)).kind, 'failed');
  });

  const hasFmt = fs.existsSync(CSFLOW) && spawnSync(CSFLOW, ['fmt', '--help']).status === 0;
  it('with the real csflow fmt: re-indents the bank example, and formatting again changes nothing', { skip: hasFmt ? undefined : 'this csflow has no `fmt` command yet' }, async () => {
    const text = fs.readFileSync(path.join(ROOT, 'examples', 'bank', 'bank.csflow'), 'utf8');
    const messy = text.replace(/^ {2}state /gm, '      state ');
    const outcome = await formatText(runProcess, CSFLOW, messy, ROOT);
    assert.equal(outcome.kind, 'formatted');
    const formatted = outcome.kind === 'formatted' ? outcome.text : '';
    assert.match(formatted, /\n {2}state welcome \{\n/);
    assert.deepEqual(await formatText(runProcess, CSFLOW, formatted, ROOT), { kind: 'unchanged' });
  });
});
