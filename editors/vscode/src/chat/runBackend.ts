/**
 * A conversation through `csflow run` (the terminal conversation), for a csflow without
 * `serve`: the same ConversationApi as the HTTP one. Each user turn is one line on standard
 * input (`#12` keys, `/noinput` silence, anything else text); each bot turn is what `run`
 * prints on standard output after echoing that line, read until the output pauses.
 */
import { ChildProcess, spawn } from 'child_process';
import { ApiError, ConversationApi, Turn, TurnOption, UserInput } from './api';

/** How long the output must pause before a turn counts as printed. */
const QUIET_MS = 150;

/** Reads the lines `csflow run` prints for one turn into a Turn. */
export function parseRunTurn(id: string, lines: string[]): Turn {
  const turn: Turn = { id, status: 'waiting', outputs: [] };
  for (const line of lines) {
    let match: RegExpExecArray | null;
    if (line.startsWith('bot: ')) {
      turn.outputs.push({ type: 'say', text: line.slice('bot: '.length) });
    } else if ((match = /^\s+options: (.*)$/.exec(line))) {
      const options: TurnOption[] = [];
      for (const option of match[1]!.matchAll(/\[([^\]]*)\](?: ([^\[ ](?:(?! {2}\[).)*))?/g)) {
        options.push(option[2] !== undefined ? { label: option[2].trim(), key: option[1]! } : { label: option[1]! });
      }
      turn.expecting = { kind: 'menu', options };
    } else if (/^\s+\(answer for [A-Za-z_0-9]+\)$/.test(line)) {
      turn.expecting = { kind: 'ask' };
    } else if (line === '-- the conversation has ended') {
      turn.status = 'ended';
    } else if ((match = /^-- handed off to queue (\S+) \(priority (\w+)(?:, reason "((?:[^"\\]|\\.)*)")?\)$/.exec(line))) {
      turn.status = 'handed_off';
      turn.handoff = { queue: match[1]!, priority: match[2]!, ...(match[3] !== undefined ? { reason: match[3].replace(/\\(.)/g, '$1') } : {}) };
    } else if ((match = /^-- the conversation failed: (.*)$/.exec(line))) {
      turn.status = 'failed';
      turn.error = match[1]!;
    }
  }
  return turn;
}

/** The line `csflow run` reads for one user input. */
export function runLine(input: UserInput): string {
  if ('keys' in input) return `#${input.keys}`;
  if ('event' in input) return '/noinput';
  return input.text.replace(/[\r\n]+/g, ' ');
}

export class RunConversationApi implements ConversationApi {
  private child: ChildProcess | undefined;
  private lines: string[] = [];
  private partial = '';
  private stderr = '';
  private exited = false;
  private waiters: (() => void)[] = [];
  private conversations = 0;

  constructor(
    private readonly command: string,
    private readonly files: string[],
    private readonly cwd: string,
  ) {}

  async start(flow: string, channel: string | undefined): Promise<Turn> {
    this.stop();
    const args = ['run', ...this.files, '--flow', flow, '--color', 'never'];
    if (channel === 'voice' || channel === 'chat') args.push('--channel', channel);
    const child = spawn(this.command, args, { cwd: this.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    this.lines = [];
    this.partial = '';
    this.stderr = '';
    this.exited = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      const text = this.partial + chunk.toString('utf8');
      const parts = text.split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.map((line) => line.replace(/\r$/, '')));
      this.wake();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-20000);
      this.wake();
    });
    child.stdin?.on('error', () => undefined);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error: NodeJS.ErrnoException) => reject(new ApiError(error.code === 'ENOENT' ? `The csflow program (${this.command}) was not found.` : error.message, undefined, undefined)));
    });
    child.once('exit', () => {
      this.exited = true;
      this.wake();
    });
    await spawned;
    // `run` says "talking to flow …" on stderr, then prints the first turn on stdout.
    await this.settle((lines) => lines.length > 0 || this.stderr.includes('talking to flow '));
    if (this.lines.length === 0 && (this.exited || !this.stderr.includes('talking to flow '))) {
      throw new ApiError(this.stderr.replace(/^error: /, '').trim() || 'csflow run printed nothing', undefined, 'run_failed');
    }
    const id = `run-${++this.conversations}`;
    const turn = parseRunTurn(id, this.lines);
    this.lines = [];
    return turn;
  }

  async input(conversation: string, input: UserInput): Promise<Turn> {
    const child = this.child;
    if (!child || this.exited || conversation !== `run-${this.conversations}`) {
      throw new ApiError('This conversation is over: start it again.', 409, 'conversation_over');
    }
    this.lines = [];
    child.stdin?.write(`${runLine(input)}\n`);
    await this.settle((lines) => lines.some((line) => line.startsWith('you: ')));
    const echo = this.lines.findIndex((line) => line.startsWith('you: '));
    const turn = parseRunTurn(conversation, echo >= 0 ? this.lines.slice(echo + 1) : this.lines);
    this.lines = [];
    if (echo < 0 && this.stderr.trim() !== '') throw new ApiError(this.stderr.trim().split('\n').pop() ?? 'csflow run failed', undefined, 'run_failed');
    return turn;
  }

  stop(): void {
    if (this.child && !this.exited) this.child.kill('SIGTERM');
    this.child = undefined;
  }

  /** Waits until `ready` holds and the output has paused (or the program has exited). */
  private async settle(ready: (lines: string[]) => boolean, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let seen = -1;
    for (;;) {
      if (this.exited) return;
      if (ready(this.lines) && this.lines.length === seen) return;
      if (Date.now() > deadline) throw new ApiError(`csflow run did not answer within ${Math.round(timeoutMs / 1000)} s`, undefined, 'timeout');
      seen = this.lines.length;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, QUIET_MS);
        this.waiters.push(() => {
          clearTimeout(timer);
          setTimeout(resolve, QUIET_MS);
        });
      });
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}
