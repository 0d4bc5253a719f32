// What `pybp run` was asked to run, from its positional arguments, as
// `heroku local [process]` reads them, plus an app directory:
//   pybp run                      the Procfile's web process, app in .
//   pybp run worker               the worker process, when . is the app (its Procfile names worker,
//                                 or there is no directory called worker)
//   pybp run path/to/app          web, in that app
//   pybp run path/to/app worker   worker, in that app
//   pybp run [dir] -- CMD ARGS    a command
// Two or more words without `--` after the directory are a command too (what
// `pybp run app python x.py` always meant).

export type RunTarget = { kind: 'process'; name: string } | { kind: 'command'; argv: string[] };

export interface RunRequest {
  dir: string;
  target: RunTarget;
}

/** A Procfile process type name (Heroku's rule). */
export const PROCESS_NAME = /^[A-Za-z0-9_-]+$/;

export interface RunArgsProbe {
  /** The Procfile in the current directory names this process type. */
  cwdHasProcess(name: string): Promise<boolean>;
  /** There is a directory at this path (relative to the current directory). */
  isDirectory(p: string): Promise<boolean>;
}

/**
 * `positionals`: the words before `--` (commander's [dir] and [command...]);
 * `afterDashDash`: the words after `--`, or null when there was no `--`.
 */
export async function parseRunArgs(positionals: string[], afterDashDash: string[] | null, probe: RunArgsProbe): Promise<RunRequest | { error: string }> {
  if (afterDashDash !== null) {
    if (positionals.length > 1) return { error: `pybp run takes one app directory before --, not ${positionals.length} words.` };
    if (afterDashDash.length === 0) return { error: 'Nothing after --: give the command to run.' };
    return { dir: positionals[0] ?? '.', target: { kind: 'command', argv: afterDashDash } };
  }
  if (positionals.length === 0) return { dir: '.', target: { kind: 'process', name: 'web' } };
  if (positionals.length === 1) {
    const [word] = positionals;
    const isProcessHere = PROCESS_NAME.test(word) && ((await probe.cwdHasProcess(word)) || !(await probe.isDirectory(word)));
    return isProcessHere ? { dir: '.', target: { kind: 'process', name: word } } : { dir: word, target: { kind: 'process', name: 'web' } };
  }
  const [dir, ...rest] = positionals;
  if (rest.length === 1) {
    if (!PROCESS_NAME.test(rest[0])) return { error: `${JSON.stringify(rest[0])} is not a Procfile process name; put a command after --.` };
    return { dir, target: { kind: 'process', name: rest[0] } };
  }
  return { dir, target: { kind: 'command', argv: rest } };
}
