// What Heroku would install from a lock file, read offline: uv.lock (walked
// from the project through the dependency edges whose markers hold on the
// target, without dev groups, as `uv sync --no-default-groups` does) and
// poetry.lock (the `main` group whose markers hold, as `poetry sync --only main`).
import { parse } from 'smol-toml';
import { evaluateMarker, type MarkerEnv } from './markers.js';

export type PackageSource = 'registry' | 'local' | 'git' | 'url';

export interface LockedPackage {
  name: string;
  version: string;
  source: PackageSource;
  /** Wheel file names (or URLs) the lock records. */
  wheels: string[];
  /** The lock records a source distribution that could be built instead. */
  hasSdist: boolean;
  /**
   * False when the lock names no files at all for it: a Poetry lock-version
   * 1.0 keeps only hashes (`[metadata.hashes]`), so its wheels are unknown.
   */
  filesKnown: boolean;
}

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function tables(v: unknown): Table[] {
  return Array.isArray(v) ? v.filter(isTable) : [];
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The names of every package in a lock file (no markers applied): what the app may depend on. */
export function lockedNames(kind: 'uv' | 'poetry', text: string): Set<string> {
  const doc = parse(text) as Table;
  return new Set(tables(doc.package).map((p) => normalizeName(str(p.name) ?? '')).filter((n) => n !== ''));
}

/**
 * Where a lock has `name` only as an optional dependency: `the extra app[server]`
 * (uv: a package's `optional-dependencies`; Poetry: the lock's `[extras]`,
 * which are the root project's). Null when no extra names it.
 */
export function lockedOnlyIn(kind: 'uv' | 'poetry', text: string, name: string): string | null {
  const doc = parse(text) as Table;
  const want = normalizeName(name);
  const found: string[] = [];
  if (kind === 'uv') {
    for (const p of tables(doc.package)) {
      const optional = isTable(p['optional-dependencies']) ? p['optional-dependencies'] : {};
      for (const [extra, edges] of Object.entries(optional)) {
        if (tables(edges).some((e) => normalizeName(str(e.name) ?? '') === want)) found.push(`${str(p.name) ?? '?'}[${extra}]`);
      }
    }
  } else if (isTable(doc.extras)) {
    for (const [extra, names] of Object.entries(doc.extras)) {
      if (Array.isArray(names) && names.some((n) => typeof n === 'string' && normalizeName(n.split(/[\s(\[<>=!~;]/)[0]) === want)) found.push(`the app's extra [${extra}]`);
    }
  }
  if (found.length === 0) return null;
  return `the extra${found.length === 1 ? '' : 's'} ${found.join(', ')}`;
}

/** `unknown`, when given, collects the markers that could not be evaluated (their packages count as installed). */
export function uvInstalledPackages(text: string, env: MarkerEnv, unknown?: Set<string>): LockedPackage[] {
  const doc = parse(text) as Table;
  const packages = tables(doc.package);
  const key = (p: Table) => `${normalizeName(str(p.name) ?? '')}@${str(p.version) ?? ''}`;
  const byName = new Map<string, Table[]>();
  for (const p of packages) {
    const name = normalizeName(str(p.name) ?? '');
    byName.set(name, [...(byName.get(name) ?? []), p]);
  }
  const isProject = (p: Table) => {
    const src = isTable(p.source) ? p.source : {};
    return str(src.virtual) === '.' || str(src.editable) === '.';
  };
  let roots = packages.filter(isProject);
  if (roots.length === 0) roots = packages.filter((p) => isTable(p.source) && ('virtual' in p.source || 'editable' in p.source));

  const seen = new Map<string, LockedPackage>();
  const visitedExtras = new Set<string>();
  const queue: Array<{ pkg: Table; extras: string[] }> = roots.map((pkg) => ({ pkg, extras: [] }));
  while (queue.length > 0) {
    const { pkg, extras } = queue.shift()!;
    const k = key(pkg);
    const firstVisit = !seen.has(k);
    if (firstVisit) seen.set(k, describeUvPackage(pkg));
    const edges: Table[] = firstVisit ? [...tables(pkg.dependencies)] : [];
    const optional = isTable(pkg['optional-dependencies']) ? pkg['optional-dependencies'] : {};
    for (const extra of extras) {
      if (visitedExtras.has(`${k}[${extra}]`)) continue;
      visitedExtras.add(`${k}[${extra}]`);
      edges.push(...tables(optional[extra]));
    }
    for (const edge of edges) {
      const marker = str(edge.marker);
      const holds = marker === null ? true : evaluateMarker(marker, env);
      if (holds === false) continue;
      if (holds === null) unknown?.add(marker!);
      const name = normalizeName(str(edge.name) ?? '');
      const candidates = byName.get(name) ?? [];
      const version = str(edge.version);
      const target = version ? candidates.find((c) => str(c.version) === version) : candidates[0];
      if (!target) continue;
      queue.push({ pkg: target, extras: Array.isArray(edge.extra) ? edge.extra.filter((e): e is string => typeof e === 'string') : [] });
    }
  }
  // The project itself is not a package Heroku downloads.
  const rootKeys = new Set(roots.map(key));
  return [...seen.entries()].filter(([k]) => !rootKeys.has(k)).map(([, p]) => p);
}

function describeUvPackage(p: Table): LockedPackage {
  const src = isTable(p.source) ? p.source : {};
  const source: PackageSource =
    'registry' in src ? 'registry' : 'git' in src ? 'git' : 'url' in src ? 'url' : 'local';
  const wheels = tables(p.wheels)
    .map((w) => str(w.url) ?? str(w.path) ?? str(w.filename))
    .filter((w): w is string => w !== null);
  return { name: str(p.name) ?? '', version: str(p.version) ?? '', source, wheels, hasSdist: isTable(p.sdist), filesKnown: true };
}

/**
 * Where a Poetry lock keeps each package's files. lock-version 2.x: `files` on
 * the package. 1.1 to 1.x (Poetry 1.1-1.2): `[metadata.files]`, a table of
 * package name to `[{file, hash}]`. 1.0 (Poetry 1.0): `[metadata.hashes]`,
 * hashes only, so the file names are unknown (null).
 */
function poetryFiles(doc: Table, p: Table): string[] | null {
  if (Array.isArray(p.files)) return tables(p.files).map((f) => str(f.file) ?? '').filter((f) => f !== '');
  const metadata = isTable(doc.metadata) ? doc.metadata : {};
  const name = str(p.name) ?? '';
  const byName = (t: unknown): unknown => {
    if (!isTable(t)) return undefined;
    // Poetry 1.x wrote the name as given; look it up normalized too.
    if (name in t) return t[name];
    const key = Object.keys(t).find((k) => normalizeName(k) === normalizeName(name));
    return key === undefined ? undefined : t[key];
  };
  const listed = byName(metadata.files);
  if (Array.isArray(listed)) return tables(listed).map((f) => str(f.file) ?? '').filter((f) => f !== '');
  if (byName(metadata.hashes) !== undefined) return null;
  return [];
}

export function poetryInstalledPackages(text: string, env: MarkerEnv, unknown?: Set<string>): LockedPackage[] {
  const doc = parse(text) as Table;
  const out: LockedPackage[] = [];
  for (const p of tables(doc.package)) {
    // Poetry 2 locks name each package's groups; Poetry 1 locks have `category`.
    const groups = Array.isArray(p.groups) ? p.groups.filter((g): g is string => typeof g === 'string') : [str(p.category) ?? 'main'];
    if (!groups.includes('main')) continue;
    // Needed only by an extra: `poetry sync` without --extras leaves it out.
    if (p.optional === true) continue;
    const markers = p.markers;
    const marker = typeof markers === 'string' ? markers : isTable(markers) ? str(markers.main) : null;
    const holds = marker === null ? true : evaluateMarker(marker, env);
    if (holds === false) continue;
    if (holds === null) unknown?.add(marker!);
    const sourceTable = isTable(p.source) ? p.source : null;
    const type = sourceTable ? str(sourceTable.type) : null;
    const source: PackageSource =
      type === null || type === 'legacy' ? 'registry' : type === 'git' ? 'git' : type === 'url' ? 'url' : 'local';
    const files = poetryFiles(doc, p);
    out.push({
      name: str(p.name) ?? '',
      version: str(p.version) ?? '',
      source,
      wheels: (files ?? []).filter((f) => f.endsWith('.whl')),
      hasSdist: (files ?? []).some((f) => /\.(tar\.gz|zip|tar\.bz2|tgz)$/.test(f)),
      filesKnown: files !== null,
    });
  }
  return out;
}
