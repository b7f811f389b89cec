/**
 * A quick outline of one `.csflow` file — its flows (with their channel and states) and its
 * tests — read with a small scanner that knows strings, comments and regexes, so that a
 * `{` inside a prompt or a pattern never counts. The language server knows far more; this is
 * what the commands need without waiting for it ("the flow under the cursor", the Testing
 * view), and it works on a file that does not compile.
 */

export interface Position {
  /** 0-based, as VS Code counts. */
  line: number;
  /** 0-based, in UTF-16 code units, as VS Code counts. */
  character: number;
}

export interface StateOutline {
  name: string;
  /** Where the state's name is written. */
  position: Position;
  start: number;
  end: number;
}

export interface FlowOutline {
  name: string;
  position: Position;
  /** Offsets of `flow` and of the closing `}` (or the end of the text). */
  start: number;
  end: number;
  channel: 'voice' | 'chat' | 'any' | undefined;
  states: StateOutline[];
}

export interface TestOutline {
  name: string;
  position: Position;
  start: number;
  end: number;
  /** The `flow NAME` line of the test, when written. */
  flow: string | undefined;
}

export interface Outline {
  flows: FlowOutline[];
  tests: TestOutline[];
}

interface Token {
  kind: 'word' | 'string' | 'open' | 'close' | 'other';
  text: string;
  offset: number;
}

/** Words after which `/` starts a regex rather than dividing. */
const REGEX_AFTER = new Set(['matches', 'matching', 'say']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i]!;
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '"') {
      const start = i;
      let value = '';
      i++;
      while (i < n && text[i] !== '"' && text[i] !== '\n') {
        if (text[i] === '\\' && i + 1 < n && text[i + 1] !== '\n') {
          const next = text[i + 1]!;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next;
          i += 2;
        } else {
          value += text[i];
          i++;
        }
      }
      if (text[i] === '"') i++;
      tokens.push({ kind: 'string', text: value, offset: start });
    } else if (c === '/' && tokens.length > 0 && REGEX_AFTER.has(tokens[tokens.length - 1]!.text)) {
      const start = i;
      i++;
      while (i < n && text[i] !== '/' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      if (text[i] === '/') i++;
      tokens.push({ kind: 'other', text: text.slice(start, i), offset: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_]/.test(text[i]!)) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), offset: start });
    } else if (c === '{') {
      tokens.push({ kind: 'open', text: c, offset: i++ });
    } else if (c === '}') {
      tokens.push({ kind: 'close', text: c, offset: i++ });
    } else if (/\s/.test(c)) {
      i++;
    } else {
      tokens.push({ kind: 'other', text: c, offset: i++ });
    }
  }
  return tokens;
}

/** Offset → line/character, built once per text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  position(offset: number): Position {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low, character: offset - this.starts[low]! };
  }
  offset(position: Position): number {
    const start = this.starts[Math.min(position.line, this.starts.length - 1)] ?? 0;
    return start + position.character;
  }
}

/** The offset of the `}` that closes the `{` at token index `open`, or the text's end. */
function closeOf(tokens: Token[], open: number, textLength: number): { end: number; next: number } {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    const token = tokens[j]!;
    if (token.kind === 'open') depth++;
    else if (token.kind === 'close') {
      depth--;
      if (depth === 0) return { end: token.offset + 1, next: j + 1 };
    }
  }
  return { end: textLength, next: tokens.length };
}

export function outline(text: string): Outline {
  const tokens = tokenize(text);
  const lines = new LineIndex(text);
  const result: Outline = { flows: [], tests: [] };
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const name = tokens[i + 1];
    const brace = tokens[i + 2];
    if (token.kind === 'word' && token.text === 'flow' && name?.kind === 'word' && brace?.kind === 'open') {
      const { end, next } = closeOf(tokens, i + 2, text.length);
      result.flows.push(readFlow(tokens.slice(i + 3, next), token.offset, end, name, lines));
      i = next;
    } else if (token.kind === 'word' && token.text === 'test' && name?.kind === 'string' && brace?.kind === 'open') {
      const { end, next } = closeOf(tokens, i + 2, text.length);
      const body = tokens.slice(i + 3, next);
      let flow: string | undefined;
      for (let j = 0; j + 1 < body.length; j++) {
        if (body[j]!.text === 'flow' && body[j + 1]!.kind === 'word') {
          flow = body[j + 1]!.text;
          break;
        }
      }
      result.tests.push({ name: name.text, position: lines.position(token.offset), start: token.offset, end, flow });
      i = next;
    } else if (token.kind === 'open') {
      i = closeOf(tokens, i, text.length).next;
    } else {
      i++;
    }
  }
  return result;
}

function readFlow(body: Token[], start: number, end: number, name: Token, lines: LineIndex): FlowOutline {
  const flow: FlowOutline = { name: name.text, position: lines.position(name.offset), start, end, channel: undefined, states: [] };
  let depth = 0;
  for (let j = 0; j < body.length; j++) {
    const token = body[j]!;
    if (token.kind === 'open') depth++;
    else if (token.kind === 'close') depth--;
    else if (depth === 0 && token.kind === 'word') {
      const next = body[j + 1];
      if (token.text === 'channel' && next && ['voice', 'chat', 'any'].includes(next.text)) {
        flow.channel = next.text as FlowOutline['channel'];
      } else if (token.text === 'state' && next?.kind === 'word' && body[j + 2]?.kind === 'open') {
        const { end: stateEnd } = closeOf(body, j + 2, end);
        flow.states.push({ name: next.text, position: lines.position(next.offset), start: token.offset, end: stateEnd });
      }
    }
  }
  return flow;
}

/**
 * The flow "under the cursor": the flow around it, or the flow a test around it runs, or the
 * only flow of the file. Undefined when the file leaves it open (several flows, cursor
 * outside all of them): the caller asks.
 */
export function flowAt(file: Outline, offset: number): string | undefined {
  for (const flow of file.flows) if (offset >= flow.start && offset <= flow.end) return flow.name;
  for (const test of file.tests) if (offset >= test.start && offset <= test.end && test.flow) return test.flow;
  if (file.flows.length === 1) return file.flows[0]!.name;
  const testedFlows = new Set(file.tests.map((t) => t.flow).filter((f): f is string => f !== undefined));
  if (file.flows.length === 0 && testedFlows.size === 1) return [...testedFlows][0];
  return undefined;
}

/** The state whose block holds `offset`, if any. */
export function stateAt(flow: FlowOutline, offset: number): StateOutline | undefined {
  return flow.states.find((state) => offset >= state.start && offset <= state.end);
}
