// Layer env files (spec §8.1) and how libcnb applies them (spec §8.5).
import { mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyEnvFiles,
  applyInMemory,
  applyLayerEnv,
  applyLayerEnvFiles,
  type Env,
  type EnvFile,
  layerEnvIs,
  readEnvDir,
  writeLayerEnv,
} from '../../../src/engine/store/layer-env.js';
import { pythonLayerEnv } from '../../../src/engine/layers/python.js';
import { useSandboxes } from './previous-build.js';

const sandbox = useSandboxes();

async function layerDir(): Promise<string> {
  const box = await sandbox();
  const dir = path.join(box.layers, 'python');
  await mkdir(dir, { recursive: true });
  return dir;
}

describe('writeLayerEnv', () => {
  it('writes one file per entry, named VAR.modifier, with the raw value and no trailing newline', async () => {
    const dir = await layerDir();
    await writeLayerEnv(dir, [
      { scope: 'all', name: 'VIRTUAL_ENV', modifier: 'override', value: '/layers/venv' },
      { scope: 'build', name: 'CPATH', modifier: 'prepend', value: '/layers/python/include/python3.12' },
      { scope: 'build', name: 'CPATH', modifier: 'delim', value: ':' },
      { scope: 'launch', name: 'WEB_CONCURRENCY', modifier: 'default', value: '2' },
    ]);
    expect((await readdir(dir)).sort()).toEqual(['env', 'env.build', 'env.launch']);
    expect(await readdir(path.join(dir, 'env'))).toEqual(['VIRTUAL_ENV.override']);
    expect((await readdir(path.join(dir, 'env.build'))).sort()).toEqual(['CPATH.delim', 'CPATH.prepend']);
    expect(await readFile(path.join(dir, 'env', 'VIRTUAL_ENV.override'), 'utf8')).toBe('/layers/venv');
    expect(await readFile(path.join(dir, 'env.build', 'CPATH.delim'), 'utf8')).toBe(':');
    expect(await readFile(path.join(dir, 'env.launch', 'WEB_CONCURRENCY.default'), 'utf8')).toBe('2');
  });

  it('deletes the old env dirs, creates no empty ones, and leaves the rest of the layer alone', async () => {
    const dir = await layerDir();
    for (const d of ['env', 'env.build', 'env.launch']) {
      await mkdir(path.join(dir, d));
      await writeFile(path.join(dir, d, 'OLD.override'), 'old');
    }
    await mkdir(path.join(dir, 'bin'));
    await writeFile(path.join(dir, 'bin', 'python3'), 'interpreter');
    await writeLayerEnv(dir, [{ scope: 'build', name: 'PIP_CACHE_DIR', modifier: 'override', value: dir }]);
    expect((await readdir(dir)).sort()).toEqual(['bin', 'env.build']);
    expect(await readdir(path.join(dir, 'env.build'))).toEqual(['PIP_CACHE_DIR.override']);
    expect(await readFile(path.join(dir, 'bin', 'python3'), 'utf8')).toBe('interpreter');

    await writeLayerEnv(dir, []);
    expect(await readdir(dir)).toEqual(['bin']);
  });

  it('round-trips through readEnvDir', async () => {
    const dir = await layerDir();
    const files = pythonLayerEnv(dir, '3.12.13');
    await writeLayerEnv(dir, files);
    const read = [...(await readEnvDir(path.join(dir, 'env'))), ...(await readEnvDir(path.join(dir, 'env.build')))];
    const key = (f: EnvFile) => `${f.name}.${f.modifier}=${f.value}`;
    expect(read.map(key).sort()).toEqual(files.map(key).sort());
  });
});

