// pybp's own cache directory: $XDG_CACHE_HOME/pybp, or ~/.cache/pybp. What
// pybp keeps there is its own (read-only interpreter copies, its pinned uv,
// Pythons installed with that uv), so it may replace or delete it.
import os from 'node:os';
import path from 'node:path';
import { UV_VERSION } from '../core/versions.js';

export function pybpCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.HOME || os.homedir();
  const cacheHome = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(cacheHome, 'pybp');
}

/** Where pybp keeps its own pinned uv (`<dir>/bin/uv`), installed by executor/pinned-uv.ts, read by doctor. */
export function pinnedUvDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(pybpCacheDir(env), 'tools', `uv-${UV_VERSION}`);
}
