/**
 * Tasks of type `csflow` (check and test, with the `$csflow` and `$csflow-test` problem
 * matchers) and the "csflow: Run Tests" command that runs the test task.
 */
import * as vscode from 'vscode';
import { csflowProgram } from '../program';

export const TASK_TYPE = 'csflow';

interface CsflowTaskDefinition extends vscode.TaskDefinition {
  command: 'check' | 'test';
  paths?: string[];
}

export function taskFor(definition: CsflowTaskDefinition, folder: vscode.WorkspaceFolder, command: string): vscode.Task {
  const paths = definition.paths && definition.paths.length > 0 ? definition.paths : ['.'];
  const args = definition.command === 'check' ? ['check', '--format', 'short', ...paths] : ['test', ...paths];
  const task = new vscode.Task(
    definition,
    folder,
    definition.command,
    'csflow',
    new vscode.ProcessExecution(command, args, { cwd: folder.uri.fsPath }),
    definition.command === 'check' ? ['$csflow'] : ['$csflow-test', '$csflow'],
  );
  task.group = definition.command === 'test' ? vscode.TaskGroup.Test : vscode.TaskGroup.Build;
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true };
  return task;
}

export class CsflowTaskProvider implements vscode.TaskProvider {
  provideTasks(): vscode.Task[] {
    const command = csflowProgram();
    if (!command) return [];
    const tasks: vscode.Task[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      tasks.push(taskFor({ type: TASK_TYPE, command: 'check' }, folder, command));
      tasks.push(taskFor({ type: TASK_TYPE, command: 'test' }, folder, command));
    }
    return tasks;
  }

  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as CsflowTaskDefinition;
    const command = csflowProgram();
    if (!command || (definition.command !== 'check' && definition.command !== 'test')) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : vscode.workspace.workspaceFolders?.[0];
    return folder ? taskFor(definition, folder, command) : undefined;
  }
}

/** "csflow: Run Tests": the test task of the active file's workspace folder. */
export async function runTestsTask(): Promise<void> {
  const command = csflowProgram();
  if (!command) return;
  const active = vscode.window.activeTextEditor?.document.uri;
  const folder = (active && vscode.workspace.getWorkspaceFolder(active)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) {
    void vscode.window.showInformationMessage('Open a folder with .csflow files to run their tests.');
    return;
  }
  await vscode.tasks.executeTask(taskFor({ type: TASK_TYPE, command: 'test' }, folder, command));
}
