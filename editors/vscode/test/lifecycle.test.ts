// The language client's start-up logic with a fake `vscode`: which program is started, what
// the user is told when it is missing (with a button to the setting), restarts after a crash.
import { fake } from './fakeVscode';
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ClientHandle, ClientOptions, OPEN_SETTINGS, RETRY, ServerController } from '../src/client/lifecycle';
import { RestartPolicy } from '../src/client/restartPolicy';
import { resolveServer } from '../src/client/serverPath';

const FAKE_CSFLOW = path.join(__dirname, '..', '..', 'test', 'fixtures', 'fake-csflow.js');

/** A client that records what it was asked and can be made to fail or "crash". */
class FakeClient implements ClientHandle {
  started = 0;
  stopped = 0;
  constructor(
    readonly options: ClientOptions,
    private readonly failStart: Error | undefined,
  ) {}
  start(): Promise<void> {
    this.started++;
    return this.failStart ? Promise.reject(this.failStart) : Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped++;
    return Promise.resolve();
  }
  /** The server's process died: what the client does next is what the handler says. */
  crash(): 'restart' | 'stop' {
    return this.options.crashHandler.closed();
  }
}

function setup(options: { failStart?: Error; policy?: RestartPolicy } = {}) {
  const clients: FakeClient[] = [];
  const log: string[] = [];
  const controller = new ServerController(
    (clientOptions) => {
      const client = new FakeClient(clientOptions, options.failStart);
      clients.push(client);
      return client;
    },
    { appendLine: (line) => log.push(line) },
    options.policy ? { policy: options.policy } : {},
  );
  return { controller, clients, log };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('resolveServer (where csflow is)', () => {
  const executables = new Set(['/opt/csflow/bin/csflow', '/usr/local/bin/csflow', '/work/project/tools/csflow', 'C:\\tools\\csflow.exe']);
  const base = { env: { PATH: '/usr/bin:/usr/local/bin', HOME: '/home/designer' }, platform: 'linux' as const, workspaceFolder: '/work/project', isExecutable: (f: string) => executables.has(f) };

  it('finds csflow on PATH, in PATH order', () => {
    assert.deepEqual(resolveServer({ ...base, setting: '' }), { kind: 'found', command: '/usr/local/bin/csflow', source: 'PATH' });
  });

  it('prefers the setting, and reads a relative one from the workspace folder', () => {
    assert.deepEqual(resolveServer({ ...base, setting: '/opt/csflow/bin/csflow' }), { kind: 'found', command: '/opt/csflow/bin/csflow', source: 'setting' });
    assert.deepEqual(resolveServer({ ...base, setting: 'tools/csflow' }), { kind: 'found', command: '/work/project/tools/csflow', source: 'setting' });
    assert.deepEqual(resolveServer({ ...base, setting: '${workspaceFolder}/tools/csflow' }), { kind: 'found', command: '/work/project/tools/csflow', source: 'setting' });
  });

  it('expands ~ in the setting', () => {
    const result = resolveServer({ ...base, setting: '~/bin/csflow', isExecutable: (f) => f === '/home/designer/bin/csflow' });
    assert.deepEqual(result, { kind: 'found', command: '/home/designer/bin/csflow', source: 'setting' });
  });

  it('says which setting is wrong, and does not fall back to PATH behind the user\'s back', () => {
    const result = resolveServer({ ...base, setting: '/nowhere/csflow' });
    assert.equal(result.kind, 'missing');
    assert.equal(result.source, 'setting');
    assert.match(result.kind === 'missing' ? result.message : '', /not found at "\/nowhere\/csflow" \(the csflow\.path setting\)/);
  });

  it('lists the PATH directories it searched when csflow is on none of them', () => {
    const result = resolveServer({ ...base, setting: undefined, env: { PATH: '/usr/bin:/bin' } });
    assert.equal(result.kind, 'missing');
    assert.deepEqual(result.kind === 'missing' ? result.searched : [], ['/usr/bin/csflow', '/bin/csflow']);
  });

  it('finds csflow.exe on a Windows PATH', () => {
    const result = resolveServer({ setting: '', env: { Path: 'C:\\Windows;C:\\tools', PATHEXT: '.COM;.EXE' }, platform: 'win32', workspaceFolder: undefined, isExecutable: (f) => executables.has(f) });
    assert.deepEqual(result, { kind: 'found', command: 'C:\\tools\\csflow.exe', source: 'PATH' });
  });

  it('checks real files: a script that is not executable is not a program', () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-path-'));
    const file = path.join(directory, 'csflow');
    fs.writeFileSync(file, '#!/bin/sh\n');
    fs.chmodSync(file, 0o644);
    const { controller, clients } = setup();
    fake.settings['csflow.path'] = file;
    return controller.start().then((started) => {
      assert.equal(started, false);
      assert.equal(clients.length, 0);
      fs.chmodSync(file, 0o755);
      return controller.start();
    }).then((started) => {
      assert.equal(started, true);
      assert.equal(clients[0]?.options.command, file);
      fs.rmSync(directory, { recursive: true });
    });
  });
});

