// Which layers directories are pybp's. A layers directory is pybp's only if
// pybp created it (or claimed it empty) on this machine: the record lives
// OUTSIDE the app, in the user's state directory, so a committed or copied
// `.pybp/` cannot claim anything. A directory is identified by a random token
// that pybp writes inside it (`.pybp/owner`) AND its device and inode, kept in
// the record: a copy or a clone carries the token but not the inode; a moved
// app (mv on one filesystem) keeps both. The record also lists the top-level
// entries pybp made, so anything else found there stops a build.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeDirectory } from '../io/make-dir.js';
import { pybpStateDir } from '../io/cache-dir.js';
import { checkOwnDirIfPresent, ensureOwnDir } from '../io/own-dir.js';
import { CONTROL_DIR_NAME, isLayerName } from './control-dir.js';
import { type EntryKind, entryKind, readControlFile, writeControlFile } from './control-file.js';

export interface OwnerRecord {
  version: 1;
  token: string;
  /** The directory's real path when pybp last wrote the record (for people reading it; identity is dev+ino). */
  path: string;
  dev: string;
  ino: string;
  createdAt: string;
  /**
   * The app the last build into it was for (its real path), for `pybp cache ls`; absent in records
   * an older pybp wrote, and not a fact about identity (the app may have moved or gone since).
   */
  app?: string;
  /** Top-level entries pybp made, or is about to make, in the layers directory. */
  entries: Record<string, EntryKind>;
}

/** An entry of a pybp layers directory that pybp did not make (or that is now a symlink or special file). */
export interface UnknownEntry {
  /** Relative to the layers directory, e.g. `photos` or `.pybp/backup`. */
  name: string;
  why: string;
}

export type LayersDirStatus =
  | { kind: 'absent' }
  /** Exists and holds nothing (or only an empty `.pybp/` a cut-short claim left): pybp may claim it. */
  | { kind: 'empty' }
  | { kind: 'owned'; record: OwnerRecord; unknown: UnknownEntry[] }
  /** `hasControlDir`: it has a `.pybp/` of its own, as a layers directory of an older pybp (or a copy of one) does. */
  | { kind: 'not-owned'; why: string; hasControlDir: boolean }
  | { kind: 'not-a-directory' }
  | { kind: 'unreadable'; message: string };

const TOKEN = /^[0-9a-f]{32}$/;
const OWNER_FILE = 'owner';
/** Control files pybp keeps in `<layers>/.pybp/`, with their kind. Other names there are left alone and never read. */
const CONTROL_ENTRIES: Record<string, EntryKind> = {
  [OWNER_FILE]: 'file',
  'journal.json': 'file',
  'state.json': 'file',
  lock: 'file',
  'lock.takeover': 'file',
  children: 'file',
  'history.json': 'file',
  backup: 'dir',
  // A restore from a shared cache extracts here before renaming into place (engine/cache/restore.ts).
  restore: 'dir',
};
/** Leftovers of pybp's atomic writes that a kill cut short (`.<name>.<pid>.tmp`). */
const TEMP_FILE = /^\..+\.\d+\.tmp$/;

/** A name pybp keeps in `<layers>/.pybp/` (a control file, or a temporary file of one); anything else there is not pybp's. */
export function isControlEntryName(name: string): boolean {
  return CONTROL_ENTRIES[name] !== undefined || TEMP_FILE.test(name);
}

/** `$XDG_STATE_HOME/pybp/layers-dirs`, or `~/.local/state/pybp/layers-dirs`. */
export function registryDir(env: NodeJS.ProcessEnv): string {
  return path.join(pybpStateDir(env), 'layers-dirs');
}

/**
 * The registry is believed only when no other user can have written it (a
 * planted record would make any directory "pybp's"): throws
 * `pybp-state-dir-unsafe` when it exists and is not safe. Nothing is made.
 */
export function checkRegistryDir(registry: string): void {
  checkOwnDirIfPresent('state', registry, path.dirname(registry));
}

function ownerFile(layersDir: string): string {
  return path.join(layersDir, CONTROL_DIR_NAME, OWNER_FILE);
}

function recordFile(registry: string, token: string): string {
  return path.join(registry, `${token}.json`);
}

async function identity(dir: string): Promise<{ dev: string; ino: string }> {
  const st = await fs.stat(dir, { bigint: true });
  return { dev: String(st.dev), ino: String(st.ino) };
}

