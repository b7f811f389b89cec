/**
 * The conversation tests in VS Code's Testing view: found by reading `test "…"` blocks
 * (src/outline.ts), run with `csflow test FOLDER --format json`, results shown per test with
 * the failing step, expected vs got and the conversation so far.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { outline } from '../outline';
import { runProcess } from '../process';
import { csflowProgram } from '../program';
import { failureText, parseTestReport, testKey } from './testResults';

export class CsflowTests implements vscode.Disposable {
  private readonly controller = vscode.tests.createTestController('csflow', 'csflow conversation tests');
  private readonly subscriptions: vscode.Disposable[] = [this.controller];

  constructor() {
    this.controller.resolveHandler = async (item) => {
      if (!item) await this.discoverAll();
    };
    this.controller.createRunProfile('Run', vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.csflow');
    watcher.onDidCreate((uri) => void this.discoverFile(uri));
    watcher.onDidChange((uri) => void this.discoverFile(uri));
    watcher.onDidDelete((uri) => this.controller.items.delete(uri.toString()));
    this.subscriptions.push(
      watcher,
      vscode.workspace.onDidChangeTextDocument((event) => {
        if (event.document.languageId === 'csflow') this.readFile(event.document.uri, event.document.getText());
      }),
    );
  }

  private async discoverAll(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/*.csflow', '**/{node_modules,target}/**');
    await Promise.all(files.map((uri) => this.discoverFile(uri)));
  }

  private async discoverFile(uri: vscode.Uri): Promise<void> {
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      this.readFile(uri, Buffer.from(bytes).toString('utf8'));
    } catch {
      this.controller.items.delete(uri.toString());
    }
  }

  private readFile(uri: vscode.Uri, text: string): void {
    const tests = outline(text).tests;
    if (tests.length === 0) {
      this.controller.items.delete(uri.toString());
      return;
    }
    const fileItem = this.controller.items.get(uri.toString()) ?? this.controller.createTestItem(uri.toString(), path.basename(uri.fsPath), uri);
    const children: vscode.TestItem[] = [];
    for (const test of tests) {
      const item = this.controller.createTestItem(testKey(uri.fsPath, test.name), test.name, uri);
      const position = new vscode.Position(test.position.line, test.position.character);
      item.range = new vscode.Range(position, position);
      if (test.flow) item.description = test.flow;
      children.push(item);
    }
    fileItem.children.replace(children);
    this.controller.items.add(fileItem);
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const wanted: vscode.TestItem[] = [];
    const collect = (item: vscode.TestItem): void => {
      if (request.exclude?.includes(item)) return;
      if (item.children.size === 0) wanted.push(item);
      else item.children.forEach(collect);
    };
    if (request.include) request.include.forEach(collect);
    else this.controller.items.forEach(collect);
    const command = csflowProgram();
    if (!command) {
      for (const item of wanted) run.skipped(item);
      run.end();
      return;
    }
    // One `csflow test` per workspace folder: the project is compiled once for all its tests.
    const byFolder = new Map<string, vscode.TestItem[]>();
    for (const item of wanted) {
      const folder = item.uri && vscode.workspace.getWorkspaceFolder(item.uri);
      const key = folder?.uri.fsPath ?? (item.uri ? path.dirname(item.uri.fsPath) : '.');
      byFolder.set(key, [...(byFolder.get(key) ?? []), item]);
      run.enqueued(item);
    }
    for (const [folder, items] of byFolder) {
      if (token.isCancellationRequested) break;
      for (const item of items) run.started(item);
      try {
        const result = await runProcess(command, ['test', '.', '--format', 'json'], { cwd: folder, timeoutMs: 300000 });
        let results;
        try {
          results = parseTestReport(result.stdout, folder);
        } catch {
          const message = new vscode.TestMessage(`csflow test did not run the tests:\n${(result.stderr || result.stdout).trim()}`);
          for (const item of items) run.errored(item, message);
          continue;
        }
        run.appendOutput(result.stderr.replace(/\n/g, '\r\n'));
        for (const item of items) {
          const found = results.get(item.id);
          if (!found) {
            run.errored(item, new vscode.TestMessage('csflow test did not report this test (does the project compile?).'));
          } else if (found.status === 'passed') {
            run.passed(item);
          } else {
            const message = new vscode.TestMessage(found.failure ? failureText(found.failure) : `status: ${found.status}`);
            if (found.failure?.expected !== undefined) message.expectedOutput = found.failure.expected;
            if (found.failure?.got !== undefined) message.actualOutput = found.failure.got;
            const where = found.failure?.location;
            if (where) message.location = new vscode.Location(vscode.Uri.file(where.file), new vscode.Position(where.line - 1, where.column - 1));
            run.failed(item, message);
          }
        }
      } catch (error) {
        for (const item of items) run.errored(item, new vscode.TestMessage((error as Error).message));
      }
    }
    run.end();
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
