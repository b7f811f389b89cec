/**
 * Reads `csflow test --format json` (docs/testing.md) into results keyed by file and test
 * name, for VS Code's Testing view.
 */
import * as path from 'path';

export interface TestFailure {
  step?: string;
  expected?: string;
  got?: string;
  message?: string;
  /** 1-based, as csflow prints it. */
  location?: { file: string; line: number; column: number };
  transcript: { who: string; text: string }[];
}

export interface TestResult {
  name: string;
  flow?: string;
  file: string;
  line: number;
  /** `passed` or `failed`. */
  status: string;
  failure?: TestFailure;
}

interface RawLocation {
  file?: string;
  line?: number;
  column?: number;
}
interface RawTest {
  name?: string;
  flow?: string;
  status?: string;
  location?: RawLocation;
  failure?: { step?: string; expected?: string; got?: string; message?: string; reason?: string; location?: RawLocation };
  transcript?: { who?: string; text?: string }[];
}

/** The key of a test: its absolute file and its name. */
export function testKey(file: string, name: string): string {
  return `${path.resolve(file)}\u0000${name}`;
}

export function parseTestReport(text: string, cwd: string): Map<string, TestResult> {
  const report = JSON.parse(text) as { tests?: RawTest[] };
  const results = new Map<string, TestResult>();
  for (const raw of report.tests ?? []) {
    if (!raw.name || !raw.location?.file) continue;
    const file = path.resolve(cwd, raw.location.file);
    const result: TestResult = { name: raw.name, file, line: raw.location.line ?? 1, status: raw.status ?? 'failed' };
    if (raw.flow) result.flow = raw.flow;
    if (raw.failure || raw.status !== 'passed') {
      const failure: TestFailure = { transcript: (raw.transcript ?? []).map((line) => ({ who: line.who ?? '', text: line.text ?? '' })) };
      const f = raw.failure ?? {};
      if (f.step) failure.step = f.step;
      if (f.expected) failure.expected = f.expected;
      if (f.got) failure.got = f.got;
      const message = f.message ?? f.reason;
      if (message) failure.message = message;
      if (f.location?.file) failure.location = { file: path.resolve(cwd, f.location.file), line: f.location.line ?? 1, column: f.location.column ?? 1 };
      result.failure = failure;
    }
    results.set(testKey(file, raw.name), result);
  }
  return results;
}

/** The text shown for a failed test: the step, expected vs got, the conversation so far. */
export function failureText(failure: TestFailure): string {
  const lines: string[] = [];
  if (failure.step) lines.push(`failed at: ${failure.step}`);
  if (failure.message) lines.push(failure.message);
  if (failure.expected !== undefined) lines.push(`expected: ${failure.expected}`);
  if (failure.got !== undefined) lines.push(`got:      ${failure.got}`);
  if (failure.transcript.length > 0) {
    lines.push('conversation so far:');
    for (const line of failure.transcript) lines.push(`  ${line.who.padEnd(5)} ${line.text}`);
  }
  return lines.join('\n');
}
