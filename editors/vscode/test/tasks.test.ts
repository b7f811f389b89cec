// The csflow tasks: the commands they run, where, and that their problem matchers are the
// ones package.json contributes.
import { fake } from './fakeVscode';
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { describe, it } from 'node:test';
import { taskFor } from '../src/tests/tasks';
import { EXTENSION } from './harness';

interface Constructed {
  args: unknown[];
}

describe('taskFor', () => {
  fake.reset();
  const folder = { uri: { fsPath: '/work/project' }, name: 'project', index: 0 } as never;
  const matchers = (JSON.parse(fs.readFileSync(path.join(EXTENSION, 'package.json'), 'utf8')) as { contributes: { problemMatchers: { name: string }[] } }).contributes.problemMatchers.map((m) => `$${m.name}`);

  it('check: csflow check --format short in the folder, read by $csflow', () => {
    const task = taskFor({ type: 'csflow', command: 'check' }, folder, '/opt/csflow') as unknown as Constructed;
    const [definition, scope, name, source, execution, problemMatchers] = task.args as [unknown, unknown, string, string, Constructed, string[]];
    assert.deepEqual([definition, scope, name, source], [{ type: 'csflow', command: 'check' }, folder, 'check', 'csflow']);
    assert.deepEqual(execution.args, ['/opt/csflow', ['check', '--format', 'short', '.'], { cwd: '/work/project' }]);
    assert.deepEqual(problemMatchers, ['$csflow']);
    assert.ok(problemMatchers.every((m) => matchers.includes(m)));
  });

  it('test: csflow test on the given paths, read by $csflow-test (and $csflow for compile errors)', () => {
    const task = taskFor({ type: 'csflow', command: 'test', paths: ['flows', 'more'] }, folder, '/opt/csflow') as unknown as Constructed;
    const execution = task.args[4] as Constructed;
    assert.deepEqual(execution.args, ['/opt/csflow', ['test', 'flows', 'more'], { cwd: '/work/project' }]);
    const problemMatchers = task.args[5] as string[];
    assert.deepEqual(problemMatchers, ['$csflow-test', '$csflow']);
    assert.ok(problemMatchers.every((m) => matchers.includes(m)));
  });
});
