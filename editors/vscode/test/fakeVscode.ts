/**
 * A fake `vscode` module for tests that run without VS Code: the few APIs the extension's
 * start-up logic calls, recording what it showed and which commands it ran. Installed in
 * Node's module cache so that `import * as vscode from 'vscode'` finds it.
 */
import * as Module from 'module';

export interface ShownMessage {
  severity: 'error' | 'information' | 'warning';
  text: string;
  buttons: string[];
}

export class FakeVscode {
  settings: Record<string, unknown> = {};
  messages: ShownMessage[] = [];
  executed: { command: string; args: unknown[] }[] = [];
  /** What the user clicks on the next message (undefined: dismisses it). */
  nextChoice: (message: ShownMessage) => string | undefined = () => undefined;
  workspaceFolders: { uri: { fsPath: string } }[] | undefined = undefined;
  /** The open documents (`workspace.textDocuments`). */
  textDocuments: { uri: { toString(): string }; isDirty: boolean }[] = [];
  private configurationListeners: ((event: { affectsConfiguration(section: string): boolean }) => void)[] = [];

  readonly module = {
    window: {
      showErrorMessage: (text: string, ...buttons: string[]) => this.show('error', text, buttons),
      showWarningMessage: (text: string, ...buttons: string[]) => this.show('warning', text, buttons),
      showInformationMessage: (text: string, ...buttons: string[]) => this.show('information', text, buttons),
    },
    workspace: {
      getConfiguration: (section: string) => ({
        get: <T>(key: string): T | undefined => this.settings[`${section}.${key}`] as T | undefined,
      }),
      onDidChangeConfiguration: (listener: (event: { affectsConfiguration(section: string): boolean }) => void) => {
        this.configurationListeners.push(listener);
        return { dispose: () => (this.configurationListeners = this.configurationListeners.filter((l) => l !== listener)) };
      },
      get workspaceFolders() {
        return fake.workspaceFolders;
      },
      get textDocuments() {
        return fake.textDocuments;
      },
      createFileSystemWatcher: (pattern: string) => ({ pattern, dispose: () => undefined }),
    },
    commands: {
      executeCommand: (command: string, ...args: unknown[]) => {
        this.executed.push({ command, args });
        return Promise.resolve(undefined);
      },
    },
  };

  /** Changes a setting the way the Settings editor does, telling the listeners. */
  changeSetting(key: string, value: unknown): void {
    this.settings[key] = value;
    for (const listener of this.configurationListeners) listener({ affectsConfiguration: (section) => key === section || key.startsWith(`${section}.`) });
  }

  reset(): void {
    this.settings = {};
    this.messages = [];
    this.executed = [];
    this.nextChoice = () => undefined;
    this.workspaceFolders = undefined;
    this.textDocuments = [];
    this.configurationListeners = [];
  }

  private show(severity: ShownMessage['severity'], text: string, buttons: string[]): Promise<string | undefined> {
    const message = { severity, text, buttons };
    this.messages.push(message);
    return Promise.resolve(this.nextChoice(message));
  }
}

export const fake = new FakeVscode();

const moduleInternals = Module as unknown as {
  _resolveFilename: (request: string, ...rest: unknown[]) => string;
};
const originalResolve = moduleInternals._resolveFilename;
moduleInternals._resolveFilename = function (request: string, ...rest: unknown[]): string {
  if (request === 'vscode') return 'vscode';
  return originalResolve.call(this, request, ...rest);
};
/** vscode-languageclient extends some of VS Code's classes when it loads: any other name is a plain class. */
class Placeholder {
  constructor(...args: unknown[]) {
    Object.assign(this, { args });
  }
}
const exported = new Proxy(fake.module, { get: (target, name) => (name in target ? target[name as keyof typeof target] : Placeholder) });
require.cache.vscode = { id: 'vscode', filename: 'vscode', loaded: true, exports: exported } as unknown as NodeJS.Module;