/** The tokens of every record in the registry (file names pybp writes; anything else there is not read). */
export async function recordTokens(registry: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(registry);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw err;
  }
  return names.flatMap((n) => {
    const m = /^([0-9a-f]{32})\.json$/.exec(n);
    return m ? [m[1]!] : [];
  }).sort();
}

/** Forgets a layers directory (its record only; the directory is the caller's business). */
export async function removeRecord(registry: string, token: string): Promise<void> {
  if (!TOKEN.test(token)) throw new Error(`pybp bug: not a token: ${token}`);
  await fs.rm(recordFile(registry, token), { force: true });
}

export async function readRecord(registry: string, token: string): Promise<OwnerRecord | null> {
  const read = await readControlFile(recordFile(registry, token), 1 << 20);
  if (read.kind !== 'text') return null;
  try {
    const r = JSON.parse(read.text) as OwnerRecord;
    const entriesOk =
      typeof r.entries === 'object' && r.entries !== null &&
      Object.values(r.entries).every((k) => k === 'dir' || k === 'file');
    if (r.version !== 1 || r.token !== token || typeof r.dev !== 'string' || typeof r.ino !== 'string' || !entriesOk) return null;
    if (r.app !== undefined && typeof r.app !== 'string') return null;
    return r;
  } catch {
    return null;
  }
}

async function writeRecord(registry: string, record: OwnerRecord): Promise<void> {
  ensureOwnDir('state', registry, path.dirname(registry));
  await writeControlFile(recordFile(registry, record.token), JSON.stringify(record, null, 2) + '\n', 0o600);
}

