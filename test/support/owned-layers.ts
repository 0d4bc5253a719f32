// For tests that write a previous build's layers by hand: makes that layers
// directory pybp's, as if pybp had made it and everything in it (what a real
// build leaves). pybp itself only ever claims an absent or empty directory, so
// the hand-made entries are moved aside for the claim and put back.
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { entryKind } from '../../src/engine/store/control-file.js';
import { claimLayersDir, inspectLayersDir, recordEntries, registryDir } from '../../src/engine/store/ownership.js';

export async function adoptLayersDir(layersDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const registry = registryDir(env);
  await mkdir(layersDir, { recursive: true });
  let status = await inspectLayersDir(layersDir, registry);
  const names = (await readdir(layersDir)).filter((n) => n !== '.pybp');
  if (status.kind !== 'owned') {
    const aside = await mkdtemp(`${layersDir}.aside-`);
    const all = await readdir(layersDir);
    for (const n of all) await rename(path.join(layersDir, n), path.join(aside, n));
    status = await claimLayersDir(layersDir, registry);
    if (status.kind !== 'owned') throw new Error(`could not claim ${layersDir}: ${status.kind}`);
    for (const n of names) await rename(path.join(aside, n), path.join(layersDir, n));
    // A hand-made .pybp (state, journal) joins the one the claim made.
    if (all.includes('.pybp')) {
      for (const n of await readdir(path.join(aside, '.pybp'))) {
        if (n !== 'owner') await rename(path.join(aside, '.pybp', n), path.join(layersDir, '.pybp', n));
      }
    }
    await rm(aside, { recursive: true, force: true });
  }
  const entries: Record<string, 'dir' | 'file'> = {};
  for (const n of names) entries[n] = (await entryKind(path.join(layersDir, n))) === 'dir' ? 'dir' : 'file';
  await recordEntries(layersDir, registry, status.record, entries);
}
