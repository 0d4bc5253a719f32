// What a kept venv holds after the build's sync, read from the lock as data
// (nothing is run): the packages `uv sync --locked --no-default-groups` /
// `poetry sync --only main` install, as the buildpack runs them (spec §7.7,
// §7.10), with the lock's markers evaluated for the interpreter and platform
// the build installs for. Both also install the app's own project when it is
// a package, editable: uv when the lock has it as `editable = "."`, Poetry in
// package mode (its version from pyproject.toml, which poetry.lock does not
// record).
import os from 'node:os';
import path from 'node:path';
import { parse } from 'smol-toml';
import { readAppText } from '../io/app-file.js';
import { herokuMarkerEnv, type MarkerEnv } from '../doctor/wheels/markers.js';
import { poetryInstalledPackages, uvInstalledPackages } from '../doctor/wheels/locked-packages.js';
import { normalizePackageName } from './package-changes.js';

export interface SyncTarget {
  /** Normalised name → version, the app's own project included when it is installed. */
  packages: Map<string, { name: string; version: string }>;
  /** Installed packages the sync leaves alone although the lock does not name them (Poetry keeps its root project and an unlocked pip). */
  kept: Set<string>;
}

export type SyncTargetResult = { ok: true; target: SyncTarget } | { ok: false; why: string };

/** The marker environment of the build on this machine: the venv's interpreter, this OS and CPU (a local build installs for them). */
export function localMarkerEnv(pythonVersion: string, platform: NodeJS.Platform = process.platform, cpu: string = os.arch()): MarkerEnv {
  const base = herokuMarkerEnv(pythonVersion, cpu === 'arm64' ? 'arm64' : 'amd64');
  if (platform !== 'darwin') return { ...base, platform_machine: cpu === 'arm64' ? 'aarch64' : cpu === 'x64' ? 'x86_64' : cpu };
  return { ...base, sys_platform: 'darwin', platform_system: 'Darwin', platform_machine: cpu === 'arm64' ? 'arm64' : 'x86_64' };
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export async function syncTarget(appDir: string, packageManager: 'uv' | 'poetry', env: MarkerEnv): Promise<SyncTargetResult> {
  const lockName = packageManager === 'uv' ? 'uv.lock' : 'poetry.lock';
  let lockText: string | undefined;
  let pyprojectText: string | undefined;
  try {
    [lockText, pyprojectText] = await Promise.all([
      readAppText(path.join(appDir, lockName), 'lock-file'),
      packageManager === 'poetry' ? readAppText(path.join(appDir, 'pyproject.toml'), 'pyproject') : Promise.resolve(''),
    ]);
  } catch (err) {
    return { ok: false, why: `${lockName} can't be read (${(err as Error).message})` };
  }
  if (lockText === undefined) return { ok: false, why: `there is no ${lockName}` };
  try {
    return packageManager === 'uv' ? uvTarget(lockText, env) : poetryTarget(lockText, pyprojectText ?? '', env);
  } catch (err) {
    return { ok: false, why: `${lockName} is not valid TOML (${(err as Error).message.split('\n')[0]})` };
  }
}

function uvTarget(lockText: string, env: MarkerEnv): SyncTargetResult {
  const unknown = new Set<string>();
  const packages = new Map<string, { name: string; version: string }>();
  for (const p of uvInstalledPackages(lockText, env, unknown)) packages.set(normalizePackageName(p.name), { name: p.name, version: p.version });
  const doc = parse(lockText) as Table;
  const rows = Array.isArray(doc.package) ? doc.package.filter(isTable) : [];
  // The project itself: installed (editable) when it is a package; a virtual project is not.
  for (const p of rows) {
    const source = isTable(p.source) ? p.source : {};
    if (str(source.editable) !== '.') continue;
    const name = str(p.name);
    const version = str(p.version);
    if (!name) continue;
    if (!version) return { ok: false, why: `uv.lock records no version of the project ${name} (a dynamic version), so what uv installs of it is not known` };
    packages.set(normalizePackageName(name), { name, version });
  }
  return withMarkers({ packages, kept: new Set() }, unknown, 'uv.lock');
}

function poetryTarget(lockText: string, pyprojectText: string, env: MarkerEnv): SyncTargetResult {
  const unknown = new Set<string>();
  const packages = new Map<string, { name: string; version: string }>();
  for (const p of poetryInstalledPackages(lockText, env, unknown)) packages.set(normalizePackageName(p.name), { name: p.name, version: p.version });
  const kept = new Set<string>();
  // Poetry never uninstalls pip it does not manage.
  if (!packages.has('pip')) kept.add('pip');
  const doc = parse(pyprojectText) as Table;
  const project = isTable(doc.project) ? doc.project : {};
  const tool = isTable(doc.tool) ? doc.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  const name = str(project.name) ?? str(poetry.name);
  // Poetry keeps an installed root project whatever the mode, and (re)installs it in package mode.
  if (name) kept.add(normalizePackageName(name));
  if (name && poetry['package-mode'] !== false) {
    const version = str(project.version) ?? str(poetry.version);
    if (!version) return { ok: false, why: `pyproject.toml gives no version of the project ${name}, so what Poetry installs of it is not known` };
    packages.set(normalizePackageName(name), { name, version });
  }
  return withMarkers({ packages, kept }, unknown, 'poetry.lock');
}

function withMarkers(target: SyncTarget, unknown: Set<string>, lock: string): SyncTargetResult {
  if (unknown.size === 0) return { ok: true, target };
  const first = [...unknown][0];
  return { ok: false, why: `pybp cannot evaluate the marker \`${first}\` in ${lock}${unknown.size > 1 ? ` (and ${unknown.size - 1} more)` : ''}` };
}
