// The process of `pybp run`, over the one process runner (io/process.ts):
// stdin and stdout are pybp's; stderr passes through, its tail kept so that
// an early failure for a missing config var can be named. It runs in a
// process group of its own, as a dyno's processes belong together: when pybp
// is stopped (SIGTERM, SIGHUP, SIGQUIT, Ctrl-C, a closed output) the whole
// group gets SIGTERM, as Heroku sends it, and SIGKILL if still there after
// STOP_GRACE_MS, so `sh -c 'sleep 40 & wait'` or a Procfile `web: a & b`
// stop with it. When it exits, what it left in its group is stopped too.
//
// One exception: an interactive command (stdin a terminal: a REPL,
// `manage.py shell`) stays in pybp's process group, the terminal's foreground
// group, or reading the terminal would stop it (SIGTTIN). The terminal then
// delivers Ctrl-C to it directly and it decides what Ctrl-C means, as under a
// shell; pybp waits for it. Other stops are passed on as above.
import os from 'node:os';
import { startProcess } from '../io/process.js';
import type { SandboxSpec } from '../io/sandbox.js';
import { onStopAgain, stopReason, stopSignal } from '../io/stop-signal.js';
import { findMissingConfigVars, type MissingConfigVar, TailBuffer } from './missing-config-vars.js';

/** How long a process has to stop after pybp asked it to (SIGTERM) before it is killed (pybp stops within 2 s). */
export const STOP_GRACE_MS = 1500;

export interface DynoProcess {
  argv: string[];
  /** In a sandbox, as the process sees it (/workspace). */
  cwd: string;
  /** Heroku's paths, when the last build used them (the venv's absolute paths name them). */
  sandbox?: SandboxSpec;
  env: Record<string, string>;
  /** Pipe stderr through pybp (kept for the missing-config-var hint); else stderr is pybp's. */
  scanStderr: boolean;
  /** stdin is a terminal: stay in the terminal's foreground process group. */
  interactive: boolean;
  /** Where the piped stderr goes (pybp's stderr). */
  onStderr: (chunk: Buffer) => void;
}

export type DynoEnd =
  | {
      kind: 'exited';
      /** As a shell reports it: the exit code, or 128+N when signal N ended it. */
      exitCode: number;
      /** pybp stopped it (it was asked to stop). */
      stopped: boolean;
      /** The config vars a failed process's stderr shows it stopped for. */
      missing: MissingConfigVar[];
    }
  | { kind: 'not-started'; problem: string };

export async function runDynoProcess(p: DynoProcess): Promise<DynoEnd> {
  // The one stop signal, minus a Ctrl-C that the terminal already gave an interactive process.
  const stop = new AbortController();
  const processWide = stopSignal();
  const passOn = () => {
    const why = stopReason();
    if (p.interactive && why?.kind === 'signal' && why.signal === 'SIGINT') return;
    stop.abort();
  };
  const offAgain = onStopAgain((why) => {
    if (!(p.interactive && why.kind === 'signal' && why.signal === 'SIGINT')) stop.abort();
  });
  if (processWide?.aborted) passOn();
  else processWide?.addEventListener('abort', passOn, { once: true });

  const tail = new TailBuffer();
  try {
    const end = await startProcess({
      argv: p.argv,
      cwd: p.cwd,
      sandbox: p.sandbox,
      env: p.env,
      stdin: 'inherit',
      stdout: 'inherit',
      stderr: p.scanStderr ? 'pipe' : 'inherit',
      keep: false,
      onStderr: (chunk) => {
        tail.push(chunk);
        p.onStderr(chunk);
      },
      signal: stop.signal,
      graceMs: STOP_GRACE_MS,
      group: p.interactive ? 'foreground' : 'own',
    }).done;
    if (end.kind === 'not-started') return { kind: 'not-started', problem: end.error.message };
    const stopped = end.stoppedBy !== null;
    const exitCode = end.code ?? (end.signal ? 128 + (os.constants.signals[end.signal] ?? 0) : 1);
    const missing = p.scanStderr && end.code !== null && end.code !== 0 && !stopped ? findMissingConfigVars(tail.text(), p.env) : [];
    return { kind: 'exited', exitCode, stopped, missing };
  } finally {
    processWide?.removeEventListener('abort', passOn);
    offAgain();
  }
}
