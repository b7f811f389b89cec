/**
 * The csflow extension: the language client (live checks, navigation, formatting from
 * `csflow lsp`), the flow graph, the chat panel, tasks and the Testing view.
 */
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';
import { ChatPanel } from './chat/chatPanel';
import { createLanguageClient } from './client/languageClient';
import { ClientOptions, ServerController } from './client/lifecycle';
import { formatText } from './format';
import { runProcess } from './process';
import { csflowProgram, projectFolder } from './program';
import { GraphPanel } from './graph/graphPanel';
import { CsflowTaskProvider, TASK_TYPE, runTestsTask } from './tests/tasks';
import { CsflowTests } from './tests/testing';

let controller: ServerController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel('csflow');
  const saved = new Map<string, number>();
  const opened = new Map<string, number>();
  context.subscriptions.push(
    output,
    vscode.workspace.onDidSaveTextDocument((d) => saved.set(d.uri.toString(), Date.now())),
    vscode.workspace.onDidOpenTextDocument((d) => opened.set(d.uri.toString(), Date.now())),
  );

  let latestClient: LanguageClient | undefined;
  const createClient = (options: ClientOptions): LanguageClient => {
    latestClient = createLanguageClient(options, output, { saved, opened });
    return latestClient;
  };

  controller = new ServerController(createClient, output);
  const graph = new GraphPanel(context.extensionUri);
  const chat = new ChatPanel(context.extensionUri, output);
  context.subscriptions.push(
    controller,
    graph,
    chat,
    new CsflowTests(),
    vscode.tasks.registerTaskProvider(TASK_TYPE, new CsflowTaskProvider()),
    vscode.commands.registerCommand('csflow.showGraph', () => graph.show()),
    vscode.commands.registerCommand('csflow.talk', () => chat.show()),
    vscode.commands.registerCommand('csflow.runTests', () => runTestsTask()),
    vscode.commands.registerCommand('csflow.restartServer', () => controller?.restart()),
  );
  await controller.start();
  // Format on save goes through the language server; a server without formatting (or none at
  // all) falls back to `csflow fmt --stdin`.
  if (!latestClient?.initializeResult?.capabilities.documentFormattingProvider) {
    context.subscriptions.push(
      vscode.languages.registerDocumentFormattingEditProvider({ language: 'csflow' }, {
        provideDocumentFormattingEdits: async (document) => {
          const command = csflowProgram();
          if (!command) return [];
          const outcome = await formatText(runProcess, command, document.getText(), projectFolder(document));
          if (outcome.kind === 'failed') {
            output.appendLine(`Formatting ${document.uri.fsPath}: ${outcome.message}`);
            return [];
          }
          if (outcome.kind === 'unchanged') return [];
          const whole = new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
          return [vscode.TextEdit.replace(whole, outcome.text)];
        },
      }),
    );
  }
}

export async function deactivate(): Promise<void> {
  await controller?.stop();
  controller = undefined;
}
