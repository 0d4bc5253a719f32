// Inside a layers directory pybp made (a real build): what pybp did not make
// stops the build (nothing deleted) and `run`; control files that are links are
// never followed; a planted `children` file signals nothing; a copy of the
// app's layers is not pybp's.
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePipApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { runPybp, writeToolsConfig } from '../e2e/pybp.js';
import { alive, makeScratch, pybpJson, pybpRun, safetyEnv, type Scratch, snapshotTree, startSleeper, treeChanges } from './support.js';

let s: Scratch;
let app: string;
let layers: string;

async function buildOk(dir = app): Promise<Record<string, string>> {
  const r = await pybpJson(s, ['build', dir]);
  expect(r.error, JSON.stringify(r.error)).toBeNull();
  expect(r.exitCode).toBe(0);
  return Object.fromEntries(r.layers.map((l) => [l.name, l.action]));
}

beforeAll(async () => {
  s = await makeScratch();
  const { indexUrl } = testInfra();
  app = join(s.root, 'own app');
  await makePipApp(app, { indexUrl, python: '3.12', requirements: ['tinyweb==1.0.0'] });
  await writeToolsConfig(app, indexUrl);
  layers = join(app, '.pybp', 'layers');
  await buildOk();
});

describe('a layers directory pybp made', () => {
  it('is recorded outside the app, and the next build reuses it', async () => {
    const records = await readdir(join(s.state, 'pybp', 'layers-dirs'));
    expect(records).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(s.state, 'pybp', 'layers-dirs', records[0]), 'utf8'));
    expect(Object.keys(record.entries).sort()).toEqual(['.pybp', 'pip', 'pip-cache', 'pip-cache.toml', 'pip.toml', 'python', 'python.toml', 'venv', 'venv.toml']);
    expect(readFileSync(join(app, '.pybp', '.gitignore'), 'utf8')).toBe('*\n');
    expect(await buildOk()).toMatchObject({ python: 'reuse', pip: 'reuse' });
  });

  it('an entry pybp did not make stops the build, explain and run, naming it; nothing is deleted', async () => {
    await mkdir(join(layers, 'photos'));
    await writeFile(join(layers, 'photos', 'cat.jpg'), 'meow');
    await writeFile(join(layers, 'notes.toml'), '[types]\ncache = true\n');
    const before = snapshotTree(layers);
    for (const cmd of ['explain', 'build']) {
      const r = await pybpJson(s, [cmd, app]);
      expect(r.exitCode, cmd).toBe(1);
      expect(r.error?.code, cmd).toBe('layers-dir-unknown-entry');
      expect(r.error?.message).toContain('notes.toml, photos');
      expect(r.error?.fix).toContain(`rm -rf '${layers}'`);
    }
    const ran = await pybpRun(s, [app, '--', 'python', '-c', 'print("ran")']);
    expect(ran.code).toBe(1);
    expect(ran.stdout).not.toContain('ran');
    expect(ran.stderr).toContain('layers-dir-unknown-entry');
    expect(treeChanges(before, snapshotTree(layers))).toEqual([]);
    rmSync(join(layers, 'photos'), { recursive: true });
    rmSync(join(layers, 'notes.toml'));
    expect(await buildOk()).toMatchObject({ python: 'reuse' });
  });

  it('a planted children file signals nothing: a stranger\'s sleep (bare PID, a record with the wrong start time) and PID 1 survive', async () => {
    const sleeper = startSleeper();
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    writeFileSync(join(layers, '.pybp', 'children'), `${sleeper}\n1\n${sleeper} 1 ${boot}\n1 1 ${boot}\n`);
    await buildOk();
    expect(alive(sleeper)).toBe(true);
    expect(existsSync(join(layers, '.pybp', 'children'))).toBe(false);
  });

  for (const [name, target] of [
    ['.pybp/backup', 'dir'],
    ['.pybp/children', 'file'],
    ['.pybp/journal.json', 'file'],
    ['venv', 'dir'],
  ] as const) {
    it(`${name} replaced by a symlink (${target} outside): the build stops naming it; the target is untouched`, async () => {
      const outside = join(s.root, `outside ${name.replace(/\W+/g, '-')}`);
      if (target === 'dir') {
        await mkdir(outside);
        await writeFile(join(outside, 'keep'), 'mine');
      } else {
        await writeFile(outside, '4242\n');
      }
      const path = join(layers, name);
      const aside = `${path}.aside`;
      if (existsSync(path)) cpSync(path, aside, { recursive: true });
      rmSync(path, { recursive: true, force: true });
      symlinkSync(outside, path);
      const before = snapshotTree(s.root, (rel) => rel.startsWith('own app/.pybp/layers') || rel.startsWith('state'));
      const r = await pybpJson(s, ['build', app]);
      expect(r.error?.code).toBe('layers-dir-unknown-entry');
      expect(r.error?.message).toContain(name);
      expect(treeChanges(before, snapshotTree(s.root, (rel) => rel.startsWith('own app/.pybp/layers') || rel.startsWith('state')))).toEqual([]);
      rmSync(path);
      if (existsSync(aside)) cpSync(aside, path, { recursive: true });
      rmSync(aside, { recursive: true, force: true });
      await buildOk();
    });
  }

  it('a copy of the app carries the layers but not their ownership: never reused, the build refuses; the original still reuses', async () => {
    const copy = join(s.root, 'copied app');
    cpSync(app, copy, { recursive: true });
    const explained = await pybpJson(s, ['explain', copy]);
    expect(explained.error?.code).toBe('layers-dir-not-owned');
    expect(explained.error?.message).toContain('copy');
    expect(explained.layers.find((l) => l.name === 'python')?.action).toBe('create');
    const before = snapshotTree(copy);
    const built = await pybpJson(s, ['build', copy]);
    expect(built.error?.code).toBe('layers-dir-not-owned');
    const ran = await pybpRun(s, [copy, '--', 'true']);
    expect(ran.code).toBe(1);
    expect(treeChanges(before, snapshotTree(copy))).toEqual([]);
    // The copy's history.json is not pybp's record of that directory: history shows no build, the original's does.
    const builds = async (dir: string) => (JSON.parse((await runPybp(['history', dir, '--json'], { env: safetyEnv(s) })).stdout) as { builds: unknown[] }).builds;
    expect(await builds(copy)).toEqual([]);
    expect((await builds(app)).length).toBeGreaterThan(0);
    expect(await buildOk()).toMatchObject({ python: 'reuse' });
  });

  it('--clear-cache on pybp\'s own layers rebuilds them (the same rules as a build)', async () => {
    const r = await pybpJson(s, ['build', app, '--clear-cache']);
    expect(r.error, JSON.stringify(r.error)).toBeNull();
    expect(r.layers.find((l) => l.name === 'python')?.action).toBe('create');
  });
});
