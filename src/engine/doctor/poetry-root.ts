// `poetry-root-not-installable`: the buildpack runs `poetry sync --only main`
// without `--no-root`, so Poetry installs the app itself as a package unless
// `package-mode = false`. Poetry 2 fails the whole sync when it can't find the
// package's files: poetry-core looks for the module named after the project
// (the name normalized, `-` and `.` to `_`, lower case) as `<name>/`,
// `<name>.py`, `src/<name>/` or `src/<name>.py`, or for each `packages`
// include, and otherwise raises "No file/folder found for package <name>".
// Read from pyproject.toml and the file tree only; nothing of the app runs.
import path from 'node:path';
import { isDir, isFile } from '../io/fs.js';
import { fail, pass } from './check.js';
import type { DoctorCheck } from './types.js';

const ID = 'poetry-root';
const AREA = 'package manager';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** poetry-core's module_name(): the canonical name with `-` as `_`. */
export function poetryModuleName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '_');
}

export async function checkPoetryRoot(appDir: string, listing: ReadonlySet<string>, pyproject: Table): Promise<DoctorCheck | null> {
  const tool = isTable(pyproject.tool) ? pyproject.tool : {};
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  if (poetry['package-mode'] === false) return pass(ID, AREA, 'package-mode = false: Poetry installs only the dependencies, not the app itself.');
  const project = isTable(pyproject.project) ? pyproject.project : {};
  const name = typeof project.name === 'string' ? project.name : typeof poetry.name === 'string' ? poetry.name : null;
  // Without a name Poetry fails earlier, with its own message (pyproject checks).
  if (name === null) return null;

  const notFound: string[] = [];
  const packages = Array.isArray(poetry.packages) ? poetry.packages.filter(isTable) : null;
  if (packages !== null && packages.length > 0) {
    for (const p of packages) {
      const include = typeof p.include === 'string' ? p.include : null;
      if (include === null || /[*?[]/.test(include)) continue; // globs: poetry-core expands them; not judged here
      const from = typeof p.from === 'string' ? p.from : '.';
      const where = path.join(from, include);
      if (!(await exists(appDir, listing, where)) && !(await exists(appDir, listing, `${where}.py`))) notFound.push(where);
    }
    if (notFound.length === 0) return pass(ID, AREA, `Poetry would install the app itself from its packages (${packages.map((p) => String(p.include)).join(', ')}).`);
    return failure(name, `the packages it lists are not in the app: ${notFound.join(', ')}`);
  }
  if (packages !== null && packages.length === 0) {
    return pass(ID, AREA, 'packages = [] in [tool.poetry]: Poetry installs the app itself with no modules.');
  }
  const module = poetryModuleName(name);
  const candidates = [module, `${module}.py`, path.join('src', module), path.join('src', `${module}.py`)];
  for (const c of candidates) {
    if (await exists(appDir, listing, c)) return pass(ID, AREA, `Poetry would install the app itself as the package ${name} (from ${c}).`);
  }
  return failure(name, `none of ${candidates.map((c) => `${c}${c.endsWith('.py') ? '' : '/'}`).join(', ')} exists`);
}

function failure(name: string, why: string): DoctorCheck {
  return fail(
    ID,
    AREA,
    `Poetry would fail to install the app itself: it installs the project ${name} as a package (\`poetry sync\` without --no-root), and ${why}. ` +
      `Poetry 2 stops the build with "The current project could not be installed: No file/folder found for package ${name}".`,
    // package-mode is not part of the lock's content hash: the lock stays valid.
    'If the app is not a package, set `package-mode = false` under [tool.poetry] in pyproject.toml and commit it (poetry.lock stays valid); ' +
      `otherwise put its code in a directory named ${poetryModuleName(name)}/ (or src/${poetryModuleName(name)}/), or list it in [tool.poetry] packages.`,
    'poetry-root-not-installable',
  );
}

/** Whether `rel` exists in what Heroku receives: its top-level name must be in the listing (git's tracked files), the rest on disk. */
async function exists(appDir: string, listing: ReadonlySet<string>, rel: string): Promise<boolean> {
  const normal = path.normalize(rel);
  if (normal.startsWith('..') || path.isAbsolute(normal)) return false;
  const top = normal.split(path.sep)[0];
  if (top !== '.' && !listing.has(top)) return false;
  const full = path.join(appDir, normal);
  return (await isDir(full)) || (await isFile(full));
}
