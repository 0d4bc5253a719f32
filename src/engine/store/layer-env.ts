// CNB layer environment files (spec §8.1, §8.5) and how libcnb applies them.
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { readAppText } from '../io/app-file.js';
import { isDir } from '../io/fs.js';

export type EnvScope = 'all' | 'build' | 'launch';
export type EnvModifier = 'override' | 'default' | 'prepend' | 'append' | 'delim';

export interface EnvFile {
  scope: EnvScope;
  name: string;
  modifier: EnvModifier;
  value: string;
}

const SCOPE_DIR: Record<EnvScope, string> = { all: 'env', build: 'env.build', launch: 'env.launch' };

/**
 * Each of `items` through `fn` at once (small files: one libuv round trip
 * each instead of one after another); every call settles before the first
 * failure, in `items` order, is thrown, so nothing is still writing when the
 * caller handles it, and the error is the one a loop would have met first.
 */
async function eachAtOnce<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const settled = await Promise.allSettled(items.map(fn));
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<R>).value);
}

/** Replaces a layer's env dirs with exactly these files (no trailing newline; empty dirs not made). */
export async function writeLayerEnv(layerDir: string, files: EnvFile[]): Promise<void> {
  await eachAtOnce(Object.values(SCOPE_DIR), (dir) => fs.rm(path.join(layerDir, dir), { recursive: true, force: true }));
  const dirs = [...new Set(files.map((f) => path.join(layerDir, SCOPE_DIR[f.scope])))];
  await eachAtOnce(dirs, (dir) => fs.mkdir(dir, { recursive: true }));
  await eachAtOnce(files, (f) => fs.writeFile(path.join(layerDir, SCOPE_DIR[f.scope], `${f.name}.${f.modifier}`), f.value));
}

export async function readEnvDir(dir: string): Promise<EnvFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const wanted: Array<{ file: string; name: string; modifier: EnvModifier }> = [];
  for (const file of names) {
    const dot = file.lastIndexOf('.');
    const name = dot === -1 ? file : file.slice(0, dot);
    const suffix = dot === -1 ? 'override' : file.slice(dot + 1);
    if (!['override', 'default', 'prepend', 'append', 'delim'].includes(suffix)) continue;
    wanted.push({ file, name, modifier: suffix as EnvModifier });
  }
  // Bounded, regular files only: a planted FIFO must not hang `pybp run`.
  const values = await eachAtOnce(wanted, (w) => readAppText(path.join(dir, w.file), 'layer-metadata'));
  const out: EnvFile[] = [];
  wanted.forEach((w, i) => {
    const value = values[i];
    if (value !== undefined) out.push({ scope: 'all', name: w.name, modifier: w.modifier, value });
  });
  return out;
}

export type Env = Record<string, string>;

const ORDER: EnvModifier[] = ['append', 'default', 'delim', 'override', 'prepend'];

/** Applies one env dir's files: sorted by modifier kind, then by name (libcnb's order). */
export function applyEnvFiles(env: Env, files: EnvFile[]): void {
  const delims = new Map<string, string>();
  for (const f of files) if (f.modifier === 'delim') delims.set(f.name, f.value);
  const sorted = [...files].sort((a, b) => ORDER.indexOf(a.modifier) - ORDER.indexOf(b.modifier) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const f of sorted) {
    const old = env[f.name];
    const delim = delims.get(f.name) ?? '';
    switch (f.modifier) {
      case 'override':
        env[f.name] = f.value;
        break;
      case 'default':
        if (old === undefined) env[f.name] = f.value;
        break;
      case 'prepend':
        env[f.name] = old ? f.value + delim + old : f.value;
        break;
      case 'append':
        env[f.name] = old ? old + delim + f.value : f.value;
        break;
      case 'delim':
        break;
    }
  }
}

function prependPath(env: Env, name: string, value: string): void {
  const old = env[name];
  env[name] = old ? `${value}:${old}` : value;
}