/** Looks at a layers directory without changing anything (explain, run, and a build before it writes). */
export async function inspectLayersDir(layersDir: string, registry: string): Promise<LayersDirStatus> {
  let names: string[];
  try {
    const st = await fs.stat(layersDir);
    if (!st.isDirectory()) return { kind: 'not-a-directory' };
    names = await fs.readdir(layersDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ENOTDIR') return { kind: 'not-a-directory' };
    return { kind: 'unreadable', message: (err as Error).message };
  }
  if (names.length === 0) return { kind: 'empty' };
  const control = path.join(layersDir, CONTROL_DIR_NAME);
  if ((await entryKind(control)) !== 'dir') return { kind: 'not-owned', why: 'it has no pybp ownership token', hasControlDir: false };
  const owner = await readControlFile(ownerFile(layersDir), 256);
  if (owner.kind === 'absent' && names.length === 1 && (await fs.readdir(control)).length === 0) return { kind: 'empty' };
  const token = owner.kind === 'text' ? owner.text.trim() : '';
  if (!TOKEN.test(token)) return { kind: 'not-owned', why: 'it has no pybp ownership token (made by an older pybp, or not by pybp)', hasControlDir: true };
  const record = await readRecord(registry, token);
  if (!record) return { kind: 'not-owned', why: `pybp has no record of making it on this machine (in ${registry})`, hasControlDir: true };
  const id = await identity(layersDir);
  if (id.dev !== record.dev || id.ino !== record.ino) {
    return { kind: 'not-owned', why: `it is a copy of a layers directory pybp made (${record.path}), not that directory`, hasControlDir: true };
  }
  return { kind: 'owned', record, unknown: await unknownEntries(layersDir, names, record) };
}

/**
 * Entries pybp did not make: top-level names it has no record of, and any
 * recorded or control entry that is now a symlink or a special file (pybp
 * never reads, writes or deletes through those).
 */
async function unknownEntries(layersDir: string, names: string[], record: OwnerRecord): Promise<UnknownEntry[]> {
  const unknown: UnknownEntry[] = [];
  // Looked at all at once (one round trip instead of one per entry), judged in name order.
  const sorted = [...names].sort();
  const control = path.join(layersDir, CONTROL_DIR_NAME);
  const [kinds, controlNames] = await Promise.all([Promise.all(sorted.map((name) => entryKind(path.join(layersDir, name)))), fs.readdir(control)]);
  const controlSorted = controlNames.sort();
  const controlKinds = await Promise.all(controlSorted.map((name) => entryKind(path.join(control, name))));
  for (const [i, name] of sorted.entries()) {
    const kind = kinds[i];
    if (kind === 'absent') continue;
    if (name === CONTROL_DIR_NAME || record.entries[name] !== undefined || (TEMP_FILE.test(name) && name.includes('.toml.'))) {
      if (kind === 'other') unknown.push({ name, why: 'a symlink or special file where pybp keeps its own entry' });
    } else {
      unknown.push({ name, why: 'pybp did not make it' });
    }
  }
  for (const [i, name] of controlSorted.entries()) {
    const kind = controlKinds[i];
    const known = CONTROL_ENTRIES[name] !== undefined || TEMP_FILE.test(name);
    if (known && kind === 'other') unknown.push({ name: `${CONTROL_DIR_NAME}/${name}`, why: 'a symlink or special file where pybp keeps a control file' });
  }
  const backup = path.join(control, 'backup');
  if (controlKinds[controlSorted.indexOf('backup')] === 'dir') {
    const backupNames = (await fs.readdir(backup)).sort();
    const backupKinds = await Promise.all(backupNames.map((name) => entryKind(path.join(backup, name))));
    for (const [i, name] of backupNames.entries()) {
      const kind = backupKinds[i];
      const layer = isLayerName(name.endsWith('.toml') ? name.slice(0, -5) : name);
      if (!layer || kind === 'other') unknown.push({ name: `${CONTROL_DIR_NAME}/backup/${name}`, why: 'not a layer pybp set aside' });
    }
  }
  return unknown;
}

/**
 * Makes `layersDir` pybp's: creates it if needed, then writes the record and
 * the token. Only an absent or empty directory can be claimed; if another pybp
 * claims it at the same moment, that one's claim stands. Returns the status
 * after the attempt (owned, or why not).
 */
export async function claimLayersDir(layersDir: string, registry: string, app?: string): Promise<LayersDirStatus> {
  await makeDirectory(layersDir);
  const before = await inspectLayersDir(layersDir, registry);
  if (before.kind !== 'empty') return before;
  try {
    await fs.mkdir(path.join(layersDir, CONTROL_DIR_NAME));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const token = randomBytes(16).toString('hex');
  const id = await identity(layersDir);
  const record: OwnerRecord = {
    version: 1,
    token,
    path: await fs.realpath(layersDir),
    ...id,
    createdAt: new Date().toISOString(),
    ...(app === undefined ? {} : { app }),
    entries: { [CONTROL_DIR_NAME]: 'dir' },
  };
  // The record first: a kill between the two leaves an unused record, never a token without one.
  await writeRecord(registry, record);
  try {
    await fs.writeFile(ownerFile(layersDir), token + '\n', { flag: 'wx' });
  } catch (err) {
    await fs.rm(recordFile(registry, token), { force: true });
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // Another pybp claimed it first: wait for its token and record.
    for (let i = 0; i < 50; i++) {
      const now = await inspectLayersDir(layersDir, registry);
      if (now.kind === 'owned') return now;
      await new Promise((r) => setTimeout(r, 20));
    }
    return inspectLayersDir(layersDir, registry);
  }
  return { kind: 'owned', record, unknown: [] };
}

/**
 * Records entries pybp is about to make (before it makes them, so a kill in
 * between never leaves an entry pybp would not recognise), and forgets
 * recorded entries that are gone.
 */
export async function recordEntries(
  layersDir: string,
  registry: string,
  record: OwnerRecord,
  adding: Record<string, EntryKind>,
): Promise<OwnerRecord> {
  const entries: Record<string, EntryKind> = { [CONTROL_DIR_NAME]: 'dir' };
  const recorded = Object.entries(record.entries);
  const [kinds, realPath] = await Promise.all([Promise.all(recorded.map(([name]) => entryKind(path.join(layersDir, name)))), fs.realpath(layersDir)]);
  recorded.forEach(([name, kind], i) => {
    if (kinds[i] !== 'absent') entries[name] = kind;
  });
  Object.assign(entries, adding);
  const updated: OwnerRecord = { ...record, path: realPath, entries };
  // A rebuild that makes the same layers again changes nothing here: the record need not be written again.
  if (sameRecord(record, updated)) return record;
  await writeRecord(registry, updated);
  return updated;
}

function sameRecord(a: OwnerRecord, b: OwnerRecord): boolean {
  const names = (r: OwnerRecord) => Object.keys(r.entries).sort();
  return a.path === b.path && a.app === b.app && names(a).join('\0') === names(b).join('\0') && names(a).every((n) => a.entries[n] === b.entries[n]);
}

/** The entries a build of these layers makes: each layer's directory and toml. */
export function layerEntries(names: Iterable<string>): Record<string, EntryKind> {
  const entries: Record<string, EntryKind> = {};
  for (const name of names) {
    entries[name] = 'dir';
    entries[`${name}.toml`] = 'file';
  }
  return entries;
}
