// `vsce package` builds the .vsix offline; the package holds the compiled extension, the
// grammar, the webview scripts and the language client (a regular dependency), and nothing
// of the sources or tests. The client must load from inside the unpacked package.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { EXTENSION, OUTPUT } from './harness';

describe('the .vsix', () => {
  it('is built by vsce package and holds the client and the grammar', () => {
    fs.mkdirSync(OUTPUT, { recursive: true });
    const vsix = path.join(OUTPUT, 'csflow-test.vsix');
    fs.rmSync(vsix, { force: true });
    execFileSync(path.join(EXTENSION, 'node_modules', '.bin', 'vsce'), ['package', '--skip-license', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', vsix], { cwd: EXTENSION, stdio: 'pipe' });
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-vsix-'));
    // A .vsix is a zip file.
    execFileSync('python3', ['-c', 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])', vsix, unpacked]);
    const root = path.join(unpacked, 'extension');
    const has = (file: string) => fs.existsSync(path.join(root, file));
    for (const file of [
      'package.json',
      'out/src/extension.js',
      'out/webview/chat.js',
      'out/webview/graph.js',
      'media/chat.css',
      'syntaxes/csflow.tmLanguage.json',
      'snippets/csflow.json',
      'language-configuration.json',
      'images/icon.png',
      'readme.md', // vsce writes the README in lower case
      'images/graph.png',
      'node_modules/vscode-languageclient/package.json',
      'node_modules/vscode-languageclient/node.js',
      'node_modules/vscode-jsonrpc/package.json',
    ]) {
      assert.ok(has(file), `${file} is in the package`);
    }
    for (const file of ['src/extension.ts', 'test', 'out/test', 'tsconfig.json', 'node_modules/typescript', 'node_modules/playwright-core', 'test-output']) {
      assert.ok(!has(file), `${file} is not in the package`);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      main: string;
      contributes: { grammars: { language: string; scopeName: string; path: string }[]; languages: { id: string; extensions: string[] }[] };
    };
    assert.deepEqual(manifest.contributes.languages.map((l) => [l.id, l.extensions]), [['csflow', ['.csflow']]]);
    const grammar = manifest.contributes.grammars[0]!;
    assert.equal(grammar.scopeName, 'source.csflow');
    assert.equal(fs.readFileSync(path.join(root, grammar.path), 'utf8'), fs.readFileSync(path.join(EXTENSION, 'syntaxes', 'csflow.tmLanguage.json'), 'utf8'));
    assert.ok(has(manifest.main.replace(/^\.\//, '')));
    // The extension's `require('vscode-languageclient/node')` resolves inside the package.
    const resolved = require.resolve('vscode-languageclient/node', { paths: [path.join(root, 'out', 'src')] });
    assert.ok(resolved.startsWith(root), resolved);
    fs.rmSync(unpacked, { recursive: true });
  });
});
