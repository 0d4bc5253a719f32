// Where the layers live, and whether pybp may use that place. One resolution
// for build, explain and run:
// - the path: `--layers-dir`, else `layersDir` from the app's config, else
//   `<app>/.pybp/layers`. A path that comes from the app (config or default)
//   must stay inside the app directory: no `..` out of it and no symlink on
//   the way (a cloned repo must not point pybp at other files). Only the user,
//   on the command line, can send it elsewhere;
// - wherever it is, pybp uses it only if it is absent, empty, or pybp's own
//   (ownership.ts), and inside its own directory only what it recorded making.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadedConfig } from '../project/config.js';
import { type ErrorData, PybpError } from '../core/errors.js';
import { shellQuote } from '../core/shell-quote.js';
import { inert } from '../core/inert-text.js';
import { entryKind } from './control-file.js';
import { checkRegistryDir, claimLayersDir, inspectLayersDir, type LayersDirStatus, registryDir } from './ownership.js';

export type LayersDirSource = 'flag' | 'config' | 'default';

export interface LayersDirLocation {
  path: string;
  source: LayersDirSource;
  /** The config file that set it, for messages. */
  configFile?: string;
}

export interface LayersDirAccess {
  location: LayersDirLocation;
  /** pybp's ownership registry (outside the app). */
  registry: string;
  /** null when the path itself is refused (nothing there was looked at). */
  status: LayersDirStatus | null;
  /** Why a build may not use it; null when it may. */
  problem: ErrorData | null;
  /** Its layers and control files may be read as a previous build's (owned, nothing unknown). */
  trusted: boolean;
}

export function defaultLayersDir(appDir: string): string {
  return path.join(appDir, '.pybp', 'layers');
}

export function locateLayersDir(appDir: string, flag: string | undefined, config: LoadedConfig): LayersDirLocation {
  if (flag !== undefined) return { path: path.resolve(flag), source: 'flag' };
  if (config.config.layersDir) {
    const base = path.dirname(config.file ?? path.join(appDir, 'x'));
    return { path: path.resolve(base, config.config.layersDir), source: 'config', configFile: config.file ?? undefined };
  }
  return { path: defaultLayersDir(appDir), source: 'default' };
}


function origin(loc: LayersDirLocation): string {
  if (loc.source === 'config') return `layersDir in ${loc.configFile ?? 'the config'}`;
  if (loc.source === 'default') return 'the default .pybp/layers';
  return '--layers-dir';
}

/** A path from the app (config or default) that leaves the app directory, or null. */
async function escapeProblem(appDir: string, loc: LayersDirLocation): Promise<ErrorData | null> {
  if (loc.source === 'flag') return null;
  const refuse = (why: string, fix: string): ErrorData => ({
    code: 'layers-dir-outside-app',
    title: 'The layers directory leaves the app directory',
    message: `The layers directory ${loc.path} (from ${origin(loc)}) ${why}. pybp follows a layers path out of the app only when you give it on the command line, so a cloned repo cannot point pybp at other files.`,
    fix,
  });
  const rel = path.relative(appDir, loc.path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) {
    return refuse(
      rel === '' ? 'is the app directory itself' : 'is outside the app directory',
      `Remove layersDir from ${loc.configFile ?? 'the config'} (the default is .pybp/layers), or choose the directory yourself: --layers-dir <dir>.`,
    );
  }
  let current = appDir;
  for (const part of rel.split(path.sep)) {
    current = path.join(current, part);
    const kind = await entryKind(current);
    if (kind === 'absent' || kind === 'file') break; // made by pybp, or a mkdir error later
    if (kind === 'other') {
      let target = '';
      try {
        target = ` → ${await fs.readlink(current)}`;
      } catch {
        // not a symlink: a special file
      }
      return refuse(
        `goes through ${current}${target}, which is a symlink or special file`,
        `If the link came with the repo, remove it by hand (rm ${shellQuote(current)}) and pybp makes a real directory; to keep layers elsewhere, pass --layers-dir <dir>.`,
      );
    }
  }
  return null;
}

/** How to clear a layers directory by hand, for every refusal. */
function clearByHand(loc: LayersDirLocation): string {
  return `rm -rf ${shellQuote(loc.path)}`;
}

// The buildpack's layers, their tomls, and pybp's control directory: all a layers directory holds.
const LAYER_ENTRY = /^(?:python|pip|pip-cache|poetry|uv|uv-cache|venv)(?:\.toml)?$|^\.pybp$/;

/**
 * Whether a directory pybp refuses may be suggested for `rm -rf`: only the
 * app's own `.pybp/layers`, or a directory that holds nothing but layers and
 * is neither the app, nor holds it, nor holds the current directory or the
 * home directory. `--layers-dir .`, `--layers-dir ~` or another app's folder
 * (which has a `.pybp/` too) never get that advice.
 */
