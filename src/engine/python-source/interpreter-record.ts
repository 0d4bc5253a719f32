// What pybp remembers (in its sidecar, not in the toml) about the interpreter
// behind a python layer. The python layer's rule compares two of these; the
// store only keeps one.
import type { PythonSourceChoice } from './choose.js';

export interface InterpreterRecord {
  source: 'local' | 'heroku';
  /** Real version of the copied interpreter, or the downloaded version. */
  version: string;
  /** Prefix of the copied interpreter, or the archive URL. */
  location: string;
}

export function interpreterRecord(choice: PythonSourceChoice): InterpreterRecord {
  if (choice.kind === 'local' && choice.interpreter) {
    return { source: 'local', version: choice.interpreter.version, location: choice.interpreter.prefix };
  }
  return { source: 'heroku', version: choice.resolvedVersion, location: choice.url ?? '' };
}

export function describeInterpreterRecord(r: InterpreterRecord): string {
  return r.source === 'local' ? `local ${r.version} at ${r.location}` : `Heroku's ${r.version} archive`;
}
