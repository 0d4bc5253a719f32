// CNB layer environment files (spec §8.1, §8.5) and how libcnb applies them.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readAppText } from '../app-file.js';
import { isDir } from '../fs-exists.js';

export type EnvScope = 'all' | 'build' | 'launch';
export type EnvModifier = 'override' | 'default' | 'prepend' | 'append' | 'delim';

export interface EnvFile {
  scope: EnvScope;
  name: string;
  modifier: EnvModifier;
  value: string;
}

const SCOPE_DIR: Record<EnvScope, string> = { all: 'env', build: 'env.build', launch: 'env.launch' };

/** Replaces a layer's env dirs with exactly these files (no trailing newline; empty dirs not made). */
export async function writeLayerEnv(layerDir: string, files: EnvFile[]): Promise<void> {
  for (const dir of Object.values(SCOPE_DIR)) await fs.rm(path.join(layerDir, dir), { recursive: true, force: true });
  for (const f of files) {
    const dir = path.join(layerDir, SCOPE_DIR[f.scope]);
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `${f.name}.${f.modifier}`), f.value);
  }
}

export async function readEnvDir(dir: string): Promise<EnvFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const out: EnvFile[] = [];
  for (const file of names) {
    const dot = file.lastIndexOf('.');
    const name = dot === -1 ? file : file.slice(0, dot);
    const suffix = dot === -1 ? 'override' : file.slice(dot + 1);
    if (!['override', 'default', 'prepend', 'append', 'delim'].includes(suffix)) continue;
    // Bounded, regular files only: a planted FIFO must not hang `pybp run`.
    const value = await readAppText(path.join(dir, file), 'layer-metadata');
    if (value === undefined) continue;
    out.push({ scope: 'all', name, modifier: suffix as EnvModifier, value });
  }
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


/** Re-reads a layer from disk and applies it to `env` for the given scope (spec §8.5). */
export async function applyLayerEnv(env: Env, layerDir: string, scope: 'build' | 'launch'): Promise<void> {
  if (await isDir(path.join(layerDir, 'bin'))) prependPath(env, 'PATH', path.join(layerDir, 'bin'));
  if (await isDir(path.join(layerDir, 'lib'))) {
    if (scope === 'build') prependPath(env, 'LIBRARY_PATH', path.join(layerDir, 'lib'));
    prependPath(env, 'LD_LIBRARY_PATH', path.join(layerDir, 'lib'));
  }
  if (scope === 'build') {
    if (await isDir(path.join(layerDir, 'include'))) prependPath(env, 'CPATH', path.join(layerDir, 'include'));
    if (await isDir(path.join(layerDir, 'pkgconfig'))) prependPath(env, 'PKG_CONFIG_PATH', path.join(layerDir, 'pkgconfig'));
  }
  applyEnvFiles(env, await readEnvDir(path.join(layerDir, 'env')));
  applyEnvFiles(env, await readEnvDir(path.join(layerDir, scope === 'build' ? 'env.build' : 'env.launch')));
}

/** In-memory application of env files that are not on disk yet (tool bootstraps, spec §7.3). */
export function applyInMemory(env: Env, files: EnvFile[], scope: 'build' | 'launch'): void {
  applyEnvFiles(env, files.filter((f) => f.scope === 'all'));
  applyEnvFiles(env, files.filter((f) => f.scope === scope));
}
