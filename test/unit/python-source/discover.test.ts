import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLocalInterpreters, searchLocalInterpreters } from '../../../src/engine/python-source/index.js';
import { compareNewestFirst, parsePythonVersion, versionFromPatchlevel } from '../../../src/engine/python-source/version.js';
import { makeFakePython, tempDir } from './fake-python.js';
import { pyenvRoot } from '../../support/pythons.js';

// The real pyenv installs on this machine kind (CI included); a parameter so another root can be used.
const PYENV_ROOT = process.env.PYBP_TEST_PYENV_ROOT ?? pyenvRoot();

const py312 = { major: 3, minor: 12 };

describe('discovery in fake trees', () => {
  let root: string;
  let home: string;
  beforeAll(() => {
    root = tempDir('discover');
    home = path.join(root, 'home');
    const pyenv = path.join(home, '.pyenv', 'versions');
    makeFakePython(path.join(pyenv, '3.12.1'), '3.12.1');
    makeFakePython(path.join(pyenv, '3.12.10'), '3.12.10');
    makeFakePython(path.join(pyenv, '3.11.7'), '3.11.7');
    makeFakePython(path.join(pyenv, '3.13.0rc1'), '3.13.0rc1');
    makeFakePython(path.join(pyenv, '3.13.0'), '3.13.0');
    // pyenv aliases: a symlinked version, and a virtualenv (no stdlib of its own).
    fs.symlinkSync('3.12.10', path.join(pyenv, '3.12'));
    makeFakePython(path.join(pyenv, 'myenv'), '3.12.10', { stdlib: false });
    fs.writeFileSync(path.join(pyenv, 'not-a-dir'), '');

    const uv = path.join(home, '.local', 'share', 'uv', 'python');
    makeFakePython(path.join(uv, 'cpython-3.12.9-linux-x86_64-gnu'), '3.12.9');
    fs.symlinkSync('cpython-3.12.9-linux-x86_64-gnu', path.join(uv, 'cpython-3.12-linux-x86_64-gnu'));
    makeFakePython(path.join(uv, 'cpython-3.1.0-linux-x86_64-gnu'), '3.1.0');
    // A uv-style install whose bin is named for 3.12 but reports another minor is rejected.
    makeFakePython(path.join(uv, 'cpython-3.12.99-linux-x86_64-gnu'), '3.12.99', { headers: false, reports: '3.11.2' });

    makeFakePython(path.join(home, '.asdf', 'installs', 'python', '3.12.4'), '3.12.4');
    makeFakePython(path.join(home, '.local', 'share', 'mise', 'installs', 'python', '3.12.3'), '3.12.3');
    // Without patchlevel.h the version comes from running the binary.
    makeFakePython(path.join(root, 'opt', 'py312'), '3.12.7', { headers: false });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const env = () => ({ PATH: '', HOME: home });

  it('finds every tool layout for the minor, newest patch first, with origins', async () => {
    const found = await findLocalInterpreters(py312, { env: env(), home });
    expect(found.map((i) => `${i.version} ${i.origin}`)).toEqual([
      '3.12.10 pyenv',
      '3.12.9 uv',
      '3.12.4 asdf',
      '3.12.3 mise',
      '3.12.1 pyenv',
    ]);
    const pyenv = found[0];
    expect(pyenv.prefix).toBe(path.join(home, '.pyenv', 'versions', '3.12.10'));
    expect(pyenv.executable).toBe(path.join(pyenv.prefix, 'bin', 'python3.12'));
  });

  it('de-duplicates by real path: a symlinked alias and the install it points to count once', async () => {
    const found = await findLocalInterpreters(py312, { env: env(), home });
    const executables = found.map((i) => i.executable);
    expect(new Set(executables).size).toBe(executables.length);
    expect(found.filter((i) => i.version === '3.12.9')).toHaveLength(1);
  });

  it('keeps pre-releases below the final release of the same patch', async () => {
    const found = await findLocalInterpreters({ major: 3, minor: 13 }, { env: env(), home });
    expect(found.map((i) => i.version)).toEqual(['3.13.0', '3.13.0rc1']);
  });

  it('takes pyenvRoot over $PYENV_ROOT and ~/.pyenv', async () => {
    const other = path.join(root, 'other-pyenv');
    makeFakePython(path.join(other, 'versions', '3.12.2'), '3.12.2');
    const found = await findLocalInterpreters(py312, { pyenvRoot: other, env: { ...env(), PYENV_ROOT: '/nonexistent' }, home });
    expect(found.filter((i) => i.origin === 'pyenv').map((i) => i.version)).toEqual(['3.12.2']);
    const viaEnv = await findLocalInterpreters(py312, { env: { ...env(), PYENV_ROOT: other }, home });
    expect(viaEnv.filter((i) => i.origin === 'pyenv').map((i) => i.version)).toEqual(['3.12.2']);
  });

  it('follows UV_PYTHON_INSTALL_DIR, ASDF_DATA_DIR, MISE_DATA_DIR and XDG_DATA_HOME', async () => {
    const alt = path.join(root, 'alt');
    makeFakePython(path.join(alt, 'uv', 'cpython-3.12.5-macos-aarch64-none'), '3.12.5');
    makeFakePython(path.join(alt, 'asdf', 'installs', 'python', '3.12.6'), '3.12.6');
    makeFakePython(path.join(alt, 'mise', 'installs', 'python', '3.12.8'), '3.12.8');
    makeFakePython(path.join(alt, 'xdg', 'uv', 'python', 'cpython-3.12.0-linux-x86_64-gnu'), '3.12.0');
    const found = await findLocalInterpreters(py312, {
      pyenvRoot: path.join(alt, 'no-pyenv'),
      env: {
        PATH: '',
        UV_PYTHON_INSTALL_DIR: path.join(alt, 'uv'),
        ASDF_DATA_DIR: path.join(alt, 'asdf'),
        MISE_DATA_DIR: path.join(alt, 'mise'),
      },
      home: path.join(alt, 'empty-home'),
    });
    expect(found.map((i) => `${i.version} ${i.origin}`)).toEqual(['3.12.8 mise', '3.12.6 asdf', '3.12.5 uv']);
    const xdg = await findLocalInterpreters(py312, {
      pyenvRoot: path.join(alt, 'no-pyenv'),
      env: { PATH: '', XDG_DATA_HOME: path.join(alt, 'xdg') },
      home: path.join(alt, 'empty-home'),
    });
    expect(xdg.map((i) => `${i.version} ${i.origin}`)).toEqual(['3.12.0 uv']);
  });

  it('accepts config entries as a prefix, a binary or a ~ path, and runs binaries that have no headers', async () => {
    const prefix = path.join(root, 'opt', 'py312');
    fs.mkdirSync(path.join(root, 'links'), { recursive: true });
    fs.symlinkSync(path.join(prefix, 'bin', 'python3.12'), path.join(root, 'links', 'my-python'));
    for (const entry of [prefix, path.join(root, 'links', 'my-python'), '~/../opt/py312']) {
      const found = await findLocalInterpreters(py312, {
        extraInterpreters: [entry],
        pyenvRoot: path.join(root, 'none'),
        env: { PATH: '' },
        home: path.join(root, 'nohome'),
      });
      expect(found).toEqual([{ version: '3.12.7', prefix, executable: path.join(prefix, 'bin', 'python3.12'), origin: 'config' }]);
    }
  });

  it('says in the search report why a config entry gave nothing', async () => {
    const search = await searchLocalInterpreters(py312, {
      extraInterpreters: [path.join(root, 'missing'), path.join(home, '.pyenv', 'versions', '3.11.7')],
      pyenvRoot: path.join(root, 'none'),
      env: { PATH: '/a:/b' },
      home: path.join(root, 'nohome'),
    });
    expect(search.found).toEqual([]);
    expect(search.searched[0]).toBe(`python.interpreters: ${path.join(root, 'missing')} (does not exist)`);
    expect(search.searched[1]).toContain('no Python 3.12 installation there');
    expect(search.searched).toContain(`pyenv: ${path.join(root, 'none', 'versions', '*', 'bin', 'python3.12')}`);
    expect(search.searched.at(-1)).toBe('PATH: python3.12 in 2 directories');
  });

  it('a config entry wins the origin over pyenv for the same executable', async () => {
    const prefix = path.join(home, '.pyenv', 'versions', '3.12.1');
    const found = await findLocalInterpreters(py312, { extraInterpreters: [prefix], env: env(), home });
    expect(found.find((i) => i.version === '3.12.1')?.origin).toBe('config');
  });

  it('finds python3.Y on PATH only when its real prefix holds the standard library', async () => {
    const bin = path.join(root, 'pathbin');
    const shims = path.join(root, 'shims');
    fs.mkdirSync(bin, { recursive: true });
    fs.mkdirSync(shims, { recursive: true });
    fs.symlinkSync(path.join(root, 'opt', 'py312', 'bin', 'python3.12'), path.join(bin, 'python3.12'));
    // A pyenv-like shim: a script that is its own real path, with no lib/ next to it.
    fs.writeFileSync(path.join(shims, 'python3.12'), '#!/bin/sh\necho 3.12.1\n', { mode: 0o755 });
    const found = await findLocalInterpreters(py312, {
      pyenvRoot: path.join(root, 'none'),
      env: { PATH: [shims, bin, 'relative/dir', ''].join(path.delimiter) },
      home: path.join(root, 'nohome'),
    });
    expect(found).toEqual([
      {
        version: '3.12.7',
        prefix: path.join(root, 'opt', 'py312'),
        executable: path.join(root, 'opt', 'py312', 'bin', 'python3.12'),
        origin: 'path',
      },
    ]);
  });

  it('returns nothing for a minor that is not installed', async () => {
    expect(await findLocalInterpreters({ major: 3, minor: 14 }, { env: env(), home })).toEqual([]);
  });
});

describe('discovery of the real pyenv interpreters', () => {
  it('finds pyenv 3.12.1 with its version from patchlevel.h', async () => {
    const found = await findLocalInterpreters(py312, { pyenvRoot: PYENV_ROOT, env: { PATH: '' }, home: '/nonexistent' });
    const prefix = path.join(PYENV_ROOT, 'versions', '3.12.1');
    expect(found).toContainEqual({
      version: '3.12.1',
      prefix: fs.realpathSync(prefix),
      executable: fs.realpathSync(path.join(prefix, 'bin', 'python3.12')),
      origin: 'pyenv',
    });
  });

  it('agrees with the interpreter itself when asked without headers', async () => {
    // The same prefix given as a binary through config; headers exist, so compare with a run of the binary.
    const { askInterpreterVersion } = await import('../../../src/engine/python-source/discover.js');
    const exe = path.join(PYENV_ROOT, 'versions', '3.12.1', 'bin', 'python3.12');
    expect(await askInterpreterVersion(exe, process.env)).toBe('3.12.1');
  });
});

describe('version helpers', () => {
  it('reads PY_VERSION from patchlevel.h text', () => {
    expect(versionFromPatchlevel('#define PY_MINOR_VERSION 12\n#define PY_VERSION              "3.12.1"\n')).toBe('3.12.1');
    expect(versionFromPatchlevel('#define PY_VERSION_HEX 0x030c01f0\n')).toBeUndefined();
  });

  it('orders versions newest first, final releases before pre-releases', () => {
    const list = ['3.12.1', '3.12.10', '3.12.2+', '3.12.2', '3.12.2rc1', '3.12.9'].map((v) => parsePythonVersion(v)!);
    list.sort(compareNewestFirst);
    expect(list.map((p) => `${p.major}.${p.minor}.${p.patch}${p.suffix}`)).toEqual([
      '3.12.10',
      '3.12.9',
      '3.12.2',
      '3.12.2rc1',
      '3.12.2+',
      '3.12.1',
    ]);
  });
});
