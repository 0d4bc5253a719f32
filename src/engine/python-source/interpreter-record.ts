// What pybp remembers (in its sidecar, not in the toml) about the interpreter
// behind a python layer. The python layer's rule compares two of these; the
// store only keeps one.
import { UV_VERSION } from '../core/versions.js';
import type { PythonSourceChoice } from './choose.js';

export interface InterpreterRecord {
  source: 'local' | 'heroku' | 'uv';
  /** Real version of the copied interpreter, or the downloaded / uv-installed version. */
  version: string;
  /** Prefix of the copied interpreter, the archive URL, or the uv that installed it ("uv 0.11.33"). */
  location: string;
}

export function interpreterRecord(choice: PythonSourceChoice): InterpreterRecord {
  if (choice.kind === 'local' && choice.interpreter) {
    return { source: 'local', version: choice.interpreter.version, location: choice.interpreter.prefix };
  }
  if (choice.kind === 'uv') return { source: 'uv', version: choice.resolvedVersion, location: `uv ${UV_VERSION}` };
  return { source: 'heroku', version: choice.resolvedVersion, location: choice.url ?? '' };
}

export function describeInterpreterRecord(r: InterpreterRecord): string {
  if (r.source === 'local') return `local ${r.version} at ${r.location}`;
  if (r.source === 'uv') return `${r.version} installed with ${r.location}`;
  return `Heroku's ${r.version} archive`;
}
