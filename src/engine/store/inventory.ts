// What pybp keeps on this machine across apps, for `pybp cache ls` and
// `pybp cache prune`: every layers directory its ownership records name (is
// it still pybp's, which app, how big, when last built, is the app still
// there), and the entries of pybp's own cache directory (tool copies,
// interpreter copies, Pythons installed with its uv, its code cache) with
// their sizes and what still needs them. Read-only: nothing is written, no
// lock is taken, and a layers directory that is not pybp's is looked at only
// as far as inspectLayersDir does (its token and inode), never walked.
import fsSync, { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { POETRY_VERSION, UV_VERSION } from '../core/versions.js';
import { pybpCacheDir } from '../io/cache-dir.js';
import type { InterpreterRecord } from '../python-source/interpreter-record.js';
import { pristineDirFor } from '../python-source/pristine.js';
import { type BuildStatus, readHistory } from './history.js';
import { checkOwnDirIfPresent } from '../io/own-dir.js';
import { isPybpError } from '../core/errors.js';
import { checkRegistryDir, inspectLayersDir, type OwnerRecord, readRecord, recordTokens, registryDir } from './ownership.js';
import { readSidecar, type Sidecar } from './sidecar.js';
import { CONTROL_DIR_NAME } from './control-dir.js';

/** A size walk stops after this many entries (a size is for display; a huge tree must not hold pybp up). */
export const SIZE_WALK_MAX_ENTRIES = 500_000;

export interface TreeSize {
  /** st_size of the regular files, each inode once (as `du` counts), symlinks and directories as 0. */
  bytes: number;
  /**
   * Of those, bytes in files that are also linked from elsewhere (a python layer's files linked to
   * pybp's interpreter copy): removing one side frees nothing of them. null when not walked.
   */
  sharedBytes: number | null;
  /** false when the walk stopped at SIZE_WALK_MAX_ENTRIES or could not read part of the tree: the size is at least this. */
  complete: boolean;
  /** Walked now, or the sum of the layer sizes the last build recorded (a layers directory: no walk needed). */
  measured: 'walk' | 'last-build';
}

export type LayersDirState =
  /** Still the directory pybp made (token and inode); `unknown`: entries in it pybp did not make. */
  | { kind: 'owned'; unknown: string[] }
  /** Nothing at the recorded path any more. */
  | { kind: 'gone' }
  /** Something is there, but it is not the directory pybp made (a copy, a new directory, a file). */
  | { kind: 'not-owned'; why: string }
  | { kind: 'unreadable'; why: string };

export interface LastBuild {
  at: string;
  status: BuildStatus;
}

export interface LayersDirItem {
  token: string;
  /** Where the record says the directory is (its real path when pybp last wrote the record). */
  layersDir: string;
  /** The app: from the record (the last build's app), or the default place `<app>/.pybp/layers`; null when neither tells. */
  app: string | null;
  /** Whether the app directory still exists; null when the app is not known. */
  appExists: boolean | null;
  state: LayersDirState;
  /** Only for a directory that is still pybp's. */
  size: TreeSize | null;
  /** The newest build in its history (any status), else the last successful one (sidecar); null when none is recorded. */
  lastBuild: LastBuild | null;
  createdAt: string;
  /** When it was last used: the last build, else when pybp made it. The age `--older-than` goes by. */
  lastUsedAt: string;
  /** The interpreter its python layer was made from (pybp's sidecar), to tell which interpreter copies are still in use. */
  python: InterpreterRecord | null;
  /** Its sidecar could not be read: which interpreter its python layer came from is not known. */
  pythonUnknown: boolean;
}

/** A record pybp cannot read: shown, never acted on. */
export interface BadRecord {
  token: string;
  file: string;
  why: string;
}

export type CacheArea = 'tools' | 'interpreters' | 'uv-python' | 'code-cache' | 'explain-uv-cache';

export interface CacheItem {
  area: CacheArea;
  /** The entry's name within its area (`uv-0.11.33`, `3.12.13-0123456789abcdef`, `installs/cpython-3.12.13-…`). */
  name: string;
  path: string;
  size: TreeSize;
  modifiedAt: string;
  /**
   * What pybp keeps it for whatever a prune is asked: this pybp's pinned tool,
   * or its code cache (pruned by pybp itself); null when only layers may need it.
   */
  keptBecause: string | null;
  /** Which interpreter copies or uv installs it is, to tell whether a layers directory's python layer came from it. */
  python: { version: string; digest: string | null } | null;
  /** The layers directories (still pybp's) whose python layer came from it. */
  usedBy: string[];
}

export interface Inventory {
  registry: string;
  cacheDir: string;
  layersDirs: LayersDirItem[];
  badRecords: BadRecord[];
  caches: CacheItem[];
  /** Cache areas pybp does not trust (another user could have written them): not listed, never pruned. */
  cacheProblems: Array<{ area: CacheArea; code: string; message: string }>;
}

/** Everything pybp keeps: its layers directories (from its records) and its cache entries. */
export async function takeInventory(env: NodeJS.ProcessEnv): Promise<Inventory> {
  const registry = registryDir(env);
  // A record planted by another user would make any directory "pybp's" (and prune would remove it):
  // records are read only from a state directory nobody else can write (pybp-state-dir-unsafe).
  checkRegistryDir(registry);
  const cacheDir = pybpCacheDir(env);
  const layersDirs: LayersDirItem[] = [];
  const badRecords: BadRecord[] = [];
  for (const token of await recordTokens(registry)) {
    const record = await readRecord(registry, token);
    if (!record) {
      badRecords.push({ token, file: path.join(registry, `${token}.json`), why: 'it is not a record pybp writes (unreadable, malformed, a link, or too large)' });
      continue;
    }
    layersDirs.push(await describeLayersDir(registry, record));
  }
  const { caches, problems: cacheProblems } = await listCaches(cacheDir);
  for (const c of caches) {
    c.usedBy = layersDirs.filter((d) => d.state.kind === 'owned' && d.python && pythonUses(c, d.python, cacheDir)).map((d) => d.layersDir);
  }
  return { registry, cacheDir, layersDirs, badRecords, caches, cacheProblems };
}

/** The state of the directory a record names, looked at now. */
export async function layersDirState(registry: string, record: OwnerRecord): Promise<LayersDirState> {
  let status;
  try {
    status = await inspectLayersDir(record.path, registry);
  } catch (err) {
    return { kind: 'unreadable', why: (err as Error).message };
  }
  switch (status.kind) {
    case 'absent':
      return { kind: 'gone' };
    case 'owned':
      // The token's own record, and still that directory (inspectLayersDir checked the inode).
      if (status.record.token !== record.token) return { kind: 'not-owned', why: 'another directory pybp made is there now' };
      return { kind: 'owned', unknown: status.unknown.map((u) => u.name) };
    case 'empty':
      return { kind: 'not-owned', why: 'an empty directory without pybp\'s token is there now' };
    case 'not-owned':
      return { kind: 'not-owned', why: status.why };
    case 'not-a-directory':
      return { kind: 'not-owned', why: 'it is not a directory' };
    case 'unreadable':
      return { kind: 'unreadable', why: status.message };
  }
}

async function describeLayersDir(registry: string, record: OwnerRecord): Promise<LayersDirItem> {
  const state = await layersDirState(registry, record);
  const app = appOf(record);
  const appExists = app === null ? null : await isDirectory(app);
  let lastBuild: LastBuild | null = null;
  let python: InterpreterRecord | null = null;
  let pythonUnknown = false;
  let size: TreeSize | null = null;
  // Only a directory that is still pybp's is read or walked.
  if (state.kind === 'owned') {
    const history = await readHistory(record.path);
    const newest = history.history.builds.at(-1);
    const sidecar = await readSidecar(record.path);
    const sc = sidecar.ok ? sidecar.sidecar : null;
    if (newest) lastBuild = { at: new Date(Date.parse(newest.startedAt) + newest.durationMs).toISOString(), status: newest.status };
    else if (sc?.lastBuild && !Number.isNaN(Date.parse(sc.lastBuild.finishedAt))) lastBuild = { at: sc.lastBuild.finishedAt, status: 'succeeded' };
    python = sc?.python ?? null;
    pythonUnknown = !sidecar.ok;
    size = recordedSize(sc) ?? (await treeSize(record.path));
  }
  const created = Number.isNaN(Date.parse(record.createdAt)) ? new Date(0).toISOString() : record.createdAt;
  return {
    token: record.token,
    layersDir: record.path,
    app,
    appExists,
    state,
    size,
    lastBuild,
    createdAt: created,
    lastUsedAt: lastBuild && Date.parse(lastBuild.at) > Date.parse(created) ? lastBuild.at : created,
    python,
    pythonUnknown,
  };
}

/** The app a record is for: the one its last build named, else the app of the default place `<app>/.pybp/layers`. */
function appOf(record: OwnerRecord): string | null {
  if (record.app !== undefined) return record.app;
  const suffix = path.join(CONTROL_DIR_NAME, 'layers');
  return record.path.endsWith(path.sep + suffix) ? record.path.slice(0, -(suffix.length + 1)) : null;
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** What pybp's cache holds, entry by entry (a missing area is simply empty). Symlinks and files where pybp keeps directories are not listed: not pybp's. */
async function listCaches(cacheDir: string): Promise<{ caches: CacheItem[]; problems: Inventory['cacheProblems'] }> {
  const items: CacheItem[] = [];
  const problems: Inventory['cacheProblems'] = [];
  const untrusted = new Set<CacheArea>();
  for (const area of ['tools', 'interpreters', 'uv-python', 'code-cache', 'explain-uv-cache'] as const) {
    const why = cacheAreaProblem(cacheDir, area);
    if (why) {
      untrusted.add(area);
      problems.push({ area, ...why });
    }
  }
  const add = async (area: CacheArea, name: string, p: string, keptBecause: string | null, python: CacheItem['python'] = null) => {
    if (untrusted.has(area)) return;
    const st = await fs.lstat(p).catch(() => null);
    if (!st || !st.isDirectory()) return;
    items.push({ area, name, path: p, size: await treeSize(p), modifiedAt: st.mtime.toISOString(), keptBecause, python, usedBy: [] });
  };
  const children = async (dir: string): Promise<string[]> => (await fs.readdir(dir).catch(() => [] as string[])).sort();

  const tools = path.join(cacheDir, 'tools');
  const current = new Set([`uv-${UV_VERSION}`, `poetry-${POETRY_VERSION}`]);
  for (const name of await children(tools)) {
    if (name.startsWith('.')) continue; // a temporary directory of an install in progress
    const isCurrent = current.has(name) || name.startsWith(`poetry-${POETRY_VERSION}-`);
    await add('tools', name, path.join(tools, name), isCurrent ? 'the pinned tool this pybp runs' : null);
  }
  const interpreters = path.join(cacheDir, 'interpreters');
  for (const name of await children(interpreters)) {
    const m = /^(\d+\.\d+\.\d+[^-]*)-([0-9a-f]{16})$/.exec(name);
    if (!m) continue;
    await add('interpreters', name, path.join(interpreters, name), null, { version: m[1]!, digest: m[2]! });
  }
  const uvPython = path.join(cacheDir, 'uv-python');
  for (const name of await children(path.join(uvPython, 'installs'))) {
    const m = /^cpython-(\d+\.\d+\.\d+)-/.exec(name);
    if (!m) continue;
    await add('uv-python', `installs/${name}`, path.join(uvPython, 'installs', name), null, { version: m[1]!, digest: null });
  }
  await add('uv-python', 'cache', path.join(uvPython, 'cache'), null);
  await add('code-cache', 'code-cache', path.join(cacheDir, 'code-cache'), 'pybp keeps its code cache small itself');
  await add('explain-uv-cache', 'explain-uv-cache', path.join(cacheDir, 'explain-uv-cache'), null);
  return { caches: items, problems };
}

/** Why pybp must not trust (list or prune) what `dir` holds, or null: it, and what is above it up to the cache root, only this user could have written (io/own-dir.ts). */
export function cacheAreaProblem(cacheDir: string, area: string): { code: string; message: string } | null {
  try {
    checkOwnDirIfPresent('cache', path.join(cacheDir, area), cacheDir);
    return null;
  } catch (err) {
    if (isPybpError(err)) return { code: err.code, message: err.message };
    throw err;
  }
}

/**
 * Whether a python layer made from `python` may be linked to, or was copied
 * from, this cache entry: pybp's copy of that very local interpreter, or of
 * that version installed with pybp's uv (and that uv install itself).
 */
export function pythonUses(item: CacheItem, python: InterpreterRecord, cacheDir: string): boolean {
  if (!item.python || item.python.version !== python.version) return false;
  if (python.source === 'local' && item.area === 'interpreters') {
    return path.basename(pristineDirFor(path.join(cacheDir, 'interpreters'), python.location, python.version)) === item.name;
  }
  return python.source === 'uv';
}

/**
 * Disk use of a tree, bounded (SIZE_WALK_MAX_ENTRIES), never following a
 * symlink. Synchronous calls (about 2.5× faster than one await per file on an
 * 8,000-file interpreter copy), yielding to the event loop every few thousand
 * entries so Ctrl-C stays prompt.
 */
export async function treeSize(root: string): Promise<TreeSize> {
  const seen = new Set<string>();
  const size = { bytes: 0, sharedBytes: 0, complete: true, measured: 'walk' as const };
  let entries = 0;
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    let names: Dirent[];
    try {
      names = fsSync.readdirSync(dir, { withFileTypes: true });
    } catch {
      size.complete = false;
      continue;
    }
    for (const entry of names) {
      if (++entries > SIZE_WALK_MAX_ENTRIES) {
        size.complete = false;
        return size;
      }
      if (entries % 2000 === 0) await new Promise((r) => setImmediate(r));
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) {
        const st = fsSync.lstatSync(full, { throwIfNoEntry: false });
        if (!st) continue;
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        size.bytes += st.size;
        if (st.nlink > 1) size.sharedBytes += st.size;
      }
    }
  }
  return size;
}

/** The layers' sizes as the last build recorded them (each layer measured when made or reused), when it recorded every one. */
function recordedSize(sidecar: Sidecar | null): TreeSize | null {
  const layers = sidecar?.lastBuild?.layers;
  if (!layers) return null;
  const sizes = Object.values(layers).map((l) => l.sizeBytes);
  if (sizes.length === 0 || !sizes.every((b): b is number => typeof b === 'number' && Number.isFinite(b) && b >= 0)) return null;
  return { bytes: sizes.reduce((a, b) => a + b, 0), sharedBytes: null, complete: true, measured: 'last-build' };
}
