// What lifecycle would restore before the next build (spec §8.4), read without
// changing anything. If a build was interrupted, the view is taken as if it had
// been rolled back (set-aside layers count, half-made ones don't), so `explain`
// predicts what `build` decides after its own recovery.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CONTROL_DIR_NAME, isLayerName } from './control-dir.js';
import { backupPaths, exists, type Journal, readJournal } from './journal.js';
import { parseLayerToml } from './layer-toml.js';
import type { LayerTypes } from '../layers/types.js';
import { isDir } from '../io/fs.js';

export interface PreviousLayer {
  name: string;
  /** Contents directory present (possibly set aside by an interrupted build). */
  hasDir: boolean;
  dirPath: string | null;
  tomlText: string | null;
  tomlPath: string;
  /** [types] of the toml, when readable and present. */
  types: LayerTypes | null;
  /**
   * Lifecycle restores a layer when its toml says cache = true. A toml without
   * [types] is already in restored form (e.g. written by hand), so it counts too;
   * a directory without any toml is kept for libcnb's own handling.
   */
  restored: boolean;
  /** The keys of its [metadata], when readable (the rules guess from them which kind of build wrote it). */
  metadataKeys: string[];
}

/** `journal`: the journal as already read by the caller (read here when not given). */
export async function readPreviousLayers(layersDir: string, journal?: Journal | null): Promise<Map<string, PreviousLayer>> {
  const result = new Map<string, PreviousLayer>();
  let entries: string[];
  try {
    entries = await fs.readdir(layersDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return result;
    throw err;
  }
  if (journal === undefined) journal = await readJournal(layersDir);

  const names = new Set<string>();
  for (const entry of entries) {
    if (entry === CONTROL_DIR_NAME) continue;
    const name = entry.endsWith('.toml') ? entry.slice(0, -'.toml'.length) : entry;
    if (isLayerName(name)) names.add(name);
  }
  const sources = new Map<string, { dir: string | null; toml: string | null }>();
  for (const name of names) {
    sources.set(name, { dir: path.join(layersDir, name), toml: path.join(layersDir, `${name}.toml`) });
  }
  if (journal?.state === 'running') {
    for (const entry of journal.entries) {
      const backup = backupPaths(layersDir, entry.name);
      const view = { dir: null as string | null, toml: null as string | null };
      if (entry.hadDir) view.dir = (await exists(backup.dir)) ? backup.dir : path.join(layersDir, entry.name);
      if (entry.hadToml) view.toml = (await exists(backup.toml)) ? backup.toml : path.join(layersDir, `${entry.name}.toml`);
      sources.set(entry.name, view);
    }
  } else if (journal?.state === 'committed') {
    for (const name of journal.removing) sources.delete(name);
  }

  for (const [name, src] of sources) {
    const dirPath = src.dir && (await isDir(src.dir)) ? src.dir : null;
    const tomlText = src.toml ? await readIfFile(src.toml) : null;
    if (dirPath == null && tomlText == null) continue;
    const { types, metadataKeys } = peek(tomlText, path.join(layersDir, `${name}.toml`));
    const restored = tomlText == null ? true : types == null ? true : types.cache;
    result.set(name, {
      name,
      hasDir: dirPath != null,
      dirPath,
      tomlText,
      tomlPath: path.join(layersDir, `${name}.toml`),
      types,
      restored,
      metadataKeys,
    });
  }
  return result;
}

/**
 * A first look at the toml, for what lifecycle would do with it. A toml that
 * libcnb could not read ([types] malformed, bad syntax) counts as restored, so
 * that decideLayer reports the framework error if the build touches it.
 */
function peek(text: string | null, tomlPath: string): { types: LayerTypes | null; metadataKeys: string[] } {
  if (text == null) return { types: null, metadataKeys: [] };
  try {
    const parsed = parseLayerToml(text, tomlPath);
    const m = parsed.metadata;
    return { types: parsed.types, metadataKeys: m && typeof m === 'object' ? Object.keys(m) : [] };
  } catch {
    return { types: null, metadataKeys: [] };
  }
}


async function readIfFile(p: string): Promise<string | null> {
  try {
    const st = await fs.stat(p);
    if (!st.isFile()) return null;
    return await fs.readFile(p, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}
