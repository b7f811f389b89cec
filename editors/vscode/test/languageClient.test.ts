// The options handed to vscode-languageclient (loaded for real, over the fake vscode): a
// closed connection restarts or not as the crash handler says; the check settings decide
// which published diagnostics reach the editor.
import { fake } from './fakeVscode';
import { strict as assert } from 'assert';
import { beforeEach, describe, it } from 'node:test';
import { CloseAction, ErrorAction } from 'vscode-languageclient/node';
import { clientOptionsFor } from '../src/client/languageClient';
import { ClientOptions } from '../src/client/lifecycle';

const output = { appendLine: () => undefined } as never;
const uri = (text: string) => ({ toString: () => text });

function options(crash: 'restart' | 'stop', onType = true, onSave = true): ClientOptions {
  return { command: '/bin/csflow', args: ['lsp'], settings: { onType, onSave }, crashHandler: { closed: () => crash } };
}

describe('clientOptionsFor', () => {
  beforeEach(() => fake.reset());

  it('restarts a closed connection only when the crash handler says so; errors never stop it', async () => {
    const restart = clientOptionsFor(options('restart'), output, { saved: new Map(), opened: new Map() });
    assert.deepEqual(await restart.errorHandler!.closed(), { action: CloseAction.Restart, handled: true });
    assert.deepEqual(await restart.errorHandler!.error(new Error('x'), undefined, 1), { action: ErrorAction.Continue });
    const stop = clientOptionsFor(options('stop'), output, { saved: new Map(), opened: new Map() });
    assert.deepEqual(await stop.errorHandler!.closed(), { action: CloseAction.DoNotRestart, handled: true });
  });

  it('selects csflow documents, passes the check settings, watches .csflow and csflow.toml files', () => {
    const client = clientOptionsFor(options('restart', false, true), output, { saved: new Map(), opened: new Map() });
    assert.deepEqual(client.documentSelector, [
      { scheme: 'file', language: 'csflow' },
      { scheme: 'untitled', language: 'csflow' },
    ]);
    assert.deepEqual(client.initializationOptions, { checkOnType: false, checkOnSave: true });
    assert.equal((client.synchronize?.fileEvents as unknown as { pattern: string }).pattern, '**/{*.csflow,csflow.toml}');
  });

  it('with check on type off, diagnostics for a file being edited wait for the save', () => {
    let now = 100000;
    const saved = new Map<string, number>();
    const client = clientOptionsFor(options('restart', false, true), output, { saved, opened: new Map(), now: () => now });
    const shown: string[] = [];
    const handle = (text: string) => client.middleware!.handleDiagnostics!(uri(text) as never, [], (u) => shown.push(u.toString()));
    fake.textDocuments = [{ uri: uri('file:///a.csflow'), isDirty: true }];
    handle('file:///a.csflow');
    assert.deepEqual(shown, []);
    fake.textDocuments = [{ uri: uri('file:///a.csflow'), isDirty: false }];
    saved.set('file:///a.csflow', now);
    now += 500;
    handle('file:///a.csflow');
    handle('file:///closed.csflow'); // not open: part of the project, always shown
    assert.deepEqual(shown, ['file:///a.csflow', 'file:///closed.csflow']);
  });
});
