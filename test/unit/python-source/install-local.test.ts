import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PybpError } from '../../../src/engine/core/errors.js';
import {
  findLocalInterpreters,
  installPythonLayer,
  layerSizeBytes,
  type LocalInterpreter,
  type PythonSourceChoice,
} from '../../../src/engine/python-source/index.js';
import { installLocalInterpreter, sharedLibraryPattern } from '../../../src/engine/python-source/install-local.js';
import { pristineDirFor } from '../../../src/engine/python-source/pristine.js';
import { listTree, makeFakePython, snapshotTree, tempDir } from './fake-python.js';
import { pyenvRoot } from '../../support/pythons.js';

const PYENV_ROOT = process.env.PYBP_TEST_PYENV_ROOT ?? pyenvRoot();

function localChoice(interpreter: LocalInterpreter): PythonSourceChoice {
  return {
    kind: 'local',
    resolvedVersion: interpreter.version,
    requestedPinned: false,
    interpreter,
    substituted: false,
    reason: 'test',
  };
}

function fakeInterpreter(prefix: string, version: string): LocalInterpreter {
  const y = version.split('.').slice(0, 2).join('.');
  return { version, prefix, executable: path.join(prefix, 'bin', `python${y}`), origin: 'pyenv' };
}

describe('installPythonLayer from a fake interpreter', () => {
  let root: string;
  let prefix: string;
  let cache: string;
  let before: Map<string, string>;
  beforeAll(() => {
    root = tempDir('install-fake');
    prefix = makeFakePython(path.join(root, 'src', '3.12.5'), '3.12.5');
    cache = path.join(root, 'cache');
    before = snapshotTree(prefix);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('lays the layer out like the buildpack\'s archive', async () => {
    const layer = path.join(root, 'layers', 'python');
    const result = await installPythonLayer(localChoice(fakeInterpreter(prefix, '3.12.5')), layer, { origin: '.python-version', interpreterCache: cache });
    expect(result.method).toBe('hardlink');
    expect(listTree(layer)).toEqual([
      'bin/',
      'bin/python3.12',
      'bin/python3.12-config',
      'bin/python3-config@',
      'bin/python3@',
      'bin/python@',
      'include/',
      'include/python3.12/',
      'include/python3.12/Python.h',
      'include/python3.12/cpython/',
      'include/python3.12/cpython/object.h',
      'include/python3.12/patchlevel.h',
      'lib/',
      'lib/libpython3.12.so.1.0',
      'lib/libpython3.12.so@',
      'lib/libpython3.so',
      'lib/pkgconfig/',
      'lib/pkgconfig/python-3.12.pc',
      'lib/pkgconfig/python3.pc@',
      'lib/python3.12/',
      'lib/python3.12/__pycache__/',
      'lib/python3.12/__pycache__/os.cpython-312.pyc',
      'lib/python3.12/encodings/',
      'lib/python3.12/encodings/__init__.py',
      'lib/python3.12/ensurepip/',
      'lib/python3.12/ensurepip/_bundled/',
      'lib/python3.12/ensurepip/_bundled/pip-23.2.1-py3-none-any.whl',
      'lib/python3.12/os.py',
      'lib/python3.12/os_alias.py@',
      'lib/python3.12/site-packages/',
    ].sort());
    // Relative links only, so the layer stands on its own.
    expect(fs.readlinkSync(path.join(layer, 'bin', 'python'))).toBe('python3');
    expect(fs.readlinkSync(path.join(layer, 'bin', 'python3'))).toBe('python3.12');
    expect(fs.readlinkSync(path.join(layer, 'lib', 'python3.12', 'os_alias.py'))).toBe('os.py');
    expect(fs.readFileSync(path.join(layer, 'lib', 'python3.12', 'os_alias.py'), 'utf8')).toBe('# os\n');
    // Linked to pybp's read-only copy, never to the source's files.
    const ino = (p: string) => fs.statSync(p).ino;
    const pristine = pristineDirFor(cache, prefix, '3.12.5');
    for (const rel of ['bin/python3.12', 'lib/python3.12/os.py', 'lib/libpython3.12.so.1.0']) {
      expect(ino(path.join(layer, rel))).not.toBe(ino(path.join(prefix, rel)));
      expect(ino(path.join(layer, rel))).toBe(ino(path.join(pristine, rel)));
      expect(fs.statSync(path.join(layer, rel)).mode & 0o222).toBe(0);
      expect(fs.statSync(path.join(layer, rel)).mtimeMs).toBeCloseTo(fs.statSync(path.join(prefix, rel)).mtimeMs, 0);
    }
    expect(fs.statSync(path.join(layer, 'bin', 'python3.12')).mode & 0o777).toBe(0o555);
    expect(execFileSync(path.join(layer, 'bin', 'python3.12'), { encoding: 'utf8' })).toBe('3.12.5\n');
    // pkg-config files name the layer, in a file of their own.
    const pc = path.join(layer, 'lib', 'pkgconfig', 'python-3.12.pc');
    expect(fs.readFileSync(pc, 'utf8')).toBe(`prefix=${layer}\nexec_prefix=\${prefix}\nincludedir=\${prefix}/include\n`);
    expect(ino(pc)).not.toBe(ino(path.join(prefix, 'lib', 'pkgconfig', 'python-3.12.pc')));
    // du-style size: every file once.
    expect(result.sizeBytes).toBe(await layerSizeBytes(layer));
  });

  it('never changes the source', () => {
    expect(snapshotTree(prefix)).toEqual(before);
  });

  it('copies (keeping modes) when hard links fail with EXDEV, and stops trying links after the first', async () => {
    const layer = path.join(root, 'exdev', 'python');
    let attempts = 0;
    const link = () => {
      attempts++;
      throw Object.assign(new Error('cross-device link'), { code: 'EXDEV' });
    };
    const result = await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, { link, interpreterCache: cache });
    expect(result.method).toBe('copy');
    expect(attempts).toBe(1);
    const exe = path.join(layer, 'bin', 'python3.12');
    expect(fs.statSync(exe).ino).not.toBe(fs.statSync(path.join(prefix, 'bin', 'python3.12')).ino);
    expect(fs.statSync(exe).mode & 0o777).toBe(0o755);
    expect(execFileSync(exe, { encoding: 'utf8' })).toBe('3.12.5\n');
  });

  it('copies single files that refuse a link with EPERM (fs.protected_hardlinks) and links the rest', async () => {
    const layer = path.join(root, 'eperm', 'python');
    const link = (from: string, to: string) => {
      if (from.endsWith('os.py')) throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
      fs.linkSync(from, to);
    };
    const result = await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, { link, interpreterCache: cache });
    expect(result.method).toBe('copy');
    expect(result.stats.copied).toBe(1);
    expect(result.stats.hardlinked).toBeGreaterThan(5);
  });

  it("copies a file whose copy in pybp's cache is gone at the link (ENOENT) from the user's file, and links the rest", async () => {
    const layer = path.join(root, 'enoent', 'python');
    const link = (from: string, to: string) => {
      if (from.endsWith('os.py')) throw Object.assign(new Error('no such file or directory'), { code: 'ENOENT' });
      fs.linkSync(from, to);
    };
    const result = await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, { link, interpreterCache: cache });
    expect(result.stats.copied).toBe(1);
    expect(result.stats.hardlinked).toBeGreaterThan(5);
    expect(fs.readFileSync(path.join(layer, 'lib', 'python3.12', 'os.py'), 'utf8')).toBe('# os\n');
  });

  it('copies across file systems for real (tmpfs /dev/shm)', async () => {
    const layer = fs.mkdtempSync('/dev/shm/pybp-layer-');
    try {
      const result = await installPythonLayer(localChoice(fakeInterpreter(prefix, '3.12.5')), layer, { origin: '.python-version', interpreterCache: cache });
      expect(result.method).toBe('copy');
      expect(fs.readFileSync(path.join(layer, 'lib', 'python3.12', 'os.py'), 'utf8')).toBe('# os\n');
      // A copy of its own: writable by its owner, like any copied file.
      expect(fs.statSync(path.join(layer, 'lib', 'python3.12', 'os.py')).ino).not.toBe(fs.statSync(path.join(prefix, 'lib', 'python3.12', 'os.py')).ino);
    } finally {
      fs.rmSync(layer, { recursive: true, force: true });
    }
  });

  it('leaves the directory empty and raises python-copy-failed when a file cannot be placed', async () => {
    const layer = path.join(root, 'failing', 'python');
    const link = (from: string, to: string) => {
      if (from.endsWith('__init__.py')) throw Object.assign(new Error('I/O error'), { code: 'EIO' });
      fs.linkSync(from, to);
    };
    const error = (await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, { link, interpreterCache: cache }).catch((e: unknown) => e)) as PybpError;
    expect(error).toBeInstanceOf(PybpError);
    expect(error.code).toBe('python-copy-failed');
    expect(error.message).toContain('I/O error');
    expect(error.message).toContain(prefix);
    expect(fs.readdirSync(layer)).toEqual([]);
    expect(snapshotTree(prefix)).toEqual(before);
  });

  it('stops on abort with an interrupted error and an empty directory', async () => {
    const layer = path.join(root, 'aborted', 'python');
    const controller = new AbortController();
    const link = (from: string, to: string) => {
      controller.abort();
      fs.linkSync(from, to);
    };
    const error = (await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, {
      link,
      signal: controller.signal,
      interpreterCache: cache,
    }).catch((e: unknown) => e)) as PybpError;
    expect(error.code).toBe('interrupted');
    expect(fs.readdirSync(layer)).toEqual([]);
  });

  it('refuses a directory that is not empty (the layer logic must hand over an empty one)', async () => {
    const layer = path.join(root, 'full', 'python');
    fs.mkdirSync(layer, { recursive: true });
    fs.writeFileSync(path.join(layer, 'leftover'), 'x');
    await expect(installPythonLayer(localChoice(fakeInterpreter(prefix, '3.12.5')), layer, { origin: '.python-version', interpreterCache: cache })).rejects.toThrow(
      /not empty/,
    );
    expect(fs.readdirSync(layer)).toEqual(['leftover']);
  });
});

