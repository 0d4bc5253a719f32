// The mutating side of the journal (see journal.ts): a build sets layers aside
// before replacing them, then commits or rolls back.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { backupDir, CONTROL_DIR_NAME, isLayerName } from './control-dir.js';
import { faultPoint } from '../core/fault.js';
import type { Sidecar } from './sidecar.js';
import { backupPaths, exists, finishCommit, type Journal, recoverLayers, writeJournal } from './journal.js';

export class LayerTransaction {
  private constructor(
    readonly layersDir: string,
    private journal: Journal,
  ) {}

  /** Call after recoverLayers(): starts a new journal. */
  static async begin(layersDir: string): Promise<LayerTransaction> {
    await fs.mkdir(backupDir(layersDir), { recursive: true });
    const journal: Journal = {
      version: 1,
      pid: process.pid,
      startedAt: new Date().toISOString(),
      state: 'running',
      entries: [],
      removing: [],
    };
    await writeJournal(layersDir, journal);
    return new LayerTransaction(layersDir, journal);
  }

  /**
   * Moves whatever stands at `<layers>/<name>` and `<name>.toml` aside, so the
   * layer can be made again; the journal entry is written first, so a kill at
   * any point can be undone.
   */
  async setAside(name: string): Promise<void> {
    if (this.journal.entries.some((e) => e.name === name)) return;
    const dir = path.join(this.layersDir, name);
    const toml = path.join(this.layersDir, `${name}.toml`);
    const entry = { name, hadDir: await exists(dir), hadToml: await exists(toml) };
    this.journal.entries.push(entry);
    await writeJournal(this.layersDir, this.journal);
    faultPoint(`set-aside:${name}:journaled`);
    const backup = backupPaths(this.layersDir, name);
    if (entry.hadToml) await fs.rename(toml, backup.toml);
    faultPoint(`set-aside:${name}:toml-moved`);
    if (entry.hadDir) await fs.rename(dir, backup.dir);
  }

  /** Keeps the layers in `keep`, deletes every other layer and what was set aside. */
  async commit(keep: ReadonlySet<string>, sidecar: Sidecar): Promise<void> {
    const removing = new Set<string>();
    // Only layers (a toml, or a directory) are removed; a stray file is not pybp's to delete.
    for (const entry of await fs.readdir(this.layersDir, { withFileTypes: true })) {
      if (entry.name === CONTROL_DIR_NAME || entry.name.startsWith('.')) continue;
      const isToml = entry.name.endsWith('.toml') && entry.isFile();
      if (!isToml && !entry.isDirectory()) continue;
      const name = isToml ? entry.name.slice(0, -'.toml'.length) : entry.name;
      if (isLayerName(name) && !keep.has(name)) removing.add(name);
    }
    this.journal = { ...this.journal, state: 'committed', removing: [...removing].sort(), sidecar: JSON.stringify(sidecar, null, 2) + '\n' };
    await writeJournal(this.layersDir, this.journal);
    faultPoint('commit:journaled');
    await finishCommit(this.layersDir, this.journal);
  }

  async rollback(): Promise<void> {
    await recoverLayers(this.layersDir);
  }
}
