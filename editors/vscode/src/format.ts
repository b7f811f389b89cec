/**
 * Formatting when the language server does not offer it (an older `csflow lsp`): the whole
 * document through `csflow fmt --stdin`. A file with syntax errors is left as it is.
 */
import { Runner } from './process';

export type FormatOutcome = { kind: 'formatted'; text: string } | { kind: 'unchanged' } | { kind: 'failed'; message: string };

export async function formatText(run: Runner, command: string, text: string, cwd: string): Promise<FormatOutcome> {
  try {
    const result = await run(command, ['fmt', '--stdin'], { cwd, input: text, timeoutMs: 10000 });
    if (result.code !== 0) {
      return { kind: 'failed', message: (result.stderr || result.stdout).trim() || `csflow fmt --stdin exited with status ${result.code}` };
    }
    return result.stdout === text ? { kind: 'unchanged' } : { kind: 'formatted', text: result.stdout };
  } catch (error) {
    return { kind: 'failed', message: (error as Error).message };
  }
}
