// pybp's own directories: the cache ($XDG_CACHE_HOME/pybp, or ~/.cache/pybp)
// and the state ($XDG_STATE_HOME/pybp, or ~/.local/state/pybp). What pybp
// keeps in its cache is its own (read-only interpreter copies, its pinned
// tools, Pythons installed with its uv, its code cache), so it may replace or
// delete it; what it keeps in its state (which layers directories are its
// own, which tool files it verified, the code cache's key) must outlive a
// cleared or restored cache. Both are used only when no other user can have
// written them (own-dir.ts): `ownCacheDir` / `ownStateDir` make and check one.
import os from 'node:os';
import path from 'node:path';
import { POETRY_VERSION, UV_VERSION } from '../core/versions.js';
import { checkOwnDirIfPresent, ensureOwnDir } from './own-dir.js';

export function pybpCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  const cacheHome = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(cacheHome, 'pybp');
}

export function pybpStateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.local', 'state');
  return path.join(base, 'pybp');
}

/** The subdirectories of pybp's cache, each used by one part of pybp. */
export type CacheSubdir = 'tools' | 'interpreters' | 'uv-python' | 'code-cache' | 'explain-uv-cache';

/** `<cache>/<sub>`, made (0700) if missing, and checked: throws `pybp-cache-dir-unsafe` when another user could have written it. */
export function ownCacheDir(sub: CacheSubdir, env: NodeJS.ProcessEnv = process.env): string {
  const root = pybpCacheDir(env);
  return ensureOwnDir('cache', path.join(root, sub), root);
}

/** `<state>/<sub>` (or the state dir itself), made and checked like ownCacheDir: throws `pybp-state-dir-unsafe`. */
export function ownStateDir(sub: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const root = pybpStateDir(env);
  return ensureOwnDir('state', sub === null ? root : path.join(root, sub), root);
}

/** Checks `<cache>/<sub>` only if it exists (a lookup makes nothing); true when absent. */
export function checkCacheDirIfPresent(sub: CacheSubdir, env: NodeJS.ProcessEnv = process.env): boolean {
  const root = pybpCacheDir(env);
  return checkOwnDirIfPresent('cache', path.join(root, sub), root);
}

/** Where pybp keeps its own pinned uv (`<dir>/bin/uv`), installed by executor/pinned-uv.ts, read by doctor. */
export function pinnedUvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(pybpCacheDir(env), 'tools', `uv-${UV_VERSION}`);
}

/** Where pybp keeps its own pinned Poetry for doctor (a pip `--target` directory), installed by doctor/wheels/pinned-tools.ts. */
export function pinnedPoetryDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(pybpCacheDir(env), 'tools', `poetry-${POETRY_VERSION}`);
}
