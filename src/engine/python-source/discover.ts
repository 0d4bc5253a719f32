// Finds Python interpreters already installed on this machine for one minor
// version. Reading the version from patchlevel.h costs one small file read;
// only installs without headers are asked with a subprocess.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { runProcess } from '../io/process.js';
import { isFile } from '../io/fs.js';
import { withScratchDir } from '../io/scratch-dir.js';
import {
  compareNewestFirst,
  minorName,
  parsePythonVersion,
  versionFromPatchlevel,
  type MinorVersion,
  type PythonVersionParts,
} from './version.js';

export type InterpreterOrigin = 'config' | 'pyenv' | 'uv' | 'asdf' | 'mise' | 'path';

export interface LocalInterpreter {
  /** The interpreter's real full version, e.g. "3.12.1". */
  version: string;
  /** Installation prefix (symlinks resolved), e.g. /root/.pyenv/versions/3.12.1. */
  prefix: string;
  /** The real binary, prefix/bin/python3.Y. */
  executable: string;
  origin: InterpreterOrigin;
}

export interface InterpreterSearchOptions {
  /** pyenv's root (the directory holding `versions/`); default $PYENV_ROOT, then ~/.pyenv. */
  pyenvRoot?: string;
  /** From config `python.interpreters`: binaries or installation prefixes. */
  extraInterpreters?: string[];
  /** Environment for PATH and the tools' directory variables; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Home directory; default $HOME, then the OS's idea of it. */
  home?: string;
  /**
   * Set by explain and doctor, which run nothing from the app: an interpreter
   * inside this directory, or named by the app's config (`extraInterpreters`,
   * `pyenvRoot`), is never run to ask its version. One with a patchlevel.h
   * is still found (reading a header runs nothing); one without is listed in
   * `searched` as not inspected.
   */
  inspectOnly?: { appDir: string };
}

export interface InterpreterSearch {
  /** Candidates for the minor, newest patch first, one per real executable. */
  found: LocalInterpreter[];
  /** Where the search looked, one line per place, for error messages. */
  searched: string[];
}

export async function findLocalInterpreters(minor: MinorVersion, opts: InterpreterSearchOptions = {}): Promise<LocalInterpreter[]> {
  return (await searchLocalInterpreters(minor, opts)).found;
}

export async function searchLocalInterpreters(minor: MinorVersion, opts: InterpreterSearchOptions = {}): Promise<InterpreterSearch> {
  const env = opts.env ?? process.env;
  const home = opts.home ?? (env.HOME || os.homedir());
  const mayRun = await runPolicy(opts.inspectOnly);
  const dataHome = env.XDG_DATA_HOME || path.join(home, '.local', 'share');
  const binName = `python${minorName(minor)}`;

  const pyenvRoot = opts.pyenvRoot ?? (env.PYENV_ROOT || path.join(home, '.pyenv'));
  // uv names installs cpython-3.12.1-linux-x86_64-gnu, and newer releases add a
  // cpython-3.12-... link to the newest patch; both collapse by real path.
  const uvDir = env.UV_PYTHON_INSTALL_DIR || path.join(dataHome, 'uv', 'python');
  const uvPrefix = `cpython-${minorName(minor)}`;
  const uvAccept = (name: string) => name.startsWith(`${uvPrefix}.`) || name.startsWith(`${uvPrefix}-`);
  const asdfDir = path.join(env.ASDF_DATA_DIR || path.join(home, '.asdf'), 'installs', 'python');
  const miseDir = path.join(env.MISE_DATA_DIR || path.join(dataHome, 'mise'), 'installs', 'python');
  const any = () => true;

  // Order matters: when two places lead to the same executable, the earlier one names its origin.
  const groups: Array<Promise<GroupResult>> = [
    searchConfig(opts.extraInterpreters ?? [], home, minor, env, mayRun(true)),
    searchManaged('pyenv', path.join(pyenvRoot, 'versions'), any, minor, env, mayRun(opts.pyenvRoot !== undefined)),
    searchManaged('uv', uvDir, uvAccept, minor, env, mayRun(false)),
    searchManaged('asdf', asdfDir, any, minor, env, mayRun(false)),
    searchManaged('mise', miseDir, any, minor, env, mayRun(false)),
    searchPath(env, binName, minor, mayRun(false)),
  ];
  const results = await Promise.all(groups);

  const byExecutable = new Map<string, LocalInterpreter>();
  for (const group of results) {
    for (const interp of group.found) if (!byExecutable.has(interp.executable)) byExecutable.set(interp.executable, interp);
  }
  const found = [...byExecutable.values()];
  // Array.prototype.sort is stable: equal versions keep the origin order.
  found.sort((a, b) => compareNewestFirst(parsePythonVersion(a.version)!, parsePythonVersion(b.version)!));
  return { found, searched: results.flatMap((g) => g.searched) };
}

