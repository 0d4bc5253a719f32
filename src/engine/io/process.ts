// The one place pybp starts a process (a fitness test keeps it so: no other
// module imports node:child_process). Every caller gets the same lifetime rules:
//
// - No shell: argv is an array, so paths and requirement lines reach the
//   program as data.
// - A process group of its own (unless `group: 'foreground'`, for a program
//   that must read the terminal: then it and its descendants, by parent
//   links), signalled as a group: stopping a tool stops what it started. Once the child is reaped its PID is no longer ours, so the
//   group is signalled only after its identity (PID + start time + boot id,
//   process-identity.ts) is verified.
// - A run ends when the child exits, not when its pipes close: a grandchild
//   that keeps stdout open (`sleep 40 &`) does not keep pybp waiting. After
//   'exit' whatever is left of the group is killed, the pipes get a moment to
//   drain, and are then destroyed.
// - Output pybp keeps is bounded.
// - Stopped by one signal: the caller's, else the process-wide one
//   (stop-signal.ts: SIGINT, SIGTERM, SIGHUP, SIGQUIT, a closed stdout/stderr).
//   SIGTERM to the group, SIGKILL after a grace period (0: SIGKILL at once).
// - A timeout, if given, kills the group.
// - Whatever still runs when pybp exits (process.exit skips every finally) is
//   SIGKILLed from the 'exit' hook, group and all.
import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';
import type { Writable } from 'node:stream';
import { identifyProcess, type ProcessRecord, signalOurGroup, signalTree } from './process-identity.js';
import { stopSignal } from './stop-signal.js';
import { sandboxArgv, type SandboxSpec } from './sandbox.js';

export interface ProcessSpec {
  argv: readonly string[];
  /** Default: pybp's own. In a sandbox: a path as the process sees it (default: the app's view). */
  cwd?: string;
  /** Run inside bubblewrap with Heroku's paths (sandbox.ts): argv, cwd and env values are view paths. */
  sandbox?: SandboxSpec;
  env: NodeJS.ProcessEnv;
  /** Nothing (default), pybp's own stdin, these bytes, or a stream the caller writes (`RunningProcess.stdin`). */
  stdin?: 'ignore' | 'inherit' | 'pipe' | { data: string | Buffer };
  /** 'pipe' (default): pybp reads it (kept unless `keep: false`, passed to onStdout); 'inherit': pybp's own. */
  stdout?: 'pipe' | 'inherit' | 'ignore';
  stderr?: 'pipe' | 'inherit' | 'ignore';
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Keep piped output in the result (default true); false when the callbacks consume it. */
  keep?: boolean;
  /** Bound on the output kept (stdout and stderr together). Default 16 MiB. */
  maxOutputBytes?: number;
  /** Past the bound: 'truncate' (default) keeps the first bytes; 'stop' kills the process (stoppedBy 'output'). */
  overflow?: 'truncate' | 'stop';
  /** Killed (the group) after this long: stoppedBy 'timeout'. */
  timeoutMs?: number;
  /** What stops it; default the process-wide stop signal. `null`: nothing but the timeout. */
  signal?: AbortSignal | null;
  /** Between SIGTERM and SIGKILL when stopped by the signal; 0 kills at once. Default 1000 ms (pybp stops within 2 s). */
  graceMs?: number;
  /** 'own' (default): a process group of its own. 'foreground': pybp's group, as a program reading the terminal needs. */
  group?: 'own' | 'foreground';
  /** Told the child's identity as soon as it runs (to record it for a later pybp), and when it is gone. */
  onStarted?: (record: ProcessRecord) => Promise<void> | void;
  onEnded?: (record: ProcessRecord) => Promise<void> | void;
}

export type ProcessEnd =
  /** It never ran: no such program, not executable, arguments the OS refused (E2BIG). */
  | { kind: 'not-started'; error: NodeJS.ErrnoException }
  | {
      kind: 'ended';
      code: number | null;
      signal: NodeJS.Signals | null;
      stdout: Buffer;
      stderr: Buffer;
      /** Why pybp stopped it, if it did ('abort': the signal; the stop signal had fired before it could start, too). */
      stoppedBy: 'abort' | 'timeout' | 'output' | null;
      /** Output past maxOutputBytes was dropped. */
      truncated: boolean;
    };

export interface RunningProcess {
  readonly pid: number | undefined;
  /** With `stdin: 'pipe'`: what the caller writes to. */
  readonly stdin: Writable | null;
  readonly done: Promise<ProcessEnd>;
  /** Stops it now (the group): SIGTERM, SIGKILL after the grace period. */
  stop(): void;
}

const DEFAULT_MAX_OUTPUT = 16 * 1024 * 1024;
const DEFAULT_GRACE_MS = 1000;
/** After the child exits, how long its pipes may still deliver what it wrote before they are cut. */
const DRAIN_MS = 100;

/** Every child still running, for the 'exit' hook. */
const live = new Set<() => void>();
let exitHooked = false;
function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const kill of live) kill();
  });
}

/** Runs a process to its end. */
export function runProcess(spec: ProcessSpec): Promise<ProcessEnd> {
  return startProcess(spec).done;
}

