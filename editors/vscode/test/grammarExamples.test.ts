// The grammar over every .csflow file of the examples and the test fixtures: no keyword is
// left uncoloured, no string or comment leaks past its line, and every declared state gets
// the state scope where it is declared and where it is the target of a goto.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { EXTENSION, ROOT, loadGrammar } from './harness';


function files(directory: string): string[] {
  return fs.readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? files(full) : entry.name.endsWith('.csflow') ? [full] : [];
  });
}

const KEYWORDS = new Set(['flow', 'state', 'say', 'ask', 'menu', 'option', 'goto', 'end', 'handoff', 'if', 'else', 'set', 'call', 'into', 'answer', 'from', 'escalate', 'when', 'on', 'retry', 'then', 'slot', 'channel', 'start', 'queue', 'intent', 'service', 'operation', 'knowledge', 'entry', 'hours', 'import', 'test', 'expect', 'send', 'mock', 'returns', 'time', 'key', 'priority', 'reason', 'timezone', 'skills', 'question', 'tags', 'owner', 'review_by', 'sensitive']);

describe('the grammar over the examples', () => {
  it('colours every keyword, keeps strings and comments on their line, and scopes state names', async () => {
    const { grammar, INITIAL } = await loadGrammar();
    const sources = [...files(path.join(ROOT, 'examples')), ...files(path.join(EXTENSION, 'test', 'fixtures'))];
    assert.ok(sources.length >= 9, sources.join());
    let checked = 0;
    for (const file of sources) {
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      const declared = new Set([...lines.join('\n').matchAll(/\bstate\s+([A-Za-z_]\w*)\s*\{/g)].map((m) => m[1]!));
      let stack = INITIAL;
      lines.forEach((line, index) => {
        const where = `${path.relative(ROOT, file)}:${index + 1}`;
        const result = grammar.tokenizeLine(line, stack);
        // A line that starts outside any string, comment or block-level rule ends outside them too.
        stack = result.ruleStack;
        for (const token of result.tokens) {
          const text = line.slice(token.startIndex, token.endIndex);
          const scopes = token.scopes.join(' ');
          assert.ok(!scopes.includes('invalid'), `${where}: "${text}" is invalid (${scopes})`);
          if (KEYWORDS.has(text.trim()) && !/string|comment|entity|variable\.other\.(slot|result|property)|constant|support/.test(scopes)) {
            assert.ok(/keyword/.test(scopes), `${where}: keyword "${text}" has ${scopes}`);
            checked++;
          }
          if (declared.has(text) && /(goto|start)\s+$/.test(line.slice(0, token.startIndex))) {
            assert.ok(scopes.includes('entity.name.function.state'), `${where}: goto target "${text}" has ${scopes}`);
          }
        }
        const last = result.tokens.at(-1);
        if (last) assert.ok(!/string\.quoted/.test(last.scopes.join(' ')) || line.trimEnd().endsWith('"'), `${where}: a string runs past the end of the line`);
      });
      // Top-level declarations (hours, enum) must be closed by the end of the file.
      assert.ok(stack.equals(INITIAL) || !/meta\.(hours|enum)/.test(JSON.stringify(stack)), `${file}: a block rule is still open at the end`);
    }
    assert.ok(checked > 500, `${checked} keywords checked`);
  });
});
