// The one Procfile parser (doctor's check and `pybp run web`).
import { describe, expect, it } from 'vitest';
import { missingProcessReason, parseProcfile, processCommand } from '../../src/engine/dyno/procfile.js';

describe('parseProcfile', () => {
  it('reads `<type>: <command>` lines that start at column 0, trimming the command', () => {
    const p = parseProcfile('release: ./migrate\r\nweb:   gunicorn app:app  \nworker_2: python w.py\n# web: comment\n\nnot a line\n');
    expect([...p.processes]).toEqual([
      ['release', './migrate'],
      ['web', 'gunicorn app:app'],
      ['worker_2', 'python w.py'],
    ]);
    expect(p.indented).toEqual([]);
  });

  it('does not take an indented line as a process, and remembers where it was', () => {
    const p = parseProcfile('worker: python w.py\n  web: gunicorn app:app\n\tclock: x\n');
    expect([...p.processes.keys()]).toEqual(['worker']);
    expect(p.indented).toEqual([
      { line: 2, name: 'web' },
      { line: 3, name: 'clock' },
    ]);
    expect(processCommand(p, 'web')).toBeNull();
    expect(missingProcessReason(p, 'web')).toBe(
      'Procfile has "web:" only on an indented line (line 2); a process type must start at the beginning of its line, so Heroku does not see it',
    );
  });

  it('a later line of the same type wins; a line without a command is no process to run', () => {
    const p = parseProcfile('web: first\nweb: second\nworker:\n');
    expect(processCommand(p, 'web')).toBe('second');
    expect(processCommand(p, 'worker')).toBeNull();
    expect(missingProcessReason(p, 'worker', '/app/Procfile')).toBe('/app/Procfile has a worker: line with no command');
  });

  it('names the process types it has when the one asked for is missing', () => {
    expect(missingProcessReason(parseProcfile('worker: a\nclock: b\n'), 'web')).toBe('Procfile has no web process (only worker, clock)');
    expect(missingProcessReason(parseProcfile(''), 'web')).toBe('Procfile has no web process');
  });

  it('takes names of letters, digits, _ and - only', () => {
    expect([...parseProcfile('web.1: x\nweb 2: y\nw-3: z\n').processes.keys()]).toEqual(['w-3']);
  });
});
