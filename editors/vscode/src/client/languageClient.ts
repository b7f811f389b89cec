/**
 * The vscode-languageclient side of the server's start-up: the client options that carry the
 * crash handler (restart or not, decided by RestartPolicy through ServerController) and the
 * `csflow.check.*` settings (which published diagnostics are shown).
 */
import * as vscode from 'vscode';
import { CloseAction, ErrorAction, LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { acceptDiagnostics } from './checkSettings';
import { ClientOptions } from './lifecycle';

/** How long after a save or an open the server's diagnostics count as its answer to it. */
export const MOMENT_MS = 3000;

/** When each document was last saved and opened (epoch ms), kept by the extension. */
export interface DocumentMoments {
  saved: Map<string, number>;
  opened: Map<string, number>;
  now?: () => number;
}

export function clientOptionsFor(options: ClientOptions, output: vscode.OutputChannel, moments: DocumentMoments): LanguageClientOptions {
  const now = moments.now ?? Date.now;
  return {
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
        const time = now();
        const moment = {
          dirty: document?.isDirty ?? false,
          justSaved: time - (moments.saved.get(key) ?? -Infinity) < MOMENT_MS,
          justOpened: time - (moments.opened.get(key) ?? -Infinity) < MOMENT_MS,
        };
        if (acceptDiagnostics(options.settings, moment)) next(uri, diagnostics);
      },
    },
  };
}

export function createLanguageClient(options: ClientOptions, output: vscode.OutputChannel, moments: DocumentMoments): LanguageClient {
  const serverOptions: ServerOptions = { command: options.command, args: options.args, transport: TransportKind.stdio };
  // The id `csflow` makes the client read `csflow.trace.server`.
  return new LanguageClient('csflow', 'csflow language server', serverOptions, clientOptionsFor(options, output, moments));
}
