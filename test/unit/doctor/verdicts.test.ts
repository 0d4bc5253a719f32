// Doctor's verdicts on what Heroku receives and will do: the git view of the
// app, .pybp/ ignored by its own .gitignore, paths leaving the app, Procfile
// commands nothing installs, and the local interpreter.
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { check, doctor, expectStatus, git, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

async function commitAll(app: string): Promise<void> {
  git(app, 'init', '-q');
  git(app, 'add', '--all');
  git(app, 'commit', '-q', '-m', 'app');
}

describe('doctor judges what git holds', () => {
  it('builds with pip when uv.lock is on disk but not tracked, and says so', async () => {
    const app = await makeApp({ 'requirements.txt': 'flask\n', '.python-version': '3.12\n' });
    await commitAll(app);
    await writeFile(join(app, 'uv.lock'), 'version = 1\n');
    const report = await doctor(app);
    const pm = check(report, 'package-manager');
    expectStatus(pm, 'pass');
    expect(pm.message).toContain('pip');
    const untracked = check(report, 'git-untracked');
    expectStatus(untracked, 'warn');
    expect(untracked.message).toContain('not tracked by git: uv.lock');
    expect(untracked.message).toContain('Committing uv.lock would change what the build does');
  });

  it('reports an ignored build file with its rule', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.gitignore': 'uv.lock\n' });
    await commitAll(app);
    await writeFile(join(app, 'uv.lock'), '');
    const c = check(await doctor(app), 'git-untracked');
    expect(c.message).toContain('uv.lock (.gitignore line 1: uv.lock)');
  });

  it('judges the working tree outside git', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '', 'uv.lock': '' }));
    expect(check(report, 'package-manager').code).toBe('multiple-package-managers');
    expect(hasCheck(report, 'git-untracked')).toBe(false);
  });

  it("takes .pybp/'s own .gitignore (`*`) as ignoring it", async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    await commitAll(app);
    await mkdir(join(app, '.pybp', 'layers'), { recursive: true });
    await writeFile(join(app, '.pybp', '.gitignore'), '*\n');
    const report = await doctor(app);
    expectStatus(check(report, 'pybp-dir'), 'pass');
    expect(hasCheck(report, 'git-untracked')).toBe(false);
  });
});

describe('path-outside-app', () => {
  it('fails for -e ../outside, -r ../base.txt and a symlinked .python-version leaving the app', async () => {
    const root = await makeApp({ 'outside/setup.py': '', 'base.txt': 'flask\n', 'real-version': '3.12\n' });
    const app = join(root, 'app');
    await mkdir(app);
    await writeFile(join(app, 'requirements.txt'), '-e ../outside\n-r ../base.txt\nrequests==2.0\n');
    await symlink(join(root, 'real-version'), join(app, '.python-version'));
    const c = check(await doctor(app), 'path-outside-app');
    expectStatus(c, 'fail');
    expect(c.code).toBe('path-outside-app');
    expect(c.message).toContain('.python-version is a symlink to');
    expect(c.message).toContain('`-e ../outside`');
    expect(c.message).toContain('`-r ../base.txt`');
  });

  it('fails for a [tool.uv.sources] path outside, passes for one inside', async () => {
    const app = await makeApp({
      'uv.lock': 'version = 1\n',
      '.python-version': '3.12\n',
      'lib/pyproject.toml': '',
      'pyproject.toml': '[project]\nname = "a"\nversion = "0"\ndependencies = ["lib", "other"]\n[tool.uv.sources]\nlib = { path = "lib" }\nother = { path = "../other" }\n',
    });
    const c = check(await doctor(app), 'path-outside-app');
    expectStatus(c, 'fail');
    expect(c.message).toContain('[tool.uv.sources] other points at ../other');
    expect(c.message).not.toContain('[tool.uv.sources] lib ');
  });

  it('passes when everything is inside', async () => {
    const app = await makeApp({ 'requirements.txt': '-r base.txt\n-e ./lib\n', 'base.txt': 'flask\n', 'lib/setup.py': '' });
    expectStatus(check(await doctor(app), 'path-outside-app'), 'pass');
  });
});

