// The journal makes a build a transaction over the layers directory. Before a
// build deletes or creates a layer it records that here and moves the old layer
// aside (rename, same filesystem). A failed or killed build is rolled back from
// this record; a successful one is committed (set-aside layers and dropped
// layers deleted). So the layers directory always describes the last
// successful build, which is what lifecycle's cache would hold.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { backupDir, isLayerName, journalPath, sidecarPath } from './control-dir.js';
import { faultPoint } from '../core/fault.js';
import { writeFileAtomic } from './write-atomic.js';
import { entryKind, readControlFile } from './control-file.js';

const JOURNAL_MAX_BYTES = 4 << 20;

export interface JournalEntry {
  name: string;
  hadDir: boolean;
  hadToml: boolean;
}

export interface Journal {
  version: 1;
  pid: number;
  startedAt: string;
  /** running: roll back on recovery. committed: finish the deletions. */
  state: 'running' | 'committed';
  entries: JournalEntry[];
  /** With state committed: layer names to delete (dropped and uncached leftovers). */
  removing: string[];
  /** With state committed: the sidecar to write, so layers and sidecar commit together. */
  sidecar?: string;
  /** Set when the file could not be followed (why); the entries are then rebuilt from the set-aside layers. */
  unreadable?: string;
}

export async function readJournal(layersDir: string): Promise<Journal | null> {
  let text: string | null = null;
  let problem: string;
  // Never through a symlink, and bounded: the journal names what recovery deletes.
  const read = await readControlFile(journalPath(layersDir), JOURNAL_MAX_BYTES);
  if (read.kind === 'absent') return null;
  if (read.kind === 'text') text = read.text;
  else problem = read.why;
  if (text !== null) {
    try {
      const checked = checkJournal(JSON.parse(text));
      if (typeof checked !== 'string') return checked;
      problem = checked;
    } catch (err) {
      problem = `not valid JSON (${(err as Error).message})`;
    }
  }
  // Unreadable (pybp writes it atomically, so someone else changed it): rebuild
  // the entries from what was set aside, so those layers are put back.
  const entries: JournalEntry[] = [];
  try {
    const names = new Set<string>();
    for (const e of await fs.readdir(backupDir(layersDir))) names.add(e.endsWith('.toml') ? e.slice(0, -5) : e);
    for (const name of names) {
      if (!isLayerName(name)) continue;
      const b = backupPaths(layersDir, name);
      entries.push({ name, hadDir: await exists(b.dir), hadToml: await exists(b.toml) });
    }
  } catch {
    // no backups
  }
  return { version: 1, pid: 0, startedAt: '', state: 'running', entries, removing: [], unreadable: problem! };
}

/**
 * The journal's names become paths that recovery deletes, so only a journal
 * pybp could have written is followed: anything else is unreadable.
 */
function checkJournal(value: unknown): Journal | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const j = value as Record<string, unknown>;
  if (j.version !== 1) return `unknown version ${JSON.stringify(j.version)}`;
  if (j.state !== 'running' && j.state !== 'committed') return `unknown state ${JSON.stringify(j.state)}`;
  if (!Array.isArray(j.entries)) return 'its entries are not a list';
  for (const e of j.entries as unknown[]) {
    const entry = e as Record<string, unknown> | null;
    if (
      typeof entry !== 'object' || entry === null ||
      typeof entry.name !== 'string' || !isLayerName(entry.name) ||
      typeof entry.hadDir !== 'boolean' || typeof entry.hadToml !== 'boolean'
    ) {
      return `an entry is not a layer record: ${JSON.stringify(e)}`;
    }
  }
  const removing = j.removing ?? [];
  if (!Array.isArray(removing) || !removing.every((n) => typeof n === 'string' && isLayerName(n))) {
    return `the layers to remove are not layer names: ${JSON.stringify(removing)}`;
  }
  if (j.sidecar !== undefined && typeof j.sidecar !== 'string') return 'the sidecar it carries is not text';
  return {
    version: 1,
    pid: typeof j.pid === 'number' ? j.pid : 0,
    startedAt: typeof j.startedAt === 'string' ? j.startedAt : '',
    state: j.state,
    entries: (j.entries as JournalEntry[]).map(({ name, hadDir, hadToml }) => ({ name, hadDir, hadToml })),
    removing: removing as string[],
    ...(j.sidecar !== undefined ? { sidecar: j.sidecar as string } : {}),
  };
}

export async function writeJournal(layersDir: string, journal: Journal): Promise<void> {
  await writeFileAtomic(journalPath(layersDir), JSON.stringify(journal, null, 2));
}

export function backupPaths(layersDir: string, name: string): { dir: string; toml: string } {
  const root = backupDir(layersDir);
  return { dir: path.join(root, name), toml: path.join(root, `${name}.toml`) };
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.lstat(p);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Brings the layers directory back to the last successful build after an
 * interrupted one. Returns what it did, for a message.
 */
export async function recoverLayers(
  layersDir: string,
  /** The journal as already read by the caller (read here when not given). */
  journal?: Journal | null,
): Promise<'clean' | 'rolled-back' | 'rolled-forward'> {
  if (journal === undefined) journal = await readJournal(layersDir);
  if (!journal) return 'clean';
  if (journal.state === 'committed') {
    await finishCommit(layersDir, journal);
    return 'rolled-forward';
  }
  // Undo in reverse order of the journal.
  for (const entry of [...journal.entries].reverse()) {
    const current = { dir: path.join(layersDir, entry.name), toml: path.join(layersDir, `${entry.name}.toml`) };
    const backup = backupPaths(layersDir, entry.name);
    for (const part of ['toml', 'dir'] as const) {
      const had = part === 'dir' ? entry.hadDir : entry.hadToml;
      if (had) {
        if (await exists(backup[part])) {
          await fs.rm(current[part], { recursive: true, force: true });
          await fs.rename(backup[part], current[part]);
        }
        // else: never moved aside, the original is still in place.
      } else {
        await fs.rm(current[part], { recursive: true, force: true });
      }
    }
  }
  await fs.rm(backupDir(layersDir), { recursive: true, force: true });
  await removeStaleTempFiles(layersDir);
  // recursive: an unreadable "journal" may be anything, a directory too.
  await fs.rm(journalPath(layersDir), { force: true, recursive: true });
  return 'rolled-back';
}

export async function finishCommit(layersDir: string, journal: Journal): Promise<void> {
  if (journal.sidecar !== undefined) await writeFileAtomic(sidecarPath(layersDir), journal.sidecar);
  await fs.rm(backupDir(layersDir), { recursive: true, force: true });
  faultPoint('commit:backups-removed');
  for (const name of journal.removing) {
    await fs.rm(path.join(layersDir, `${name}.toml`), { force: true });
    await fs.rm(path.join(layersDir, name), { recursive: true, force: true });
  }
  await removeStaleTempFiles(layersDir);
  await fs.rm(journalPath(layersDir), { force: true });
}

/** Temporary files of atomic writes that a kill cut short (`.<name>.<pid>.tmp`). */
async function removeStaleTempFiles(layersDir: string): Promise<void> {
  for (const dir of [layersDir, path.dirname(journalPath(layersDir))]) {
    let names: string[] = [];
    try {
      names = await fs.readdir(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      // Only regular files: a directory or link of that name is not one of pybp's writes.
      if (/^\..+\.\d+\.tmp$/.test(n) && (await entryKind(path.join(dir, n))) === 'file') await fs.rm(path.join(dir, n), { force: true });
    }
  }
}
