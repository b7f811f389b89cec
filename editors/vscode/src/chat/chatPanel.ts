/** "csflow: Talk to This Flow": a chat webview wired to `csflow serve` through a ChatSession. */
import * as vscode from 'vscode';
import { flowUnderCursor } from '../flowPick';
import { renderPage } from '../page';
import { csflowProgram, projectFolder } from '../program';
import { runProcess } from '../process';
import { ConversationApi, HttpConversationApi } from './api';
import { ChatFromPage, ChatSession } from './chatSession';
import { RunConversationApi } from './runBackend';
import { RunningServer, startServe } from './serveProcess';

export class ChatPanel implements vscode.Disposable {
  private readonly panels = new Set<{ dispose(): void }>();

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly output: vscode.OutputChannel,
  ) {}

  async show(): Promise<void> {
    const picked = await flowUnderCursor();
    if (!picked) return;
    const command = csflowProgram();
    if (!command) return;
    const file = picked.document.uri.fsPath;
    const cwd = projectFolder(picked.document);
    const declared = picked.outline.flows.find((flow) => flow.name === picked.flow)?.channel;

    // Decided before the page exists, so that its first message (`ready`) finds the session.
    // `csflow serve` when this csflow has it; else the terminal conversation, `csflow run`.
    const hasServe = await runProcess(command, ['serve', '--help'], { cwd, timeoutMs: 10000 }).then(
      (result) => result.code === 0,
      () => false,
    );
    const panel = vscode.window.createWebviewPanel('csflow.chat', `Talk: ${picked.flow}`, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true,
      retainContextWhenHidden: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'out', 'webview')],
    });
    const webview = panel.webview;
    webview.html = renderPage({
      title: `Talk to ${picked.flow}`,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'out', 'webview', 'chat.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'chat.css')).toString(),
      initial: { flow: picked.flow },
    });
    const post = (message: unknown): void => void webview.postMessage(message);

    let server: RunningServer | undefined;
    let disposed = false;
    const launch = async (): Promise<RunningServer> => {
      const running = await startServe({ command, paths: [file], cwd });
      this.output.appendLine(`csflow serve for ${picked.flow} listens on ${running.baseUrl}`);
      running.onExit((code, signal) => {
        if (disposed) return;
        post({ type: 'error', message: `csflow serve stopped (${signal ?? `exit status ${code}`}). Save the file or press “Start again” to start it again.\n${running.log().trim().slice(-2000)}` });
        server = undefined;
      });
      return running;
    };
    const runner = hasServe ? undefined : new RunConversationApi(command, [file], cwd);
    if (runner) this.output.appendLine(`This csflow has no \`serve\`: talking to ${picked.flow} through csflow run.`);
    const api: ConversationApi = runner ?? {
      // The server starts on first use, and again after a save or a crash.
      start: async (flow, channel) => {
        server ??= await launch();
        return new HttpConversationApi(server.baseUrl).start(flow, channel);
      },
      input: async (conversation, input) => {
        if (!server) throw new Error('csflow serve is not running: press “Start again”.');
        return new HttpConversationApi(server.baseUrl).input(conversation, input);
      },
    };
    const session = new ChatSession(api, post, { flow: picked.flow, declaredChannel: declared });
    const saved = vscode.workspace.onDidSaveTextDocument(async (document) => {
      if (document.languageId !== 'csflow') return;
      const old = server;
      server = undefined;
      await old?.stop();
      void session.handle({ type: 'restart' });
    });
    webview.onDidReceiveMessage((message: ChatFromPage) => void session.handle(message));
    const handle = {
      dispose: () => {
        disposed = true;
        saved.dispose();
        runner?.stop();
        void server?.stop();
      },
    };
    this.panels.add(handle);
    panel.onDidDispose(() => {
      handle.dispose();
      this.panels.delete(handle);
    });
  }

  dispose(): void {
    for (const panel of this.panels) panel.dispose();
    this.panels.clear();
  }
}