interface GroupResult {
  found: LocalInterpreter[];
  searched: string[];
}

/** Whether an interpreter binary (its real path) may be run to ask its version; a reason when not. */
type MayRun = (executable: string) => true | string;

/**
 * The rule for one group of candidates: anything may run in a build; in
 * explain/doctor, nothing the app's config names and nothing inside the app.
 */
async function runPolicy(inspectOnly: InterpreterSearchOptions['inspectOnly']): Promise<(namedByConfig: boolean) => MayRun> {
  if (!inspectOnly) return () => () => true;
  const appDir = await fs.promises.realpath(inspectOnly.appDir).catch(() => path.resolve(inspectOnly.appDir));
  const inside = (p: string) => {
    const rel = path.relative(appDir, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  return (namedByConfig) => (executable) => {
    if (inside(executable)) return 'not inspected: it is inside the app directory, and explain and doctor run nothing from the app';
    if (namedByConfig) return "not inspected: the app's config names it, and explain and doctor run nothing the app's config names";
    return true;
  };
}

function defined<T>(x: T | undefined): x is T {
  return x !== undefined;
}

type Probe = LocalInterpreter | { skipped: string } | undefined;

function foundOf(probe: Probe): LocalInterpreter | undefined {
  return probe && 'executable' in probe ? probe : undefined;
}

function skippedOf(probes: Probe[]): string[] {
  return probes.flatMap((p) => (p && 'skipped' in p ? [p.skipped] : []));
}

async function searchConfig(
  entries: string[],
  home: string,
  minor: MinorVersion,
  env: NodeJS.ProcessEnv,
  mayRun: MayRun,
): Promise<GroupResult> {
  const probes = await Promise.all(entries.map((entry) => probeConfigEntry(expandHome(entry, home), minor, env, mayRun)));
  return {
    found: probes.map((p) => p.found).filter(defined),
    searched: probes.map((p, i) => `python.interpreters: ${entries[i]} (${p.note})`),
  };
}

async function searchManaged(
  origin: InterpreterOrigin,
  dir: string,
  accept: (name: string) => boolean,
  minor: MinorVersion,
  env: NodeJS.ProcessEnv,
  mayRun: MayRun,
): Promise<GroupResult> {
  const names = await listDir(dir);
  const probes = await Promise.all(names.filter(accept).map((name) => probePrefix(path.join(dir, name), minor, origin, env, mayRun)));
  return {
    found: probes.map(foundOf).filter(defined),
    searched: [`${origin}: ${path.join(dir, '*', 'bin', `python${minorName(minor)}`)}`, ...skippedOf(probes)],
  };
}

async function searchPath(env: NodeJS.ProcessEnv, binName: string, minor: MinorVersion, mayRun: MayRun): Promise<GroupResult> {
  const dirs = [...new Set((env.PATH ?? '').split(path.delimiter).filter((d) => d !== '' && path.isAbsolute(d)))];
  // pyenv's shims resolve to themselves and fail the os.py check, so a shim never counts as an install.
  const probes = await Promise.all(dirs.map((dir) => probeBinary(path.join(dir, binName), minor, 'path', env, mayRun)));
  return {
    found: probes.map(foundOf).filter(defined),
    searched: [`PATH: ${binName} in ${dirs.length} ${dirs.length === 1 ? 'directory' : 'directories'}`, ...skippedOf(probes)],
  };
}

async function probeConfigEntry(
  given: string,
  minor: MinorVersion,
  env: NodeJS.ProcessEnv,
  mayRun: MayRun,
): Promise<{ found?: LocalInterpreter; note: string }> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(given);
  } catch {
    return { note: 'does not exist' };
  }
  const probe = st.isDirectory() ? await probePrefix(given, minor, 'config', env, mayRun) : await probeBinary(given, minor, 'config', env, mayRun);
  const found = foundOf(probe);
  if (found) return { found, note: `Python ${found.version}` };
  if (probe && 'skipped' in probe) return { note: probe.skipped };
  return { note: `no Python ${minorName(minor)} installation there` };
}

