/**
 * Runs `csflow serve PATH… --listen 127.0.0.1:PORT` for the chat panel and waits until it
 * answers `/healthz`. The port is chosen free on loopback; the server is stopped with the panel.
 */
import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

export interface RunningServer {
  baseUrl: string;
  /** Everything the server printed on stderr so far (for error messages). */
  log(): string;
  stop(): Promise<void>;
  /** Called once if the server exits while in use. */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}

export interface ServeOptions {
  command: string;
  paths: string[];
  cwd: string;
  /** How long to wait for /healthz. */
  readyTimeoutMs?: number;
}

export async function startServe(options: ServeOptions): Promise<RunningServer> {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const child = spawn(options.command, ['serve', ...options.paths, '--listen', listen], {
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const keep = (chunk: Buffer): void => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20000);
  };
  child.stderr?.on('data', keep);
  child.stdout?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const baseUrl = `http://${listen}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30000);
  for (;;) {
    const outcome = await Promise.race([
      healthy(baseUrl).then((ok) => (ok ? 'ready' : 'waiting')),
      exited.then(() => 'exited' as const),
      spawnError.then((error) => error),
    ]);
    if (outcome === 'ready') break;
    if (outcome instanceof Error) {
      throw new Error(
        (outcome as NodeJS.ErrnoException).code === 'ENOENT'
          ? `The csflow program (${options.command}) was not found.`
          : `csflow serve did not start: ${outcome.message}`,
      );
    }
    if (outcome === 'exited') {
      const { code } = await exited;
      throw new Error(`csflow serve stopped (exit status ${code}) before it was ready:\n${stderr.trim()}`);
    }
    if (Date.now() > deadline) {
      await stop(child, exited);
      throw new Error(`csflow serve did not answer on ${baseUrl}/healthz within ${Math.round((options.readyTimeoutMs ?? 30000) / 1000)} s:\n${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let stopping = false;
  return {
    baseUrl,
    log: () => stderr,
    stop: async () => {
      stopping = true;
      await stop(child, exited);
    },
    onExit: (listener) => {
      void exited.then(({ code, signal }) => {
        if (!stopping) listener(code, signal);
      });
    },
  };
}

async function healthy(baseUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

/** SIGTERM (the server finishes what it is doing), then SIGKILL after two seconds. */
async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