describe('RestartPolicy', () => {
  it('restarts up to the limit within the window, then gives up; old crashes are forgotten', () => {
    let now = 0;
    const policy = new RestartPolicy(3, 60000, () => now);
    assert.deepEqual([policy.onCrash(), policy.onCrash(), policy.onCrash(), policy.onCrash()], ['restart', 'restart', 'restart', 'give-up']);
    now = 120000;
    assert.equal(policy.onCrash(), 'restart');
    policy.reset();
    assert.equal(policy.recentCrashes, 0);
  });
});

describe('ServerController (with a fake vscode)', () => {
  beforeEach(() => fake.reset());
  afterEach(() => fake.reset());

  it('starts `csflow lsp` from the setting, with the check settings', async () => {
    fake.settings['csflow.path'] = FAKE_CSFLOW;
    fake.settings['csflow.check.onType'] = false;
    const { controller, clients } = setup();
    assert.equal(await controller.start(), true);
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.options.command, FAKE_CSFLOW);
    assert.deepEqual(clients[0]!.options.args, ['lsp']);
    assert.deepEqual(clients[0]!.options.settings, { onType: false, onSave: true });
    assert.equal(fake.messages.length, 0);
    controller.dispose();
  });

  it('starts csflow from PATH when the setting is empty', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-bin-'));
    fs.copyFileSync(FAKE_CSFLOW, path.join(directory, 'csflow'));
    fs.chmodSync(path.join(directory, 'csflow'), 0o755);
    const savedPath = process.env.PATH;
    process.env.PATH = `${directory}${path.delimiter}${savedPath ?? ''}`;
    try {
      const { controller, clients } = setup();
      assert.equal(await controller.start(), true);
      assert.equal(clients[0]!.options.command, path.join(directory, 'csflow'));
      controller.dispose();
    } finally {
      process.env.PATH = savedPath;
      fs.rmSync(directory, { recursive: true });
    }
  });

  it('when csflow is missing: an error message with "Open Settings", which opens csflow.path', async () => {
    fake.settings['csflow.path'] = '/no/such/csflow';
    fake.nextChoice = () => OPEN_SETTINGS;
    const { controller, clients, log } = setup();
    assert.equal(await controller.start(), false);
    await settle();
    assert.equal(clients.length, 0);
    assert.equal(fake.messages.length, 1);
    assert.equal(fake.messages[0]!.severity, 'error');
    assert.match(fake.messages[0]!.text, /csflow program was not found at "\/no\/such\/csflow"/);
    assert.deepEqual(fake.messages[0]!.buttons, [OPEN_SETTINGS, RETRY]);
    assert.deepEqual(fake.executed, [{ command: 'workbench.action.openSettings', args: ['csflow.path'] }]);
    assert.match(log.join('\n'), /Looked at: \/no\/such\/csflow/);
    controller.dispose();
  });

  it('"Retry" after installing csflow starts the server', async () => {
    fake.settings['csflow.path'] = '/no/such/csflow';
    let clicks = 0;
    fake.nextChoice = () => {
      clicks++;
      fake.settings['csflow.path'] = FAKE_CSFLOW; // the user fixed it before clicking
      return clicks === 1 ? RETRY : undefined;
    };
    const { controller, clients } = setup();
    await controller.start();
    await settle();
    assert.equal(clients.length, 1);
    assert.equal(controller.running, true);
    controller.dispose();
  });

  it('changing csflow.path restarts the server with the new program', async () => {
    fake.settings['csflow.path'] = '/no/such/csflow';
    const { controller, clients } = setup();
    await controller.start();
    assert.equal(clients.length, 0);
    fake.changeSetting('csflow.path', FAKE_CSFLOW);
    await settle();
    assert.equal(clients.length, 1);
    assert.equal(clients[0]!.started, 1);
    fake.changeSetting('csflow.trace.server', 'verbose');
    await settle();
    assert.equal(clients[0]!.stopped, 1);
    assert.equal(clients.length, 2);
    controller.dispose();
  });

  it('a server that dies is restarted, until it has died too often; then the user is told', async () => {
    fake.settings['csflow.path'] = FAKE_CSFLOW;
    let now = 0;
    const { controller, clients, log } = setup({ policy: new RestartPolicy(2, 60000, () => now) });
    await controller.start();
    const client = clients[0]!;
    assert.equal(client.crash(), 'restart');
    now += 1000;
    assert.equal(client.crash(), 'restart');
    now += 1000;
    assert.equal(client.crash(), 'stop');
    await settle();
    assert.equal(controller.running, false);
    assert.match(log.join('\n'), /stopped unexpectedly; starting it again/);
    const last = fake.messages.at(-1)!;
    assert.match(last.text, /stopped 3 times/);
    assert.deepEqual(last.buttons, ['Restart', 'Show Output']);
    controller.dispose();
  });

  it('a program that cannot be started (spawn fails) is explained like a missing one', async () => {
    fake.settings['csflow.path'] = FAKE_CSFLOW;
    const { controller } = setup({ failStart: Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }) });
    assert.equal(await controller.start(), false);
    await settle();
    assert.equal(controller.running, false);
    assert.match(fake.messages[0]!.text, /did not start: spawn EACCES/);
    assert.deepEqual(fake.messages[0]!.buttons, [OPEN_SETTINGS, RETRY]);
    controller.dispose();
  });
});
