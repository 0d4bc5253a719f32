// The environment tests run Python tools in. It keeps what reaching a network
// needs (proxy and CA-bundle variables, PATH, HOME) and drops what would make a
// result depend on the machine: this one has PIP_FIND_LINKS, a global pip
// constraints file and extra indexes in pip config, and a developer's laptop may
// have UV_*/POETRY_* settings or an active virtualenv.
import { join } from 'node:path';
import { testCacheDir } from './cache.js';
import { ChildrenClosedError, spawnChild } from './children.js';

/** Where uv and Poetry look for user config in tests: an empty directory, not ~/.config. */
export const hermeticConfigHome = join(testCacheDir, 'xdg-config');

/**
 * XDG_CACHE_HOME in tests: where pybp keeps its read-only copies of interpreters (one per
 * interpreter, checked file by file before reuse, safe for concurrent builds), shared by every
 * test of the run and by later runs, instead of a 300 MB copy in each test's HOME.
 */
export const hermeticCacheHome = join(testCacheDir, 'xdg-cache');

const DROP = [/^PIP_/, /^UV_/, /^POETRY_/, /^PYTHON/, /^VIRTUAL_ENV/, /^CONDA_/, /^PYENV_VERSION$/];
// pip's CA bundle stays: behind an intercepting proxy nothing downloads without it.
// So does its timeout: it changes how long a slow proxy is waited for, not what is installed.
const KEEP = new Set(['PIP_CERT', 'PIP_DEFAULT_TIMEOUT']);

export function hermeticEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (!KEEP.has(key) && DROP.some((re) => re.test(key))) continue;
    env[key] = value;
  }
  Object.assign(env, {
    // os.devnull as PIP_CONFIG_FILE makes pip skip every config file (global, user, site).
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIP_ROOT_USER_ACTION: 'ignore',
    // Poetry asks a keyring for index credentials; a desktop keyring can block or prompt.
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    // Neither the tests' uv nor a pybp planning with this env downloads a CPython (no internet here but registries).
    UV_PYTHON_DOWNLOADS: 'never',
    XDG_CONFIG_HOME: hermeticConfigHome,
    XDG_CACHE_HOME: hermeticCacheHome,
    // The loopback index must never be reached through a proxy.
    NO_PROXY: withLoopback(process.env.NO_PROXY),
    no_proxy: withLoopback(process.env.no_proxy),
  });
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A NO_PROXY list with the loopback hosts added (the test index is on 127.0.0.1). */
export function withLoopback(list: string | undefined): string {
  const entries = (list ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const host of ['127.0.0.1', 'localhost']) if (!entries.includes(host)) entries.push(host);
  return entries.join(',');
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion; rejects with its output when it exits
 * non-zero. It runs under spawnChild: killed, with what it started, when the
 * test ends.
 */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const tracked = spawnChild(command, args, { cwd: options.cwd, env: options.env ?? hermeticEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    const child = tracked.child;
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    // A command that exits without reading its input closes the pipe: its exit status says what happened, not EPIPE.
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    child.on('error', reject);
    void tracked.exited.then(({ code, signal, killedAtEnd }) => {
      if (killedAtEnd) return reject(new ChildrenClosedError(command));
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) return resolve({ stdout, stderr });
      const shown = [command, ...args].map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');
      reject(
        new Error(
          `${shown} (cwd ${options.cwd ?? process.cwd()}) exited with ${signal ?? code}\n--- stdout\n${tail(stdout)}\n--- stderr\n${tail(stderr)}`,
        ),
      );
    });
  });
}

function tail(text: string, max = 8000): string {
  return text.length > max ? `...${text.slice(-max)}` : text;
}