/** Re-reads a layer from disk (`layerDir`) and applies it to `env` for the given scope (spec §8.5); `toolDir`: the layer as the tools see it. */
export async function applyLayerEnv(env: Env, layerDir: string, scope: 'build' | 'launch', toolDir: string = layerDir): Promise<void> {
  await applyLayerDirs(env, layerDir, scope, toolDir);
  applyEnvFiles(env, await readEnvDir(path.join(layerDir, 'env')));
  applyEnvFiles(env, await readEnvDir(path.join(layerDir, scope === 'build' ? 'env.build' : 'env.launch')));
}

/**
 * The same as applyLayerEnv for a layer whose env files are known to be
 * exactly `files` (a build has just written or checked them): only the
 * directories are looked at.
 */
export async function applyLayerEnvFiles(env: Env, layerDir: string, files: EnvFile[], scope: 'build' | 'launch', toolDir: string = layerDir): Promise<void> {
  await applyLayerDirs(env, layerDir, scope, toolDir);
  applyInMemory(env, files, scope);
}

/**
 * The layer's bin/, lib/, include/ and pkgconfig/ (a directory, after symlinks, looked at on the host in
 * `layerDir`) on the search paths, named as the tools see the layer (`toolDir`: /layers/heroku_python/<layer>
 * with Heroku's paths).
 */
async function applyLayerDirs(env: Env, layerDir: string, scope: 'build' | 'launch', toolDir: string = layerDir): Promise<void> {
  const dirs = await subdirectories(layerDir, ['bin', 'lib', 'include', 'pkgconfig']);
  if (dirs.has('bin')) prependPath(env, 'PATH', path.join(toolDir, 'bin'));
  if (dirs.has('lib')) {
    if (scope === 'build') prependPath(env, 'LIBRARY_PATH', path.join(toolDir, 'lib'));
    prependPath(env, 'LD_LIBRARY_PATH', path.join(toolDir, 'lib'));
  }
  if (scope === 'build') {
    if (dirs.has('include')) prependPath(env, 'CPATH', path.join(toolDir, 'include'));
    if (dirs.has('pkgconfig')) prependPath(env, 'PKG_CONFIG_PATH', path.join(toolDir, 'pkgconfig'));
  }
}

/** Which of `names` are directories in `dir` (symlinks followed): one listing instead of a stat per name. */
async function subdirectories(dir: string, names: string[]): Promise<Set<string>> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return new Set();
  }
  const found = new Set<string>();
  for (const e of entries) {
    if (!names.includes(e.name)) continue;
    if (e.isDirectory() || (!e.isFile() && (await isDir(path.join(dir, e.name))))) found.add(e.name);
  }
  return found;
}

/**
 * Whether a layer's env dirs hold exactly `files` (the same names, the same
 * values, nothing else), so that a reused layer need not write them again.
 * Anything unexpected (an unreadable or odd entry) counts as different.
 */
export async function layerEnvIs(layerDir: string, files: EnvFile[]): Promise<boolean> {
  try {
    const checks = await Promise.all((Object.entries(SCOPE_DIR) as Array<[EnvScope, string]>).map(async ([scope, dirName]) => {
      const wanted = new Map(files.filter((f) => f.scope === scope).map((f) => [`${f.name}.${f.modifier}`, f.value]));
      let names: string[];
      try {
        names = await fs.readdir(path.join(layerDir, dirName));
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'ENOENT' && wanted.size === 0;
      }
      // writeLayerEnv makes no empty dir: one that stands there is not its.
      if (wanted.size === 0 || names.length !== wanted.size || !names.every((n) => wanted.has(n))) return false;
      const values = await eachAtOnce(names, (n) => readAppText(path.join(layerDir, dirName, n), 'layer-metadata'));
      return names.every((n, i) => values[i] === wanted.get(n));
    }));
    return checks.every(Boolean);
  } catch {
    return false;
  }
}

/** In-memory application of env files that are not on disk yet (tool bootstraps, spec §7.3). */
export function applyInMemory(env: Env, files: EnvFile[], scope: 'build' | 'launch'): void {
  applyEnvFiles(env, files.filter((f) => f.scope === 'all'));
  applyEnvFiles(env, files.filter((f) => f.scope === scope));
}
