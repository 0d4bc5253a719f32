// `pybp run`'s words → an app directory and a Procfile process or a command.
import { describe, expect, it } from 'vitest';
import { parseRunArgs, type RunArgsProbe } from '../../../src/commands/run-target.js';

function probe(cwdProcesses: string[], dirs: string[]): RunArgsProbe {
  return { cwdHasProcess: async (n) => cwdProcesses.includes(n), isDirectory: async (p) => dirs.includes(p) };
}

describe('parseRunArgs', () => {
  it('no words: the web process of the app in .', async () => {
    expect(await parseRunArgs([], null, probe([], []))).toEqual({ dir: '.', target: { kind: 'process', name: 'web' } });
  });

  it('one word: a process of the Procfile here, else a directory, else a process name (whose absence run reports)', async () => {
    expect(await parseRunArgs(['worker'], null, probe(['web', 'worker'], []))).toEqual({ dir: '.', target: { kind: 'process', name: 'worker' } });
    // A Django project folder called web next to a Procfile that names web: the process.
    expect(await parseRunArgs(['web'], null, probe(['web'], ['web']))).toEqual({ dir: '.', target: { kind: 'process', name: 'web' } });
    expect(await parseRunArgs(['examples/pip-flask'], null, probe([], ['examples/pip-flask']))).toEqual({ dir: 'examples/pip-flask', target: { kind: 'process', name: 'web' } });
    expect(await parseRunArgs(['myapp'], null, probe(['web'], ['myapp']))).toEqual({ dir: 'myapp', target: { kind: 'process', name: 'web' } });
    expect(await parseRunArgs(['release'], null, probe([], []))).toEqual({ dir: '.', target: { kind: 'process', name: 'release' } });
  });

  it('two words: a directory and a process; more: a command (as before)', async () => {
    expect(await parseRunArgs(['app', 'release'], null, probe([], []))).toEqual({ dir: 'app', target: { kind: 'process', name: 'release' } });
    expect(await parseRunArgs(['app', 'python', 'x.py'], null, probe([], []))).toEqual({ dir: 'app', target: { kind: 'command', argv: ['python', 'x.py'] } });
    expect(await parseRunArgs(['app', 'web:x'], null, probe([], []))).toMatchObject({ error: expect.stringContaining('not a Procfile process name') });
  });

  it('after --: always a command, in the one directory before it (or .)', async () => {
    expect(await parseRunArgs([], ['web'], probe(['web'], []))).toEqual({ dir: '.', target: { kind: 'command', argv: ['web'] } });
    expect(await parseRunArgs(['app'], ['python', '-V'], probe([], []))).toEqual({ dir: 'app', target: { kind: 'command', argv: ['python', '-V'] } });
    expect(await parseRunArgs(['app', 'web'], ['x'], probe([], []))).toMatchObject({ error: expect.any(String) });
    expect(await parseRunArgs(['app'], [], probe([], []))).toMatchObject({ error: expect.stringContaining('Nothing after --') });
  });
});
