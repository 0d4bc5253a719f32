// End-to-end: doctor's verdicts with the real pinned uv and Poetry on the
// loopback index: a stale lock, a Procfile command no dependency installs, a
// locked package with only macOS wheels.
import { randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePoetryApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { publishWheel } from '../support/wheels.js';
import { BUILD_ENV_FLAGS, runPybp } from './pybp.js';

interface DoctorJson {
  ok: boolean;
  checks: Array<{ id: string; status: string; message: string; fix?: string; code?: string }>;
}

/** doctor --json with the pinned uv and Poetry the tests installed on PATH (as a user who has them). */
async function doctor(app: string): Promise<DoctorJson> {
  const { uvPath, poetryPath } = testInfra();
  const env = { PATH: `${dirname(uvPath)}:${dirname(poetryPath)}:${process.env.PATH ?? ''}` };
  const r = await runPybp(['doctor', app, '--json', ...BUILD_ENV_FLAGS], { env });
  try {
    return JSON.parse(r.stdout) as DoctorJson;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

function checkOf(report: DoctorJson, id: string): DoctorJson['checks'][number] {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('doctor with real tools', () => {
  let root: string;
  beforeAll(async () => {
    root = await makeTempDir();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('fails lockfile-out-of-date for a uv.lock made before a dependency was added', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'stale uv'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const fresh = checkOf(await doctor(app), 'lockfile-out-of-date');
    expect(fresh.status, fresh.message).toBe('pass');
    expect(fresh.message).toContain('uv.lock is up to date');

    const pyproject = join(app, 'pyproject.toml');
    await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace('"tinyweb==1.0.0"', '"tinyweb==1.0.0", "tinydev==0.1.0"'));
    const report = await doctor(app);
    const stale = checkOf(report, 'lockfile-out-of-date');
    expect(stale.status, stale.message).toBe('fail');
    expect(stale.code).toBe('lockfile-out-of-date');
    expect(stale.message).toContain('uv.lock is out of date with pyproject.toml');
    expect(stale.fix).toContain('uv lock');
    expect(report.ok).toBe(false);
  });

  it('fails lockfile-out-of-date for a stale poetry.lock', async () => {
    const { indexUrl } = testInfra();
    const app = await makePoetryApp(join(root, 'stale poetry'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    expect(checkOf(await doctor(app), 'lockfile-out-of-date').status).toBe('pass');
    const pyproject = join(app, 'pyproject.toml');
    await writeFile(pyproject, (await readFile(pyproject, 'utf8')).replace('"tinyweb==1.0.0"', '"tinyweb==1.0.0", "tinydev==0.1.0"'));
    const stale = checkOf(await doctor(app), 'lockfile-out-of-date');
    expect(stale.status, stale.message).toBe('fail');
    expect(stale.message).toContain('poetry.lock is out of date');
    expect(stale.fix).toContain('poetry lock');
  });

  it('fails procfile-command-missing for gunicorn, passes a command a locked package installs', async () => {
    const { indexUrl } = testInfra();
    const app = await makeUvApp(join(root, 'procfile'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeFile(join(app, 'Procfile'), 'web: gunicorn app:app\nworker: tinyweb\n');
    const report = await doctor(app);
    const web = checkOf(report, 'procfile-command:web');
    expect(web.status, web.message).toBe('fail');
    expect(web.code).toBe('procfile-command-missing');
    expect(web.message).toContain('no dependency in uv.lock is named gunicorn');
    expect(web.fix).toContain('uv add gunicorn');
    expect(checkOf(report, 'procfile-command:worker').status).toBe('pass');
  });

  it('fails no-linux-wheel for a locked package with only macOS wheels', async () => {
    const { indexUrl, testWheelsDir } = testInfra();
    // A project name of this run only: the index is shared by every test file.
    const name = `maconly${randomBytes(3).toString('hex')}`;
    await publishWheel(testWheelsDir, { name, version: '1.0.0' }, 'cp312-cp312-macosx_11_0_arm64');
    const app = await makeUvApp(join(root, 'mac wheels'), { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0', `${name}==1.0.0`] });
    const c = checkOf(await doctor(app), 'no-linux-wheel');
    expect(c.status, c.message).toBe('fail');
    expect(c.code).toBe('no-linux-wheel');
    expect(c.message).toContain(`${name} 1.0.0 (wheels only for: cp312-cp312-macosx_11_0_arm64)`);
    expect(c.message).toContain('CPython 3.12 on Ubuntu 24.04 (glibc 2.39, amd64)');
    expect(c.message).not.toContain('tinyweb');
  });
});
