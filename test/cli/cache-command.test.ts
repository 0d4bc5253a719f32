// `pybp cache ls` and `pybp cache prune` over layers directories claimed
// directly (no build): every one this user's pybp owns, across apps; prune
// says what it removes and removes only those still pybp's own (a copy at
// the same place is refused and left alone, its record kept). The builds'
// side is test/e2e/cache.test.ts.
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimLayersDir, registryDir } from '../../src/engine/store/ownership.js';
import { makeTempDir, runPybp } from './helpers.js';

let root = '';
let state = '';
let cache = '';
beforeAll(async () => {
  root = await makeTempDir('pybp cache cmd ');
  state = path.join(root, 'state');
  cache = path.join(root, 'cache');
  await mkdir(state, { mode: 0o700 });
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

async function ownedApp(name: string): Promise<string> {
  const app = path.join(root, name);
  const layers = path.join(app, '.pybp', 'layers');
  await mkdir(app, { recursive: true });
  const status = await claimLayersDir(layers, registryDir({ XDG_STATE_HOME: state }), app);
  expect(status.kind).toBe('owned');
  return app;
}

interface Ls {
  layersDirs: Array<{ app: string; layersDir: string; appExists: boolean; state: { kind: string }; size: { bytes: number } | null }>;
}
interface Prune {
  plan: { actions: Array<{ kind: string; layersDir?: string }>; refused: Array<{ layersDir: string; code: string }> };
  results: Array<{ action: { kind: string; layersDir?: string }; outcome: string }> | null;
}

describe('pybp cache', () => {
  it('ls lists each owned layers dir with its app and whether it is still pybp\'s; prune removes only what it names, by age too', async () => {
    const env = { XDG_STATE_HOME: state, XDG_CACHE_HOME: cache };
    const run = async <T>(args: string[]) => {
      const r = await runPybp(['cache', ...args, '--json'], { env });
      return { ...(JSON.parse(r.stdout) as T), code: r.code };
    };
    const kept = await ownedApp('kept app');
    const gone = await ownedApp('gone app');
    const copied = await ownedApp('copied app');
    await rm(gone, { recursive: true });
    // A copy where pybp's dir was: the token is there, the inode is not pybp's.
    // (The original is kept aside meanwhile, so its inode cannot be reused by the copy.)
    await cp(path.join(copied, '.pybp'), path.join(root, 'copy'), { recursive: true });
    await rename(path.join(copied, '.pybp'), path.join(root, 'original'));
    await rename(path.join(root, 'copy'), path.join(copied, '.pybp'));

    const ls = await run<Ls>(['ls']);
    const byApp = Object.fromEntries(ls.layersDirs.map((d) => [d.app, d]));
    expect(byApp[kept]).toMatchObject({ state: { kind: 'owned' }, appExists: true });
    expect(byApp[gone]).toMatchObject({ state: { kind: 'gone' }, appExists: false, size: null });
    expect(byApp[copied]).toMatchObject({ state: { kind: 'not-owned' }, appExists: true, size: null });

    const dry = await runPybp(['cache', 'prune', '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`record  ${path.join(gone, '.pybp', 'layers')}`);

    const pruned = await run<Prune>(['prune', '--yes']);
    expect(pruned.code).toBe(0);
    expect(pruned.results!.map((r) => `${r.action.kind} ${r.action.layersDir} ${r.outcome}`)).toEqual([`forget-record ${path.join(gone, '.pybp', 'layers')} done`]);
    // The copy is not pybp's: nothing of it is touched, and its record stays (the real directory may have moved).
    expect(existsSync(path.join(copied, '.pybp', 'layers', '.pybp', 'owner'))).toBe(true);
    const after = await run<Ls>(['ls']);
    expect(after.layersDirs.map((d) => d.app).sort()).toEqual([copied, kept].sort());

    // By age: made just now, so 1d keeps it; recorded as made in 2020, it is removed and its app stays.
    expect((await run<Prune>(['prune', '--older-than', '1d', '--yes'])).plan.actions).toEqual([]);
    const registry = registryDir(env);
    for (const f of await readdir(registry)) {
      const record = JSON.parse(await readFile(path.join(registry, f), 'utf8')) as { createdAt: string };
      record.createdAt = '2020-01-01T00:00:00.000Z';
      await writeFile(path.join(registry, f), JSON.stringify(record));
    }
    const old = await run<Prune>(['prune', '--older-than', '30d', '--yes']);
    expect(old.code).toBe(1); // the copy is old too: refused
    expect(old.plan.refused.map((r) => r.layersDir)).toEqual([path.join(copied, '.pybp', 'layers')]);
    expect(old.results!.filter((r) => r.outcome === 'done').map((r) => r.action.layersDir)).toEqual([path.join(kept, '.pybp', 'layers')]);
    expect(existsSync(path.join(kept, '.pybp', 'layers'))).toBe(false);
    expect(existsSync(kept)).toBe(true);
    expect(existsSync(path.join(copied, '.pybp', 'layers', '.pybp', 'owner'))).toBe(true);
  });
});
