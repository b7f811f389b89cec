/**
 * The `csflow graph --format json` document (docs/graph.md): the few members the graph view
 * reads — where each node is written, and which diagnostics are drawn on which nodes.
 * Unknown members are ignored, as the format asks.
 */

export interface JsonPoint {
  line: number;
  column: number;
}
export interface JsonRange {
  start: JsonPoint;
  end: JsonPoint;
}

export interface GraphNode {
  id: string;
  kind: string;
  label?: string;
  state?: string | null;
  file?: string | null;
  range?: JsonRange | null;
  name_range?: JsonRange | null;
  marks?: string[];
  diagnostics?: number[];
}

export interface GraphDiagnostic {
  name: string;
  code?: string;
  /** `error`, `warning` or `info`. */
  severity: string;
  message: string;
  file?: string | null;
  range?: JsonRange | null;
  nodes?: string[];
}

export interface GraphDocument {
  version: number;
  flow: string;
  channel?: string;
  file?: string;
  /** The start state's node id. */
  start?: string | null;
  nodes: GraphNode[];
  edges: unknown[];
  diagnostics: GraphDiagnostic[];
}

/** Reads the JSON text; throws with a readable reason when it is not a graph document. */
export function parseGraph(text: string): GraphDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`csflow graph --format json printed something that is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || !Array.isArray((value as GraphDocument).nodes)) {
    throw new Error('csflow graph --format json printed no "nodes" list: is this csflow too old for the graph view?');
  }
  const document = value as GraphDocument;
  return {
    ...document,
    edges: Array.isArray(document.edges) ? document.edges : [],
    diagnostics: Array.isArray(document.diagnostics) ? document.diagnostics : [],
  };
}

/** Where a click on the picture jumps: a file (as csflow printed it) and a 1-based point. */
export interface JumpTarget {
  file: string | undefined;
  line: number;
  column: number;
}

/**
 * The node a key from the picture names. SVG drawn by Graphviz names a node by its DOT id
 * (in `<title>`, and in `id` when the DOT sets one); a plain state name is accepted too.
 */
export function findNode(graph: GraphDocument, key: string): GraphNode | undefined {
  const wanted = unquote(key.trim());
  return (
    graph.nodes.find((node) => node.id === wanted) ??
    graph.nodes.find((node) => node.id === `state:${wanted}`) ??
    graph.nodes.find((node) => node.kind === 'state' && (node.label === wanted || node.state === wanted))
  );
}

/** Where to jump for a node: a state's name, else the start of what the node stands for. */
export function jumpTarget(node: GraphNode): JumpTarget | undefined {
  const range = node.name_range ?? node.range;
  if (!range) return undefined;
  return { file: node.file ?? undefined, line: range.start.line, column: range.start.column };
}

export type ProblemLevel = 'error' | 'warning' | 'info';

/** For each node id: the worst severity drawn on it, its marks, and the messages. */
export interface NodeProblems {
  level: ProblemLevel;
  marks: string[];
  messages: string[];
}

export function problemsByNode(graph: GraphDocument): Map<string, NodeProblems> {
  const result = new Map<string, NodeProblems>();
  const add = (id: string, level: ProblemLevel, message: string | undefined, mark: string | undefined): void => {
    const entry = result.get(id) ?? { level, marks: [], messages: [] };
    if (rank(level) > rank(entry.level)) entry.level = level;
    if (message && !entry.messages.includes(message)) entry.messages.push(message);
    if (mark && !entry.marks.includes(mark)) entry.marks.push(mark);
    result.set(id, entry);
  };
  graph.diagnostics.forEach((diagnostic) => {
    for (const id of diagnostic.nodes ?? []) add(id, level(diagnostic.severity), `${diagnostic.name}: ${diagnostic.message}`, undefined);
  });
  for (const node of graph.nodes) {
    for (const index of node.diagnostics ?? []) {
      const diagnostic = graph.diagnostics[index];
      if (diagnostic) add(node.id, level(diagnostic.severity), `${diagnostic.name}: ${diagnostic.message}`, undefined);
    }
    for (const mark of node.marks ?? []) add(node.id, mark === 'trap' ? 'error' : 'warning', undefined, mark);
  }
  return result;
}

function level(severity: string): ProblemLevel {
  return severity === 'error' ? 'error' : severity === 'warning' ? 'warning' : 'info';
}

function rank(level: ProblemLevel): number {
  return level === 'error' ? 2 : level === 'warning' ? 1 : 0;
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1).replace(/\\"/g, '"') : text;
}

/** A 1-based column counted in Unicode scalar values → a 0-based UTF-16 offset in `line`. */
export function scalarColumnToUtf16(lineText: string, column: number): number {
  let offset = 0;
  let scalars = 1;
  while (scalars < column && offset < lineText.length) {
    const code = lineText.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    scalars++;
  }
  return offset;
}
