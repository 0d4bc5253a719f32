import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { determinePackageManager, findPackageManagerFiles } from '../../../src/engine/analysis/package-manager.js';
import { expectPybpError, useTempApps } from './temp-apps.js';

const makeApp = useTempApps();

describe('determinePackageManager', () => {
  it.each([
    ['requirements.txt', 'pip'],
    ['poetry.lock', 'poetry'],
    ['uv.lock', 'uv'],
  ] as const)('%s alone means %s', async (marker, pm) => {
    expect(await determinePackageManager(await makeApp({ [marker]: '', 'pyproject.toml': '' }))).toBe(pm);
  });

  it('counts an empty file, a directory and a symlink as a marker', async () => {
    expect(await determinePackageManager(await makeApp({ 'requirements.txt': { dir: true } }))).toBe('pip');
    expect(
      await determinePackageManager(
        await makeApp({ 'backend/requirements.txt': 'flask', 'requirements.txt': { symlink: 'backend/requirements.txt' } }),
      ),
    ).toBe('pip');
  });

  it('ignores broken symlinks and wrong-case names', async () => {
    expect(
      await determinePackageManager(
        await makeApp({ 'uv.lock': '', 'requirements.txt': { symlink: 'nowhere' }, 'Poetry.lock': '' }),
      ),
    ).toBe('uv');
    expect(await determinePackageManager(await makeApp({ 'Requirements.txt': '', 'poetry.lock': '' }))).toBe('poetry');
  });

  it.each([['pyproject.toml'], ['Pipfile'], ['Pipfile.lock'], ['setup.py'], ['pdm.lock'], ['Requirements.txt'], ['app.py']])(
    'fails with no-package-manager when the app has only %s',
    async (name) => {
      const app = await makeApp({ [name]: '' });
      const error = await expectPybpError(() => determinePackageManager(app), 'no-package-manager');
      expect(error.message).toContain(app);
      for (const marker of ['requirements.txt', 'poetry.lock', 'uv.lock']) expect(error.message).toContain(marker);
    },
  );

  it('explains what to check and recommends uv when no marker is found', async () => {
    const app = await makeApp({ 'backend/requirements.txt': '' });
    const error = await expectPybpError(() => determinePackageManager(app), 'no-package-manager');
    const checklist = error.details?.join('\n') ?? '';
    expect(checklist).toMatch(/subdirectory/);
    expect(checklist).toMatch(/upper\/lower case/);
    expect(checklist).toContain('.gitignore');
    expect(checklist).toContain('project.toml');
    expect(checklist).toContain('git add --all');
    expect(checklist).toContain('git commit');
    expect(error.fix).toContain('empty requirements.txt is fine');
    expect(error.fix).toContain('uv (https://docs.astral.sh/uv/)');
    expect(error.fix).toContain('https://devcenter.heroku.com/articles/getting-started-with-python-fir');
    expect(error.fix).toContain('https://devcenter.heroku.com/articles/python-support');
  });

  it.each([
    [['requirements.txt', 'poetry.lock'], ['requirements.txt (pip)', 'poetry.lock (Poetry)']],
    [['requirements.txt', 'uv.lock'], ['requirements.txt (pip)', 'uv.lock (uv)']],
    [['poetry.lock', 'uv.lock'], ['poetry.lock (Poetry)', 'uv.lock (uv)']],
    [['uv.lock', 'poetry.lock', 'requirements.txt'], ['requirements.txt (pip)', 'poetry.lock (Poetry)', 'uv.lock (uv)']],
  ])('fails with multiple-package-managers for %j, listing them in pip/Poetry/uv order', async (markers, lines) => {
    const app = await makeApp(Object.fromEntries(markers.map((m) => [m, ''])));
    const error = await expectPybpError(() => determinePackageManager(app), 'multiple-package-managers');
    expect(error.details).toEqual(lines);
    expect(error.message).toContain(app);
    expect(error.message).toContain(lines.join(', '));
    expect(error.fix).toContain('https://docs.astral.sh/uv/');
  });

  it('counts a symlinked second marker as a conflict', async () => {
    const app = await makeApp({ 'uv.lock': '', 'sub/poetry.lock': '', 'poetry.lock': { symlink: 'sub/poetry.lock' } });
    const error = await expectPybpError(() => determinePackageManager(app), 'multiple-package-managers');
    expect(error.details).toEqual(['poetry.lock (Poetry)', 'uv.lock (uv)']);
  });

  it('fails with file-check-failed when a marker cannot be checked', async () => {
    const app = await makeApp({ 'poetry.lock': { symlink: 'poetry.lock' }, 'requirements.txt': '' });
    const error = await expectPybpError(() => determinePackageManager(app), 'file-check-failed');
    expect(error.title).toContain('poetry.lock');
    expect(error.message).toContain(join(app, 'poetry.lock'));
  });
});

describe('findPackageManagerFiles', () => {
  it('returns every marker found, in pip/Poetry/uv order, with display names', async () => {
    const app = await makeApp({ 'uv.lock': '', 'requirements.txt': '' });
    expect(await findPackageManagerFiles(app)).toEqual([
      { packageManager: 'pip', marker: 'requirements.txt', displayName: 'pip' },
      { packageManager: 'uv', marker: 'uv.lock', displayName: 'uv' },
    ]);
    expect(await findPackageManagerFiles(await makeApp({ 'pyproject.toml': '' }))).toEqual([]);
    expect(await findPackageManagerFiles(join(app, 'missing'))).toEqual([]);
  });

  it('uses a listing it is given', async () => {
    const app = await makeApp({ 'poetry.lock': '' });
    expect(await findPackageManagerFiles(app, new Set())).toEqual([]);
    expect(await determinePackageManager(app, new Set(['poetry.lock']))).toBe('poetry');
  });
});