/** Starts a process; `done` resolves when it has exited (never rejects). */
export function startProcess(spec: ProcessSpec): RunningProcess {
  const signal = spec.signal === null ? undefined : (spec.signal ?? stopSignal());
  const empty = (): ProcessEnd => ({ kind: 'ended', code: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), stoppedBy: 'abort', truncated: false });
  if (signal?.aborted) return { pid: undefined, stdin: null, done: Promise.resolve(empty()), stop: () => {} };

  const own = (spec.group ?? 'own') === 'own';
  const stdinMode = spec.stdin === undefined ? 'ignore' : typeof spec.stdin === 'object' ? 'pipe' : spec.stdin;
  const stdio: StdioOptions = [stdinMode, spec.stdout ?? 'pipe', spec.stderr ?? 'pipe'];
  const [program, ...args] = spec.sandbox ? sandboxArgv(spec.sandbox, spec.argv, spec.cwd ?? spec.sandbox.view.app.view) : spec.argv;
  let child: ChildProcess;
  try {
    child = spawn(program, args, { cwd: spec.sandbox ? '/' : spec.cwd, env: spec.env, stdio, detached: own });
  } catch (error) {
    // Thrown, not emitted: a NUL in an argument or a variable, a bad cwd type.
    return { pid: undefined, stdin: null, done: Promise.resolve({ kind: 'not-started', error: error as NodeJS.ErrnoException }), stop: () => {} };
  }
  // Identified at once: even if it already exited, it is not reaped before the loop turns.
  const record: ProcessRecord | null = child.pid === undefined ? null : identifyProcess(child.pid);
  const pid = child.pid;
  let reaped = false;
  let stoppedBy: 'abort' | 'timeout' | 'output' | null = null;

  /** The group (or, in the foreground, the child alone), while it is verifiably ours. */
  const send = (sig: NodeJS.Signals) => {
    if (pid === undefined) return;
    if (!own) {
      // Sharing pybp's group, it cannot be signalled as a group: the child and its descendants, by parent links.
      if (!reaped) {
        if (record) signalTree(record, sig);
        else tryKill(pid, sig);
      }
      return;
    }
    if (!reaped) tryKill(-pid, sig);
    else if (record) signalOurGroup(record, sig);
  };
  const killNow = () => send('SIGKILL');
  if (pid !== undefined) {
    hookExit();
    live.add(killNow);
  }

  const max = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  const keep = spec.keep ?? true;
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  const collect = (into: Buffer[], callback?: (chunk: Buffer) => void) => (chunk: Buffer) => {
    callback?.(chunk);
    if (!keep) return;
    if (kept + chunk.length > max) {
      truncated = true;
      if (spec.overflow === 'stop') {
        stoppedBy ??= 'output';
        killNow();
        return;
      }
      const room = max - kept;
      if (room > 0) into.push(chunk.subarray(0, room));
      kept = max;
      return;
    }
    kept += chunk.length;
    into.push(chunk);
  };
  child.stdout?.on('data', collect(out, spec.onStdout));
  child.stderr?.on('data', collect(err, spec.onStderr));
  if (typeof spec.stdin === 'object' && child.stdin) {
    child.stdin.on('error', () => {}); // it may exit before reading its input
    child.stdin.end(spec.stdin.data);
  }

  let graceTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (reaped && !own) return;
    stoppedBy ??= 'abort';
    const grace = spec.graceMs ?? DEFAULT_GRACE_MS;
    if (grace <= 0) return killNow();
    send('SIGTERM');
    graceTimer ??= setTimeout(killNow, grace);
  };
  const timer =
    spec.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          stoppedBy ??= 'timeout';
          killNow();
        }, spec.timeoutMs);
  signal?.addEventListener('abort', stop, { once: true });

  // onStarted's write lands before onEnded's, and before the end is reported.
  // A record that could not be written costs only the later clean-up of a killed pybp's orphans.
  const started = record && spec.onStarted ? Promise.resolve(spec.onStarted(record)).catch(() => {}) : Promise.resolve();
  const done = new Promise<ProcessEnd>((resolve) => {
    let settled = false;
    const finish = async (end: ProcessEnd) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      signal?.removeEventListener('abort', stop);
      live.delete(killNow);
      await started;
      if (record && end.kind === 'ended') await Promise.resolve(spec.onEnded?.(record)).catch(() => {});
      resolve(end);
    };
    child.once('error', (error: NodeJS.ErrnoException) => {
      // A spawn failure (no PID, no 'exit'); an error once it runs (a kill that failed) changes nothing.
      if (pid === undefined) void finish({ kind: 'not-started', error });
    });
    child.once('exit', (code, sig) => {
      reaped = true;
      // What the tool left in its group (a daemon, `sleep 40 &`) goes with it: verified first, the PID is reaped now.
      if (own && record) signalOurGroup(record, 'SIGKILL');
      const streams = [child.stdout, child.stderr].filter((s) => s !== null && !s.destroyed);
      const ended = () =>
        void finish({
          kind: 'ended',
          code,
          signal: sig,
          stdout: Buffer.concat(out),
          stderr: Buffer.concat(err),
          stoppedBy,
          truncated,
        });
      if (streams.length === 0) return ended();
      // A process outside the group (it made its own) may still hold a pipe: the run ends anyway.
      const cut = setTimeout(() => {
        for (const s of streams) s?.destroy();
        ended();
      }, DRAIN_MS);
      child.once('close', () => {
        clearTimeout(cut);
        ended();
      });
    });
  });
  return {
    pid,
    stdin: stdinMode === 'pipe' && typeof spec.stdin !== 'object' ? child.stdin : null,
    done,
    stop,
  };
}

function tryKill(target: number, sig: NodeJS.Signals): void {
  try {
    process.kill(target, sig);
  } catch {
    // already gone
  }
}
