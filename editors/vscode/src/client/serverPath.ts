/**
 * Where the `csflow` program is: the `csflow.path` setting, or else the first `csflow` on
 * PATH. Pure (the file system is passed in) so that the rules can be tested without VS Code.
 */
import * as path from 'path';

/** What resolution may look at; tests pass a fake. */
export interface ResolveEnvironment {
  /** The `csflow.path` setting as written (may be empty). */
  setting: string | undefined;
  /** PATH (and PATHEXT on Windows) of the extension host. */
  env: { PATH?: string; Path?: string; PATHEXT?: string; HOME?: string; USERPROFILE?: string };
  platform: NodeJS.Platform;
  /** The first workspace folder, against which a relative setting is read. */
  workspaceFolder: string | undefined;
  /** True when `file` exists and may be run. */
  isExecutable(file: string): boolean;
}

export type Resolution =
  | { kind: 'found'; command: string; source: 'setting' | 'PATH' }
  | { kind: 'missing'; source: 'setting' | 'PATH'; message: string; searched: string[] };

/** The program's name on this platform's PATH. */
const PROGRAM = 'csflow';

export function resolveServer(environment: ResolveEnvironment): Resolution {
  const setting = (environment.setting ?? '').trim();
  if (setting !== '') {
    const candidate = expandSetting(setting, environment);
    const candidates = withExtensions(candidate, environment);
    for (const file of candidates) {
      if (environment.isExecutable(file)) {
        return { kind: 'found', command: file, source: 'setting' };
      }
    }
    return {
      kind: 'missing',
      source: 'setting',
      searched: candidates,
      message:
        `The csflow program was not found at "${candidate}" (the csflow.path setting). ` +
        'Set csflow.path to the csflow program, or clear it to use the one on PATH.',
    };
  }
  const pathVariable = environment.env.PATH ?? environment.env.Path ?? '';
  const delimiter = environment.platform === 'win32' ? ';' : ':';
  const searched: string[] = [];
  for (const directory of pathVariable.split(delimiter)) {
    if (directory === '') continue;
    for (const file of withExtensions(joinFor(environment.platform, directory, PROGRAM), environment)) {
      searched.push(file);
      if (environment.isExecutable(file)) {
        return { kind: 'found', command: file, source: 'PATH' };
      }
    }
  }
  return {
    kind: 'missing',
    source: 'PATH',
    searched,
    message:
      'The csflow program was not found on PATH, so there are no live checks, navigation or ' +
      'formatting. Install csflow (cargo install --path cli) or set csflow.path to the program.',
  };
}

/** `~` and `${workspaceFolder}` expanded; a relative path read from the workspace folder. */
function expandSetting(setting: string, environment: ResolveEnvironment): string {
  let value = setting;
  const home = environment.env.HOME ?? environment.env.USERPROFILE;
  if (home && (value === '~' || value.startsWith('~/') || value.startsWith('~\\'))) {
    value = home + value.slice(1);
  }
  if (environment.workspaceFolder) {
    value = value.split('${workspaceFolder}').join(environment.workspaceFolder);
  }
  const pathApi = environment.platform === 'win32' ? path.win32 : path.posix;
  if (!pathApi.isAbsolute(value) && environment.workspaceFolder && /[\\/]/.test(value)) {
    value = pathApi.join(environment.workspaceFolder, value);
  }
  return value;
}

function joinFor(platform: NodeJS.Platform, directory: string, name: string): string {
  return (platform === 'win32' ? path.win32 : path.posix).join(directory, name);
}

/** On Windows `csflow` is `csflow.exe` (PATHEXT); elsewhere the name as it is. */
function withExtensions(file: string, environment: ResolveEnvironment): string[] {
  if (environment.platform !== 'win32' || /\.[A-Za-z0-9]+$/.test(file)) return [file];
  const extensions = (environment.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter((e) => e !== '');
  return [file, ...extensions.map((extension) => file + extension.toLowerCase())];
}
