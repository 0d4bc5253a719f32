import { relative, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from '../../../src/engine/analysis/analyze.js';
import { DEFAULT_PYTHON, LATEST_PATCH } from '../../../src/engine/core/versions.js';
import { expectPybpError, useTempApps, type Entry } from './temp-apps.js';

const makeApp = useTempApps();
const DEFAULT = `${DEFAULT_PYTHON.major}.${DEFAULT_PYTHON.minor}`;

describe('analyzeProject: results', () => {
  it('analyses a pip app on the default Python', async () => {
    const app = await makeApp({ 'requirements.txt': 'flask\n', 'app.py': '' });
    const analysis = await analyzeProject(app, {});
    expect(analysis).toEqual({
      appDir: app,
      packageManager: 'pip',
      python: {
        requested: { major: DEFAULT_PYTHON.major, minor: DEFAULT_PYTHON.minor },
        requestedText: DEFAULT,
        resolved: `${DEFAULT}.${LATEST_PATCH[DEFAULT_PYTHON.minor]}`,
        origin: 'buildpack default',
        patchPinned: false,
      },
      warnings: [],
      notices: [expect.objectContaining({ code: 'python-default-version' })],
    });
  });

  it('analyses a Poetry app with a pinned .python-version', async () => {
    const app = await makeApp({ 'poetry.lock': '', 'pyproject.toml': '', '.python-version': '3.13.2\n' });
    const analysis = await analyzeProject(app, { PYTHONPATH: '/x', PIP_EXTRA_INDEX_URL: 'https://example.com' });
    expect(analysis.packageManager).toBe('poetry');
    expect(analysis.python).toMatchObject({ requestedText: '3.13.2', resolved: '3.13.2', patchPinned: true });
    expect(analysis.notices).toEqual([
      { code: 'python-version-from-file', message: 'Using Python version 3.13.2 specified in .python-version' },
    ]);
    expect(analysis.warnings).toEqual([]);
  });

  it('analyses a uv app on 3.10, with the deprecation warning and the version re-formatted', async () => {
    const app = await makeApp({ 'uv.lock': '', '.python-version': '# prod\n03.010\n' });
    const analysis = await analyzeProject(app, {});
    expect(analysis.packageManager).toBe('uv');
    expect(analysis.python.resolved).toBe(`3.10.${LATEST_PATCH[10]}`);
    expect(analysis.python.requestedText).toBe('3.10');
    expect(analysis.warnings.map((w) => w.code)).toEqual(['python-3.10-deprecated']);
    expect(analysis.notices[0].message).toContain('3.10 specified in .python-version');
  });

  it('resolves a relative app dir to an absolute one and works through a symlinked app dir', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    const analysis = await analyzeProject(relative(process.cwd(), app), {});
    expect(analysis.appDir).toBe(app);
    const holder = await makeApp({ link: { symlink: app } });
    expect((await analyzeProject(join(holder, 'link'), {})).packageManager).toBe('pip');
  });
});

describe('analyzeProject: the app directory', () => {
  it('fails with app-dir-not-found for a missing directory or one below a file', async () => {
    const app = await makeApp({ 'file.txt': '', broken: { symlink: 'nowhere' } });
    const missing = await expectPybpError(() => analyzeProject(join(app, 'no such dir'), {}), 'app-dir-not-found');
    expect(missing.message).toContain(join(app, 'no such dir'));
    const belowFile = await expectPybpError(() => analyzeProject(join(app, 'file.txt', 'x'), {}), 'app-dir-not-found');
    expect(belowFile.message).toContain(join(app, 'file.txt', 'x'));
    await expectPybpError(() => analyzeProject(join(app, 'broken'), {}), 'app-dir-not-found');
  });

  it('fails with app-dir-not-a-directory for a file', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    const error = await expectPybpError(() => analyzeProject(join(app, 'requirements.txt'), {}), 'app-dir-not-a-directory');
    expect(error.message).toContain(join(app, 'requirements.txt'));
  });

  it('fails with app-dir-unreadable for a symlink loop', async () => {
    const app = await makeApp({ loop: { symlink: 'loop' } });
    const error = await expectPybpError(() => analyzeProject(join(app, 'loop'), {}), 'app-dir-unreadable');
    expect(error.message).toContain(join(app, 'loop'));
    expect(error.details?.[0]).toContain('ELOOP');
  });
});

