// The bounded reader every app file goes through: regular files only (after
// symlinks), opened without blocking on a FIFO, capped per kind.

import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_FILE_LIMITS, checkAppFile, readAppFile, readAppText } from '../../../src/engine/io/app-file.js';
import { expectPybpError, useTempApps } from '../analysis/temp-apps.js';

const makeApp = useTempApps();

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

describe('readAppFile', () => {
  it('reads a regular file, also through a symlink', async () => {
    const app = await makeApp({ 'Procfile': 'web: gunicorn app:app\n', 'link': { symlink: 'Procfile' } });
    expect(await readAppText(join(app, 'Procfile'), 'procfile')).toBe('web: gunicorn app:app\n');
    expect(await readAppText(join(app, 'link'), 'procfile')).toBe('web: gunicorn app:app\n');
  });

  it('reads a file of exactly the cap, byte for byte', async () => {
    const app = await makeApp();
    const bytes = Buffer.alloc(APP_FILE_LIMITS['python-version'].maxBytes, 0x61);
    await writeFile(join(app, '.python-version'), bytes);
    expect((await readAppFile(join(app, '.python-version'), 'python-version'))?.equals(bytes)).toBe(true);
  });

  it('returns undefined for a missing file, a broken symlink and a path below a file', async () => {
    const app = await makeApp({ broken: { symlink: 'nowhere' }, file: 'x' });
    expect(await readAppFile(join(app, 'missing'), 'procfile')).toBeUndefined();
    expect(await readAppFile(join(app, 'broken'), 'procfile')).toBeUndefined();
    expect(await readAppFile(join(app, 'file', 'below'), 'procfile')).toBeUndefined();
  });

  it('a directory is not a regular file, unless the kind treats it as absent', async () => {
    const app = await makeApp({ 'Procfile': { dir: true } });
    const error = await expectPybpError(() => readAppFile(join(app, 'Procfile'), 'procfile'), 'app-file-not-regular');
    expect(error.message).toContain(join(app, 'Procfile'));
    expect(error.message).toContain('a directory');
    expect(await readAppFile(join(app, 'Procfile'), 'procfile', { directoryIsAbsent: true })).toBeUndefined();
  });

  it('a FIFO fails at once with app-file-not-regular (no writer needed)', async () => {
    const app = await makeApp();
    mkfifo(join(app, '.python-version'));
    const error = await expectPybpError(() => readAppFile(join(app, '.python-version'), 'python-version'), 'app-file-not-regular');
    expect(error.message).toContain('named pipe');
    await expectPybpError(() => checkAppFile(join(app, '.python-version'), 'python-version'), 'app-file-not-regular');
  });

  it('a symlink to /dev/zero fails with app-file-not-regular naming the file', async () => {
    const app = await makeApp({ 'pyproject.toml': { symlink: '/dev/zero' } });
    const error = await expectPybpError(() => readAppFile(join(app, 'pyproject.toml'), 'pyproject'), 'app-file-not-regular');
    expect(error.title).toContain('pyproject.toml');
    expect(error.message).toContain('character device');
  });

  it('a file over its cap fails with app-file-too-large, without reading it', async () => {
    const app = await makeApp();
    await writeFile(join(app, '.python-version'), Buffer.alloc(APP_FILE_LIMITS['python-version'].maxBytes + 1, 0x20));
    const error = await expectPybpError(() => readAppFile(join(app, '.python-version'), 'python-version'), 'app-file-too-large');
    expect(error.message).toContain(join(app, '.python-version'));
    expect(error.message).toContain('64 KiB');
    await expectPybpError(() => checkAppFile(join(app, '.python-version'), 'python-version'), 'app-file-too-large');
  });

  it('other I/O errors are thrown as they are, for the caller to word', async () => {
    const app = await makeApp({ loop: { symlink: 'loop' } });
    await expect(readAppFile(join(app, 'loop'), 'procfile')).rejects.toMatchObject({ code: 'ELOOP' });
  });
});

describe('layer files go through the same reader', () => {
  it('an env file that is a FIFO fails with app-file-not-regular instead of blocking', async () => {
    const { readEnvDir } = await import('../../../src/engine/store/layer-env.js');
    const app = await makeApp({ 'env/FOO.override': 'bar' });
    expect(await readEnvDir(join(app, 'env'))).toEqual([{ scope: 'all', name: 'FOO', modifier: 'override', value: 'bar' }]);
    mkfifo(join(app, 'env', 'LD_PRELOAD.override'));
    const error = await expectPybpError(() => readEnvDir(join(app, 'env')), 'app-file-not-regular');
    expect(error.message).toContain('LD_PRELOAD.override');
  });
});
