// The Testing view over a fake vscode: tests found from `test "…"` blocks (with their place),
// a run through the real `csflow test --format json`, passes and a failure with expected,
// got and the failing step's place.
import { fake } from './fakeVscode';
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { CsflowTests } from '../src/tests/testing';
import { CSFLOW, ROOT, csflowMissing } from './harness';

class Collection<T extends { id: string }> {
  readonly map = new Map<string, T>();
  get size() {
    return this.map.size;
  }
  get(id: string) {
    return this.map.get(id);
  }
  add(item: T) {
    this.map.set(item.id, item);
  }
  delete(id: string) {
    this.map.delete(id);
  }
  replace(items: T[]) {
    this.map.clear();
    for (const item of items) this.add(item);
  }
  forEach(callback: (item: T) => void) {
    [...this.map.values()].forEach(callback);
  }
}
interface Item {
  id: string;
  label: string;
  uri: { fsPath: string };
  children: Collection<Item>;
  range?: { args: [{ args: [number, number] }] };
  description?: string;
}
type Outcome = [string, string, unknown?];
type RunHandler = (request: { include?: Item[]; exclude?: Item[] }, token: { isCancellationRequested: boolean }) => Promise<void>;

function installTesting(folder: string, files: string[]) {
  const outcomes: Outcome[] = [];
  const controller = {
    items: new Collection<Item>(),
    resolveHandler: undefined as undefined | ((item?: Item) => Promise<void>),
    runHandler: undefined as undefined | RunHandler,
    createTestItem: (id: string, label: string, uri: { fsPath: string }): Item => ({ id, label, uri, children: new Collection<Item>() }),
    createRunProfile(_label: string, _kind: unknown, handler: RunHandler): void {
      controller.runHandler = handler;
    },
    createTestRun: () => ({
      enqueued: (item: Item) => outcomes.push(['enqueued', item.label]),
      started: (item: Item) => outcomes.push(['started', item.label]),
      passed: (item: Item) => outcomes.push(['passed', item.label]),
      failed: (item: Item, message: unknown) => outcomes.push(['failed', item.label, message]),
      errored: (item: Item, message: unknown) => outcomes.push(['errored', item.label, message]),
      skipped: (item: Item) => outcomes.push(['skipped', item.label]),
      appendOutput: () => undefined,
      end: () => outcomes.push(['end', '']),
    }),
    dispose: () => undefined,
  };
  const uri = (fsPath: string) => ({ fsPath, toString: () => `file://${fsPath}` });
  const module = fake.module as unknown as Record<string, unknown>;
  module.tests = { createTestController: () => controller };
  const workspace = fake.module.workspace as unknown as Record<string, unknown>;
  workspace.findFiles = () => Promise.resolve(files.map(uri));
  workspace.fs = { readFile: (u: { fsPath: string }) => Promise.resolve(fs.readFileSync(u.fsPath)) };
  workspace.getWorkspaceFolder = () => ({ uri: { fsPath: folder } });
  workspace.onDidChangeTextDocument = () => ({ dispose: () => undefined });
  const event = () => ({ dispose: () => undefined });
  workspace.createFileSystemWatcher = () => ({ onDidCreate: event, onDidChange: event, onDidDelete: event, dispose: () => undefined });
  module.Uri = { file: uri };
  return { controller, outcomes };
}

describe('the Testing view (CsflowTests)', { skip: csflowMissing() }, () => {
  it('finds the tests of a project and runs them with csflow test', async () => {
    fake.reset();
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-testing-'));
    fs.cpSync(path.join(ROOT, 'examples', 'bank'), path.join(project, 'bank'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples', 'common'), path.join(project, 'common'), { recursive: true });
    const testFile = path.join(project, 'bank', 'bank.test.csflow');
    fs.writeFileSync(testFile, fs.readFileSync(testFile, 'utf8').replace(/expect say [^\n]*/, 'expect say "this is never said"'));
    fake.settings['csflow.path'] = CSFLOW;
    const { controller, outcomes } = installTesting(project, [path.join(project, 'bank', 'bank.csflow'), testFile]);
    const tests = new CsflowTests();
    await controller.resolveHandler!();
    assert.deepEqual([...controller.items.map.values()].map((i) => i.label), ['bank.test.csflow']);
    const file = controller.items.get(`file://${testFile}`)!;
    const children = [...file.children.map.values()];
    assert.ok(children.length >= 10);
    assert.equal(children[0]!.label, 'balance by keypad');
    assert.equal(children[0]!.description, 'bank_phone');
    assert.deepEqual(children[0]!.range!.args[0].args, [6, 0]);
    await controller.runHandler!({ include: [file] }, { isCancellationRequested: false });
    const failed = outcomes.filter((o) => o[0] === 'failed');
    assert.deepEqual(failed.map((o) => o[1]), ['balance by keypad']);
    const message = failed[0]![2] as { args: [string]; expectedOutput: string; actualOutput: string; location: { args: [unknown, { args: [number, number] }] } };
    assert.match(message.args[0], /^failed at: expect say "this is never said"\nexpected: say "this is never said"\ngot: {6}say "Welcome/);
    assert.equal(message.expectedOutput, 'say "this is never said"');
    assert.match(message.actualOutput, /^say "Welcome to Northwind Bank/);
    assert.deepEqual(message.location.args[1].args, [10, 2]);
    assert.equal(outcomes.filter((o) => o[0] === 'passed').length, children.length - 1);
    assert.deepEqual(outcomes.at(-1), ['end', '']);
    tests.dispose();
    fs.rmSync(project, { recursive: true });
  });
});
