/** "The flow under the cursor" for the graph and chat commands, asking when the file leaves it open. */
import * as vscode from 'vscode';
import { Outline, flowAt, outline } from './outline';

export interface PickedFlow {
  document: vscode.TextDocument;
  flow: string;
  outline: Outline;
}

export async function flowUnderCursor(): Promise<PickedFlow | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'csflow') {
    void vscode.window.showInformationMessage('Open a .csflow file and put the cursor in a flow first.');
    return undefined;
  }
  const document = editor.document;
  const fileOutline = outline(document.getText());
  const found = flowAt(fileOutline, document.offsetAt(editor.selection.active));
  if (found) return { document, flow: found, outline: fileOutline };
  const names = [...new Set([...fileOutline.flows.map((f) => f.name), ...fileOutline.tests.map((t) => t.flow).filter((f): f is string => !!f)])];
  if (names.length === 0) {
    void vscode.window.showInformationMessage('This file has no flow (no `flow NAME { … }` and no test naming one).');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(names, { placeHolder: 'Which flow?' });
  return picked ? { document, flow: picked, outline: fileOutline } : undefined;
}
