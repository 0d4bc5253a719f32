import { describe, expect, it } from 'vitest';
import { check, doctor, expectStatus, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

function pyproject(project: string, poetryPython?: string): string {
  const poetry = poetryPython === undefined ? '' : `\n[tool.poetry.dependencies]\npython = ${JSON.stringify(poetryPython)}\n`;
  return `[project]\nname = "app"\nversion = "0.1.0"\n${project}\n${poetry}`;
}

function uvApp(requiresPython: string, version = '3.12') {
  return makeApp({ 'uv.lock': 'version = 1\n', '.python-version': version, 'pyproject.toml': pyproject(`requires-python = ${JSON.stringify(requiresPython)}`) });
}

describe('[project] requires-python against the resolved version', () => {
  it('passes when it admits the version the build installs', async () => {
    const c = check(await doctor(await uvApp('>=3.12')), 'requires-python');
    expectStatus(c, 'pass');
    expect(c.message).toContain('3.12.13');
  });

  it('compares the resolved patch, not the requested minor', async () => {
    // 3.12 resolves to 3.12.13, which "<3.12.10" excludes.
    const c = check(await doctor(await uvApp('>=3.11,<3.12.10')), 'requires-python');
    expectStatus(c, 'fail');
    expect(c.message).toContain('3.12.13');
  });

  it('fails for uv when it excludes the version, suggesting one it admits', async () => {
    const c = check(await doctor(await uvApp('>=3.13,<3.14')), 'requires-python');
    expectStatus(c, 'fail');
    expect(c.code).toBe('uv-sync-failed');
    expect(c.message).toContain('">=3.13,<3.14"');
    expect(c.fix).toContain('Change .python-version to 3.13');
    expect(c.fix).toContain('uv lock');
  });

  it('fails for Poetry when the buildpack default (3.14) is excluded', async () => {
    const app = await makeApp({ 'poetry.lock': '', 'pyproject.toml': pyproject('requires-python = ">=3.10,<3.14"') });
    const c = check(await doctor(app), 'requires-python');
    expectStatus(c, 'fail');
    expect(c.code).toBe('poetry-sync-failed');
    expect(c.message).toContain('3.14.7');
    expect(c.fix).toContain('Create a .python-version containing 3.13');
  });

  it('says so when no supported Python satisfies it', async () => {
    const c = check(await doctor(await uvApp('<3.8')), 'requires-python');
    expectStatus(c, 'fail');
    expect(c.fix).toContain('Heroku supports no Python version');
  });

  it('warns when it is not a specifier pybp can read', async () => {
    expectStatus(check(await doctor(await uvApp('^3.12')), 'requires-python'), 'warn');
  });

  it('fails when it is not a string', async () => {
    const app = await makeApp({ 'uv.lock': '', '.python-version': '3.12', 'pyproject.toml': pyproject('requires-python = 3.12') });
    expectStatus(check(await doctor(app), 'requires-python'), 'fail');
  });

  it('is not checked for pip apps, nor when the version did not resolve', async () => {
    const pip = await makeApp({ 'requirements.txt': '', '.python-version': '3.12', 'pyproject.toml': pyproject('requires-python = ">=3.13"') });
    expect(hasCheck(await doctor(pip), 'requires-python')).toBe(false);
    expect(hasCheck(await doctor(await uvApp('>=3.13', '3.9')), 'requires-python')).toBe(false);
  });
});

describe('[tool.poetry.dependencies] python', () => {
  function poetryApp(constraint: string, version = '3.12') {
    return makeApp({ 'poetry.lock': '', '.python-version': version, 'pyproject.toml': pyproject('', constraint) });
  }

  it('passes for ^3.12 with Python 3.12, showing the PEP 440 translation', async () => {
    const c = check(await doctor(await poetryApp('^3.12')), 'poetry-python');
    expectStatus(c, 'pass');
    expect(c.message).toContain('>=3.12,<4.0');
  });

  it('fails for ~3.11 with Python 3.12', async () => {
    const c = check(await doctor(await poetryApp('~3.11')), 'poetry-python');
    expectStatus(c, 'fail');
    expect(c.code).toBe('poetry-sync-failed');
    expect(c.message).toContain('>=3.11,<3.12');
    expect(c.fix).toContain('Change .python-version to 3.11');
  });

  it('fails for a bare 3.12, explaining that it means exactly 3.12.0', async () => {
    const c = check(await doctor(await poetryApp('3.12')), 'poetry-python');
    expectStatus(c, 'fail');
    expect(c.message).toContain('bare version');
    expect(c.fix).toContain('"~3.12"');
  });

  it('passes when one || alternative admits the version', async () => {
    expectStatus(check(await doctor(await poetryApp('3.11.* || 3.12.*')), 'poetry-python'), 'pass');
  });

  it('warns on a constraint it cannot read', async () => {
    expectStatus(check(await doctor(await poetryApp('python3')), 'poetry-python'), 'warn');
  });

  it('checks both requires-python and the Poetry constraint', async () => {
    const app = await makeApp({
      'poetry.lock': '',
      '.python-version': '3.13',
      'pyproject.toml': pyproject('requires-python = ">=3.10"', '>=3.10,<3.13'),
    });
    const report = await doctor(app);
    expectStatus(check(report, 'requires-python'), 'pass');
    expectStatus(check(report, 'poetry-python'), 'fail');
  });

  it('is not checked for uv apps', async () => {
    const app = await makeApp({ 'uv.lock': '', '.python-version': '3.12', 'pyproject.toml': pyproject('', '3.11') });
    expect(hasCheck(await doctor(app), 'poetry-python')).toBe(false);
  });
});
