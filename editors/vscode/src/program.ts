/** The csflow program for the commands (graph, chat, tasks, tests): the same rules as the server's. */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { OPEN_SETTINGS } from './client/lifecycle';
import { resolveServer } from './client/serverPath';

/** The csflow command, or undefined after telling the user (with a button to the setting). */
export function csflowProgram(): string | undefined {
  const resolution = resolveServer({
    setting: vscode.workspace.getConfiguration('csflow').get<string>('path'),
    env: process.env,
    platform: process.platform,
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    isExecutable: (file) => {
      try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
  });
  if (resolution.kind === 'found') return resolution.command;
  void vscode.window.showErrorMessage(resolution.message, OPEN_SETTINGS).then((choice) => {
    if (choice === OPEN_SETTINGS) void vscode.commands.executeCommand('workbench.action.openSettings', 'csflow.path');
  });
  return undefined;
}

/** The folder commands run in: the document's workspace folder, else its own folder. */
export function projectFolder(document: vscode.TextDocument): string {
  return vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? path.dirname(document.uri.fsPath);
}
