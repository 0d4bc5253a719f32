// `lockfile-out-of-date`: would `uv sync --locked` / `poetry sync` refuse the
// lock file because pyproject.toml changed since it was made? Asked of the
// pinned uv (`uv lock --check`) or Poetry (`poetry check --lock`), offline,
// without building anything and without plugins, within a time limit. When
// the pinned tool isn't available, or can't answer offline, the check says so.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PackageManager } from '../../analysis/types.js';
import { POETRY_VERSION, UV_VERSION } from '../../core/versions.js';
import { fail, pass, unchecked } from '../check.js';
import { findPinnedPoetry, findPinnedUv, type ToolLookup } from './pinned-tools.js';
import { runTool, type ToolRun } from '../../io/tool-run.js';
import { withScratchDir } from '../../io/scratch-dir.js';
import { copyLockCheckInputs, type Copied } from './lock-check-inputs.js';
import type { DoctorCheck } from '../types.js';
import type { ToolInstallPolicy } from '../../tools/doctor-tools.js';

const ID = 'lockfile-out-of-date';
const AREA = 'package manager';
const TIMEOUT_MS = 60_000;

export interface LockCheckArgs {
  appDir: string;
  packageManager: PackageManager;
  /** A previous build's layers, only when pybp trusts them (made them here); else null. */
  layersDir: string | null;
  /** The build's environment (base + config vars) with the given HOME: where the tools find their config and CA bundles. */
  env: (home: string) => Record<string, string>;
  hostEnv: NodeJS.ProcessEnv;
  /** The local interpreter a build would use (uv needs one to resolve); null when there is none. */
  interpreter: string | null;
  /** False when the app's Python version could not be resolved (then no python-interpreter check is shown). */
  pythonResolved: boolean;
  signal?: AbortSignal;
  /** How doctor may install its own pinned tool when none is found (absent: it may not). */
  install?: ToolInstallPolicy;
}

// uv says one of these (with -v) when the lock does not satisfy pyproject.toml.
const UV_STALE = /Resolving despite existing lockfile[^\n]*|Ignoring existing lockfile[^\n]*|The lockfile at `uv\.lock` needs to be updated[^\n]*/;
const POETRY_STALE = /pyproject\.toml changed significantly since poetry\.lock was last generated[^\n]*|poetry\.lock is not consistent with pyproject\.toml[^\n]*/;

