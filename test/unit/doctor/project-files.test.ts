import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeProject } from '../../../src/engine/analysis/analyze.js';
import type { PybpError } from '../../../src/engine/core/errors.js';
import { check, doctor, expectStatus, hasCheck, useTempApps } from './support.js';

const makeApp = useTempApps();

describe('app directory', () => {
  it('passes for a directory', async () => {
    const app = await makeApp({ 'requirements.txt': '' });
    const c = check(await doctor(app), 'app-dir');
    expectStatus(c, 'pass');
    expect(c.message).toContain(app);
  });

  it('fails for a missing directory, and checks nothing else', async () => {
    const app = join(await makeApp(), 'nowhere');
    const report = await doctor(app);
    expect(report.ok).toBe(false);
    expect(report.checks).toHaveLength(1);
    const c = check(report, 'app-dir');
    expectStatus(c, 'fail');
    expect(c.code).toBe('app-dir-not-found');
  });

  it('fails for a file', async () => {
    const app = await makeApp({ 'app.py': '' });
    const c = check(await doctor(join(app, 'app.py')), 'app-dir');
    expectStatus(c, 'fail');
    expect(c.code).toBe('app-dir-not-a-directory');
  });
});

describe('detection', () => {
  it('passes and names the file that matched', async () => {
    const c = check(await doctor(await makeApp({ 'main.py': '', 'uv.lock': '' })), 'detect');
    expectStatus(c, 'pass');
    expect(c.message).toContain('main.py');
  });

  it('passes on a directory entry such as venv/', async () => {
    const c = check(await doctor(await makeApp({ venv: { dir: true } })), 'detect');
    expectStatus(c, 'pass');
    expect(c.message).toContain('venv/');
  });

  it('fails when no Python file is there, and still runs the other checks', async () => {
    const report = await doctor(await makeApp({ 'index.js': '' }));
    const c = check(report, 'detect');
    expectStatus(c, 'fail');
    expect(c.code).toBe('not-a-python-app');
    expect(check(report, 'package-manager').status).toBe('fail');
    expect(hasCheck(report, 'procfile')).toBe(true);
  });
});

describe('doctor says what the build says', () => {
  const buildError = (app: string) => analyzeProject(app, {}).then(() => null, (e: unknown) => e as PybpError);

  it('for a missing app dir, a file given as the app dir, and an app the buildpack does not detect', async () => {
    const missing = join(await makeApp(), 'nowhere');
    const file = join(await makeApp({ 'app.py': '' }), 'app.py');
    const notPython = await makeApp({ 'index.js': '' });
    for (const [app, id] of [[missing, 'app-dir'], [file, 'app-dir'], [notPython, 'detect']] as const) {
      const error = (await buildError(app))!;
      const c = check(await doctor(app), id);
      expect({ code: c.code, message: c.message, fix: c.fix }).toEqual({ code: error.code, message: error.message, fix: error.fix });
    }
  });
});

describe('TOML files', () => {
  it('passes for valid pyproject.toml, poetry.lock and uv.lock', async () => {
    const report = await doctor(
      await makeApp({ 'pyproject.toml': '[project]\nname = "x"\n', 'poetry.lock': '[metadata]\n', 'uv.lock': 'version = 1\n' }),
    );
    for (const id of ['toml:pyproject.toml', 'toml:poetry.lock', 'toml:uv.lock']) expectStatus(check(report, id), 'pass');
  });

  it('has no check for files that are not there', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '' }));
    expect(report.checks.filter((c) => c.id.startsWith('toml:'))).toEqual([]);
  });

  it('fails on a malformed pyproject.toml of a uv app, naming the file and the parser message', async () => {
    const app = await makeApp({
      'uv.lock': 'version = 1\n',
      '.python-version': '3.12\n',
      'pyproject.toml': '[project]\nname = "x"\nrequires-python = >=3.12\n',
    });
    const c = check(await doctor(app), 'toml:pyproject.toml');
    expectStatus(c, 'fail');
    expect(c.code).toBe('uv-sync-failed');
    expect(c.message).toContain('pyproject.toml is not valid TOML (line 3, column 19): invalid value');
    expect(c.message).toContain('requires-python = >=3.12');
  });

  it('fails on a malformed poetry.lock of a Poetry app, and suggests re-locking', async () => {
    const app = await makeApp({ 'poetry.lock': '[[package]\nname = "x"\n', 'pyproject.toml': '[project]\nname = "x"\n' });
    const c = check(await doctor(app), 'toml:poetry.lock');
    expectStatus(c, 'fail');
    expect(c.code).toBe('poetry-sync-failed');
    expect(c.message).toMatch(/^poetry\.lock is not valid TOML \(line 1/);
    expect(c.fix).toContain('poetry lock');
  });

  it('fails on a uv.lock that is not UTF-8', async () => {
    const app = await makeApp({ 'uv.lock': new Uint8Array([0x76, 0x3d, 0xff, 0xfe]), '.python-version': '3.12' });
    await writeFile(join(app, 'pyproject.toml'), '[project]\nname = "x"\n');
    const c = check(await doctor(app), 'toml:uv.lock');
    expectStatus(c, 'fail');
    expect(c.message).toContain('not valid UTF-8');
  });

  it('only warns about a malformed pyproject.toml in a pip app, which the build does not read', async () => {
    const app = await makeApp({ 'requirements.txt': '', 'pyproject.toml': 'not toml at all' });
    const report = await doctor(app);
    const c = check(report, 'toml:pyproject.toml');
    expectStatus(c, 'warn');
    expect(c.message).toContain('pyproject.toml is not valid TOML');
  });
});
