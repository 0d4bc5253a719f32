import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryExists, listDir } from '../../../src/engine/io/fs.js';
import { expectPybpError, useTempApps } from './temp-apps.js';

const makeApp = useTempApps();

describe('listDir', () => {
  it('lists exact entry names, including dotfiles, broken symlinks and names with spaces', async () => {
    const app = await makeApp({ 'a b.txt': '', '.hidden': '', broken: { symlink: 'nowhere' }, Sub: { dir: true } });
    expect(await listDir(app)).toEqual(new Set(['a b.txt', '.hidden', 'broken', 'Sub']));
  });

  it('is null for a missing directory or a regular file', async () => {
    const app = await makeApp({ 'file.txt': '' });
    expect(await listDir(join(app, 'missing'))).toBeNull();
    expect(await listDir(join(app, 'file.txt'))).toBeNull();
  });

  it('throws file-check-failed for a directory symlink loop', async () => {
    const app = await makeApp({ loop: { symlink: 'loop' } });
    const error = await expectPybpError(() => listDir(join(app, 'loop')), 'file-check-failed');
    expect(error.message).toContain(join(app, 'loop'));
  });
});

describe('entryExists', () => {
  it('finds regular files, directories and symlinks to either by exact name', async () => {
    const app = await makeApp({
      'requirements.txt': '',
      'requirements.txt.d': { dir: true },
      linked: { symlink: 'requirements.txt' },
      'linked dir': { symlink: 'requirements.txt.d' },
    });
    expect(await entryExists(app, 'requirements.txt')).toBe(true);
    expect(await entryExists(app, 'requirements.txt.d')).toBe(true);
    expect(await entryExists(app, 'linked')).toBe(true);
    expect(await entryExists(app, 'linked dir')).toBe(true);
  });

  it('is case-sensitive', async () => {
    const app = await makeApp({ 'Requirements.txt': '' });
    expect(await entryExists(app, 'requirements.txt')).toBe(false);
    expect(await entryExists(app, 'REQUIREMENTS.TXT')).toBe(false);
    expect(await entryExists(app, 'Requirements.txt')).toBe(true);
  });

  it('is false for broken symlinks, missing entries, a missing directory and a directory that is a file', async () => {
    const app = await makeApp({ broken: { symlink: 'nowhere' }, 'file.txt': '' });
    expect(await entryExists(app, 'broken')).toBe(false);
    expect(await entryExists(app, 'missing')).toBe(false);
    expect(await entryExists(join(app, 'missing'), 'x')).toBe(false);
    expect(await entryExists(join(app, 'file.txt'), 'x')).toBe(false);
  });

  it('with directoryOnly, matches only directories and symlinks to directories', async () => {
    const app = await makeApp({
      venv: { dir: true },
      '.venv': '',
      'link to dir': { symlink: 'venv' },
      'link to file': { symlink: '.venv' },
      broken: { symlink: 'nowhere' },
    });
    expect(await entryExists(app, 'venv', { directoryOnly: true })).toBe(true);
    expect(await entryExists(app, 'link to dir', { directoryOnly: true })).toBe(true);
    expect(await entryExists(app, '.venv', { directoryOnly: true })).toBe(false);
    expect(await entryExists(app, 'link to file', { directoryOnly: true })).toBe(false);
    expect(await entryExists(app, 'broken', { directoryOnly: true })).toBe(false);
    expect(await entryExists(app, 'missing', { directoryOnly: true })).toBe(false);
  });

  it('uses a listing it is given instead of reading the directory again', async () => {
    const app = await makeApp({ 'app.py': '' });
    expect(await entryExists(app, 'app.py', { listing: new Set() })).toBe(false);
    expect(await entryExists(app, 'app.py', { listing: null })).toBe(false);
    expect(await entryExists(app, 'app.py', { listing: await listDir(app) })).toBe(true);
    // A listed name that has gone since is simply absent.
    expect(await entryExists(app, 'gone.py', { listing: new Set(['gone.py']) })).toBe(false);
  });

  it('throws file-check-failed for a symlink loop entry, naming the entry and its full path', async () => {
    const app = await makeApp({ 'app.py': { symlink: 'app.py' } });
    const error = await expectPybpError(() => entryExists(app, 'app.py'), 'file-check-failed');
    expect(error.title).toContain('app.py');
    expect(error.message).toContain(join(app, 'app.py'));
    expect(error.fix).toContain(join(app, 'app.py'));
    await expectPybpError(() => entryExists(app, 'app.py', { directoryOnly: true }), 'file-check-failed');
  });

  it('throws file-check-failed naming the entry when the directory itself is a symlink loop', async () => {
    const app = await makeApp({ loop: { symlink: 'loop' } });
    const error = await expectPybpError(() => entryExists(join(app, 'loop'), 'uv.lock'), 'file-check-failed');
    expect(error.title).toContain('uv.lock');
    expect(error.message).toContain(join(app, 'loop', 'uv.lock'));
  });
});
