import { afterEach, describe, expect, it, vi } from 'vitest';
import { check, doctor, expectStatus, useTempApps } from './support.js';

const makeApp = useTempApps();

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('forbidden config vars', () => {
  it('passes without config vars, even when the shell has a forbidden one', async () => {
    vi.stubEnv('VIRTUAL_ENV', '/home/me/.venv');
    const report = await doctor(await makeApp({ 'requirements.txt': '' }), { hostEnv: { ...process.env } });
    expectStatus(check(report, 'forbidden-env'), 'pass');
  });

  it('fails on --env flags that set one, listing them in the buildpack order', async () => {
    const report = await doctor(await makeApp({ 'requirements.txt': '' }), {
      env: { VIRTUAL_ENV: '', PIP_TARGET: '/x', PYTHONPATH: 'src' },
    });
    const c = check(report, 'forbidden-env');
    expectStatus(c, 'fail');
    expect(c.code).toBe('forbidden-env-vars');
    expect(c.message).toContain('PIP_TARGET, VIRTUAL_ENV');
    expect(c.message).not.toContain('PYTHONPATH');
    expect(report.ok).toBe(false);
  });

  it("fails on the config file's env", async () => {
    const app = await makeApp({ 'requirements.txt': '', '.buildpackrc.json': JSON.stringify({ env: { UV_CACHE_DIR: '/tmp/uv' } }) });
    const c = check(await doctor(app), 'forbidden-env');
    expectStatus(c, 'fail');
    expect(c.message).toContain('UV_CACHE_DIR');
  });

  it('passes with allowed config vars, counting them', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '' }), { env: { PYTHONPATH: 'src', virtual_env: 'x' } }), 'forbidden-env');
    expectStatus(c, 'pass');
    expect(c.message).toContain('2 config vars');
  });
});

describe('Procfile', () => {
  it('passes with a web process', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', Procfile: 'release: ./migrate\nweb: gunicorn app:app\n' })), 'procfile');
    expectStatus(c, 'pass');
    expect(c.message).toContain('gunicorn app:app');
  });

  it('warns without a Procfile', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '' })), 'procfile');
    expectStatus(c, 'warn');
    expect(c.message).toContain('No Procfile');
    expect(c.fix).toContain('web:');
  });

  it('warns about a Procfile without web:', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', Procfile: 'worker: python worker.py\n' })), 'procfile');
    expectStatus(c, 'warn');
    expect(c.message).toContain('no web process (only worker)');
  });

  it('warns about an indented web: line, which Heroku (and pybp run web) do not read', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', Procfile: 'worker: python w.py\n  web: gunicorn app:app\n' })), 'procfile');
    expectStatus(c, 'warn');
    expect(c.message).toContain('indented line (line 2)');
    expect(c.fix).toContain('Remove the blanks before "web:"');
  });

  it('warns about a misnamed procfile', async () => {
    const c = check(await doctor(await makeApp({ 'requirements.txt': '', 'Procfile.txt': 'web: x\n' })), 'procfile');
    expectStatus(c, 'warn');
    expect(c.fix).toContain('git mv "Procfile.txt" Procfile');
  });
});
