// End-to-end: `pybp cache ls` and `pybp cache prune` over real builds. Three
// pip apps are built (one in its default .pybp/layers, two into layers
// directories outside their apps); then apps are deleted, a layers directory
// is replaced by a copy of itself, one is locked as a running build holds it.
// prune removes only what pybp made and says so first; the cache runs use a
// pybp cache directory of their own (seeded here), never the run's shared one.
import { chmodSync, cpSync, existsSync, readdirSync, renameSync, rmSync, utimesSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UV_VERSION } from '../../src/engine/core/versions.js';
import { acquireLayersLock } from '../../src/engine/store/lock.js';
import { makePipApp, makeTempDir } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { BUILD_ENV_FLAGS, runPybp, writeToolsConfig } from './pybp.js';

interface LsJson {
  registry: string;
  layersDirs: Array<{
    layersDir: string;
    app: string | null;
    appExists: boolean | null;
    state: { kind: string; why?: string };
    size: { bytes: number; complete: boolean } | null;
    lastBuild: { at: string; status: string } | null;
    python: { source: string; version: string; location: string } | null;
  }>;
  caches: Array<{ area: string; name: string; usedBy: string[]; keptBecause: string | null }>;
}

interface PruneJson {
  dryRun: boolean;
  plan: {
    actions: Array<{ kind: string; layersDir?: string; area?: string; name?: string }>;
    refused: Array<{ layersDir: string; code: string }>;
    notes: string[];
  };
  results: Array<{ action: { kind: string; layersDir?: string; name?: string }; outcome: string; code?: string; reason?: string }> | null;
  error: { code: string; fix: string } | null;
}

let root: string;
let state: string;
let cache: string;
const apps: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };
const layers: Record<'a' | 'b' | 'c', string> = { a: '', b: '', c: '' };

/** Builds go through the run's shared pybp cache (its interpreter copies); cache commands through this file's own. */
function env(forCache: boolean): Record<string, string> {
  return forCache ? { XDG_STATE_HOME: state, XDG_CACHE_HOME: cache } : { XDG_STATE_HOME: state };
}

