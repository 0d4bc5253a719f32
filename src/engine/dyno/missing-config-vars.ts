// Which config vars an app stopped for, read from the end of its stderr.
// `pybp run web` is how people first try an app, and the usual first failure
// is a setting the app reads from the environment that nobody gave it
// (SECRET_KEY, DATABASE_URL): Python says `KeyError: 'SECRET_KEY'` from
// `os.environ[...]`, django-environ says "Set the SECRET_KEY environment
// variable". pybp names the variable and how to give it.
//
// Only what the output proves is reported: a KeyError counts only inside a
// traceback through os.environ (a KeyError from any other dict names no
// config var), and a name that the process had in its environment is not
// "missing", whatever the message says.
import { ENV_NAME } from '../project/build-env.js';

/** How much of the end of stderr is kept for the scan (a traceback's last lines are what matter). */
export const STDERR_TAIL_BYTES = 64 * 1024;

export interface MissingConfigVar {
  name: string;
  /** The output line that names it, as printed (trimmed). */
  evidence: string;
}

/** A traceback frame inside the os module: `File "<frozen os>"` (3.11+) or `File ".../os.py"`. */
const OS_FRAME = /File "(?:<frozen os>|[^"]*[\\/]os\.py)", line \d+, in __getitem__/;
const KEY_ERROR = /^KeyError: '([^']*)'$/;
/** django-environ's "Set the X environment variable", and other ImproperlyConfigured messages naming one. */
const IMPROPERLY_CONFIGURED = /ImproperlyConfigured: .*?\b([A-Za-z_][A-Za-z0-9_]*) environment variable/;

/** The config vars that `stderr` (its tail) shows the app stopped for, in order, each once. */
export function findMissingConfigVars(stderr: string, env: Readonly<Record<string, string | undefined>>): MissingConfigVar[] {
  const found: MissingConfigVar[] = [];
  const add = (name: string, evidence: string) => {
    if (!ENV_NAME.test(name) || env[name] !== undefined || found.some((f) => f.name === name)) return;
    found.push({ name, evidence });
  };
  // A traceback is the lines from "Traceback (most recent call last):" to its exception line.
  let inOsGetitem = false;
  for (const raw of stderr.split('\n')) {
    const line = raw.replace(/\r$/, '').trim();
    if (line.startsWith('Traceback (most recent call last):')) inOsGetitem = false;
    else if (OS_FRAME.test(line)) inOsGetitem = true;
    const key = KEY_ERROR.exec(line);
    if (key) {
      if (inOsGetitem) add(key[1], line);
      inOsGetitem = false;
      continue;
    }
    const improper = IMPROPERLY_CONFIGURED.exec(line);
    if (improper) add(improper[1], line);
  }
  return found;
}

/** A bounded tail of a stream's bytes: keeps the last `max` bytes seen. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly max = STDERR_TAIL_BYTES) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0].length >= this.max) {
      this.size -= this.chunks[0].length;
      this.chunks.shift();
    }
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
