// Every snippet, expanded with its defaults, is csflow that parses: checked with the real
// `csflow check` (no syntax-error), each in the place it is meant for.
import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CSFLOW, EXTENSION, csflowMissing } from './harness';

const snippets = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'snippets', 'csflow.json'), 'utf8')) as Record<string, { prefix: string; body: string[]; description: string }>;

/** The text VS Code inserts when every placeholder keeps its default (and a choice its first option). */
export function expand(body: string[]): string {
  let text = body.join('\n');
  for (let i = 0; i < 5; i++) {
    text = text.replace(/\$\{\d+\|([^,|}]*)[^}]*\|\}/g, '$1').replace(/\$\{\d+:([^{}]*)\}/g, '$1');
  }
  return text.replace(/\$\{?\d+\}?/g, '');
}

/** Where each snippet goes: `@` is replaced by its text. */
const CONTEXT: Record<string, string> = {
  flow: '@',
  state: 'flow f {\n  start name\n@\n}',
  menu: 'flow f {\n  start s\n  state s {\n@\n  }\n}',
  option: 'flow f {\n  start s\n  state s {\n    menu "Press 1." {\n@\n    }\n  }\n}',
  ask: 'flow f {\n  start s\n  slot slot: text\n  state s {\n@\n    end\n  }\n}',
  slot: 'flow f {\n@\n}',
  escalate: 'flow f {\n@\n}',
  handoff: 'flow f {\n  start s\n  state s {\n@\n  }\n}',
  if: 'flow f {\n  start s\n  state s {\n    if condition {\n      end\n    } else {\n      end\n    }\n@\n  }\n}',
  call: 'flow f {\n  start s\n  state s {\n@\n    end\n  }\n}',
  intent: '@',
  queue: '@',
  hours: '@',
  knowledge: '@',
  entry: 'knowledge k {\n@\n}',
  test: '@',
};

describe('snippets', () => {
  it('each has a prefix, a description and a place it is tested in', () => {
    assert.deepEqual(Object.keys(snippets).sort(), Object.keys(CONTEXT).sort());
    for (const [name, snippet] of Object.entries(snippets)) {
      assert.ok(snippet.prefix && snippet.description && snippet.body.length > 0, name);
      assert.ok(!/\$\{?\d/.test(expand(snippet.body)), `${name}: a placeholder left after expansion`);
    }
    assert.equal(expand(['ask ${1:slot} "${2:Key in…}" then ${3|goto,handoff|} $0']), 'ask slot "Key in…" then goto ');
  });

  it('expanded, each parses (csflow check finds no syntax error)', { skip: csflowMissing() }, () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-snippets-'));
    for (const [name, snippet] of Object.entries(snippets)) {
      const file = path.join(directory, `${name}.csflow`);
      fs.writeFileSync(file, CONTEXT[name]!.replace('@', expand(snippet.body)) + '\n');
      const run = spawnSync(CSFLOW, ['check', '--format', 'json', file], { encoding: 'utf8' });
      const report = JSON.parse(run.stdout) as { diagnostics: { name: string; message: string; range: { start: { line: number } } }[] };
      const syntax = report.diagnostics.filter((d) => d.name === 'syntax-error');
      assert.deepEqual(syntax.map((d) => `${d.range.start.line}: ${d.message}`), [], `${name}:\n${fs.readFileSync(file, 'utf8')}`);
    }
    fs.rmSync(directory, { recursive: true });
  });
});