describe('readEnvDir', () => {
  it('reads a file without suffix as override and ignores unknown suffixes', async () => {
    const dir = await layerDir();
    const env = path.join(dir, 'env');
    await mkdir(env);
    await writeFile(path.join(env, 'PLAIN'), 'p');
    await writeFile(path.join(env, 'ODD.weird'), 'x');
    await writeFile(path.join(env, 'A.append'), 'a');
    const files = await readEnvDir(env);
    expect(files.sort((x, y) => x.name.localeCompare(y.name))).toEqual([
      { scope: 'all', name: 'A', modifier: 'append', value: 'a' },
      { scope: 'all', name: 'PLAIN', modifier: 'override', value: 'p' },
    ]);
  });

  it('a missing dir reads as no files', async () => {
    expect(await readEnvDir(path.join(await layerDir(), 'env'))).toEqual([]);
  });
});

describe('applyEnvFiles', () => {
  const f = (name: string, modifier: EnvFile['modifier'], value: string): EnvFile => ({ scope: 'all', name, modifier, value });

  it('applies by modifier kind (append, default, delim, override, prepend), whatever the file order', () => {
    const files = [f('X', 'prepend', 'p'), f('X', 'override', 'o'), f('X', 'delim', ':'), f('X', 'default', 'd'), f('X', 'append', 'a')];
    // append → base:a; default skipped (set); override → o; prepend → p:o.
    for (const order of [files, [...files].reverse()]) {
      const env: Env = { X: 'base' };
      applyEnvFiles(env, order);
      expect(env.X).toBe('p:o');
    }
    const unset: Env = {};
    applyEnvFiles(unset, files);
    // append → a; default skipped (set by then); override → o; prepend → p:o.
    expect(unset.X).toBe('p:o');
  });

  it('a default comes before an override and a prepend of the same variable', () => {
    const env: Env = {};
    applyEnvFiles(env, [f('Y', 'prepend', 'p'), f('Y', 'default', 'd')]);
    expect(env.Y).toBe('pd');
  });

  it('sorts by name within a kind: the result does not depend on the order of the files', () => {
    const files = [f('B', 'override', '2'), f('A', 'override', '1'), f('C', 'prepend', '3')];
    const one: Env = {};
    const two: Env = {};
    applyEnvFiles(one, files);
    applyEnvFiles(two, [...files].reverse());
    expect(one).toEqual({ A: '1', B: '2', C: '3' });
    expect(two).toEqual(one);
  });

  it('prepend and append use the delim file, or nothing without one, and no delimiter onto an empty value', () => {
    const cases: Array<[Env, EnvFile[], string]> = [
      [{ P: 'old' }, [f('P', 'prepend', 'new'), f('P', 'delim', ':')], 'new:old'],
      [{ P: 'old' }, [f('P', 'prepend', 'new')], 'newold'],
      [{ P: '' }, [f('P', 'prepend', 'new'), f('P', 'delim', ':')], 'new'],
      [{}, [f('P', 'prepend', 'new'), f('P', 'delim', ':')], 'new'],
      [{ P: 'old' }, [f('P', 'append', 'new'), f('P', 'delim', ',')], 'old,new'],
      [{ P: 'old' }, [f('P', 'append', 'new')], 'oldnew'],
      [{}, [f('P', 'append', 'new'), f('P', 'delim', ':')], 'new'],
    ];
    for (const [env, files, expected] of cases) {
      applyEnvFiles(env, files);
      expect(env.P).toBe(expected);
    }
  });

  it('a default is set only when the variable is absent (an empty value counts as present)', () => {
    const absent: Env = {};
    const empty: Env = { SOURCE_DATE_EPOCH: '' };
    const set: Env = { SOURCE_DATE_EPOCH: '1' };
    for (const env of [absent, empty, set]) applyEnvFiles(env, [f('SOURCE_DATE_EPOCH', 'default', '315532801')]);
    expect(absent.SOURCE_DATE_EPOCH).toBe('315532801');
    expect(empty.SOURCE_DATE_EPOCH).toBe('');
    expect(set.SOURCE_DATE_EPOCH).toBe('1');
  });

  it('a delim alone sets nothing', () => {
    const env: Env = {};
    applyEnvFiles(env, [f('D', 'delim', ':')]);
    expect(env).toEqual({});
  });
});

