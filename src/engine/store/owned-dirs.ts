// Every layers directory this user's pybp owns, from its ownership records
// ($XDG_STATE_HOME/pybp/layers-dirs/<token>.json), for `pybp cache ls` and
// `pybp cache prune`. A directory is removed only while it is still the one
// the record names (token and inode, inspectLayersDir), under its lock.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { inspectLayersDir, registryDir } from './ownership.js';
import { acquireLayersLock } from './lock.js';
import { readSidecar } from './sidecar.js';
import { CONTROL_DIR_NAME } from './control-dir.js';

export interface OwnedDir {
  layersDir: string;
  /** The app, when the layers are in pybp's default place (`<app>/.pybp/layers`); else null. */
  app: string | null;
  appExists: boolean | null;
  /** The layers dir is still there and still the one pybp made. */
  present: boolean;
  sizeBytes: number | null;
  /** When its last successful build finished (pybp's sidecar), else when pybp made the dir. */
  lastBuild: string | null;
  token: string;
}

const TOKEN_FILE = /^([0-9a-f]{32})\.json$/;

export async function listOwnedDirs(env: NodeJS.ProcessEnv): Promise<OwnedDir[]> {
  const registry = registryDir(env);
  let names: string[];
  try {
    names = await fs.readdir(registry);
  } catch {
    return [];
  }
  const out: OwnedDir[] = [];
  for (const name of names.sort()) {
    const m = TOKEN_FILE.exec(name);
    if (!m) continue;
    let record: { path?: unknown; createdAt?: unknown };
    try {
      const st = await fs.lstat(path.join(registry, name));
      if (!st.isFile() || st.size > 1 << 20) continue;
      record = JSON.parse(await fs.readFile(path.join(registry, name), 'utf8')) as typeof record;
    } catch {
      continue;
    }
    if (typeof record.path !== 'string') continue;
    const layersDir = record.path;
    const status = await inspectLayersDir(layersDir, registry);
    const present = status.kind === 'owned' && status.record.token === m[1];
    const suffix = `${path.sep}${CONTROL_DIR_NAME}${path.sep}layers`;
    const app = layersDir.endsWith(suffix) ? layersDir.slice(0, -suffix.length) : null;
    const appExists = app === null ? null : await fs.stat(app).then((s) => s.isDirectory(), () => false);
    let lastBuild: string | null = typeof record.createdAt === 'string' ? record.createdAt : null;
    if (present) {
      const sidecar = await readSidecar(layersDir);
      if (sidecar.ok && sidecar.sidecar?.lastBuild?.finishedAt) lastBuild = sidecar.sidecar.lastBuild.finishedAt;
    }
    out.push({ layersDir, app, appExists, present, sizeBytes: present ? await treeSize(layersDir) : null, lastBuild, token: m[1]! });
  }
  return out;
}

/** Removes an owned layers dir (under its lock, only if still pybp's own), then its record; false: only the record went. */
export async function removeOwnedDir(dir: OwnedDir, env: NodeJS.ProcessEnv): Promise<boolean> {
  const registry = registryDir(env);
  const status = await inspectLayersDir(dir.layersDir, registry);
  if (status.kind === 'owned' && status.record.token === dir.token) {
    const lock = await acquireLayersLock(dir.layersDir, 'pybp cache prune');
    try {
      // All of it while the lock is held, so no build can start in between.
      await fs.rm(dir.layersDir, { recursive: true, force: true });
    } finally {
      await lock.release().catch(() => {});
    }
    await fs.rm(path.join(registry, `${dir.token}.json`), { force: true });
    return true;
  }
  // Anything else there now (a copy, another dir) is not pybp's to remove: only the stale record goes.
  await fs.rm(path.join(registry, `${dir.token}.json`), { force: true });
  return false;
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  const seen = new Set<string>();
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const st = await fs.lstat(p).catch(() => null);
        if (!st) continue;
        // Hard links (interpreter copies shared between apps) count once.
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        total += st.size;
      }
    }
  };
  await walk(dir);
  return total;
}
