// The journal makes a build a transaction over the layers directory. Before a
// build deletes or creates a layer it records that here and moves the old layer
// aside (rename, same filesystem). A failed or killed build is rolled back from
// this record; a successful one is committed (set-aside layers and dropped
// layers deleted). So the layers directory always describes the last
// successful build, which is what lifecycle's cache would hold.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { backupDir, journalPath, sidecarPath } from './control-dir.js';
import { faultPoint } from '../fault.js';
import { writeFileAtomic } from './layer-toml.js';

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
}

export async function readJournal(layersDir: string): Promise<Journal | null> {
  let text: string;
  try {
    text = await fs.readFile(journalPath(layersDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const j = JSON.parse(text) as Journal;
    if (j && j.version === 1 && Array.isArray(j.entries)) return { ...j, removing: Array.isArray(j.removing) ? j.removing : [] };
  } catch {
    // A journal is written atomically; an unreadable one was not written by pybp.
  }
  // Unreadable (pybp writes it atomically, so someone else changed it): rebuild
  // the entries from what was set aside, so those layers are put back.
  const entries: JournalEntry[] = [];
  try {
    const names = new Set<string>();
    for (const e of await fs.readdir(backupDir(layersDir))) names.add(e.endsWith('.toml') ? e.slice(0, -5) : e);
    for (const name of names) {
      const b = backupPaths(layersDir, name);
      entries.push({ name, hadDir: await exists(b.dir), hadToml: await exists(b.toml) });
    }
  } catch {
    // no backups
  }
  return { version: 1, pid: 0, startedAt: '', state: 'running', entries, removing: [] };
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
export async function recoverLayers(layersDir: string): Promise<'clean' | 'rolled-back' | 'rolled-forward'> {
  const journal = await readJournal(layersDir);
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
  await fs.rm(journalPath(layersDir), { force: true });
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
    for (const n of names) if (/^\..+\.\d+\.tmp$/.test(n)) await fs.rm(path.join(dir, n), { force: true });
  }
}