describe('the layer never shares a file with the source', () => {
  let root: string;
  let prefix: string;
  let cache: string;
  let n = 0;
  const install = async (opts: { interpreterCache?: string | null } = {}) => {
    const layer = path.join(root, 'layers', `python-${++n}`);
    const result = await installLocalInterpreter(fakeInterpreter(prefix, '3.12.5'), layer, { interpreterCache: cache, ...opts });
    return { layer, result };
  };
  const osPy = (dir: string) => path.join(dir, 'lib', 'python3.12', 'os.py');
  const ino = (p: string) => fs.statSync(p).ino;

  beforeAll(() => {
    root = tempDir('install-private');
    prefix = makeFakePython(path.join(root, 'src', '3.12.5'), '3.12.5');
    cache = path.join(root, 'cache');
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a write through a layer file never reaches the source, and the next layer is made from the source again', async () => {
    const before = snapshotTree(prefix);
    const first = await install();
    // Root may write to a read-only file; anyone else gets EACCES.
    let wrote: boolean;
    try {
      fs.appendFileSync(osPy(first.layer), 'injected = True\n');
      wrote = true;
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('EACCES');
      wrote = false;
    }
    expect(wrote).toBe(process.getuid?.() === 0);
    expect(snapshotTree(prefix)).toEqual(before);

    const second = await install();
    expect(fs.readFileSync(osPy(second.layer), 'utf8')).toBe('# os\n');
    // Only a written file is copied again, to a new inode; the first layer keeps what was written to it.
    expect(second.result.pristineCopied).toBe(wrote ? 1 : 0);
    expect(ino(osPy(second.layer)) === ino(osPy(first.layer))).toBe(!wrote);
    expect(snapshotTree(prefix)).toEqual(before);
  });

  it('a copy whose write bits were turned back on is made again', async () => {
    const first = await install();
    fs.chmodSync(osPy(first.layer), 0o644);
    const second = await install();
    expect(second.result.pristineCopied).toBe(1);
    expect(fs.statSync(osPy(second.layer)).mode & 0o777).toBe(0o444);
  });

  it('follows a changed source (a reinstall): new layers get the new file, older ones keep theirs', async () => {
    const old = await install();
    fs.writeFileSync(osPy(prefix), '# os, reinstalled\n');
    const now = new Date(Date.now() + 5000);
    fs.utimesSync(osPy(prefix), now, now);
    const fresh = await install();
    expect(fresh.result.pristineCopied).toBe(1);
    expect(fs.readFileSync(osPy(fresh.layer), 'utf8')).toBe('# os, reinstalled\n');
    expect(fs.readFileSync(osPy(old.layer), 'utf8')).toBe('# os\n');
  });

  it('copies every file when pybp\'s copy can\'t be made (cache under a file) or is turned off', async () => {
    for (const interpreterCache of [path.join(prefix, 'bin', 'python3.12', 'cache'), null]) {
      const { layer, result } = await install({ interpreterCache });
      expect(result.method).toBe('copy');
      expect(result.stats.hardlinked).toBe(0);
      expect(ino(osPy(layer))).not.toBe(ino(osPy(prefix)));
      expect(fs.readFileSync(osPy(layer), 'utf8')).toBe(fs.readFileSync(osPy(prefix), 'utf8'));
    }
  });
});

