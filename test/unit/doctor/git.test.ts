import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, doctor, expectStatus, git, gitEnv, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

/** A pip app in a fresh repository with everything committed. */
async function committedApp(extra: Record<string, string> = {}): Promise<string> {
  const app = await makeApp({ 'requirements.txt': 'flask\n', '.python-version': '3.12\n', Procfile: 'web: gunicorn app:app\n', ...extra });
  git(app, 'init', '-q');
  git(app, 'add', '--all');
  git(app, 'commit', '-q', '-m', 'app');
  return app;
}

describe('git repository', () => {
  it('warns when the app is not in a git repository', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '' }));
    const c = check(report, 'git-repo');
    expectStatus(c, 'warn');
    expect(c.message).toContain('Not a git repository: Heroku builds what is committed');
    expect(report.checks.filter((x) => x.area === 'git')).toHaveLength(1);
  });

  it('warns when git is not installed', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    const emptyBin = await mkdtemp(join(app, 'bin-'));
    const c = check(await doctor(app, { hostEnv: gitEnv(app, { PATH: emptyBin }) }), 'git-repo');
    expectStatus(c, 'warn');
    expect(c.message).toContain('git is not installed');
  });

  it('passes at the root of a repository, with everything committed', async () => {
    const app = await committedApp();
    const report = await doctor(app);
    expectStatus(check(report, 'git-repo'), 'pass');
    for (const file of ['requirements.txt', '.python-version', 'Procfile']) {
      expectStatus(check(report, `git-tracked:${file}`), 'pass');
    }
    expect(report.checks.filter((c) => c.area === 'git').every((c) => c.status === 'pass')).toBe(true);
  });

  it('warns when the app is a subdirectory of the repository', async () => {
    const root = await makeApp({ 'README.md': '' });
    await mkdir(join(root, 'backend'));
    await writeFile(join(root, 'backend', 'requirements.txt'), '');
    git(root, 'init', '-q');
    git(root, 'add', '--all');
    git(root, 'commit', '-q', '-m', 'x');
    const report = await doctor(join(root, 'backend'), { hostEnv: gitEnv(root) });
    const c = check(report, 'git-repo');
    expectStatus(c, 'warn');
    expect(c.message).toContain('backend/');
    expect(c.fix).toContain('git subtree push --prefix backend');
    // Status paths are relative to the repository root; the file is still found committed.
    expectStatus(check(report, 'git-tracked:requirements.txt'), 'pass');
  });
});

describe('files the build needs are committed', () => {
  it('fails when the package manager file is not tracked, with a git add fix', async () => {
    const app = await committedApp();
    git(app, 'rm', '-q', '--cached', 'requirements.txt');
    const c = check(await doctor(app), 'git-tracked:requirements.txt');
    expectStatus(c, 'fail');
    expect(c.code).toBe('no-package-manager');
    expect(c.message).toContain('not tracked');
    expect(c.fix).toBe('git add -- requirements.txt && git commit');
  });

  it('fails when .python-version is ignored, naming the rule', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.12', '.gitignore': '# pyenv\n.python-version\n' });
    git(app, 'init', '-q');
    git(app, 'add', '--all');
    git(app, 'commit', '-q', '-m', 'x');
    const c = check(await doctor(app), 'git-tracked:.python-version');
    expectStatus(c, 'fail');
    expect(c.message).toContain('ignored by git (.gitignore line 2: .python-version)');
    expect(c.message).toContain('default Python 3.14 instead of 3.12');
    expect(c.fix).toContain('git add -- .python-version && git commit');
  });

  it('fails with the uv error code when a uv app lacks .python-version in git', async () => {
    const app = await makeApp({ 'uv.lock': '', 'pyproject.toml': '', '.python-version': '3.12' });
    git(app, 'init', '-q');
    git(app, 'add', 'uv.lock', 'pyproject.toml');
    git(app, 'commit', '-q', '-m', 'x');
    const report = await doctor(app);
    const c = check(report, 'git-tracked:.python-version');
    expectStatus(c, 'fail');
    expect(c.code).toBe('python-version-required-with-uv');
    expectStatus(check(report, 'git-tracked:pyproject.toml'), 'pass');
    expectStatus(check(report, 'git-tracked:uv.lock'), 'pass');
  });

  it('does not count a negated ignore rule as ignoring', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.gitignore': '*.txt\n!requirements.txt\n' });
    git(app, 'init', '-q');
    const c = check(await doctor(app), 'git-tracked:requirements.txt');
    expectStatus(c, 'fail');
    expect(c.message).toContain('not tracked');
  });

  it('fails when a file is staged but not committed', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    git(app, 'init', '-q');
    git(app, 'add', 'requirements.txt');
    const c = check(await doctor(app), 'git-tracked:requirements.txt');
    expectStatus(c, 'fail');
    expect(c.message).toContain('staged but not committed');
  });

  it('warns when a committed file has uncommitted changes', async () => {
    const app = await committedApp();
    await writeFile(join(app, '.python-version'), '3.13\n');
    const c = check(await doctor(app), 'git-tracked:.python-version');
    expectStatus(c, 'warn');
    expect(c.message).toContain("changes that aren't committed");
  });

  it('only warns about an untracked Procfile', async () => {
    const app = await makeApp({ 'requirements.txt': '', Procfile: 'web: gunicorn app:app\n' });
    git(app, 'init', '-q');
    git(app, 'add', 'requirements.txt');
    git(app, 'commit', '-q', '-m', 'x');
    expectStatus(check(await doctor(app), 'git-tracked:Procfile'), 'warn');
  });

  it('leaves git state alone', async () => {
    const app = await committedApp();
    await writeFile(join(app, '.python-version'), '3.13\n');
    const before = git(app, 'status', '--porcelain');
    await doctor(app);
    expect(git(app, 'status', '--porcelain')).toBe(before);
  });
});

describe('.pybp/ stays out of git', () => {
  it('passes when .pybp/ is ignored', async () => {
    const app = await committedApp({ '.gitignore': '.pybp/\n', '.pybp/layers/x': '' });
    expectStatus(check(await doctor(app), 'pybp-dir'), 'pass');
  });

  it('warns when files under .pybp/ are tracked', async () => {
    const app = await committedApp({ '.pybp/layers/python.toml': '' });
    const c = check(await doctor(app), 'pybp-dir');
    expectStatus(c, 'warn');
    expect(c.area).toBe('heroku readiness');
    expect(c.fix).toContain('git rm -r --cached .pybp');
  });

  it('warns when .pybp/ exists and is not ignored', async () => {
    const app = await committedApp();
    await mkdir(join(app, '.pybp', 'layers'), { recursive: true });
    await writeFile(join(app, '.pybp', 'layers', 'x'), '');
    const c = check(await doctor(app), 'pybp-dir');
    expectStatus(c, 'warn');
    expect(c.message).toContain('not ignored');
  });

  it('is not checked outside a repository', async () => {
    expect(hasCheck(await doctor(await makeApp({ 'requirements.txt': '', '.pybp/x': '' })), 'pybp-dir')).toBe(false);
  });
});
