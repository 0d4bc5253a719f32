// `pybp cache ls` and `pybp cache prune`: every layers directory this user's
// pybp owns, across apps; prune says what it removes and removes only those
// that are still pybp's own (a copy at the same place is left alone).
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimLayersDir, registryDir } from '../../src/engine/store/ownership.js';
import { makeTempDir, runPybp } from './helpers.js';

let root = '';
let state = '';
beforeAll(async () => {
  root = await makeTempDir('pybp cache cmd ');
  state = path.join(root, 'state');
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function ownedApp(name: string): Promise<string> {
  const app = path.join(root, name);
  const layers = path.join(app, '.pybp', 'layers');
  await mkdir(app, { recursive: true });
  const status = await claimLayersDir(layers, registryDir({ XDG_STATE_HOME: state }));
  expect(status.kind).toBe('owned');
  await mkdir(path.join(layers, 'venv'));
  await writeFile(path.join(layers, 'venv', 'big'), 'x'.repeat(5000));
  return app;
}

describe('pybp cache', () => {
  it('ls lists each owned layers dir with its app, size and whether the app is there; prune removes only what it names', async () => {
    const kept = await ownedApp('kept app');
    const gone = await ownedApp('gone app');
    const copied = await ownedApp('copied app');
    await rm(gone, { recursive: true });
    // A copy where pybp's dir was: the token is there, the inode is not pybp's.
    // (The original is kept aside meanwhile, so its inode cannot be reused by the copy.)
    await cp(path.join(copied, '.pybp'), path.join(root, 'copy'), { recursive: true });
    await rename(path.join(copied, '.pybp'), path.join(root, 'original'));
    await rename(path.join(root, 'copy'), path.join(copied, '.pybp'));
    const env = { XDG_STATE_HOME: state };

    const ls = JSON.parse((await runPybp(['cache', 'ls', '--json'], { env })).stdout) as { layersDirs: Array<{ app: string; present: boolean; appExists: boolean; sizeBytes: number | null }> };
    const byApp = Object.fromEntries(ls.layersDirs.map((d) => [d.app, d]));
    expect(byApp[kept]).toMatchObject({ present: true, appExists: true });
    expect(byApp[kept]!.sizeBytes).toBeGreaterThanOrEqual(5000);
    expect(byApp[gone]).toMatchObject({ present: false, appExists: false, sizeBytes: null });
    expect(byApp[copied]).toMatchObject({ present: false, appExists: true });

    const dry = await runPybp(['cache', 'prune', '--missing-apps', '--dry-run'], { env });
    expect(dry.stdout).toContain('Would remove 2 layers directories');
    expect(existsSync(path.join(copied, '.pybp', 'layers', 'venv', 'big'))).toBe(true);

    const pruned = JSON.parse((await runPybp(['cache', 'prune', '--missing-apps', '--json'], { env })).stdout) as { removed: string[]; forgotten: string[] };
    expect(pruned.removed).toEqual([]);
    expect(pruned.forgotten.sort()).toEqual([path.join(copied, '.pybp', 'layers'), path.join(gone, '.pybp', 'layers')].sort());
    // The copy is not pybp's: only its stale record went, the files stay.
    expect(existsSync(path.join(copied, '.pybp', 'layers', 'venv', 'big'))).toBe(true);
    expect(existsSync(path.join(kept, '.pybp', 'layers', 'venv', 'big'))).toBe(true);
    const after = JSON.parse((await runPybp(['cache', 'ls', '--json'], { env })).stdout) as { layersDirs: Array<{ app: string }> };
    expect(after.layersDirs.map((d) => d.app)).toEqual([kept]);

    // By age: made just now, so 1d keeps it; recorded as made in 2020, it is removed, files and all.
    expect(JSON.parse((await runPybp(['cache', 'prune', '--older-than', '1d', '--json'], { env })).stdout).removed).toEqual([]);
    const registry = registryDir(env);
    for (const f of await readdir(registry)) {
      const record = JSON.parse(await readFile(path.join(registry, f), 'utf8')) as { createdAt: string };
      record.createdAt = '2020-01-01T00:00:00.000Z';
      await writeFile(path.join(registry, f), JSON.stringify(record));
    }
    const old = JSON.parse((await runPybp(['cache', 'prune', '--older-than', '30d', '--json'], { env })).stdout) as { removed: string[] };
    expect(old.removed).toEqual([path.join(kept, '.pybp', 'layers')]);
    expect(existsSync(path.join(kept, '.pybp', 'layers'))).toBe(false);
    expect(existsSync(kept)).toBe(true);
    // prune without a criterion is bad usage.
    expect((await runPybp(['cache', 'prune'], { env })).code).toBe(2);
  });
});
