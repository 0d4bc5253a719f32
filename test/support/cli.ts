// The one way tests run the built pybp (`node dist/cli.js ...`), with one
// environment policy: a user's shell minus the user's shell. Build first
// (`npm run build`).
//
// - Environment: an allow-list from the host (PATH, LANG, LC_ALL, TZ and
//   exactly the network variables pybp passes into builds), so no VIRTUAL_ENV,
//   PIP_*, UV_*, POETRY_*, PYTHON*, NODE_OPTIONS... reaches pybp; an empty HOME
//   of its own per test file (nothing of ~ is read or written, and it works for
//   a user whose HOME does not exist) and a TMPDIR of its own per test file
//   (removed with what a killed pybp left in it); pyenv's interpreters findable
//   through PYENV_ROOT; the loopback index never reached through a proxy; no
//   Python downloads by uv (UV_PYTHON_DOWNLOADS=never); CI=true and no colours
//   (plain output).
// - Processes: every run goes through spawnChild (test/support/children.ts), so
//   pybp and every tool it starts are killed when the test ends or times out,
//   and a runner whose pybp was killed that way rejects (the test body stops).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { NETWORK_HOST_VARS } from '../../src/engine/project/build-env.js';
import { pybpBin } from './build-flags.js';
import { repoRoot } from './cache.js';
import { ChildrenClosedError, spawnChild } from './children.js';
import { hermeticCacheHome, withLoopback } from './env.js';
import { withTestPaths } from './paths-mode.js';
import { pyenvRoot } from './pythons.js';
import { testTempRoot } from './temp-dirs.js';

export { repoRoot };
export { pybpBin };

/** Host variables a run keeps: what finding programs and reaching a network need. */
export const KEPT_HOST_VARS = ['PATH', 'LANG', 'LC_ALL', 'TZ', ...NETWORK_HOST_VARS] as const;

let sharedHome: string | null = null;
let sharedTmp: string | null = null;

/** One empty HOME per test file (made on first use), removed after the file's tests. */
function cleanHome(): string {
  sharedHome ??= mkdtempSync(path.join(testTempRoot(), 'pybp-cli-home-'));
  return sharedHome;
}
/**
 * One TMPDIR per test file, removed after the file's tests: what a killed pybp
 * leaves there (a build's fresh HOME after SIGKILL, say) goes with it.
 */
function cleanTmp(): string {
  sharedTmp ??= mkdtempSync(path.join(testTempRoot(), 'pybp-cli-tmp-'));
  return sharedTmp;
}
afterAll(() => {
  if (sharedHome) rmSync(sharedHome, { recursive: true, force: true });
  if (sharedTmp) rmSync(sharedTmp, { recursive: true, force: true });
  sharedHome = null;
  sharedTmp = null;
});

/**
 * The environment every pybp run starts from; `extra` adds variables (or,
 * with undefined, removes them).
 */
export function cliEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of KEPT_HOST_VARS) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.HOME = cleanHome();
  env.TMPDIR = cleanTmp();
  env.PYENV_ROOT = pyenvRoot();
  // pybp's read-only interpreter copies: one for the whole run, not one per test file's HOME.
  env.XDG_CACHE_HOME = hermeticCacheHome;
  env.NO_PROXY = withLoopback(process.env.NO_PROXY);
  env.no_proxy = withLoopback(process.env.no_proxy);
  // This machine reaches package registries only: \`auto\` must not pick pybp's uv to download
  // CPython from GitHub. uv's own switch for that; the uv python source's tests remove it.
  env.UV_PYTHON_DOWNLOADS = 'never';
  env.CI = 'true';
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export interface CliOptions {
  /** Working directory; default the repo root. */
  cwd?: string;
  /** Added to (or, with undefined, removed from) cliEnv(). */
  env?: Record<string, string | undefined>;
  /**
   * Killed (the whole tree) after this long, and the run resolves with
   * signal SIGKILL. Default: none, the test's own timeout ends it.
   */
  timeoutMs?: number;
  /** The CLI file to run; default this checkout's dist/cli.js. */
  bin?: string;
  /** A command put before `node <cli>`, e.g. `['setpriv', '--reuid=65534', ...]`. */
  prefix?: string[];
  /** Run the CLI file itself, through its shebang, as a user's shell does (not `node -- <cli>`). */
  direct?: boolean;
}

export interface CliResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunningCli {
  pid: number;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Called with every complete stdout line as it arrives. */
  onLine(listener: (line: string) => void): void;
  /** Sends a signal to pybp alone (a test's own Ctrl-C or kill); the tools it leaves are still killed when the test ends. */
  signal(signal: NodeJS.Signals): void;
  /** Still running? */
  readonly running: boolean;
  /** Resolves when pybp has exited and its output is read; rejects if the test ended first. */
  done: Promise<CliResult>;
}

/** Starts pybp and returns at once: for tests that watch output or signal the build. */
export function startPybp(args: string[], opts: CliOptions = {}): RunningCli {
  const bin = opts.bin ?? pybpBin;
  if (!existsSync(bin)) throw new Error(`${bin} does not exist: run \`npm run build\` before the CLI tests`);
  // `node -- cli.js`, as the bin's shebang runs it: without `--`, Node 20 itself reads an `--env-file`
  // meant for `pybp run` and exits 9 when that file is missing (nodejs/node#54232).
  const [command, ...prefixArgs] = [...(opts.prefix ?? []), ...(opts.direct ? [] : [process.execPath, '--'])];
  // PYBP_TEST_PATHS (the host-paths pass of .ci/test.mjs): builds, explain and doctor ask for that mode.
  const pybpArgs = withTestPaths(args);
  const argv = command === undefined ? [bin, ...pybpArgs] : [command, ...prefixArgs, bin, ...pybpArgs];
  const tracked = spawnChild(argv[0], argv.slice(1), {
    cwd: opts.cwd ?? repoRoot,
    env: cliEnv(opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { child } = tracked;
  let stdout = '';
  let stderr = '';
  let partial = '';
  const listeners: Array<(line: string) => void> = [];
  let running = true;
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (listeners.length === 0) return;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) for (const listener of listeners) listener(line);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  let timedOut = false;
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          void tracked.killTree();
        }, opts.timeoutMs);
  const done = new Promise<CliResult>((resolve, reject) => {
    child.once('error', (error) => {
      if (timer) clearTimeout(timer);
      running = false;
      reject(error);
    });
    tracked.exited.then(({ code, signal, killedAtEnd }) => {
      if (timer) clearTimeout(timer);
      running = false;
      if (killedAtEnd && !timedOut) reject(new ChildrenClosedError(`pybp ${args.join(' ')}`));
      else resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    pid: tracked.pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    onLine(listener) {
      listeners.push(listener);
    },
    signal: (signal) => tracked.signal(signal),
    get running() {
      return running;
    },
    done,
  };
}

/** Runs pybp to completion. */
export function runPybp(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  try {
    return startPybp(args, opts).done;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * Runs pybp with `--json` expected: stdout must be exactly one JSON document
 * (JSON.parse rejects anything before, after or between documents).
 */
export async function runPybpJson<T = unknown>(args: string[], opts: CliOptions = {}): Promise<CliResult & { json: T }> {
  const result = await runPybp(args, opts);
  let json: T;
  try {
    json = JSON.parse(result.stdout) as T;
  } catch (err) {
    throw new Error(
      `pybp ${args.join(' ')} did not print one JSON document (exit ${result.code}): ${(err as Error).message}\n` +
        `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`,
    );
  }
  return { ...result, json };
}