async function cacheJson<T>(args: string[]): Promise<T & { exitCode: number | null; stderr: string }> {
  const r = await runPybp(['cache', ...args, '--json'], { env: env(true) });
  try {
    return { ...(JSON.parse(r.stdout) as T), exitCode: r.code, stderr: r.stderr };
  } catch {
    throw new Error(`pybp cache ${args.join(' ')} printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

function records(): string[] {
  return readdirSync(join(state, 'pybp', 'layers-dirs')).filter((n) => n.endsWith('.json'));
}

async function ls(): Promise<LsJson> {
  const r = await cacheJson<LsJson>(['ls']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r;
}

beforeAll(async () => {
  root = await makeTempDir('pybp cache-');
  state = join(root, 'state');
  cache = join(root, 'cache');
  await mkdir(state, { mode: 0o700 });
  const { indexUrl } = testInfra();
  for (const k of ['a', 'b', 'c'] as const) {
    apps[k] = join(root, `app ${k}`);
    await makePipApp(apps[k], { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
    await writeToolsConfig(apps[k], indexUrl);
    layers[k] = k === 'a' ? join(apps[k], '.pybp', 'layers') : join(root, `layers ${k}`);
    const flags = k === 'a' ? [] : ['--layers-dir', layers[k]];
    const r = await runPybp(['build', apps[k], '--json', '--python-source', 'local', ...flags, ...BUILD_ENV_FLAGS], { env: env(false) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('pybp cache', () => {
  it('ls lists each layers directory pybp made with its app, size, last build and whether the app exists', async () => {
    const before = await ls();
    const byDir = Object.fromEntries(before.layersDirs.map((d) => [d.layersDir, d]));
    for (const k of ['a', 'b', 'c'] as const) {
      const d = byDir[layers[k]];
      expect(d, `${k}: ${JSON.stringify(before.layersDirs.map((x) => x.layersDir))}`).toBeDefined();
      expect(d).toMatchObject({ app: apps[k], appExists: true, state: { kind: 'owned' }, lastBuild: { status: 'succeeded' } });
      expect(d!.size!.bytes).toBeGreaterThan(1_000_000);
    }
    rmSync(apps.b, { recursive: true });
    const after = await ls();
    const b = after.layersDirs.find((d) => d.layersDir === layers.b);
    expect(b).toMatchObject({ app: apps.b, appExists: false, state: { kind: 'owned' } });
    expect(after.layersDirs.find((d) => d.layersDir === layers.a)).toMatchObject({ appExists: true });
    // Plain output names them too.
    const plain = await runPybp(['cache', 'ls'], { env: env(true) });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(layers.b);
    expect(plain.stdout).toContain(`app: ${apps.b} (no longer exists)`);
  });

  it('prune without --yes and no terminal prints the list, exits non-zero and removes nothing; --dry-run removes nothing', async () => {
    const plain = await runPybp(['cache', 'prune', '--missing-apps'], { env: env(true) });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain(`layers  ${layers.b}`);
    expect(plain.stderr).toContain('(confirmation-required)');
    expect(plain.stderr).toContain('--yes');
    const json = await cacheJson<PruneJson>(['prune', '--missing-apps']);
    expect(json.exitCode).toBe(1);
    expect(json.error?.code).toBe('confirmation-required');
    expect(json.results).toBeNull();
    const dry = await cacheJson<PruneJson>(['prune', '--missing-apps', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.plan.actions.filter((a) => a.kind === 'remove-layers-dir').map((a) => a.layersDir)).toEqual([layers.b]);
    expect(existsSync(join(layers.b, 'venv'))).toBe(true);
    expect(records()).toHaveLength(3);
  });

  it('a layers directory a running build holds is skipped with a note, and stays', async () => {
    const lock = await acquireLayersLock(layers.b, 'test: a build in progress');
    try {
      const r = await cacheJson<PruneJson>(['prune', '--missing-apps', '--yes']);
      const res = r.results!.find((x) => x.action.layersDir === layers.b);
      expect(res).toMatchObject({ outcome: 'skipped', code: 'layers-locked' });
      expect(existsSync(join(layers.b, 'venv'))).toBe(true);
      expect(records()).toHaveLength(3);
    } finally {
      await lock.release();
    }
  });

  it('prune --missing-apps --yes removes only the deleted app\'s layers directory and its record, and cache entries no layers directory needs', async () => {
    // This file's pybp cache: the interpreter copy the builds' python layers came from (by its name), one no layer came from, pybp's pinned uv and an older one.
    const python = (await ls()).layersDirs.find((d) => d.layersDir === layers.a)!.python!;
    expect(python.source).toBe('local');
    const { pristineDirFor } = await import('../../src/engine/python-source/pristine.js');
    const used = basename(pristineDirFor(join(cache, 'pybp', 'interpreters'), python.location, python.version));
    const seeded = [`interpreters/${used}`, 'interpreters/3.9.99-0123456789abcdef', `tools/uv-${UV_VERSION}`, 'tools/uv-0.0.1'];
    for (const p of seeded) {
      await mkdir(join(cache, 'pybp', p, 'bin'), { recursive: true });
      await writeFile(join(cache, 'pybp', p, 'bin', 'x'), 'x'.repeat(1000));
    }
    // Older than "in use now".
    const old = new Date(Date.now() - 3600_000);
    for (const p of seeded) utimesSync(join(cache, 'pybp', p), old, old);
    const listed = await ls();
    expect(listed.caches.find((c) => c.name === used)!.usedBy.sort()).toEqual([layers.a, layers.b, layers.c].sort());

    const r = await cacheJson<PruneJson>(['prune', '--missing-apps', '--yes']);
    expect(r.exitCode, JSON.stringify(r)).toBe(0);
    const done = r.results!.filter((x) => x.outcome === 'done').map((x) => x.action.layersDir ?? x.action.name);
    expect(done.sort()).toEqual([layers.b, '3.9.99-0123456789abcdef', 'uv-0.0.1'].sort());
    expect(existsSync(layers.b)).toBe(false);
    expect(records()).toHaveLength(2);
    for (const k of ['a', 'c'] as const) expect(existsSync(join(layers[k], 'venv')), k).toBe(true);
    expect(existsSync(join(cache, 'pybp', 'interpreters', used))).toBe(true);
    expect(existsSync(join(cache, 'pybp', 'tools', `uv-${UV_VERSION}`))).toBe(true);
    expect(existsSync(join(cache, 'pybp', 'interpreters', '3.9.99-0123456789abcdef'))).toBe(false);
    // The other apps still build, reusing their layers.
    const again = await runPybp(['build', apps.a, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS], { env: env(false) });
    expect(again.code, again.stdout).toBe(0);
    expect(JSON.parse(again.stdout).layers.find((l: { name: string }) => l.name === 'venv').action).not.toBe('create');
  });

  it('a copy standing where pybp\'s layers directory was is refused with a code and never removed', async () => {
    // The copy (its token and a layer: a whole copy takes long and proves nothing more) is made while
    // the original still exists, so it cannot get the original's inode, then takes its place.
    cpSync(join(layers.c, '.pybp'), join(`${layers.c}.copy`, '.pybp'), { recursive: true });
    await mkdir(join(`${layers.c}.copy`, 'venv'), { recursive: true });
    cpSync(join(layers.c, 'venv', 'pyvenv.cfg'), join(`${layers.c}.copy`, 'venv', 'pyvenv.cfg'));
    renameSync(layers.c, `${layers.c}.orig`);
    renameSync(`${layers.c}.copy`, layers.c);
    rmSync(`${layers.c}.orig`, { recursive: true });
    rmSync(apps.c, { recursive: true });
    const listed = (await ls()).layersDirs.find((d) => d.layersDir === layers.c);
    expect(listed).toMatchObject({ state: { kind: 'not-owned' }, appExists: false, size: null });
    expect(listed!.state.why).toContain('copy');
    const r = await cacheJson<PruneJson>(['prune', '--missing-apps', '--yes']);
    expect(r.exitCode).toBe(1);
    expect(r.plan.refused).toEqual([expect.objectContaining({ layersDir: layers.c, code: 'layers-dir-not-owned' })]);
    expect(r.plan.actions.filter((a) => a.kind !== 'remove-cache-entry')).toEqual([]);
    expect(existsSync(join(layers.c, 'venv', 'pyvenv.cfg'))).toBe(true);
    expect(existsSync(join(layers.c, '.pybp', 'owner'))).toBe(true);
    expect(records()).toHaveLength(2);
  });

  it('a record whose directory is gone is forgotten by prune', async () => {
    rmSync(apps.a, { recursive: true });
    const listed = (await ls()).layersDirs.find((d) => d.layersDir === layers.a);
    expect(listed).toMatchObject({ state: { kind: 'gone' }, appExists: false });
    const r = await cacheJson<PruneJson>(['prune', '--yes']);
    expect(r.results!.filter((x) => x.action.kind === 'forget-record')).toEqual([expect.objectContaining({ outcome: 'done', action: expect.objectContaining({ layersDir: layers.a }) })]);
    expect(records()).toHaveLength(1);
    expect((await ls()).layersDirs.map((d) => d.layersDir)).toEqual([layers.c]);
    // No layers directory pybp keeps came from its interpreter copy any more: it went too; the pinned uv stays.
    const gone = r.results!.filter((x) => x.action.kind === 'remove-cache-entry' && x.outcome === 'done').map((x) => x.action.name);
    expect(gone.some((n) => n!.startsWith('3.12.'))).toBe(true);
    expect(existsSync(join(cache, 'pybp', 'tools', `uv-${UV_VERSION}`))).toBe(true);
  });

  it('records in a state directory another user could write are not believed; a cache area others could write is neither listed nor pruned', async () => {
    const registry = join(state, 'pybp', 'layers-dirs');
    chmodSync(registry, 0o777);
    try {
      for (const args of [['ls'], ['prune', '--missing-apps', '--yes']]) {
        const r = await cacheJson<{ error: { code: string } }>(args);
        expect(r.exitCode, args.join(' ')).toBe(1);
        expect(r.error.code).toBe('pybp-state-dir-unsafe');
      }
      expect(existsSync(join(layers.c, 'venv', 'pyvenv.cfg'))).toBe(true);
    } finally {
      chmodSync(registry, 0o700);
    }
    const tools = join(cache, 'pybp', 'tools');
    await mkdir(join(tools, 'uv-0.0.2'), { recursive: true });
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(tools, 'uv-0.0.2'), old, old);
    chmodSync(tools, 0o777);
    try {
      const listed = await cacheJson<LsJson & { cacheProblems: Array<{ area: string; code: string }> }>(['ls']);
      expect(listed.cacheProblems).toEqual([expect.objectContaining({ area: 'tools', code: 'pybp-cache-dir-unsafe' })]);
      expect(listed.caches.filter((c) => c.area === 'tools')).toEqual([]);
      await cacheJson<PruneJson>(['prune', '--yes']);
      expect(existsSync(join(tools, 'uv-0.0.2'))).toBe(true);
    } finally {
      chmodSync(tools, 0o700);
    }
  });

  it('--older-than takes a number and a unit; anything else is bad usage', async () => {
    const r = await cacheJson<{ error: { code: string } }>(['prune', '--older-than', 'thirty days']);
    expect(r.exitCode).toBe(2);
    expect(r.error.code).toBe('usage');
  });
});
