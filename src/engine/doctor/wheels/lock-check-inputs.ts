// The files doctor's lock check hands the pinned uv / Poetry: copies, read
// through the bounded reader, laid out in a scratch directory as in the app,
// so the tool runs there and never with the app as its working directory
// (where Python would find the app's `poetry.py` or `json.py` first).
//   uv: pyproject.toml, uv.lock, uv.toml, and the pyproject.toml of every
//       workspace member and `[tool.uv.sources]` path inside the app (uv
//       reads their metadata to check the lock); a path leaving the app is
//       not copied, and the check says so.
//   Poetry: pyproject.toml, poetry.lock, and the readme and license files
//       pyproject.toml names (`poetry check` looks for the readme; Poetry
//       reads a license file while loading the project).
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { type AppFileKind, readAppFile } from '../../io/app-file.js';

export type Copied = { ok: true } | { ok: false; why: string };

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** At most this many files are copied (a workspace of a few hundred members). */
const MAX_FILES = 500;

export async function copyLockCheckInputs(appDir: string, scratch: string, manager: 'uv' | 'poetry'): Promise<Copied> {
  const copier = new Copier(appDir, scratch);
  return manager === 'uv' ? copyUv(copier) : copyPoetry(copier);
}

class Copier {
  count = 0;
  constructor(
    readonly appDir: string,
    readonly scratch: string,
  ) {}

  /** A path relative to the app that stays inside it, or null. */
  inside(rel: string): string | null {
    if (path.isAbsolute(rel)) return null;
    const norm = path.normalize(rel);
    return norm === '..' || norm.startsWith(`..${path.sep}`) ? null : norm;
  }

  /** Copies `rel` when it is in the app; false when it is absent. Throws for a file the bounded reader refuses. */
  async copy(rel: string, kind: AppFileKind): Promise<boolean> {
    if (++this.count > MAX_FILES) throw new Error(`more than ${MAX_FILES} files`);
    const bytes = await readAppFile(path.join(this.appDir, rel), kind);
    if (bytes === undefined) return false;
    const to = path.join(this.scratch, rel);
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.writeFile(to, bytes);
    return true;
  }

  async text(rel: string): Promise<string | undefined> {
    return (await readAppFile(path.join(this.appDir, rel), 'pyproject'))?.toString('utf8');
  }
}

async function copyPoetry(c: Copier): Promise<Copied> {
  const text = await c.text('pyproject.toml');
  if (text === undefined) return { ok: false, why: 'there is no pyproject.toml' };
  await c.copy('pyproject.toml', 'pyproject');
  if (!(await c.copy('poetry.lock', 'lock-file'))) return { ok: false, why: 'there is no poetry.lock' };
  const doc = parseOrNull(text);
  if (!doc) return { ok: true }; // Poetry says what is wrong with it.
  const project = isTable(doc.project) ? doc.project : {};
  const poetry = isTable(doc.tool) && isTable(doc.tool.poetry) ? doc.tool.poetry : {};
  const named: unknown[] = [
    project.readme,
    isTable(project.readme) ? project.readme.file : null,
    isTable(project.license) ? project.license.file : null,
    ...(Array.isArray(poetry.readme) ? poetry.readme : [poetry.readme]),
  ];
  for (const file of named) {
    const rel = str(file) === null ? null : c.inside(str(file)!);
    // A missing one stays missing: Poetry then says so, as it would in the app.
    if (rel !== null) await c.copy(rel, 'pyproject').catch(() => false);
  }
  return { ok: true };
}

async function copyUv(c: Copier): Promise<Copied> {
  if (!(await c.copy('pyproject.toml', 'pyproject'))) return { ok: false, why: 'there is no pyproject.toml' };
  if (!(await c.copy('uv.lock', 'lock-file'))) return { ok: false, why: 'there is no uv.lock' };
  await c.copy('uv.toml', 'pyproject');
  const seen = new Set<string>(['.']);
  const queue: string[] = ['.'];
  while (queue.length > 0) {
    const dir = queue.shift()!;
    const text = dir === '.' ? await c.text('pyproject.toml') : await c.text(path.join(dir, 'pyproject.toml'));
    const doc = text === undefined ? null : parseOrNull(text);
    if (!doc) continue;
    const uv = isTable(doc.tool) && isTable(doc.tool.uv) ? doc.tool.uv : {};
    const found: string[] = [];
    if (dir === '.' && isTable(uv.workspace)) {
      const members = Array.isArray(uv.workspace.members) ? uv.workspace.members.filter((m): m is string => typeof m === 'string') : [];
      for (const pattern of members) {
        const matched = await expandGlob(c, pattern);
        if (matched === null) return { ok: false, why: `pyproject.toml names the workspace members \`${pattern}\`, which pybp does not expand` };
        found.push(...matched);
      }
    }
    const sources = isTable(uv.sources) ? uv.sources : {};
    for (const entry of Object.values(sources).flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      const p = isTable(entry) ? str(entry.path) : null;
      if (p === null) continue;
      const rel = c.inside(path.join(dir, p));
      if (rel === null) return { ok: false, why: `${dir === '.' ? '' : `${dir}/`}pyproject.toml has a path source outside the app (${p})` };
      const st = await fs.stat(path.join(c.appDir, rel)).catch(() => null);
      if (st?.isDirectory()) found.push(rel);
      else if (st?.isFile()) await c.copy(rel, 'lock-file');
    }
    for (const member of found) {
      if (seen.has(member)) continue;
      seen.add(member);
      if (await c.copy(path.join(member, 'pyproject.toml'), 'pyproject')) queue.push(member);
    }
  }
  return { ok: true };
}

/** Directories inside the app that a workspace member pattern names (`packages/*`); null for what pybp does not expand (`**`, classes). */
async function expandGlob(c: Copier, pattern: string): Promise<string[] | null> {
  const rel = c.inside(pattern);
  if (rel === null || /\*\*|[[\]{}]/.test(pattern)) return null;
  let dirs = ['.'];
  for (const segment of rel.split(path.sep)) {
    const next: string[] = [];
    if (!/[*?]/.test(segment)) {
      for (const d of dirs) next.push(path.join(d, segment));
    } else {
      const re = new RegExp(`^${segment.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      for (const d of dirs) {
        const entries = await fs.readdir(path.join(c.appDir, d), { withFileTypes: true }).catch(() => []);
        for (const e of entries) if (e.isDirectory() && !e.name.startsWith('.') && re.test(e.name)) next.push(path.join(d, e.name));
      }
    }
    dirs = next;
  }
  return dirs;
}

function parseOrNull(text: string): Table | null {
  try {
    return parse(text) as Table;
  } catch {
    return null;
  }
}
