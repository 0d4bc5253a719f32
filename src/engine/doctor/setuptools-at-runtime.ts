// `setuptools-missing-at-runtime`: after a build, does an installed package
// import `pkg_resources` or `setuptools` at the top of a module while the venv
// has no setuptools? Python 3.12+ venvs get none, and neither pip nor uv nor
// Poetry installs it unless a package asks, so the dyno would crash at start
// with "ModuleNotFoundError: No module named 'pkg_resources'" (gunicorn 20.1,
// old aiosql). Read from the last build's venv as data: each distribution's
// RECORD names its modules, and the first lines of each module are scanned for
// an unguarded top-level import. The venv's interpreter is never run.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { isDir, readHead } from '../io/fs.js';
import { fail, pass } from './check.js';
import type { DoctorCheck } from './types.js';

const ID = 'setuptools-at-runtime';
const AREA = 'heroku readiness';

/** Bounds: a venv is pybp's own, but it holds third-party files of any size. */
const MAX_DISTRIBUTIONS = 2000;
const MAX_RECORD_BYTES = 4 * 1024 * 1024;
const MAX_MODULES = 20_000;
const HEAD_BYTES = 64 * 1024;

// `import pkg_resources`, `import setuptools.x`, `from pkg_resources import y` at column 0.
const TOP_LEVEL_IMPORT = /^(?:import\s+(pkg_resources|setuptools)\b|from\s+(pkg_resources|setuptools)(?:\.[\w.]+)?\s+import\b)/;

export interface SetuptoolsImport {
  distribution: string;
  version: string;
  module: string;
  imports: 'pkg_resources' | 'setuptools';
}

export async function checkSetuptoolsAtRuntime(layersDir: string | null): Promise<DoctorCheck | null> {
  if (layersDir === null) return null;
  const site = await sitePackages(path.join(layersDir, 'venv'));
  if (site === null) return null;
  const entries = await readdir(site).catch(() => [] as string[]);
  if (entries.includes('setuptools') || entries.includes('pkg_resources')) {
    return pass(ID, AREA, "setuptools is installed in the last build's venv, so packages that import pkg_resources find it.");
  }
  const found = await findImports(site, entries);
  if (found.length === 0) {
    return pass(ID, AREA, "No package in the last build's venv imports pkg_resources or setuptools at the top of a module (the venv has no setuptools).");
  }
  const byDist = new Map<string, SetuptoolsImport[]>();
  for (const f of found) byDist.set(f.distribution, [...(byDist.get(f.distribution) ?? []), f]);
  const named = [...byDist.values()].map((fs) => `${fs[0].distribution} ${fs[0].version} (${fs[0].module} imports ${fs[0].imports}${fs.length > 1 ? `, and ${fs.length - 1} more module${fs.length === 2 ? '' : 's'}` : ''})`);
  return fail(
    ID,
    AREA,
    `${byDist.size === 1 ? 'An installed package imports' : `${byDist.size} installed packages import`} pkg_resources or setuptools, ` +
      `but the venv has no setuptools (Python 3.12+ venvs have none, and nothing the app requires installs it): ${named.join('; ')}. ` +
      `The dyno would crash when ${byDist.size === 1 ? 'it is' : 'they are'} imported: "ModuleNotFoundError: No module named '${found[0].imports}'".`,
    `Upgrade ${[...byDist.keys()].join(', ')} to a version that no longer needs pkg_resources, or add setuptools to the app's dependencies.`,
    'setuptools-missing-at-runtime',
  );
}

async function sitePackages(venv: string): Promise<string | null> {
  const libs = await readdir(path.join(venv, 'lib')).catch(() => [] as string[]);
  for (const lib of libs.filter((l) => /^python3\.\d+$/.test(l)).sort()) {
    const site = path.join(venv, 'lib', lib, 'site-packages');
    if (await isDir(site)) return site;
  }
  return null;
}

async function findImports(site: string, entries: string[]): Promise<SetuptoolsImport[]> {
  const found: SetuptoolsImport[] = [];
  let modules = 0;
  for (const entry of entries.filter((e) => e.endsWith('.dist-info')).slice(0, MAX_DISTRIBUTIONS)) {
    const m = /^(.+)-([^-]+)\.dist-info$/.exec(entry);
    if (!m) continue;
    const record = await readHead(path.join(site, entry, 'RECORD'), MAX_RECORD_BYTES);
    if (record === null) continue;
    for (const line of record.split('\n')) {
      const file = recordPath(line);
      if (file === null || !file.endsWith('.py') || file.startsWith('..') || path.isAbsolute(file)) continue;
      if (++modules > MAX_MODULES) return found;
      const head = await readHead(path.join(site, file), HEAD_BYTES);
      if (head === null) continue;
      const imported = topLevelImport(head);
      if (imported !== null) {
        found.push({ distribution: m[1], version: m[2], module: file, imports: imported });
      }
    }
  }
  return found;
}

/** The path of a RECORD line (`path,hash,size`; a path with a comma is quoted). */
function recordPath(line: string): string | null {
  const trimmed = line.trim();
  if (trimmed === '') return null;
  if (trimmed.startsWith('"')) {
    const end = trimmed.indexOf('"', 1);
    return end === -1 ? null : trimmed.slice(1, end);
  }
  return trimmed.split(',')[0];
}

/**
 * The module a file imports at column 0, or null. Only column 0: an import
 * inside `try:` (which falls back when setuptools is missing), a function or
 * `if TYPE_CHECKING:` is indented and runs later or never.
 */
export function topLevelImport(source: string): 'pkg_resources' | 'setuptools' | null {
  for (const line of source.split('\n')) {
    const m = TOP_LEVEL_IMPORT.exec(line);
    if (m) return (m[1] ?? m[2]) as 'pkg_resources' | 'setuptools';
  }
  return null;
}
