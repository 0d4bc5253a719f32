// A failed tool's status as the buildpack prints it (Rust's ExitStatus):
// `exit status: N`, or `signal: N (NAME)` for every signal, not a short list.
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { describeExit } from '../../../src/engine/core/errors.js';
import { runCommand } from '../../../src/engine/io/run-command.js';

describe('describeExit', () => {
  it('an exit code', () => {
    expect(describeExit(1, null)).toBe('exit status: 1');
    expect(describeExit(0, null)).toBe('exit status: 0');
  });

  it('every signal by number and name, from the platform table', () => {
    for (const [name, number] of Object.entries(constants.signals)) {
      expect(describeExit(null, name as NodeJS.Signals)).toBe(`signal: ${number} (${name})`);
    }
    expect(describeExit(null, 'SIGKILL')).toBe('signal: 9 (SIGKILL)');
    expect(describeExit(null, 'SIGSEGV')).toBe('signal: 11 (SIGSEGV)');
  });

  it('a tool killed by a signal that was not in the old list of nine (SIGUSR2, SIGXCPU)', async () => {
    for (const sig of ['USR2', 'XCPU'] as const) {
      const result = await runCommand(['sh', '-c', `kill -${sig} $$`], { cwd: '/', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, capture: true });
      expect(result.signal).toBe(`SIG${sig}`);
      expect(result.status).toBe(`signal: ${constants.signals[`SIG${sig}`]} (SIG${sig})`);
    }
  });
});
