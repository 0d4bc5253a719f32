// `path-outside-app`: Heroku receives only the repository, so anything the
// build reads from outside the app is missing there: a build file that is a
// symlink leaving the app, a requirements line (`-e ../lib`, `-r ../base.txt`,
// `file:///…`), a `[tool.uv.sources]` path, or a Poetry path dependency.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import type { PackageManager } from '../analysis/types.js';
import { readAppText } from '../io/app-file.js';
import { fail, pass } from './check.js';
import { parseRequirements } from './wheels/requirements-lines.js';
import type { DoctorCheck } from './types.js';
import { inert } from '../core/inert-text.js';

const ID = 'path-outside-app';
const AREA = 'project files';

/** Files the build reads from the app root. */
const BUILD_FILES = ['requirements.txt', 'pyproject.toml', 'uv.lock', 'poetry.lock', '.python-version', 'runtime.txt', 'Procfile', 'manage.py', 'uv.toml', 'poetry.toml'];

export async function checkPathsInsideApp(args: { appDir: string; listing: ReadonlySet<string>; packageManager: PackageManager | null }): Promise<DoctorCheck> {
  const appReal = await fs.realpath(args.appDir).catch(() => path.resolve(args.appDir));
  const outside: string[] = [];
  const isOutside = (absolute: string) => {
    const rel = path.relative(appReal, absolute);
    return rel.startsWith('..') || path.isAbsolute(rel);
  };
  const resolveReal = async (p: string) => fs.realpath(p).catch(() => path.resolve(p));

  for (const name of BUILD_FILES) {
    if (!args.listing.has(name)) continue;
    const full = path.join(args.appDir, name);
    const st = await fs.lstat(full).catch(() => null);
    if (!st?.isSymbolicLink()) continue;
    const real = await resolveReal(full);
    if (isOutside(real)) outside.push(`${name} is a symlink to ${real}`);
  }

  // Requirements files, following -r / -c inside the app.
  if (args.packageManager === 'pip' || args.listing.has('requirements.txt')) {
    const seen = new Set<string>();
    const visit = async (rel: string, from: string) => {
      const real = await resolveReal(path.join(args.appDir, rel));
      if (seen.has(real) || seen.size > 50) return;
      seen.add(real);
      let text: string | null;
      try {
        text = (await readAppText(path.join(args.appDir, rel), 'requirements')) ?? null;
      } catch {
        return;
      }
      if (text === null) return;
      const base = path.dirname(path.join(args.appDir, rel));
      for (const line of parseRequirements(text)) {
        if (line.kind === 'name') {
          if (line.url?.startsWith('file:')) {
            const target = fileUrlPath(line.url);
            if (target && isOutside(await resolveReal(target))) outside.push(`${from} names ${line.name} @ ${line.url}`);
          }
          continue;
        }
        if (line.kind === 'option' || line.kind === 'url') continue;
        const target = line.target.startsWith('file:') ? fileUrlPath(line.target) : path.resolve(base, line.target.replace(/^~(?=\/)/, process.env.HOME ?? '~'));
        if (!target) continue;
        const real = await resolveReal(target);
        const shown = line.kind === 'include' ? `${line.option} ${line.target}` : `${line.option ? `${line.option} ` : ''}${line.target}`;
        if (isOutside(real)) outside.push(`${from} has \`${shown}\` (${real})`);
        else if (line.kind === 'include') await visit(path.relative(args.appDir, target), path.relative(args.appDir, target));
      }
    };
    await visit('requirements.txt', 'requirements.txt');
  }

  if (args.listing.has('pyproject.toml')) {
    let doc: Record<string, unknown> | null = null;
    try {
      const text = await readAppText(path.join(args.appDir, 'pyproject.toml'), 'pyproject');
      doc = text === undefined ? null : (parse(text) as Record<string, unknown>);
    } catch {
      doc = null; // the TOML check reports a broken pyproject.toml
    }
    for (const [name, p] of pyprojectPaths(doc)) {
      const real = await resolveReal(path.resolve(args.appDir, p));
      if (isOutside(real)) outside.push(`pyproject.toml: ${name} points at ${p} (${real})`);
    }
  }

  if (outside.length > 0) {
    return fail(
      ID,
      AREA,
      `The build reads ${outside.length === 1 ? 'a path' : `${outside.length} paths`} outside the app, which Heroku won't have ` +
        `(it receives only the repository): ${outside.map(inert).join('; ')}.`,
      'Move what these point at into the app (e.g. vendor the package under the app and use a relative path inside it), ' +
        'or publish it to a package index and depend on it by name; replace symlinks leaving the app with the files themselves.',
      'path-outside-app',
    );
  }
  return pass(ID, AREA, 'Every file and path the build reads is inside the app.');
}

function fileUrlPath(url: string): string | null {
  try {
    return fileURLToPath(url);
  } catch {
    return null;
  }
}

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `[tool.uv.sources]` and Poetry dependency tables with `path = …`, as (name, path). */
function pyprojectPaths(doc: Table | null): Array<[string, string]> {
  if (!doc) return [];
  const out: Array<[string, string]> = [];
  const tool = isTable(doc.tool) ? doc.tool : {};
  const uv = isTable(tool.uv) ? tool.uv : {};
  const sources = isTable(uv.sources) ? uv.sources : {};
  for (const [name, spec] of Object.entries(sources)) {
    for (const s of Array.isArray(spec) ? spec : [spec]) {
      if (isTable(s) && typeof s.path === 'string') out.push([`[tool.uv.sources] ${name}`, s.path]);
    }
  }
  const poetry = isTable(tool.poetry) ? tool.poetry : {};
  const tables: Array<[string, unknown]> = [['[tool.poetry.dependencies]', poetry.dependencies]];
  const groups = isTable(poetry.group) ? poetry.group : {};
  if (isTable(groups.main)) tables.push(['[tool.poetry.group.main.dependencies]', groups.main.dependencies]);
  for (const [where, deps] of tables) {
    if (!isTable(deps)) continue;
    for (const [name, spec] of Object.entries(deps)) {
      for (const s of Array.isArray(spec) ? spec : [spec]) {
        if (isTable(s) && typeof s.path === 'string') out.push([`${where} ${name}`, s.path]);
      }
    }
  }
  const project = isTable(doc.project) ? doc.project : {};
  const deps = Array.isArray(project.dependencies) ? project.dependencies : [];
  for (const d of deps) {
    if (typeof d !== 'string') continue;
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)[^@]*@\s*(file:\S+)/.exec(d);
    if (m) {
      const p = fileUrlPath(m[2]);
      if (p) out.push([`[project] dependency ${m[1]}`, p]);
    }
  }
  return out;
}