describe('procfile-command-missing', () => {
  it('fails for gunicorn when requirements.txt does not name it', async () => {
    const app = await makeApp({ 'requirements.txt': 'flask\n', Procfile: 'web: gunicorn app:app\n' });
    const c = check(await doctor(app), 'procfile-command:web');
    expectStatus(c, 'fail');
    expect(c.code).toBe('procfile-command-missing');
    expect(c.message).toContain('gunicorn: command not found');
    expect(c.fix).toContain('Add gunicorn to requirements.txt');
  });

  it('passes when a dependency provides it, past env assignments', async () => {
    const app = await makeApp({ 'requirements.txt': 'Gunicorn==22.0\nwaitress\n', Procfile: 'web: FOO=1 exec gunicorn app:app\nother: waitress-serve app:app\n' });
    const report = await doctor(app);
    expectStatus(check(report, 'procfile-command:web'), 'pass');
    expectStatus(check(report, 'procfile-command:other'), 'pass');
  });

  it('fails for a script path the app does not have; passes python', async () => {
    const app = await makeApp({ 'requirements.txt': '', Procfile: 'web: bin/start\nrelease: python manage.py migrate\n' });
    const report = await doctor(app);
    expectStatus(check(report, 'procfile-command:web'), 'fail');
    expectStatus(check(report, 'procfile-command:release'), 'pass');
  });

  it("warns, not fails, for a command pybp can't attribute before a build", async () => {
    const app = await makeApp({ 'requirements.txt': 'somepkg\n', Procfile: 'web: mystery-server\n' });
    expectStatus(check(await doctor(app), 'procfile-command:web'), 'warn');
  });
});

describe('python-interpreter-missing', () => {
  it('warns with the exact command when no local interpreter of the minor exists', async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.14\n' });
    // No pyenv root and an empty PATH: nothing to find; and uv may not download Python.
    const empty = join(app, 'empty');
    await mkdir(empty);
    const report = await doctor(app, { hostEnv: { PATH: empty, HOME: empty, PYENV_ROOT: empty, UV_PYTHON_DOWNLOADS: 'never' } });
    const c = check(report, 'python-interpreter');
    expectStatus(c, 'warn');
    expect(c.code).toBe('python-interpreter-missing');
    expect(c.fix).toContain('pyenv install 3.14.7');
  });

  it("passes when pybp's uv can install the exact version instead (auto, uv downloads allowed and reachable)", async () => {
    // A mirror on a loopback address: reachable without a name lookup (this machine resolves no github.com).
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.14\n', '.buildpackrc.json': '{"python":{"uvMirror":"http://127.0.0.1:9/pbs"}}' });
    const empty = join(app, 'empty');
    await mkdir(empty);
    const c = check(await doctor(app, { hostEnv: { PATH: empty, HOME: empty, PYENV_ROOT: empty } }), 'python-interpreter');
    expectStatus(c, 'pass');
    expect(c.message).toContain("installs exactly Python 3.14.7 with pybp's uv");
  });

  it("warns as without uv when uv's download host, named by the user's --config, does not resolve (offline)", async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.14\n', 'user/pybp.json': '{"python":{"uvMirror":"https://pbs.pybp-test.invalid/x"}}' });
    const empty = join(app, 'empty');
    await mkdir(empty);
    const c = check(await doctor(app, { hostEnv: { PATH: empty, HOME: empty, PYENV_ROOT: empty }, configFile: join(app, 'user', 'pybp.json') }), 'python-interpreter');
    expectStatus(c, 'warn');
    expect(c.code).toBe('python-interpreter-missing');
  });

  it("does not look up a download host only the app's own config names, and says the build depends on it", async () => {
    const app = await makeApp({ 'requirements.txt': '', '.python-version': '3.14\n', '.buildpackrc.json': '{"python":{"uvMirror":"https://pbs.pybp-test.invalid/x"}}' });
    const empty = join(app, 'empty');
    await mkdir(empty);
    const c = check(await doctor(app, { hostEnv: { PATH: empty, HOME: empty, PYENV_ROOT: empty } }), 'python-interpreter');
    expectStatus(c, 'pass');
    expect(c.message).toContain('That depends on pbs.pybp-test.invalid, which only the app\'s config names as the download host: the build looks it up, doctor did not');
  });
});
