// A failed tool's error carries its last output lines, and a full disk in
// that output is `disk-full`, whatever step the tool ran in.
import { describe, expect, it } from 'vitest';
import { runCommand, TAIL_LINES } from '../../../src/engine/io/run-command.js';
import { saysDiskFull, toolFailure } from '../../../src/engine/executor/tool-failure.js';
import type { ErrorData } from '../../../src/engine/core/errors.js';

const stepError: ErrorData = {
  code: 'pip-install-failed',
  title: 'pip could not be installed',
  message: 'Installing pip==26.1.2 failed (exit status: 1).',
  fix: 'Try again.',
};

describe('saysDiskFull', () => {
  it.each([
    // pip, when a wheel can't be written
    ['ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device'],
    // uv
    ['error: Failed to write to the cache: No space left on device (os error 28)'],
    // tar, cp
    ["tar: python/lib/libpython3.12.so: Cannot write: No space left on device"],
    // a quota instead of a full disk
    ['OSError: [Errno 122] Disk quota exceeded'],
  ])('recognises %j', (line) => {
    expect(saysDiskFull(['Collecting flask', line, 'done'])).toBe(true);
  });

  it('is false for a network failure or an unrelated 28', () => {
    expect(saysDiskFull(['ERROR: Could not find a version that satisfies the requirement flask==28.0', 'Connection refused (os error 111)'])).toBe(false);
  });
});

describe('toolFailure', () => {
  it('keeps the step error and adds the output', () => {
    const error = toolFailure('pip', { status: 'exit status: 1', tail: ['ERROR: No matching distribution found for pip==26.1.2'] }, stepError);
    expect(error.toData()).toEqual({ ...stepError, output: ['ERROR: No matching distribution found for pip==26.1.2'] });
  });

  it('turns a full disk into disk-full, with the output', () => {
    const tail = ['Collecting pip==26.1.2', 'ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device'];
    const data = toolFailure('pip', { status: 'exit status: 1', tail }, stepError).toData();
    expect(data.code).toBe('disk-full');
    expect(data.message).toContain('pip failed (exit status: 1)');
    expect(data.message).not.toMatch(/network/i);
    expect(data.output).toEqual(tail);
  });
});

describe('runCommand tail', () => {
  const script = [
    'for i in $(seq 1 40); do echo "out $i"; done',
    'printf "\\033[31mred\\033[0m\\n" >&2',
    'echo',
    'printf "no newline at the end"',
  ].join('; ');

  it(`keeps the last ${TAIL_LINES} non-blank lines, without escape codes`, async () => {
    const seen: string[] = [];
    const result = await runCommand(['sh', '-c', script], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, onLine: (l) => seen.push(l) });
    expect(result.code).toBe(0);
    expect(result.tail).toHaveLength(TAIL_LINES);
    expect(result.tail.at(-1)).toBe('no newline at the end');
    expect(result.tail).toContain('red');
    expect(result.tail).toContain('out 40');
    expect(result.tail).not.toContain('out 1');
    // The event stream still gets every line as the tool wrote it.
    expect(seen).toContain('\u001b[31mred\u001b[0m');
    expect(seen).toContain('out 1');
  });

  it('keeps captured output too', async () => {
    const result = await runCommand(['sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3'], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, capture: true });
    expect(result.code).toBe(3);
    expect(result.tail).toEqual(['to-stdout', 'to-stderr']);
  });
});
