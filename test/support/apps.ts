// Real pip, uv and Poetry apps for end-to-end tests, resolved against a
// loopback index (never PyPI). uv and Poetry apps get a real lock file, made by
// the pinned uv and Poetry from `ensureTools()`.
//
// Index URLs carry the index's random port, and uv.lock / poetry.lock record
// them: make apps in the run that serves the index, don't commit them.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { testCacheDir } from './cache.js';
import { hermeticEnv, run } from './env.js';
import { pythonFor } from './pythons.js';
import { ensureTools } from './tools.js';

export { pythonFor, pythonPrefixFor, type PythonMinor } from './pythons.js';
export { makeTestWheels, writeDjangoProject, type TestWheels, type DjangoProjectOptions } from './test-wheels.js';

export { makeTempDir } from './temp-dirs.js';

export interface PipAppOptions {
  /**
   * Written as requirements.txt's first line (`--index-url …`), so pip in a
   * build asks the loopback index whatever the build environment says; null
   * writes none (give the index as a user would: `--env PIP_INDEX_URL=…`;
   * doctor never asks an index a repo names).
   */
  indexUrl: string | null;
  /** Written to `.python-version`, e.g. `3.12` (omit to write none). */
  python?: string;
  /** Lines of requirements.txt, e.g. `tinyweb==1.0.0`. */
  requirements: string[];
}

/** requirements.txt (starting with `--index-url`, unless `indexUrl` is null) and `.python-version`. */
export async function makePipApp(dir: string, options: PipAppOptions): Promise<string> {
  await mkdir(dir, { recursive: true });
  const index = options.indexUrl === null ? [] : [`--index-url ${options.indexUrl}`];
  await writeFile(join(dir, 'requirements.txt'), [...index, ...options.requirements, ''].join('\n'));
  if (options.python) await writeFile(join(dir, '.python-version'), `${options.python}\n`);
  return dir;
}

export interface LockedAppOptions {
  indexUrl: string;
  /** Written to `.python-version` (`3.12`, or a full `3.12.1`); its minor picks the interpreter used to lock. */
  python: string;
  /** PEP 508 strings, e.g. `tinyweb==1.0.0`. */
  dependencies: string[];
  /** The `dev` group (PEP 735 `[dependency-groups]`), which the buildpack must not install. */
  devDependencies?: string[];
  /** Default `>=<minor of python>`. */
  requiresPython?: string;
  /** Project name, default `app`. */
  name?: string;
  /** Poetry only: package mode (Poetry installs the project itself); default false (`package-mode = false`). */
  packageMode?: boolean;
}

/** pyproject.toml with a default `[[tool.uv.index]]`, `.python-version`, and uv.lock from `uv lock`. */
export async function makeUvApp(dir: string, options: LockedAppOptions): Promise<string> {
  const minor = minorOf(options.python);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'pyproject.toml'),
    [
      ...projectTable(options, minor),
      '[[tool.uv.index]]',
      `url = ${tomlString(options.indexUrl)}`,
      'default = true',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, '.python-version'), `${options.python}\n`);
  const { uv } = await ensureTools();
  await run(uv, ['lock', '--quiet'], { cwd: dir, env: uvEnv(minor) });
  return dir;
}

/** The environment tests run uv in: no downloaded or managed Pythons, the pyenv interpreter for `minor`. */
export function uvEnv(minor: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hermeticEnv({
    UV_PYTHON_DOWNLOADS: 'never',
    UV_NO_MANAGED_PYTHON: '1',
    UV_PYTHON: pythonFor(minor),
    UV_CACHE_DIR: join(testCacheDir, 'uv-cache'),
    ...extra,
  });
}

/**
 * A Poetry 2 app: PEP 621 `[project]`, `package-mode = false`, one primary
 * source named `local` (so Poetry never falls back to PyPI, whose JSON API this
 * machine can't use), `.python-version`, and poetry.lock from `poetry lock`.
 */
export async function makePoetryApp(dir: string, options: LockedAppOptions): Promise<string> {
  const minor = minorOf(options.python);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'pyproject.toml'),
    [
      ...projectTable(options, minor),
      ...(options.packageMode ? [] : ['[tool.poetry]', 'package-mode = false', '']),
      '[[tool.poetry.source]]',
      'name = "local"',
      `url = ${tomlString(options.indexUrl)}`,
      'priority = "primary"',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, '.python-version'), `${options.python}\n`);
  await poetryLock(dir, minor);
  return dir;
}

/** `poetry lock` in `dir` with the tests' pinned Poetry and the pyenv interpreter for `minor`. */
export async function poetryLock(dir: string, minor: string): Promise<void> {
  const { poetry } = await ensureTools();
  // A cache of its own per lock: Poetry caches release data per *source name*
  // ("local" in every app), so a shared cache could answer for another index.
  await mkdir(join(testCacheDir, 'tmp'), { recursive: true });
  const scratch = await mkdtemp(join(testCacheDir, 'tmp', 'poetry-'));
  try {
    await run(poetry, ['lock', '--no-interaction'], { cwd: dir, env: poetryEnv(scratch, minor) });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** git init + commit everything, with no user or system git config: doctor judges what Heroku receives. */
export function commitAll(app: string): void {
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=T', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', ...args], {
      cwd: app,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CEILING_DIRECTORIES: dirname(app) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'app', '--allow-empty');
}

/** The environment tests run Poetry in; `scratch` holds its cache and any virtualenv it decides to make. */
export function poetryEnv(scratch: string, minor: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return hermeticEnv({
    POETRY_CACHE_DIR: join(scratch, 'cache'),
    POETRY_VIRTUALENVS_PATH: join(scratch, 'virtualenvs'),
    POETRY_NO_INTERACTION: '1',
    // Poetry looks for a Python matching requires-python on PATH: offer the pyenv one first.
    PATH: `${dirname(pythonFor(minor))}:${process.env.PATH ?? ''}`,
    ...extra,
  });
}

function projectTable(options: LockedAppOptions, minor: string): string[] {
  const lines = [
    '[project]',
    `name = ${tomlString(options.name ?? 'app')}`,
    'version = "0.0.0"',
    `requires-python = ${tomlString(options.requiresPython ?? `>=${minor}`)}`,
    `dependencies = [${options.dependencies.map(tomlString).join(', ')}]`,
    '',
  ];
  if (options.devDependencies?.length) {
    lines.push('[dependency-groups]', `dev = [${options.devDependencies.map(tomlString).join(', ')}]`, '');
  }
  return lines;
}

function minorOf(python: string): string {
  const m = /^(\d+\.\d+)/.exec(python.trim());
  if (!m) throw new Error(`not a Python version: ${JSON.stringify(python)}`);
  return m[1];
}

// A JSON string is a valid TOML basic string for everything tests write.
function tomlString(value: string): string {
  return JSON.stringify(value);
}