describe('applyLayerEnv', () => {
  async function fullLayer(): Promise<string> {
    const dir = await layerDir();
    for (const d of ['bin', 'lib', 'include', 'pkgconfig']) await mkdir(path.join(dir, d));
    await writeLayerEnv(dir, [
      { scope: 'all', name: 'SHARED', modifier: 'override', value: 'env' },
      { scope: 'build', name: 'SHARED', modifier: 'override', value: 'env.build' },
      { scope: 'build', name: 'ONLY_BUILD', modifier: 'override', value: 'b' },
      { scope: 'launch', name: 'ONLY_LAUNCH', modifier: 'override', value: 'l' },
    ]);
    return dir;
  }

  it('build scope: bin, lib, include and pkgconfig are prepended with ":", then env/, then env.build/', async () => {
    const dir = await fullLayer();
    const env: Env = { PATH: '/usr/bin', LD_LIBRARY_PATH: '/base/lib', CPATH: '' };
    await applyLayerEnv(env, dir, 'build');
    expect(env).toEqual({
      PATH: `${dir}/bin:/usr/bin`,
      LIBRARY_PATH: `${dir}/lib`,
      LD_LIBRARY_PATH: `${dir}/lib:/base/lib`,
      CPATH: `${dir}/include`,
      PKG_CONFIG_PATH: `${dir}/pkgconfig`,
      SHARED: 'env.build',
      ONLY_BUILD: 'b',
    });
  });

  it('launch scope: only bin and lib (LD_LIBRARY_PATH), then env/, then env.launch/', async () => {
    const dir = await fullLayer();
    const env: Env = { PATH: '/usr/bin' };
    await applyLayerEnv(env, dir, 'launch');
    expect(env).toEqual({
      PATH: `${dir}/bin:/usr/bin`,
      LD_LIBRARY_PATH: `${dir}/lib`,
      SHARED: 'env',
      ONLY_LAUNCH: 'l',
    });
  });

  it('automatic paths need directories: a missing one or a file adds nothing', async () => {
    const dir = await layerDir();
    await writeFile(path.join(dir, 'bin'), 'not a dir');
    const env: Env = { PATH: '/usr/bin' };
    await applyLayerEnv(env, dir, 'build');
    expect(env).toEqual({ PATH: '/usr/bin' });
  });

  it('the python layer: CPATH gets include/python3.Y before include/, PKG_CONFIG_PATH lib/pkgconfig (spec §10.1)', async () => {
    const dir = await layerDir();
    for (const d of ['bin', 'lib/pkgconfig', 'include/python3.12']) await mkdir(path.join(dir, d), { recursive: true });
    await writeLayerEnv(dir, pythonLayerEnv(dir, '3.12.13'));
    const env: Env = { PATH: '/usr/bin', CPATH: '/base/include' };
    await applyLayerEnv(env, dir, 'build');
    expect(env).toEqual({
      PATH: `${dir}/bin:/usr/bin`,
      LIBRARY_PATH: `${dir}/lib`,
      LD_LIBRARY_PATH: `${dir}/lib`,
      CPATH: `${dir}/include/python3.12:${dir}/include:/base/include`,
      PKG_CONFIG_PATH: `${dir}/lib/pkgconfig`,
      PYTHONUNBUFFERED: '1',
      SOURCE_DATE_EPOCH: '315532801',
    });
    const launch: Env = { PATH: '/usr/bin' };
    await applyLayerEnv(launch, dir, 'launch');
    expect(launch).toEqual({ PATH: `${dir}/bin:/usr/bin`, LD_LIBRARY_PATH: `${dir}/lib`, PYTHONUNBUFFERED: '1' });
  });
});

