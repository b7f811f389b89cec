// `csflow test --format json` read into per-test results, from the real csflow on a copy of
// an example with one step broken (the Testing view's input).
import { strict as assert } from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { describe, it } from 'node:test';
import { failureText, parseTestReport, testKey } from '../src/tests/testResults';
import { CSFLOW, ROOT, csflowMissing } from './harness';


describe('parseTestReport', () => {
  it('reads passes and a failure (step, expected, got, where) from the real csflow test', { skip: csflowMissing() }, () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-results-'));
    fs.cpSync(path.join(ROOT, 'examples', 'bank'), path.join(project, 'bank'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'examples', 'common'), path.join(project, 'common'), { recursive: true });
    const testFile = path.join(project, 'bank', 'bank.test.csflow');
    const original = fs.readFileSync(testFile, 'utf8');
    fs.writeFileSync(testFile, original.replace(/expect say [^\n]*/, 'expect say "this is never said"'));
    const run = spawnSync(CSFLOW, ['test', '.', '--format', 'json'], { cwd: project, encoding: 'utf8' });
    assert.equal(run.status, 1, run.stderr);
    const results = parseTestReport(run.stdout, project);
    const broken = results.get(testKey(testFile, 'balance by keypad'));
    assert.ok(broken, [...results.keys()].join('\n'));
    assert.equal(broken.status, 'failed');
    assert.equal(broken.failure?.expected, 'say "this is never said"');
    assert.match(broken.failure?.got ?? '', /^say "Welcome to Northwind Bank/);
    assert.equal(broken.failure?.location?.file, testFile);
    assert.equal(broken.failure?.location?.line, original.split('\n').findIndex((l) => l.includes('expect say')) + 1);
    assert.match(failureText(broken.failure), /expected: say "this is never said"\ngot: {6}say "Welcome[^\n]*\nconversation so far:\n {2}bot/);
    const passed = [...results.values()].filter((r) => r.status === 'passed');
    assert.ok(passed.length >= 10, `${passed.length} passed`);
    fs.rmSync(project, { recursive: true });
  });

  it('is the same key for the outline of a file and for the report', () => {
    const report = JSON.stringify({ tests: [{ name: 'x', status: 'passed', location: { file: 'flows/a.csflow', line: 3, column: 1 } }] });
    const results = parseTestReport(report, '/work/p');
    assert.equal(results.get(testKey('/work/p/flows/a.csflow', 'x'))?.line, 3);
  });
});

describe('the problem matchers (package.json) on real csflow output', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
    contributes: { problemMatchers: { name: string; pattern: { regexp: string } | { regexp: string }[] }[] };
  };
  const matcher = (name: string) => {
    const found = manifest.contributes.problemMatchers.find((m) => m.name === name)!;
    const pattern = Array.isArray(found.pattern) ? found.pattern[0]! : found.pattern;
    return new RegExp(pattern.regexp);
  };

  it('$csflow reads every line of `csflow check --format short`', { skip: csflowMissing() }, () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-matcher-'));
    fs.writeFileSync(path.join(project, 'a.csflow'), 'queue q { }\nflow f {\n  start s\n  state s { goto nowhere }\n  state lost { end }\n}\n');
    const run = spawnSync(CSFLOW, ['check', '--format', 'short', 'a.csflow'], { cwd: project, encoding: 'utf8' });
    const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
    assert.ok(lines.length >= 2, run.stdout + run.stderr);
    const regexp = matcher('csflow');
    const parsed = lines.map((line) => regexp.exec(line));
    assert.ok(parsed.every((m) => m !== null), lines.join('\n'));
    const unknown = parsed.find((m) => m[5]!.includes('unknown-state'))!;
    assert.deepEqual([unknown[1], unknown[2], unknown[3], unknown[4], unknown[6]], ['a.csflow', '4', '18', 'error', 'unknown state `nowhere`']);
    assert.ok(parsed.some((m) => m[4] === 'warning' && m[5] === 'W0119/unused-queue'), lines.join('\n'));
    fs.rmSync(project, { recursive: true });
  });

  it('$csflow-test reads the failing step of `csflow test`, and not check lines', { skip: csflowMissing() }, () => {
    const project = fs.mkdtempSync(path.join(os.tmpdir(), 'csflow-matcher-'));
    fs.writeFileSync(path.join(project, 'a.csflow'), 'flow f {\n  channel chat\n  start s\n  state s { say "Hello." end }\n}\ntest "greets" {\n  flow f\n  expect say "Goodbye."\n}\n');
    const output = spawnSync(CSFLOW, ['test', '.'], { cwd: project, encoding: 'utf8' }).stdout;
    const regexp = matcher('csflow-test');
    const hits = output.split('\n').map((l) => regexp.exec(l)).filter((m) => m !== null);
    assert.equal(hits.length, 1, output);
    assert.match(hits[0]![1]!, /(^|\/)a\.csflow$/);
    assert.deepEqual([hits[0]![2], hits[0]![3], hits[0]![4]], ['8', '3', 'expect say "Goodbye."']);
    assert.equal(regexp.exec('a.csflow:1:1: error[E0001/unknown-state]: x'), null);
    execFileSync('rm', ['-rf', project]);
  });
});
