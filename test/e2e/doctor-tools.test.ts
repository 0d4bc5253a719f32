// End-to-end: doctor gets the pinned uv it needs. On an empty pybp cache it
// installs uv 0.11.33 into pybp's tool cache (the bundled pip of a local
// Python, --require-hashes against pybp's pins), from the loopback index named
// by the user's --config, says so on stderr, and checks the lock with it: a
// stale uv.lock fails on a fresh machine. `--offline` downloads nothing.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makePoetryApp, makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { POETRY_VERSION, UV_VERSION } from '../../src/engine/core/versions.js';
import { UV_BINARY_SHA256 } from '../../src/engine/tools/pinned-hashes.js';
import { runPybp } from './pybp.js';

interface DoctorJson {
  checks: Array<{ id: string; status: string; code?: string; message: string; fix?: string }>;
}

describe("doctor installs pybp's own pinned uv when a check needs it", () => {
  let root: string;
  let app: string;
  let userConfig: string;

  beforeAll(async () => {
    root = await makeTempDir('pybp doctor-tools-');
    app = await makeUvApp(join(root, 'app'), { indexUrl: testInfra().indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    // A dependency added after locking: uv.lock is stale, and only uv can tell.
    const pyproject = readFileSync(join(app, 'pyproject.toml'), 'utf8');
    await writeFile(join(app, 'pyproject.toml'), pyproject.replace('"tinyweb==1.0.0"', '"tinyweb==1.0.0", "tinydep"'));
    // The index is the user's choice (a --config file outside the app), never the app's config.
    userConfig = join(root, 'user-config.json');
    await writeFile(userConfig, JSON.stringify({ tools: { indexUrl: testInfra().indexUrl } }));
  });

  it('on an empty cache: installs it (progress on stderr), hash-checked, and finds the stale lock', async () => {
    const cache = join(root, 'cache');
    const r = await runPybp(['doctor', app, '--json', '--config', userConfig], { env: { XDG_CACHE_HOME: cache, PATH: '/usr/bin:/bin' } });
    expect(r.stderr).toContain(`pybp doctor: Installing uv ${UV_VERSION} into ${join(cache, 'pybp', 'tools', `uv-${UV_VERSION}`)}`);
    const check = (JSON.parse(r.stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date');
    expect(check?.status, check?.message).toBe('fail');
    expect(check?.message).toContain('uv.lock is out of date with pyproject.toml');
    const uv = join(cache, 'pybp', 'tools', `uv-${UV_VERSION}`, 'bin', 'uv');
    expect(Object.values(UV_BINARY_SHA256)).toContain(createHash('sha256').update(readFileSync(uv)).digest('hex'));

    // The next doctor uses that copy: nothing installed again.
    const again = await runPybp(['doctor', app, '--json', '--config', userConfig], { env: { XDG_CACHE_HOME: cache, PATH: '/usr/bin:/bin' } });
    expect(again.stderr).not.toContain('Installing uv');
    expect((JSON.parse(again.stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date')?.status).toBe('fail');
  });

  it('--offline downloads nothing: the check says it could not check, and why', async () => {
    const cache = join(root, 'offline-cache');
    const r = await runPybp(['doctor', app, '--json', '--offline', '--config', userConfig], { env: { XDG_CACHE_HOME: cache, PATH: '/usr/bin:/bin' } });
    expect(r.stderr).not.toContain('Installing uv');
    const check = (JSON.parse(r.stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date');
    expect(check?.status).toBe('warn');
    expect(check?.message).toContain(`--offline: pybp does not download uv ${UV_VERSION}`);
    expect(check?.fix).not.toContain('pybp build');
    expect(existsSync(join(cache, 'pybp', 'tools'))).toBe(false);
  });
});

describe("doctor installs pybp's own pinned Poetry when the lock check needs it", () => {
  it('installs it hash-checked from the --config index, finds a stale poetry.lock, and never runs a copy changed since', async () => {
    const root = await makeTempDir('pybp doctor-poetry-');
    const app = await makePoetryApp(join(root, 'app'), { indexUrl: testInfra().indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    const pyproject = readFileSync(join(app, 'pyproject.toml'), 'utf8');
    await writeFile(join(app, 'pyproject.toml'), pyproject.replace('"tinyweb==1.0.0"', '"tinyweb==1.0.0", "tinydep"'));
    const userConfig = join(root, 'user-config.json');
    await writeFile(userConfig, JSON.stringify({ tools: { indexUrl: testInfra().indexUrl } }));
    const cache = join(root, 'cache');
    const env = { XDG_CACHE_HOME: cache, PATH: '/usr/bin:/bin' };
    const r = await runPybp(['doctor', app, '--json', '--config', userConfig], { env });
    expect(r.stderr).toContain(`pybp doctor: Installing Poetry ${POETRY_VERSION} into ${join(cache, 'pybp', 'tools', `poetry-${POETRY_VERSION}-py3.`)}`);
    const check = (JSON.parse(r.stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date');
    expect(check?.status, check?.message).toBe('fail');
    expect(check?.message).toContain('poetry.lock is out of date');

    // A file of that copy changed afterwards (a restored or planted cache): --offline neither runs it nor reinstalls.
    const [copy] = (await readdir(join(cache, 'pybp', 'tools'))).filter((n) => n.startsWith(`poetry-${POETRY_VERSION}-py3.`));
    const marker = join(root, 'planted-ran');
    await appendFile(join(cache, 'pybp', 'tools', copy, 'poetry', '__init__.py'), `\nopen(${JSON.stringify(marker)}, 'w').write('x')\n`);
    const offline = await runPybp(['doctor', app, '--json', '--offline', '--config', userConfig], { env });
    const unchecked = (JSON.parse(offline.stdout) as DoctorJson).checks.find((c) => c.id === 'lockfile-out-of-date');
    expect(unchecked?.status).toBe('warn');
    expect(unchecked?.message).toContain(`--offline: pybp does not download Poetry ${POETRY_VERSION}`);
    expect(existsSync(marker)).toBe(false);
  }, 600_000);
});