describe('sharedLibraryPattern', () => {
  it('takes the minor\'s libpython and the stable-ABI one, on Linux and macOS', () => {
    const re = sharedLibraryPattern('3.12');
    const names = [
      'libpython3.12.so',
      'libpython3.12.so.1.0',
      'libpython3.12d.so.1.0',
      'libpython3.so',
      'libpython3.12.dylib',
      'libpython3.12.1.0.dylib',
      'libpython3.dylib',
      'libpython3.1.so',
      'libpython3.11.so.1.0',
      'libpython3.12.a',
      'libpython3x12.so',
      'libsqlite3.so',
    ];
    expect(names.filter((n) => re.test(n))).toEqual([
      'libpython3.12.so',
      'libpython3.12.so.1.0',
      'libpython3.12d.so.1.0',
      'libpython3.so',
      'libpython3.12.dylib',
      'libpython3.12.1.0.dylib',
      'libpython3.dylib',
    ]);
  });
});

describe('installPythonLayer from the real pyenv 3.12.1', () => {
  let root: string;
  let layer: string;
  let interpreter: LocalInterpreter;
  let result: { sizeBytes: number; method: string };
  const progress: string[] = [];
  const stable = (snapshot: Map<string, string>) =>
    // Other processes running this Python may add bytecode caches; they are not our writes.
    new Map([...snapshot].filter(([rel]) => !rel.includes('__pycache__')));
  let before: Map<string, string>;

  beforeAll(async () => {
    root = tempDir('install-real');
    layer = path.join(root, 'layers', 'python');
    const found = await findLocalInterpreters({ major: 3, minor: 12 }, { pyenvRoot: PYENV_ROOT, env: { PATH: '' }, home: root });
    interpreter = found.find((i) => i.version === '3.12.1')!;
    before = stable(snapshotTree(interpreter.prefix));
    result = await installPythonLayer(localChoice(interpreter), layer, {
      origin: '.python-version',
      onProgress: (m) => progress.push(m),
      interpreterCache: path.join(root, 'cache'),
    });
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const env = () => ({ PATH: '/usr/bin:/bin', LD_LIBRARY_PATH: path.join(layer, 'lib'), HOME: root, LANG: 'C.UTF-8' });

  it('links every file to pybp\'s copy and reports the layer size', async () => {
    expect(result.method).toBe('hardlink');
    expect(result.sizeBytes).toBe(await layerSizeBytes(layer));
    expect(result.sizeBytes).toBeGreaterThan(50 * 1024 * 1024);
    expect(progress[0]).toBe(`Placing Python 3.12.1 from ${interpreter.prefix}`);
    expect(progress.at(-1)).toMatch(/^Linked \d+ files to pybp's read-only copy of .*, after copying \d+ new or changed files into it$/);
  });

  it('has no pip or other scripts in bin, and an empty site-packages', () => {
    expect(fs.readdirSync(path.join(layer, 'bin')).sort()).toEqual(['python', 'python3', 'python3-config', 'python3.12', 'python3.12-config']);
    expect(fs.readdirSync(path.join(layer, 'lib', 'python3.12', 'site-packages'))).toEqual([]);
    // The source keeps its own.
    expect(fs.readdirSync(path.join(interpreter.prefix, 'lib', 'python3.12', 'site-packages'))).toContain('pip');
  });

  it('keeps the bundled pip wheel, the headers, libpython and the pkg-config files', () => {
    expect(fs.readdirSync(path.join(layer, 'lib', 'python3.12', 'ensurepip', '_bundled'))).toEqual(['pip-23.2.1-py3-none-any.whl']);
    expect(fs.existsSync(path.join(layer, 'include', 'python3.12', 'Python.h'))).toBe(true);
    expect(fs.existsSync(path.join(layer, 'lib', 'libpython3.12.so.1.0'))).toBe(true);
    expect(fs.readlinkSync(path.join(layer, 'lib', 'libpython3.12.so'))).toBe('libpython3.12.so.1.0');
    expect(fs.readdirSync(path.join(layer, 'lib', 'pkgconfig')).sort()).toEqual([
      'python-3.12-embed.pc',
      'python-3.12.pc',
      'python3-embed.pc',
      'python3.pc',
    ]);
  });

  it('runs from the layer, with sys.prefix the layer and the C modules loading', () => {
    const out = execFileSync(
      path.join(layer, 'bin', 'python'),
      ['-c', 'import sys, ssl, sqlite3, json, ctypes, zlib; print(sys.prefix); print(sys.version.split()[0])'],
      { env: env(), encoding: 'utf8' },
    );
    expect(out).toBe(`${layer}\n3.12.1\n`);
  });

  it('makes a working venv without pip', () => {
    const venv = path.join(root, 'venv');
    execFileSync(path.join(layer, 'bin', 'python'), ['-m', 'venv', '--without-pip', venv], { env: env() });
    const out = execFileSync(path.join(venv, 'bin', 'python'), ['-c', 'import sys, ssl; print(sys.prefix); print(sys.base_prefix)'], {
      env: env(),
      encoding: 'utf8',
    });
    expect(out).toBe(`${venv}\n${layer}\n`);
  });

  it('leaves the pyenv installation untouched', () => {
    expect(stable(snapshotTree(interpreter.prefix))).toEqual(before);
  });
});
