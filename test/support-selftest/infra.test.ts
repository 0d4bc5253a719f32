// The test infrastructure itself: wheels pip accepts, an index pip, uv and
// Poetry resolve and install from, and apps whose lock files point at it.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { makePoetryApp, makeTempDir, makeUvApp, poetryEnv, pythonFor, uvEnv, writeDjangoProject } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { hermeticEnv, run } from '../support/env.js';
import { startIndex } from '../support/index-server.js';
import { TOOL_PINS } from '../support/wheelhouse.js';
import { buildWheel, normalizeProjectName, wheelFilename } from '../support/wheels.js';
import { listZip, readZipEntry } from '../support/zip.js';

const infra = testInfra();
// Removed with the test that made it (test/support/temp-dirs.ts).
const tempDir = makeTempDir;

/** A pip-less venv, made the way the buildpack makes `<layers>/venv`. */
async function bareVenv(minor: string): Promise<string> {
  const venv = join(await tempDir('pybp venv-'), 'venv');
  await run(pythonFor(minor), ['-m', 'venv', '--without-pip', venv]);
  return venv;
}

describe('buildWheel', () => {
  test('writes a normalised filename, METADATA, entry points and a RECORD whose hashes match', async () => {
    const dir = await tempDir();
    const path = await buildWheel(dir, {
      name: 'Tiny.Web-Kit',
      version: '2.0',
      requires: ['tinydep>=0.1'],
      scripts: { 'tiny-kit': 'tiny_web_kit:main' },
      requiresPython: '>=3.10',
    });
    expect(path).toBe(join(dir, 'tiny_web_kit-2.0-py3-none-any.whl'));
    expect(wheelFilename('Tiny.Web-Kit', '2.0')).toBe('tiny_web_kit-2.0-py3-none-any.whl');
    expect(normalizeProjectName('Tiny.Web_Kit')).toBe('tiny-web-kit');

    const zip = await readFile(path);
    const names = listZip(zip);
    expect(names).toEqual([
      'tiny_web_kit/__init__.py',
      'tiny_web_kit-2.0.dist-info/METADATA',
      'tiny_web_kit-2.0.dist-info/WHEEL',
      'tiny_web_kit-2.0.dist-info/entry_points.txt',
      'tiny_web_kit-2.0.dist-info/RECORD',
    ]);
    const text = (name: string) => readZipEntry(zip, (n) => n === name)!.data.toString();
    expect(text('tiny_web_kit-2.0.dist-info/METADATA')).toContain('Requires-Dist: tinydep>=0.1\n');
    expect(text('tiny_web_kit-2.0.dist-info/entry_points.txt')).toBe('[console_scripts]\ntiny-kit = tiny_web_kit:main\n');
    const record = text('tiny_web_kit-2.0.dist-info/RECORD').trim().split('\n');
    expect(record.at(-1)).toBe('tiny_web_kit-2.0.dist-info/RECORD,,');
    for (const line of record.slice(0, -1)) {
      const [name, hash, size] = line.split(',');
      const data = readZipEntry(zip, (n) => n === name)!.data;
      expect(hash).toBe(`sha256=${createHash('sha256').update(data).digest('base64url')}`);
      expect(Number(size)).toBe(data.length);
    }
  });

  test('gives byte-identical wheels for the same inputs', async () => {
    const a = await buildWheel(await tempDir(), { name: 'same', version: '1.0' });
    const b = await buildWheel(await tempDir(), { name: 'same', version: '1.0' });
    expect(await readFile(a)).toEqual(await readFile(b));
  });
});

describe('startIndex', () => {
  test('serves PEP 503 pages with hashes, requires-python, core metadata and redirects to normalised names', async () => {
    const dir = await tempDir();
    const wheel = await buildWheel(dir, { name: 'Tiny.Future', version: '1.0', requiresPython: '>=3.99,<4' });
    const index = await startIndex([dir]);
    try {
      expect(index.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/simple\/$/);
      const root = await (await fetch(index.url)).text();
      expect(root).toContain('<a href="/simple/tiny-future/">tiny-future</a>');

      const redirected = await fetch(new URL('Tiny.Future', index.url), { redirect: 'manual' });
      expect(redirected.status).toBe(301);
      expect(redirected.headers.get('location')).toBe('/simple/tiny-future/');

      const page = await (await fetch(new URL('tiny-future/', index.url))).text();
      const bytes = await readFile(wheel);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const link = /<a href="([^"#]+)#sha256=([0-9a-f]{64})"([^>]*)>/.exec(page);
      expect(link?.[2]).toBe(sha);
      expect(link?.[3]).toContain('data-requires-python="&gt;=3.99,&lt;4"');

      const file = await fetch(new URL(link![1], index.url));
      expect(Buffer.from(await file.arrayBuffer())).toEqual(bytes);
      const metadata = await (await fetch(new URL(`${link![1]}.metadata`, index.url))).text();
      expect(metadata).toContain('Name: Tiny.Future\n');
      expect(link?.[3]).toContain(`data-core-metadata="sha256=${createHash('sha256').update(metadata).digest('hex')}"`);

      expect((await fetch(new URL('nothing-here/', index.url))).status).toBe(404);
      // A wheel added after start is served without a restart.
      await buildWheel(dir, { name: 'late', version: '0.1' });
      expect((await fetch(new URL('late/', index.url))).status).toBe(200);
    } finally {
      await index.close();
    }
  });
});

