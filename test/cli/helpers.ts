// Runs the built binary (`node dist/cli.js ...`) the way a user's shell would,
// minus the user's shell: a small allow-listed environment (no VIRTUAL_ENV,
// PIP_*, UV_*, POETRY_*, PYTHON*, NODE_OPTIONS...), CI=true so no Ink UI and
// no colours, and an empty HOME of its own. Build first: `npm run build`.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, readlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';
import { NETWORK_HOST_VARS } from '../../src/engine/build-env.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const pybpBin = path.join(repoRoot, 'dist', 'cli.js');

/**
 * Host variables a run keeps: what finding programs and reaching a network
 * need (proxies and CA bundles, as pybp's own build env keeps them).
 */
export const KEPT_HOST_VARS = [
  'PATH',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
  ...NETWORK_HOST_VARS,
] as const;

export interface RunOptions {
  /** Working directory; default the repo root. */
  cwd?: string;
  /** Added to (or, with undefined, removed from) the clean environment. */
  env?: Record<string, string | undefined>;
  /** Killed (SIGKILL) after this long; default 60 s. */
  timeoutMs?: number;
}

export interface RunResult {
  /** Exit code; null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let sharedHome: string | null = null;

/** One empty HOME per test file (made on first use), removed after the file's tests. */
function cleanHome(): string {
  sharedHome ??= mkdtempSync(path.join(tmpdir(), 'pybp-cli-home-'));
  return sharedHome;
}
afterAll(() => {
  if (sharedHome) rmSync(sharedHome, { recursive: true, force: true });
  sharedHome = null;
});

/**
 * The environment runPybp starts from. HOME is an empty temp dir (so nothing
 * of the user's ~ is read or written), but pyenv's interpreters stay findable
 * through PYENV_ROOT.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of KEPT_HOST_VARS) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  env.HOME = cleanHome();
  env.PYENV_ROOT = process.env.PYENV_ROOT || path.join(homedir(), '.pyenv');
  env.CI = 'true';
  env.FORCE_COLOR = '0';
  env.NO_COLOR = '1';
  for (const [name, value] of Object.entries(extra)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}

export function runPybp(args: string[], opts: RunOptions = {}): Promise<RunResult> {
  if (!existsSync(pybpBin)) {
    return Promise.reject(new Error(`${pybpBin} does not exist: run \`npm run build\` before the CLI tests`));
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [pybpBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs pybp with `--json` expected: stdout must be exactly one JSON document
 * (JSON.parse rejects anything before, after or between documents).
 */
export async function runPybpJson<T = unknown>(args: string[], opts: RunOptions = {}): Promise<RunResult & { json: T }> {
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

/** A fresh temp directory; the name has a space in it, so paths must be quoted everywhere. */
export function makeTempDir(prefix = 'pybp cli '): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix));
}

/**
 * Everything under `dir` that a command could change: per entry its type,
 * mode, size, mtime and (files) content hash or (links) target. Two equal
 * snapshots mean nothing was created, deleted, written or touched.
 */
export async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (abs: string, rel: string): Promise<void> => {
    const st = await lstat(abs);
    const common = `mode=${st.mode.toString(8)} mtime=${st.mtimeMs}`;
    if (st.isSymbolicLink()) {
      out[rel] = `link -> ${await readlink(abs)} ${common}`;
    } else if (st.isDirectory()) {
      out[rel + '/'] = `dir ${common}`;
      for (const name of (await readdir(abs)).sort()) await walk(path.join(abs, name), rel ? `${rel}/${name}` : name);
    } else {
      const hash = createHash('sha256').update(await readFile(abs)).digest('hex');
      out[rel] = `file size=${st.size} sha256=${hash} ${common}`;
    }
  };
  await walk(dir, '');
  return out;
}
