// Faults a test can't create for real: permission errors (the tests may run
// as root) and a case-insensitive filesystem (CI runs on Linux). The real
// `node:fs/promises` is wrapped; only paths registered below misbehave.

import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyzeProject } from '../../../src/engine/analysis/analyze.js';
import { detect } from '../../../src/engine/analysis/detect.js';
import { determinePackageManager } from '../../../src/engine/analysis/package-manager.js';
import { readRequestedPython } from '../../../src/engine/analysis/python-version.js';
import { stat } from 'node:fs/promises';
import { entryExists, listDir } from '../../../src/engine/io/fs.js';
import { DEFAULT_PYTHON } from '../../../src/engine/core/versions.js';
import { expectPybpError, useTempApps } from './temp-apps.js';

const faults = vi.hoisted(() => ({
  /** `${op}:${path}` -> errno code to fail with. */
  errors: new Map<string, string>(),
  /** Directories whose entries are looked up case-insensitively, like on macOS. */
  caseInsensitiveDirs: new Set<string>(),
}));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();

  function fail(op: string, path: string): void {
    const code = faults.errors.get(`${op}:${path}`);
    if (code) throw Object.assign(new Error(`${code}: simulated failure, ${op} '${path}'`), { code, path, syscall: op });
  }

  async function foldCase(path: string): Promise<string> {
    const dir = dirname(path);
    if (!faults.caseInsensitiveDirs.has(dir)) return path;
    const wanted = basename(path).toLowerCase();
    const actual = (await real.readdir(dir)).find((name) => name.toLowerCase() === wanted);
    return actual === undefined ? path : join(dir, actual);
  }

  return {
    ...real,
    stat: async (path: string) => {
      fail('stat', path);
      return real.stat(await foldCase(path));
    },
    readdir: async (path: string) => {
      fail('readdir', path);
      return real.readdir(path);
    },
    readFile: async (path: string) => {
      fail('open', path);
      return real.readFile(await foldCase(path));
    },
    // app files are read through open (src/engine/app-file.ts)
    open: async (path: string, ...rest: [number?, number?]) => {
      fail('open', path);
      return real.open(await foldCase(path), ...rest);
    },
  };
});

const makeApp = useTempApps();

afterEach(() => {
  faults.errors.clear();
  faults.caseInsensitiveDirs.clear();
});

describe('permission errors', () => {
  it('entryExists throws file-check-failed on EACCES', async () => {
    const app = await makeApp({ 'uv.lock': '' });
    faults.errors.set(`stat:${join(app, 'uv.lock')}`, 'EACCES');
    const entry = await expectPybpError(() => entryExists(app, 'uv.lock'), 'file-check-failed');
    expect(entry.title).toContain('uv.lock');
    expect(entry.details?.[0]).toContain('EACCES');
  });

  it('listDir throws file-check-failed when the directory cannot be listed', async () => {
    const app = await makeApp();
    faults.errors.set(`readdir:${app}`, 'EACCES');
    const error = await expectPybpError(() => listDir(app), 'file-check-failed');
    expect(error.message).toContain(app);
    const entry = await expectPybpError(() => entryExists(app, 'poetry.lock'), 'file-check-failed');
    expect(entry.title).toContain('poetry.lock');
    expect(entry.message).toContain(join(app, 'poetry.lock'));
  });

  it('detection fails on EACCES only when no earlier entry matched', async () => {
    const app = await makeApp({ 'requirements.txt': '', 'manage.py': '' });
    faults.errors.set(`stat:${join(app, 'requirements.txt')}`, 'EACCES');
    expect(await detect(app)).toEqual({ detected: true, match: 'manage.py' });
    faults.errors.set(`stat:${join(app, 'manage.py')}`, 'EACCES');
    const error = await expectPybpError(() => detect(app), 'file-check-failed');
    expect(error.title).toContain('manage.py');
  });

  it('package-manager determination fails with file-check-failed', async () => {
    const app = await makeApp({ 'requirements.txt': '', 'uv.lock': '' });
    faults.errors.set(`stat:${join(app, 'uv.lock')}`, 'EACCES');
    const error = await expectPybpError(() => determinePackageManager(app), 'file-check-failed');
    expect(error.message).toContain(join(app, 'uv.lock'));
  });

  it('an unreadable .python-version fails with python-version-file-unreadable', async () => {
    const app = await makeApp({ '.python-version': '3.12' });
    faults.errors.set(`open:${join(app, '.python-version')}`, 'EACCES');
    const error = await expectPybpError(() => readRequestedPython(app, 'pip'), 'python-version-file-unreadable');
    expect(error.message).toContain(join(app, '.python-version'));
    expect(error.message).toContain('EACCES');
  });

  it('an unlistable app dir fails with app-dir-unreadable', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    faults.errors.set(`readdir:${app}`, 'EACCES');
    const error = await expectPybpError(() => analyzeProject(app, {}), 'app-dir-unreadable');
    expect(error.message).toContain(app);
    expect(error.message).toContain('EACCES');
    faults.errors.clear();
    faults.errors.set(`stat:${app}`, 'EACCES');
    await expectPybpError(() => analyzeProject(app, {}), 'app-dir-unreadable');
  });
});

describe('on a case-insensitive filesystem', () => {
  it('the simulation really is case-insensitive', async () => {
    const app = await makeApp({ 'Requirements.txt': '' });
    faults.caseInsensitiveDirs.add(app);
    expect((await stat(join(app, 'requirements.txt'))).isFile()).toBe(true);
  });

  it('entryExists still matches names exactly', async () => {
    const app = await makeApp({ 'Requirements.txt': '', VENV: { dir: true } });
    faults.caseInsensitiveDirs.add(app);
    expect(await entryExists(app, 'requirements.txt')).toBe(false);
    expect(await entryExists(app, 'venv', { directoryOnly: true })).toBe(false);
    expect(await entryExists(app, 'Requirements.txt')).toBe(true);
  });

  it('detection reports the misspelling, not requirements.txt', async () => {
    const app = await makeApp({ 'Requirements.txt': '' });
    faults.caseInsensitiveDirs.add(app);
    expect(await detect(app)).toEqual({ detected: true, match: 'Requirements.txt' });
  });

  it('Requirements.txt, UV.LOCK and Poetry.lock are not package-manager files', async () => {
    const app = await makeApp({ 'Requirements.txt': '', 'UV.LOCK': '', 'Poetry.lock': '' });
    faults.caseInsensitiveDirs.add(app);
    await expectPybpError(() => determinePackageManager(app), 'no-package-manager');
  });

  it('.Python-Version is not read and Runtime.txt is not runtime.txt', async () => {
    const app = await makeApp({ '.Python-Version': '3.12', 'Runtime.txt': '' });
    faults.caseInsensitiveDirs.add(app);
    expect(await readRequestedPython(app, 'pip')).toEqual({
      requested: { major: DEFAULT_PYTHON.major, minor: DEFAULT_PYTHON.minor },
      origin: 'buildpack default',
    });
  });
});