describe('analyzeProject: detection', () => {
  it('fails with not-a-python-app naming the files it looks for', async () => {
    const app = await makeApp({ 'package.json': '{}', 'backend/requirements.txt': '' });
    const error = await expectPybpError(() => analyzeProject(app, {}), 'not-a-python-app');
    expect(error.message).toContain(app);
    for (const marker of ['requirements.txt', 'poetry.lock', 'uv.lock']) {
      expect(error.message).toContain(marker);
      expect(error.fix).toContain(marker);
    }
  });

  it('checks detection before the config vars', async () => {
    await expectPybpError(async () => analyzeProject(await makeApp(), { VIRTUAL_ENV: '/v' }), 'not-a-python-app');
  });

  it.each([['Pipfile'], ['setup.py'], ['pyproject.toml'], ['main.py'], ['requirments.txt']])(
    'passes detection with only %s, then fails with no-package-manager',
    async (name) => {
      await expectPybpError(async () => analyzeProject(await makeApp({ [name]: '' }), {}), 'no-package-manager');
    },
  );

  it('passes detection with only a venv directory, then fails with no-package-manager', async () => {
    await expectPybpError(async () => analyzeProject(await makeApp({ venv: { dir: true } }), {}), 'no-package-manager');
  });
});

describe('analyzeProject: order of checks', () => {
  it('checks forbidden config vars before the package manager and the Python version', async () => {
    const cases: Record<string, Entry>[] = [
      { 'pyproject.toml': '' },
      { 'requirements.txt': '', 'uv.lock': '' },
      { 'requirements.txt': '', 'runtime.txt': '' },
      { 'uv.lock': '' },
      { 'requirements.txt': '', '.python-version': '2.7' },
    ];
    for (const entries of cases) {
      const app = await makeApp(entries);
      const error = await expectPybpError(() => analyzeProject(app, { UV_PYTHON: '', PIP_USER: '1' }), 'forbidden-env-vars');
      expect(error.details).toEqual(['PIP_USER', 'UV_PYTHON']);
    }
  });

  it('checks the package manager before the Python version', async () => {
    await expectPybpError(
      async () => analyzeProject(await makeApp({ 'requirements.txt': '', 'poetry.lock': '', 'runtime.txt': '' }), {}),
      'multiple-package-managers',
    );
    await expectPybpError(
      async () => analyzeProject(await makeApp({ 'pyproject.toml': '', '.python-version': 'junk' }), {}),
      'no-package-manager',
    );
  });

  it('checks runtime.txt before .python-version', async () => {
    await expectPybpError(
      async () => analyzeProject(await makeApp({ 'requirements.txt': '', 'runtime.txt': '', '.python-version': 'x' }), {}),
      'runtime-txt-not-supported',
    );
  });

  it('reports version errors: uv without a file, parse errors, EOL and unknown versions', async () => {
    await expectPybpError(
      async () => analyzeProject(await makeApp({ 'uv.lock': '' }), {}),
      'python-version-required-with-uv',
    );
    await expectPybpError(
      async () => analyzeProject(await makeApp({ 'uv.lock': '', '.python-version': 'python-3.12' }), {}),
      'python-version-invalid',
    );
    const eol = await expectPybpError(
      async () => analyzeProject(await makeApp({ 'poetry.lock': '', '.python-version': '3.9' }), {}),
      'python-version-eol',
    );
    expect(eol.message).toContain('3.9');
    const unknown = await expectPybpError(
      async () => analyzeProject(await makeApp({ 'requirements.txt': '', '.python-version': '3.15' }), {}),
      'python-version-unknown',
    );
    expect(unknown.message).toContain('3.15');
  });
});
