/**
 * Starts, restarts and stops the csflow language server (`csflow lsp`). The LSP machinery
 * itself (vscode-languageclient) is behind `ClientFactory`, so this logic — which program,
 * what happens when it is missing, when it dies — runs in tests with a fake `vscode`.
 */
import * as fs from 'fs';
import * as vscode from 'vscode';
import { RestartPolicy } from './restartPolicy';
import { Resolution, resolveServer } from './serverPath';

/** What the controller needs of a language client. */
export interface ClientHandle {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Called by the client when the server's connection closes or fails. */
export interface CrashHandler {
  /** The connection closed (the server died): start it again? */
  closed(): 'restart' | 'stop';
}

export interface ClientOptions {
  command: string;
  args: string[];
  crashHandler: CrashHandler;
  settings: CheckSettings;
}

export type ClientFactory = (options: ClientOptions) => ClientHandle;

/** When diagnostics are shown (the `csflow.check.*` settings). */
export interface CheckSettings {
  onType: boolean;
  onSave: boolean;
}

export const OPEN_SETTINGS = 'Open Settings';
export const RETRY = 'Retry';
export const SHOW_OUTPUT = 'Show Output';

export class ServerController implements vscode.Disposable {
  private client: ClientHandle | undefined;
  private readonly policy: RestartPolicy;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** The resolution used for the running server (for the status and tests). */
  lastResolution: Resolution | undefined;

  constructor(
    private readonly factory: ClientFactory,
    private readonly output: { appendLine(line: string): void; show?(): void },
    options: { policy?: RestartPolicy; isExecutable?: (file: string) => boolean } = {},
  ) {
    this.policy = options.policy ?? new RestartPolicy();
    this.isExecutable = options.isExecutable ?? isExecutableFile;
    this.subscriptions.push(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (
          event.affectsConfiguration('csflow.path') ||
          event.affectsConfiguration('csflow.trace.server') ||
          event.affectsConfiguration('csflow.check')
        ) {
          void this.restart();
        }
      }),
    );
  }

  private readonly isExecutable: (file: string) => boolean;

  get running(): boolean {
    return this.client !== undefined;
  }

  /** Finds the program and starts the server; says so, with a way out, when it cannot. */
  async start(): Promise<boolean> {
    const configuration = vscode.workspace.getConfiguration('csflow');
    const resolution = resolveServer({
      setting: configuration.get<string>('path'),
      env: process.env,
      platform: process.platform,
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
      isExecutable: this.isExecutable,
    });
    this.lastResolution = resolution;
    if (resolution.kind === 'missing') {
      this.output.appendLine(`${resolution.message} Looked at: ${resolution.searched.join(', ') || '(PATH is empty)'}`);
      void this.explainMissing(resolution.message);
      return false;
    }
    const settings: CheckSettings = {
      onType: configuration.get<boolean>('check.onType') ?? true,
      onSave: configuration.get<boolean>('check.onSave') ?? true,
    };
    this.output.appendLine(`Starting ${resolution.command} lsp (found on ${resolution.source}).`);
    const client = this.factory({
      command: resolution.command,
      args: ['lsp'],
      settings,
      crashHandler: { closed: () => this.onClosed() },
    });
    this.client = client;
    try {
      await client.start();
      return true;
    } catch (error) {
      this.client = undefined;
      const message = `The csflow language server (${resolution.command} lsp) did not start: ${describe(error)}.`;
      this.output.appendLine(message);
      void this.explainMissing(message);
      return false;
    }
  }

  /** Stops the server (if any) and starts it again; the crash count starts afresh. */
  async restart(): Promise<boolean> {
    this.policy.reset();
    await this.stop();
    return this.start();
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop();
      } catch (error) {
        this.output.appendLine(`Stopping the language server: ${describe(error)}`);
      }
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    void this.stop();
  }

  private onClosed(): 'restart' | 'stop' {
    if (this.policy.onCrash() === 'restart') {
      this.output.appendLine('The csflow language server stopped unexpectedly; starting it again.');
      return 'restart';
    }
    this.client = undefined;
    const message =
      `The csflow language server stopped ${this.policy.recentCrashes} times in a few minutes and ` +
      'will not be started again until you ask. The Output view ("csflow") shows why.';
    this.output.appendLine(message);
    void vscode.window.showErrorMessage(message, 'Restart', SHOW_OUTPUT).then((choice) => {
      if (choice === 'Restart') void this.restart();
      if (choice === SHOW_OUTPUT) this.output.show?.();
    });
    return 'stop';
  }

  private async explainMissing(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, OPEN_SETTINGS, RETRY);
    if (choice === OPEN_SETTINGS) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'csflow.path');
    } else if (choice === RETRY) {
      await this.restart();
    }
  }
}

function isExecutableFile(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