async function removableByHand(appDir: string, loc: LayersDirLocation): Promise<boolean> {
  if (loc.source === 'default') return true;
  const holds = (dir: string) => {
    const rel = path.relative(loc.path, path.resolve(dir));
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  if ([appDir, process.cwd(), os.homedir(), path.parse(loc.path).root].some(holds)) return false;
  try {
    const entries = await fs.readdir(loc.path);
    return entries.length > 0 && entries.every((e) => LAYER_ENTRY.test(e));
  } catch {
    return false;
  }
}

function statusProblem(loc: LayersDirLocation, status: LayersDirStatus, removable = loc.source === 'default'): ErrorData | null {
  switch (status.kind) {
    case 'absent':
    case 'empty':
      return null;
    case 'owned': {
      if (status.unknown.length === 0) return null;
      const list = status.unknown.map((u) => `${inert(u.name)} (${u.why})`);
      return {
        code: 'layers-dir-unknown-entry',
        title: 'The layers directory holds something pybp did not make',
        message: `${loc.path} is pybp's, but it holds ${status.unknown.length === 1 ? 'an entry' : 'entries'} pybp did not make: ${status.unknown.map((u) => inert(u.name)).join(', ')}. pybp stops rather than reuse, run or delete ${status.unknown.length === 1 ? 'it' : 'them'}; nothing was changed.`,
        fix: `Move ${status.unknown.length === 1 ? 'it' : 'them'} out of the layers directory if ${status.unknown.length === 1 ? 'it is' : 'they are'} yours, or clear the layers by hand (pybp makes them again on the next build): ${clearByHand(loc)}`,
        details: list,
      };
    }
    case 'not-owned':
      return {
        code: 'layers-dir-not-owned',
        title: 'The layers directory is not pybp\'s',
        message: `${loc.path} (from ${origin(loc)}) is not empty and pybp did not make it on this machine: ${status.why}. pybp never reuses, runs or deletes anything in a directory it did not make.`,
        // Removing it by hand is suggested only for what looks like layers: never for `/` or a home folder.
        fix: removable && (status.hasControlDir || loc.source === 'default')
          ? `If it holds nothing but layers (of an older pybp, a copy, or committed with the repo), remove it by hand and build again: ${clearByHand(loc)}${loc.source === 'default' ? ' (and `git rm -r --cached` it if it is committed)' : ''}; or build into a new or empty directory with --layers-dir <dir>.`
          : `Give ${loc.source === 'flag' ? '--layers-dir' : 'layersDir'} a new or empty directory: pybp puts layers only where nothing else lives.`,
      };
    case 'not-a-directory':
      return {
        code: 'layers-dir-unwritable',
        title: 'The layers directory is not a directory',
        message: `${loc.path} (from ${origin(loc)}) exists and is not a directory, or a parent of it is a file.`,
        fix: 'Choose another place with --layers-dir, or move that file away.',
      };
    case 'unreadable':
      return {
        code: 'layers-dir-unwritable',
        title: 'The layers directory cannot be read',
        message: `pybp cannot read ${loc.path}: ${status.message}`,
        fix: 'Fix its permissions (or the symlink), or choose another place with --layers-dir (or layersDir in the config).',
      };
  }
}

/** Read-only: may a build use this layers directory, and may its contents be trusted? */
export async function checkLayersDir(appDir: string, loc: LayersDirLocation, env: NodeJS.ProcessEnv): Promise<LayersDirAccess> {
  const registry = registryDir(env);
  let status: LayersDirStatus;
  try {
    // Never throws: an app dir that cannot be read is the app's own error, reported first by planning.
    const escape = await escapeProblem(appDir, loc);
    if (escape) return { location: loc, registry, status: null, problem: escape, trusted: false };
    try {
      checkRegistryDir(registry);
    } catch (err) {
      if (err instanceof PybpError) return { location: loc, registry, status: null, problem: err.toData(), trusted: false };
      throw err;
    }
    status = await inspectLayersDir(loc.path, registry);
  } catch (err) {
    status = { kind: 'unreadable', message: (err as Error).message };
  }
  const removable = status.kind === 'not-owned' && (await removableByHand(appDir, loc));
  const problem = statusProblem(loc, status, removable);
  return { location: loc, registry, status, problem, trusted: status.kind === 'owned' && problem === null };
}

async function realApp(appDir: string): Promise<string | undefined> {
  return fs.realpath(appDir).catch(() => undefined);
}

/**
 * Before a build writes anything: the layers directory is pybp's (claimed now
 * if absent or empty) and holds nothing pybp did not make; else the coded
 * error. Returns the owned status. `.pybp/.gitignore` is written only when this
 * claim created the app's `.pybp/` itself. A build passes the check its context
 * made moments before and looks again once it holds the lock, so the directory
 * is inspected twice, not three times.
 */
export async function secureLayersDir(
  appDir: string,
  loc: LayersDirLocation,
  env: NodeJS.ProcessEnv,
  /** The check the caller has just made of the same location (the resolved context's): not made again. */
  checked?: LayersDirAccess,
): Promise<Extract<LayersDirStatus, { kind: 'owned' }> & { registry: string }> {
  const access = checked && checked.location.path === loc.path ? checked : await checkLayersDir(appDir, loc, env);
  if (access.problem) throw new PybpError(access.problem);
  let status = access.status!;
  if (status.kind === 'absent' || status.kind === 'empty') {
    const appDotPybp = path.dirname(defaultLayersDir(appDir));
    const makesDotPybp = loc.source === 'default' && (await entryKind(appDotPybp)) === 'absent';
    status = await claimLayersDir(loc.path, access.registry, await realApp(appDir));
    if (makesDotPybp) {
      // Keep pybp's default layers out of git without touching the app's .gitignore.
      await fs.writeFile(path.join(appDotPybp, '.gitignore'), '*\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    }
    const problem = statusProblem(loc, status);
    if (problem) throw new PybpError(problem);
  }
  if (status.kind !== 'owned') throw new Error(`pybp bug: layers dir status ${status.kind} after the checks`);
  // Which app these layers are for (`pybp cache ls`): only in memory here; the build writes the
  // record under the layers lock (recordEntries), never before it, so two builds cannot race on it.
  const app = await realApp(appDir);
  const record = app === undefined || status.record.app === app ? status.record : { ...status.record, app };
  return { ...status, record, registry: access.registry };
}