/** An installation directory holding bin/python3.Y. */
async function probePrefix(dir: string, minor: MinorVersion, origin: InterpreterOrigin, env: NodeJS.ProcessEnv, mayRun: MayRun): Promise<Probe> {
  return probeBinary(path.join(dir, 'bin', `python${minorName(minor)}`), minor, origin, env, mayRun);
}

/**
 * A binary whose real path sits in <prefix>/bin, with the standard library at
 * <prefix>/lib/python3.Y: the only layout the layer copy knows how to take.
 * Its version comes from patchlevel.h, else from running it (when `mayRun` allows).
 */
async function probeBinary(
  binary: string,
  minor: MinorVersion,
  origin: InterpreterOrigin,
  env: NodeJS.ProcessEnv,
  mayRun: MayRun,
): Promise<Probe> {
  let executable: string;
  try {
    executable = await fs.promises.realpath(binary);
    if (!(await fs.promises.stat(executable)).isFile()) return undefined;
  } catch {
    return undefined;
  }
  const prefix = path.dirname(path.dirname(executable));
  const y = minorName(minor);
  if (!(await isFile(path.join(prefix, 'lib', `python${y}`, 'os.py')))) return undefined;
  let version = await readPatchlevelVersion(path.join(prefix, 'include', `python${y}`, 'patchlevel.h'));
  if (version === undefined) {
    const allowed = mayRun(executable);
    if (allowed !== true) return { skipped: `${executable}: ${allowed}` };
    version = await askInterpreterVersion(executable, env);
  }
  const parts: PythonVersionParts | undefined = version ? parsePythonVersion(version) : undefined;
  if (!version || !parts || parts.major !== minor.major || parts.minor !== minor.minor) return undefined;
  return { version, prefix, executable, origin };
}

async function readPatchlevelVersion(file: string): Promise<string | undefined> {
  try {
    // Bounded: the header may sit in an app (python.interpreters), where it could be a FIFO or a device.
    const text = await readAppText(file, 'patchlevel-header');
    return text === undefined ? undefined : versionFromPatchlevel(text);
  } catch {
    return undefined;
  }
}

/**
 * Runs the interpreter isolated (-I) and without site (-S) so nothing but the
 * core starts, in a scratch directory of pybp's (never the directory pybp was
 * started in, which may be the app).
 */
export async function askInterpreterVersion(executable: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const end = await withScratchDir('probe', (cwd) =>
    runProcess({
      argv: [executable, '-I', '-S', '-c', 'import sys; sys.stdout.write(sys.version.split()[0])'],
      cwd,
      env,
      timeoutMs: 10_000,
      maxOutputBytes: 64 * 1024,
      overflow: 'stop',
      graceMs: 0,
    }),
  );
  if (end.kind !== 'ended' || end.stoppedBy !== null || end.code !== 0) return undefined;
  return end.stdout.toString('utf8').trim() || undefined;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir)).sort(compareNames);
  } catch {
    // Missing or unreadable: that tool simply has nothing to offer.
    return [];
  }
}

// Natural order, so "3.12.10" sorts after "3.12.9" when listing. Hand-rolled
// rather than localeCompare(..., { numeric: true }): the first call of that
// loads ICU's collator, about 10 ms of every `explain` and `build`.
function compareNames(a: string, b: string): number {
  const chunks = (s: string) => s.match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    const numeric = /^\d/.test(p) && /^\d/.test(q);
    if (numeric && Number(p) !== Number(q)) return Number(p) - Number(q);
    return p < q ? -1 : 1;
  }
  return x.length - y.length;
}


function expandHome(entry: string, home: string): string {
  if (entry === '~') return home;
  if (entry.startsWith('~/')) return path.join(home, entry.slice(2));
  return path.resolve(entry);
}
