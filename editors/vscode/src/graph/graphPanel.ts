/** "csflow: Show Flow Graph": the webview beside the editor, wired to a GraphSession. */
import * as path from 'path';
import * as vscode from 'vscode';
import { flowUnderCursor } from '../flowPick';
import { outline } from '../outline';
import { renderPage } from '../page';
import { runProcess } from '../process';
import { csflowProgram, projectFolder } from '../program';
import { scalarColumnToUtf16 } from './graphData';
import { GraphFromPage, GraphSession, GraphTarget, SourceJump } from './graphSession';

export class GraphPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private session: GraphSession | undefined;
  private sourceFile: string | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.subscriptions.push(
      vscode.workspace.onDidSaveTextDocument((document) => {
        if (document.languageId !== 'csflow' || !this.session) return;
        if (vscode.workspace.getConfiguration('csflow').get<boolean>('graph.refreshOnSave') ?? true) void this.session.refresh();
      }),
    );
  }

  async show(): Promise<void> {
    const picked = await flowUnderCursor();
    if (!picked) return;
    const command = csflowProgram();
    if (!command) return;
    const target: GraphTarget = { command, paths: [picked.document.uri.fsPath], flow: picked.flow, cwd: projectFolder(picked.document) };
    this.sourceFile = picked.document.uri.fsPath;
    if (this.panel && this.session) {
      this.session.retarget(target);
      this.panel.title = `Graph: ${picked.flow}`;
      this.panel.reveal(vscode.ViewColumn.Beside, true);
      await this.session.refresh();
      return;
    }
    const panel = vscode.window.createWebviewPanel('csflow.graph', `Graph: ${picked.flow}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'out', 'webview')],
    });
    this.panel = panel;
    const webview = panel.webview;
    webview.html = renderPage({
      title: 'Flow graph',
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'out', 'webview', 'graph.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'graph.css')).toString(),
      initial: { flow: picked.flow },
    });
    const session = new GraphSession(target, runProcess, (message) => void webview.postMessage(message), (jump) => void this.jump(jump));
    this.session = session;
    webview.onDidReceiveMessage((message: GraphFromPage) => void session.handle(message), undefined, this.subscriptions);
    panel.onDidDispose(() => {
      this.panel = undefined;
      this.session = undefined;
    });
  }

  private async jump(target: SourceJump): Promise<void> {
    const file = target.absoluteFile ?? this.sourceFile;
    if (!file) return;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(path.resolve(file)));
    let position: vscode.Position;
    if (target.stateName) {
      const state = outline(document.getText())
        .flows.flatMap((flow) => flow.states)
        .find((s) => s.name === target.stateName);
      if (!state) return;
      position = new vscode.Position(state.position.line, state.position.character);
    } else {
      const line = Math.max(0, target.line - 1);
      const text = line < document.lineCount ? document.lineAt(line).text : '';
      position = new vscode.Position(line, scalarColumnToUtf16(text, target.column));
    }
    const editor = await vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.One, preserveFocus: false });
    editor.selection = new vscode.Selection(position, position);
    editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.panel?.dispose();
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
