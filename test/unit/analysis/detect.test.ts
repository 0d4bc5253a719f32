import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECT_ENTRIES, detect } from '../../../src/engine/analysis/detect.js';
import { expectPybpError, useTempApps, type Entry } from './temp-apps.js';

const makeApp = useTempApps();

// The buildpack's list, in its source order (spec §2).
const SPEC_ORDER = [
  '.python-version', '__init__.py', 'app.py', 'main.py', 'manage.py', 'pdm.lock', 'Pipfile', 'Pipfile.lock',
  'poetry.lock', 'pyproject.toml', 'requirements.txt', 'runtime.txt', 'server.py', 'setup.cfg', 'setup.py',
  'uv.lock', 'requeriments.txt', 'requirement.txt', 'requirements', 'requirements.text', 'Requirements.txt',
  'requirements.txt.txt', 'requirments.txt', '__pycache__/', '.venv/', 'venv/',
];

function entryFor(name: string): [string, Entry] {
  return name.endsWith('/') ? [name.slice(0, -1), { dir: true }] : [name, ''];
}

describe('DETECT_ENTRIES', () => {
  it('holds the 26 names in the buildpack order, directories marked with a trailing slash', () => {
    expect(DETECT_ENTRIES).toEqual(SPEC_ORDER);
    expect(DETECT_ENTRIES).toHaveLength(26);
    expect(DETECT_ENTRIES.filter((e) => e.endsWith('/'))).toEqual(['__pycache__/', '.venv/', 'venv/']);
  });
});

describe('detect', () => {
  it.each(SPEC_ORDER)('detects an app holding only %s', async (name) => {
    const app = await makeApp(Object.fromEntries([entryFor(name)]));
    expect(await detect(app)).toEqual({ detected: true, match: name });
  });

  it('stops at the first entry in list order, not directory order', async () => {
    expect(await detect(await makeApp({ venv: { dir: true }, '.python-version': '3.12' }))).toEqual({
      detected: true,
      match: '.python-version',
    });
    expect(await detect(await makeApp({ 'uv.lock': '', 'app.py': '' }))).toEqual({ detected: true, match: 'app.py' });
    expect(await detect(await makeApp({ 'requirements.txt': '', 'pyproject.toml': '' }))).toEqual({
      detected: true,
      match: 'pyproject.toml',
    });
  });

  it('does not detect an empty directory, unrelated files or files in subdirectories', async () => {
    expect(await detect(await makeApp())).toEqual({ detected: false });
    expect(
      await detect(
        await makeApp({
          'README.md': '',
          'package.json': '{}',
          'backend/requirements.txt': '',
          'src/app.py': '',
          'requirements.in': '',
          'Pipfile.txt': '',
          'app.pyc': '',
          'env/bin/python': '',
        }),
      ),
    ).toEqual({ detected: false });
  });

  it('matches names case-sensitively', async () => {
    expect(await detect(await makeApp({ 'REQUIREMENTS.TXT': '', 'App.py': '', VENV: { dir: true } }))).toEqual({
      detected: false,
    });
    // `Requirements.txt` is itself in the list (a common misspelling), and is reported as such.
    expect(await detect(await makeApp({ 'Requirements.txt': '' }))).toEqual({
      detected: true,
      match: 'Requirements.txt',
    });
    expect(await detect(await makeApp({ pipfile: '', 'Setup.py': '' }))).toEqual({ detected: false });
  });

  it('counts a directory for a file name, but only a directory for the trailing-slash names', async () => {
    expect(await detect(await makeApp({ 'requirements.txt': { dir: true } }))).toEqual({
      detected: true,
      match: 'requirements.txt',
    });
    expect(await detect(await makeApp({ __pycache__: '', '.venv': '', venv: '' }))).toEqual({ detected: false });
  });

  it('follows symlinks: a working one counts, a broken one does not', async () => {
    expect(
      await detect(await makeApp({ 'real/requirements.txt': '', 'requirements.txt': { symlink: 'real/requirements.txt' } })),
    ).toEqual({ detected: true, match: 'requirements.txt' });
    expect(await detect(await makeApp({ 'requirements.txt': { symlink: 'nowhere' }, 'app.py': { symlink: 'x' } }))).toEqual({
      detected: false,
    });
    expect(await detect(await makeApp({ 'real env': { dir: true }, venv: { symlink: 'real env' } }))).toEqual({
      detected: true,
      match: 'venv/',
    });
    expect(await detect(await makeApp({ 'file.txt': '', venv: { symlink: 'file.txt' } }))).toEqual({ detected: false });
  });

  it('does not read contents: an empty or binary file counts', async () => {
    expect(await detect(await makeApp({ 'setup.cfg': new Uint8Array([0xff, 0xfe, 0x00]) }))).toEqual({
      detected: true,
      match: 'setup.cfg',
    });
  });

  it('is not detected when the directory does not exist', async () => {
    const app = await makeApp();
    expect(await detect(join(app, 'missing'))).toEqual({ detected: false });
  });

  it('fails on an I/O error only if no earlier entry matched', async () => {
    // `venv` comes after `requirements.txt`, so its loop is never looked at.
    expect(await detect(await makeApp({ 'requirements.txt': '', venv: { symlink: 'venv' } }))).toEqual({
      detected: true,
      match: 'requirements.txt',
    });
    const loopFirst = await makeApp({ 'app.py': { symlink: 'app.py' }, 'requirements.txt': '' });
    const error = await expectPybpError(() => detect(loopFirst), 'file-check-failed');
    expect(error.title).toContain('app.py');
    expect(error.message).toContain(join(loopFirst, 'app.py'));
  });

  it('uses a listing it is given', async () => {
    const app = await makeApp({ 'app.py': '' });
    expect(await detect(app, new Set())).toEqual({ detected: false });
    expect(await detect(app, new Set(['app.py']))).toEqual({ detected: true, match: 'app.py' });
  });
});