describe('the run-wide index, with the real tools', () => {
  test(`pip ${TOOL_PINS.pip} (as the buildpack runs it) installs tinyweb and its dependency into a venv`, async () => {
    const pipWheel = join(infra.wheelhouseDir, `pip-${TOOL_PINS.pip}-py3-none-any.whl`);
    const venv = await bareVenv('3.12');
    await run(pythonFor('3.12'), [join(pipWheel, 'pip'), '--python', join(venv, 'bin', 'python'), 'install', '--quiet', '--index-url', infra.indexUrl, 'tinyweb==1.0.0'], {
      env: hermeticEnv(),
    });
    const { stdout } = await run(join(venv, 'bin', 'python'), ['-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(stdout.trim()).toBe('hello from tinyweb 1.0.0 (tinydep 0.1.0)');
    const { stdout: script } = await run(join(venv, 'bin', 'tinyweb'), []);
    expect(script.trim()).toBe('hello from tinyweb 1.0.0 (tinydep 0.1.0)');
  });

  test('the index also serves the tool wheelhouse (pip, Poetry, uv at the pinned versions)', async () => {
    for (const [name, version] of Object.entries(TOOL_PINS)) {
      const page = await (await fetch(new URL(`${name}/`, infra.indexUrl))).text();
      expect(page).toContain(`${name}-${version}-`);
    }
    expect((await readdir(infra.wheelhouseDir)).some((f) => /^rapidfuzz-.*-cp313-/.test(f))).toBe(true);
  });

  test('uv locks and syncs a uv app (main group only) and fakedjango runs collectstatic', async () => {
    const app = await makeUvApp(join(await tempDir(), 'my app'), {
      indexUrl: infra.indexUrl,
      python: '3.12',
      dependencies: ['tinyweb==1.0.0', 'fakedjango==5.0'],
      devDependencies: ['tinydev==0.1.0'],
    });
    const lock = await readFile(join(app, 'uv.lock'), 'utf8');
    expect(lock).toContain(`source = { registry = "${infra.indexUrl}" }`);
    expect(lock).toMatch(/name = "tinydev"/);

    const venv = await bareVenv('3.12');
    await run(infra.uvPath, ['sync', '--locked', '--no-default-groups', '--no-progress'], {
      cwd: app,
      env: uvEnv('3.12', { UV_PROJECT_ENVIRONMENT: venv }),
    });
    const python = join(venv, 'bin', 'python');
    const { stdout } = await run(python, ['-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(stdout.trim()).toBe('hello from tinyweb 1.0.0 (tinydep 0.1.0)');
    await expect(run(python, ['-c', 'import tinydev'])).rejects.toThrow(/No module named 'tinydev'/);

    // What the buildpack's Django step checks and runs (spec §11).
    expect(existsSync(join(venv, 'bin', 'django-admin'))).toBe(true);
    await writeDjangoProject(app);
    await run(python, ['manage.py', 'help', 'collectstatic'], { cwd: app });
    const collected = await run(python, ['manage.py', 'collectstatic', '--noinput'], { cwd: app });
    expect(collected.stdout).toContain(`1 static file copied to '${join(app, 'staticfiles')}'.`);
    expect(await readFile(join(app, 'staticfiles', 'site.css'), 'utf8')).toContain('rebeccapurple');

    await writeDjangoProject(app, { staticfiles: false });
    await expect(run(python, ['manage.py', 'help', 'collectstatic'], { cwd: app })).rejects.toThrow(/Unknown command: 'collectstatic'/);
  });

  test('Poetry locks a Poetry app against the index and syncs it into a venv', async () => {
    const app = await makePoetryApp(join(await tempDir(), 'my app'), {
      indexUrl: infra.indexUrl,
      python: '3.13',
      dependencies: ['tinyweb==1.1.0'],
      devDependencies: ['tinydev==0.1.0'],
    });
    const lock = await readFile(join(app, 'poetry.lock'), 'utf8');
    expect(lock).toContain(`url = "${infra.indexUrl.replace(/\/$/, '')}"`);
    expect(lock).toContain('reference = "local"');
    expect(lock).toMatch(/name = "tinyweb"\nversion = "1\.1\.0"/);
    expect(lock).toMatch(/name = "tinydev"\nversion = "0\.1\.0"/);

    const venv = await bareVenv('3.13');
    const scratch = await tempDir('pybp poetry-');
    await run(infra.poetryPath, ['sync', '--only', 'main', '--no-interaction'], {
      cwd: app,
      env: poetryEnv(scratch, '3.13', { VIRTUAL_ENV: venv }),
    });
    const python = join(venv, 'bin', 'python');
    const { stdout } = await run(python, ['-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(stdout.trim()).toBe('hello from tinyweb 1.1.0 (tinydep 0.1.0)');
    await expect(run(python, ['-c', 'import tinydev'])).rejects.toThrow(/No module named 'tinydev'/);
  });
});
