// package.json and the code agree: every command the code registers is contributed (and the
// other way round), every `csflow.*` setting the code reads is declared, the language's
// files (grammar, configuration, snippets, icons) exist.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { EXTENSION } from './harness';

interface Manifest {
  main: string;
  contributes: {
    commands: { command: string; title: string; category: string }[];
    configuration: { properties: Record<string, unknown> };
    languages: { configuration: string; icon: { light: string; dark: string } }[];
    grammars: { path: string }[];
    snippets: { path: string }[];
    configurationDefaults: Record<string, Record<string, unknown>>;
  };
}
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION, 'package.json'), 'utf8')) as Manifest;

function sources(directory: string): string {
  return fs
    .readdirSync(directory, { withFileTypes: true })
    .map((entry) => (entry.isDirectory() ? sources(path.join(directory, entry.name)) : entry.name.endsWith('.ts') ? fs.readFileSync(path.join(directory, entry.name), 'utf8') : ''))
    .join('\n');
}
const code = sources(path.join(EXTENSION, 'src'));

describe('package.json', () => {
  it('contributes exactly the commands the extension registers, titled "csflow: …"', () => {
    const registered = [...code.matchAll(/registerCommand\('([^']+)'/g)].map((m) => m[1]).sort();
    assert.deepEqual(manifest.contributes.commands.map((c) => c.command).sort(), registered);
    assert.ok(manifest.contributes.commands.every((c) => c.category === 'csflow'));
    assert.deepEqual(
      manifest.contributes.commands.map((c) => c.title).sort(),
      ['Restart Language Server', 'Run Tests', 'Show Flow Graph', 'Talk to This Flow'],
    );
  });

  it('declares every csflow setting the code reads', () => {
    const read = new Set<string>();
    for (const m of code.matchAll(/getConfiguration\('csflow'\)[\s\S]{0,80}?\.get<[^>]+>\('([^']+)'\)/g)) read.add(`csflow.${m[1]}`);
    for (const m of code.matchAll(/configuration\.get<[^>]+>\('([^']+)'\)/g)) read.add(`csflow.${m[1]}`);
    assert.ok(read.size >= 4, [...read].join());
    for (const key of read) assert.ok(key in manifest.contributes.configuration.properties, key);
    assert.ok('csflow.trace.server' in manifest.contributes.configuration.properties);
  });

  it('points at files that exist, and formats csflow on save with this extension', () => {
    const files = [
      manifest.contributes.languages[0]!.configuration,
      manifest.contributes.languages[0]!.icon.light,
      manifest.contributes.grammars[0]!.path,
      manifest.contributes.snippets[0]!.path,
    ];
    for (const file of files) assert.ok(fs.existsSync(path.join(EXTENSION, file)), file);
    assert.equal(manifest.main, './out/src/extension.js');
    assert.deepEqual(manifest.contributes.configurationDefaults['[csflow]']!['editor.formatOnSave'], true);
    assert.equal(manifest.contributes.configurationDefaults['[csflow]']!['editor.defaultFormatter'], 'csflow.csflow');
  });
});