describe('applyInMemory', () => {
  it('applies env/ entries, then the scope\'s own, and skips the other scope', () => {
    const files: EnvFile[] = [
      { scope: 'build', name: 'PYTHONUSERBASE', modifier: 'override', value: '/layers/pip' },
      { scope: 'all', name: 'PYTHONUSERBASE', modifier: 'override', value: 'overridden' },
      { scope: 'launch', name: 'ONLY_LAUNCH', modifier: 'override', value: 'l' },
    ];
    const env: Env = {};
    applyInMemory(env, files, 'build');
    expect(env).toEqual({ PYTHONUSERBASE: '/layers/pip' });
  });
});

describe('applyLayerEnvFiles (a build that has just written or checked the files)', () => {
  it('gives the same env as reading them back with applyLayerEnv, in both scopes, a symlinked bin/ included', async () => {
    const dir = await layerDir();
    for (const d of ['lib/pkgconfig', 'include/python3.12', 'real-bin']) await mkdir(path.join(dir, d), { recursive: true });
    await symlink(path.join(dir, 'real-bin'), path.join(dir, 'bin'));
    await writeFile(path.join(dir, 'pkgconfig'), 'a file, not a dir');
    const files = [...pythonLayerEnv(dir, '3.12.13'), { scope: 'launch' as const, name: 'ONLY_LAUNCH', modifier: 'override' as const, value: 'l' }];
    await writeLayerEnv(dir, files);
    for (const scope of ['build', 'launch'] as const) {
      const fromDisk: Env = { PATH: '/usr/bin', CPATH: '/base/include' };
      const fromFiles: Env = { ...fromDisk };
      await applyLayerEnv(fromDisk, dir, scope);
      await applyLayerEnvFiles(fromFiles, dir, files, scope);
      expect(fromFiles).toEqual(fromDisk);
      expect(fromFiles.PATH).toBe(`${dir}/bin:/usr/bin`);
    }
  });
});

describe('layerEnvIs', () => {
  const files: EnvFile[] = [
    { scope: 'all', name: 'VIRTUAL_ENV', modifier: 'override', value: '/layers/venv' },
    { scope: 'build', name: 'CPATH', modifier: 'prepend', value: '/layers/python/include' },
    { scope: 'build', name: 'CPATH', modifier: 'delim', value: ':' },
  ];

  it('is true for exactly the files writeLayerEnv wrote, and for no files where there are no env dirs', async () => {
    const dir = await layerDir();
    expect(await layerEnvIs(dir, [])).toBe(true);
    await writeLayerEnv(dir, files);
    expect(await layerEnvIs(dir, files)).toBe(true);
    expect(await layerEnvIs(dir, [...files].reverse())).toBe(true);
  });

  it('is false for a changed value, a missing or extra file, another scope, or an empty env dir', async () => {
    const dir = await layerDir();
    await writeLayerEnv(dir, files);
    expect(await layerEnvIs(dir, files.map((f) => (f.name === 'VIRTUAL_ENV' ? { ...f, value: '/elsewhere' } : f)))).toBe(false);
    expect(await layerEnvIs(dir, files.slice(1))).toBe(false);
    expect(await layerEnvIs(dir, [...files, { scope: 'launch', name: 'X', modifier: 'default', value: '1' }])).toBe(false);
    expect(await layerEnvIs(dir, files.map((f) => (f.scope === 'all' ? { ...f, scope: 'launch' as const } : f)))).toBe(false);
    await writeFile(path.join(dir, 'env', 'EXTRA.override'), 'x');
    expect(await layerEnvIs(dir, files)).toBe(false);
    await writeLayerEnv(dir, files);
    await mkdir(path.join(dir, 'env.launch'));
    expect(await layerEnvIs(dir, files)).toBe(false);
  });

  it('is false when an env file is not a regular file (writeLayerEnv then replaces it)', async () => {
    const dir = await layerDir();
    await writeLayerEnv(dir, files);
    await rm(path.join(dir, 'env', 'VIRTUAL_ENV.override'));
    await mkdir(path.join(dir, 'env', 'VIRTUAL_ENV.override'));
    expect(await layerEnvIs(dir, files)).toBe(false);
  });
});
