/**
 * The csflow extension: the language client (live checks, navigation, formatting from
 * `csflow lsp`), the flow graph, the chat panel, tasks and the Testing view.
 */
import * as vscode from 'vscode';
import { ErrorAction, CloseAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { ChatPanel } from './chat/chatPanel';
import { acceptDiagnostics } from './client/checkSettings';
import { ClientOptions, ServerController } from './client/lifecycle';
import { formatText } from './format';
import { runProcess } from './process';
import { csflowProgram, projectFolder } from './program';
import { GraphPanel } from './graph/graphPanel';
import { CsflowTaskProvider, TASK_TYPE, runTestsTask } from './tests/tasks';
import { CsflowTests } from './tests/testing';

/** How long after a save or an open the server's diagnostics count as its answer to it. */
const MOMENT_MS = 3000;

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
    const serverOptions: ServerOptions = { command: options.command, args: options.args, transport: TransportKind.stdio };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'csflow' },
        { scheme: 'untitled', language: 'csflow' },
      ],
      outputChannel: output,
      initializationOptions: { checkOnType: options.settings.onType, checkOnSave: options.settings.onSave },
      synchronize: { configurationSection: 'csflow', fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.csflow,csflow.toml}') },
      errorHandler: {
        error: () => ({ action: ErrorAction.Continue }),
        closed: () => ({ action: options.crashHandler.closed() === 'restart' ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true }),
      },
      middleware: {
        handleDiagnostics: (uri, diagnostics, next) => {
          const key = uri.toString();
          const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
          const now = Date.now();
          const moment = {
            dirty: document?.isDirty ?? false,
            justSaved: now - (saved.get(key) ?? 0) < MOMENT_MS,
            justOpened: now - (opened.get(key) ?? 0) < MOMENT_MS,
          };
          if (acceptDiagnostics(options.settings, moment)) next(uri, diagnostics);
        },
      },
    };
    // The id `csflow` makes the client read `csflow.trace.server`.
    latestClient = new LanguageClient('csflow', 'csflow language server', serverOptions, clientOptions);
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
