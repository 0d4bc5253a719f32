// Heroku's Procfile format (https://devcenter.heroku.com/articles/procfile):
// one `<process type>: <command>` per line, the process type (letters, digits,
// `_`, `-`) at the very start of the line. Every other line is ignored.
// `pybp run web` and doctor's Procfile check both read it through here, so
// doctor never passes a web process that `run web` cannot find.

import { join } from 'node:path';
import { readAppText } from '../io/app-file.js';

export const PROCFILE = 'Procfile';

/** The process-type line. Nothing may come before the name: an indented line is not one. */
const PROCESS_LINE = /^([A-Za-z0-9_-]+):[ \t]*(.*)$/;
/** A line that would be a process line but for leading blanks. */
const INDENTED_PROCESS_LINE = /^[ \t]+([A-Za-z0-9_-]+):/;

export interface Procfile {
  /** Process type → command (trimmed; empty when the line has none). A later line of the same type wins. */
  processes: ReadonlyMap<string, string>;
  /** Lines (1-based) that name a process type after leading blanks, which Heroku does not read as one. */
  indented: ReadonlyArray<{ line: number; name: string }>;
}

export function parseProcfile(text: string): Procfile {
  const processes = new Map<string, string>();
  const indented: Array<{ line: number; name: string }> = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.replace(/\r$/, '');
    const m = PROCESS_LINE.exec(line);
    if (m) {
      processes.set(m[1], m[2].trim());
      return;
    }
    const near = INDENTED_PROCESS_LINE.exec(line);
    if (near) indented.push({ line: index + 1, name: near[1] });
  });
  return { processes, indented };
}

/** The command of process type `name`, when the Procfile has one with a command. */
export function processCommand(procfile: Procfile, name: string): string | null {
  const command = procfile.processes.get(name);
  return command ? command : null;
}

/**
 * Why `processCommand(procfile, name)` is null, in words for a message
 * ("Procfile has no web process (only worker)"). `file` is how to call the file.
 */
export function missingProcessReason(procfile: Procfile, name: string, file = 'Procfile'): string {
  if (procfile.processes.get(name) === '') return `${file} has a ${name}: line with no command`;
  const indented = procfile.indented.find((l) => l.name === name);
  if (indented) {
    return `${file} has "${name}:" only on an indented line (line ${indented.line}); a process type must start at the beginning of its line, so Heroku does not see it`;
  }
  const others = [...procfile.processes.keys()];
  return `${file} has no ${name} process${others.length > 0 ? ` (only ${others.join(', ')})` : ''}`;
}

export type ProcfileRead =
  | { kind: 'found'; procfile: Procfile }
  | { kind: 'missing' }
  | { kind: 'unreadable'; reason: string };

/** Reads (bounded, a regular file only) and parses `<appDir>/Procfile`. `reason` names the file. */
export async function readProcfile(appDir: string): Promise<ProcfileRead> {
  try {
    const text = await readAppText(join(appDir, PROCFILE), 'procfile');
    return text === undefined ? { kind: 'missing' } : { kind: 'found', procfile: parseProcfile(text) };
  } catch (err) {
    return { kind: 'unreadable', reason: err instanceof Error ? err.message : String(err) };
  }
}
