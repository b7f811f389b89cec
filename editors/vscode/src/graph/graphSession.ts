/**
 * The logic of the graph view, without VS Code: runs `csflow graph` for one flow (SVG for
 * the picture, JSON for where each node is written and what is wrong with it), sends the
 * result to the page, and turns a click on the page into a place in the source.
 */
import * as path from 'path';
import { Runner } from '../process';
import { GraphDocument, JumpTarget, findNode, jumpTarget, parseGraph, problemsByNode } from './graphData';
import { sanitizeSvg } from './svg';

/** What the graph page receives. */
export type GraphToPage =
  | { type: 'loading'; flow: string }
  | {
      type: 'graph';
      flow: string;
      svg: string;
      /** The start state's node id, which the page scrolls into view. */
      start?: string;
      /** Problems per node id, for marking the picture. */
      problems: { id: string; level: string; marks: string[]; messages: string[] }[];
      /** The flow's diagnostics, listed under the picture. */
      diagnostics: { index: number; name: string; severity: string; message: string; line: number | null }[];
      warning?: string;
    }
  | { type: 'error'; flow: string; message: string; detail: string };

/** What the graph page sends. */
export type GraphFromPage =
  | { type: 'ready' }
  | { type: 'refresh' }
  | { type: 'jump'; keys: string[] }
  | { type: 'jumpDiagnostic'; index: number };

export interface GraphTarget {
  /** The csflow program. */
  command: string;
  /** The file (or project folder) to draw from, as given to csflow. */
  paths: string[];
  flow: string;
  cwd: string;
}

/** A place to open, with the file made absolute. */
export interface SourceJump extends JumpTarget {
  absoluteFile: string | undefined;
  /** Set when the place was found from the state's name rather than from csflow's JSON. */
  stateName?: string;
}

export class GraphSession {
  private graph: GraphDocument | undefined;
  private generation = 0;

  constructor(
    private target: GraphTarget,
    private readonly run: Runner,
    private readonly post: (message: GraphToPage) => void,
    private readonly jump: (target: SourceJump) => void,
  ) {}

  get flow(): string {
    return this.target.flow;
  }

  retarget(target: GraphTarget): void {
    this.target = target;
    this.graph = undefined;
  }

  /** Draws the flow again; a refresh that a newer one overtook posts nothing. */
  async refresh(): Promise<void> {
    const generation = ++this.generation;
    const { command, paths, flow, cwd } = this.target;
    this.post({ type: 'loading', flow });
    const base = [...paths, '--flow', flow];
    try {
      const [svg, json] = await Promise.all([
        this.run(command, ['graph', ...base, '--format', 'svg'], { cwd, timeoutMs: 60000 }),
        this.run(command, ['graph', ...base, '--format', 'json'], { cwd, timeoutMs: 60000 }),
      ]);
      if (generation !== this.generation) return;
      if (svg.code !== 0) {
        this.post({ type: 'error', flow, message: `csflow graph could not draw the flow "${flow}".`, detail: (svg.stderr || svg.stdout).trim() });
        return;
      }
      let warning: string | undefined;
      this.graph = undefined;
      if (json.code === 0) {
        try {
          this.graph = parseGraph(json.stdout);
        } catch (error) {
          warning = (error as Error).message;
        }
      } else {
        warning = `csflow graph --format json failed, so clicks and problem marks are unavailable: ${(json.stderr || json.stdout).trim()}`;
      }
      const graph = this.graph;
      this.post({
        type: 'graph',
        flow,
        svg: sanitizeSvg(svg.stdout),
        ...(graph?.start ? { start: graph.start } : {}),
        problems: graph ? [...problemsByNode(graph)].map(([id, problems]) => ({ id, ...problems })) : [],
        diagnostics: graph
          ? graph.diagnostics.map((diagnostic, index) => ({
              index,
              name: diagnostic.name,
              severity: diagnostic.severity,
              message: diagnostic.message,
              line: diagnostic.range?.start.line ?? null,
            }))
          : [],
        ...(warning ? { warning } : {}),
      });
    } catch (error) {
      if (generation !== this.generation) return;
      const message = (error as NodeJS.ErrnoException).code === 'ENOENT' ? `The csflow program (${command}) was not found.` : 'csflow graph failed.';
      this.post({ type: 'error', flow, message, detail: (error as Error).message });
    }
  }

  /** Handles one message of the page. */
  async handle(message: GraphFromPage): Promise<void> {
    switch (message.type) {
      case 'ready':
      case 'refresh':
        await this.refresh();
        return;
      case 'jump': {
        const target = this.locate(message.keys);
        if (target) this.jump(target);
        return;
      }
      case 'jumpDiagnostic': {
        const diagnostic = this.graph?.diagnostics[message.index];
        if (diagnostic?.range) {
          const file = diagnostic.file ?? undefined;
          this.jump({ file, line: diagnostic.range.start.line, column: diagnostic.range.start.column, absoluteFile: this.absolute(file) });
        }
        return;
      }
    }
  }

  /** The source place for a clicked node: from the JSON, or else by the state's name. */
  locate(keys: string[]): SourceJump | undefined {
    if (this.graph) {
      for (const key of keys) {
        const node = findNode(this.graph, key);
        const target = node && jumpTarget(node);
        if (target) return { ...target, absoluteFile: this.absolute(target.file) };
      }
    }
    for (const key of keys) {
      const name = key.trim().replace(/^"|"$/g, '').replace(/^state:/, '');
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { file: undefined, line: 0, column: 0, absoluteFile: undefined, stateName: name };
    }
    return undefined;
  }

  private absolute(file: string | undefined): string | undefined {
    if (!file) return undefined;
    return path.isAbsolute(file) ? file : path.join(this.target.cwd, file);
  }
}