export async function checkLockfileFresh(args: LockCheckArgs): Promise<DoctorCheck | null> {
  if (args.packageManager === 'pip') return null;
  const uv = args.packageManager === 'uv';
  const lock = uv ? 'uv.lock' : 'poetry.lock';
  const toolName = uv ? `uv ${UV_VERSION}` : `Poetry ${POETRY_VERSION}`;
  const relock = uv ? 'uv lock' : 'poetry lock';
  const lookup: ToolLookup = uv
    ? await findPinnedUv(args.layersDir, args.appDir, args.hostEnv, args.install)
    : await findPinnedPoetry(args.layersDir, args.appDir, args.hostEnv, args.install);
  if (!lookup.found) {
    return unchecked(
      ID,
      AREA,
      `Could not check whether ${lock} is up to date: the pinned ${toolName} is not available (looked in ${lookup.searched.join(' and ')}${lookup.why ? `; ${lookup.why}` : ''}). ` +
        `The build runs ${uv ? '`uv sync --locked`' : '`poetry sync`'}, which fails on an out-of-date lock.`,
      `Run pybp doctor without --offline (it installs its own ${toolName} from the package index, checked against pybp's hashes), or run \`${uv ? 'uv lock --check' : 'poetry check --lock'}\` yourself.`,
      `the pinned ${toolName} is not available${lookup.why ? ` (${lookup.why})` : ''}`,
    );
  }
  if (uv && args.interpreter === null) {
    return unchecked(
      ID,
      AREA,
      args.pythonResolved
        ? `Could not check whether uv.lock is up to date: uv needs a local Python to resolve with, and there is none for this app's version.`
        : `Could not check whether uv.lock is up to date: uv needs the app's Python version to resolve with, and it could not be determined.`,
      args.pythonResolved
        ? 'Install the Python version the app asks for (the python-interpreter check under python version says how), then run pybp doctor again.'
        : 'Fix the failed check under python version, then run pybp doctor again.',
      args.pythonResolved ? "no local Python of the app's version for uv to resolve with" : "the app's Python version could not be determined",
    );
  }

  const tool = lookup.tool;
  // In a scratch directory of pybp's holding copies of the files the check
  // reads, never in the app: Poetry is Python, which would import an
  // app-root poetry.py or json.py and write __pycache__ there.
  const ran = await withScratchDir('doctor', async (scratch): Promise<ToolRun | { kind: 'no-inputs'; why: string }> => {
    const project = path.join(scratch, 'app');
    let copied: Copied;
    try {
      copied = await copyLockCheckInputs(args.appDir, project, uv ? 'uv' : 'poetry');
    } catch (err) {
      copied = { ok: false, why: (err as Error).message };
    }
    if (!copied.ok) return { kind: 'no-inputs', why: copied.why };
    const argv = uv
      ? [...tool.argv, 'lock', '--check', '--offline', '--no-build', '--color', 'never', '-v']
      : [...tool.argv, '--no-plugins', '--no-interaction', '--no-ansi', 'check', '--lock'];
    // A HOME of its own, as a Heroku-clean build has (host config uses the user's instead).
    const home = path.join(scratch, 'home');
    await mkdir(home);
    const env: Record<string, string> = { ...args.env(home), ...tool.env };
    if (uv) {
      env.UV_PYTHON_DOWNLOADS = 'never';
      env.UV_PYTHON = args.interpreter!;
      // Never look at (or run) a .venv of the project.
      env.UV_PROJECT_ENVIRONMENT = path.join(scratch, 'venv');
    } else {
      env.POETRY_VIRTUALENVS_CREATE = 'false';
      env.POETRY_CACHE_DIR = path.join(scratch, 'cache');
    }
    return runTool(argv, { cwd: project, env, timeoutMs: TIMEOUT_MS, signal: args.signal });
  });

  const couldNot = (why: string) =>
    unchecked(
      ID,
      AREA,
      `Could not check whether ${lock} is up to date: ${toolName} ${why}.`,
      `Run \`${uv ? 'uv lock --check' : 'poetry check --lock'}\` yourself; if it says the lock is out of date, run \`${relock}\` and commit ${lock}.`,
      `${toolName} ${why}`,
    );
  if (ran.kind === 'no-inputs') return couldNot(`was not asked: ${ran.why}`);
  const result = ran;
  switch (result.kind) {
    case 'aborted':
      return couldNot('was stopped');
    case 'not-started':
      return couldNot(`could not be started (${result.problem})`);
    case 'timed-out':
      return couldNot(`did not answer within ${TIMEOUT_MS / 1000} s`);
  }
  const stale = (uv ? UV_STALE : POETRY_STALE).exec(result.output);
  if (stale) {
    return fail(
      ID,
      AREA,
      `${lock} is out of date with pyproject.toml (${toolName}: ${stale[0].replace(/^DEBUG\s+/, '').trim()}). ` +
        `The build would fail in ${uv ? '`uv sync --locked`' : '`poetry sync`'}.`,
      `Run \`${relock}\`, then commit ${lock} with pyproject.toml.`,
      'lockfile-out-of-date',
    );
  }
  if (result.code === 0) return pass(ID, AREA, `${lock} is up to date with pyproject.toml (checked offline with ${toolName}).`);
  return couldNot(`failed without saying the lock is stale: ${lastLines(result.output)}`);
}

function lastLines(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('DEBUG'));
  return lines.slice(-3).join(' ') || 'no output';
}
