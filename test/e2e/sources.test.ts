// End-to-end: the other ways to fill tool and python layers, each served on
// loopback: uv from an Astral-style release archive (tools.uv.source
// "astral", as the buildpack downloads it), and Python from a Heroku-style
// zstd archive (python.source "heroku").
import { execFileSync } from 'node:child_process';
import { mkdir, copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { serveFiles, serveStalling } from '../support/file-server.js';
import { tarHardLinkedTree } from '../support/tar.js';
import { startPybp } from '../support/cli.js';
import { ensureTools } from '../support/tools.js';
import { mapNodeArch, unameArch } from '../../src/engine/core/target.js';
import { actionsOf, BUILD_ENV_FLAGS, build, explain, explainThenBuild, runPybp } from './pybp.js';

/** This machine's arch as uv's archives name it (uv runs here, whatever the target). */
const hostUname = unameArch(mapNodeArch(process.arch));

describe('uv from the release archive (tools.uv.source astral)', () => {
  let app: string;
  let served: Awaited<ReturnType<typeof serveFiles>>;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    const { uv } = await ensureTools();
    const scratch = await makeTempDir('pybp uv-archive-');
    const top = join(scratch, `uv-${hostUname}-unknown-linux-gnu`);
    await mkdir(top);
    await copyFile(uv, join(top, 'uv'));
    await copyFile(join(uv, '..', 'uvx'), join(top, 'uvx'));
    const archive = join(scratch, 'uv.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', scratch, `uv-${hostUname}-unknown-linux-gnu`]);
    served = await serveFiles({ [`/uv/0.11.33/uv-${hostUname}-unknown-linux-gnu.tar.gz`]: archive });

    app = join(await makeTempDir(), 'uv archive app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeFile(
      join(app, '.buildpackrc.json'),
      JSON.stringify({ tools: { indexUrl, uv: { source: 'astral', archiveUrlTemplate: `${served.url}/uv/{version}/uv-{uname_arch}-unknown-linux-gnu.tar.gz` } } }),
    );
  });

  afterAll(() => new Promise<void>((resolve) => served.server.close(() => resolve())));

  it('downloads and unpacks uv into <layers>/uv/bin, stripping the top folder', async () => {
    const report = await explainThenBuild(app);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(actionsOf(report)).toMatchObject({ uv: 'create', venv: 'create' });
    expect(served.hits).toEqual([`/uv/0.11.33/uv-${hostUname}-unknown-linux-gnu.tar.gz`]);
    const r = await runPybp(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
  });

  it("a build for the other arch (--target) still downloads this machine's uv: uv runs on the build machine", async () => {
    const otherTarget = hostUname === 'x86_64' ? 'heroku-24/arm64' : 'heroku-24';
    served.hits.length = 0;
    const report = await build(app, ['--clear-cache', '--target', otherTarget]);
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(served.hits).toEqual([`/uv/0.11.33/uv-${hostUname}-unknown-linux-gnu.tar.gz`]);
    // The layers are still written for the target the build was asked for.
    expect(report.layers.find((l) => l.name === 'uv')?.action).toBe('create');
    const uvToml = await readFile(join(app, '.pybp', 'layers', 'uv.toml'), 'utf8');
    expect(uvToml).toContain(`arch = "${hostUname === 'x86_64' ? 'arm64' : 'amd64'}"`);
    // Back to this machine's target, for the tests below (which expect its layers reused).
    expect((await build(app)).status).toBe('succeeded');
  });

  it('Ctrl-C during the download: interrupted, exit 130, the previous layers kept', async () => {
    const stalling = await serveStalling();
    const url = stalling.url;
    await writeFile(
      join(app, '.buildpackrc.json'),
      JSON.stringify({ tools: { indexUrl: testInfra().indexUrl, uv: { source: 'astral', archiveUrlTemplate: `${url}/{version}.tar.gz` } } }),
    );
    const build = startPybp(['build', app, '--json', '--python-source', 'local', '--clear-cache', ...BUILD_ENV_FLAGS]);
    try {
      await stalling.requested;
      build.signal('SIGINT');
      const { code, stdout } = await build.done;
      const report = JSON.parse(stdout) as { status: string; error: { code: string; message: string } };
      expect(code).toBe(130);
      expect(report.status).toBe('interrupted');
      expect(report.error.code).toBe('interrupted');
      expect(report.error.message).toContain('Downloading uv 0.11.33');
      expect(actionsOf(await explain(app))).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
    } finally {
      await stalling.close();
    }
  });

  it('maps a failed download to uv-download-failed and keeps the previous layers', async () => {
    await writeFile(
      join(app, '.buildpackrc.json'),
      JSON.stringify({ tools: { indexUrl: testInfra().indexUrl, uv: { source: 'astral', archiveUrlTemplate: `${served.url}/missing/{version}.tar.gz` } } }),
    );
    // --clear-cache makes every layer again, so uv is downloaded.
    const r = await runPybp(['build', app, '--json', '--python-source', 'local', '--clear-cache', ...BUILD_ENV_FLAGS]);
    const report = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string }; layers: Array<{ name: string; action: string }> };
    expect(r.code).toBe(1);
    expect(report.error.code).toBe('uv-download-failed');
    expect(report.error.message).toContain('HTTP 404');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
    // A failed --clear-cache build is rolled back like any other: the old cache is still there.
    expect(actionsOf(await explain(app))).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
  });
});

describe("Python from Heroku's archive (python.source heroku)", () => {
  let app: string;
  let served: Awaited<ReturnType<typeof serveFiles>>;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    // A Heroku-shaped archive: the layer layout at the archive's root, zstd tar.
    const scratch = await makeTempDir('pybp py-archive-');
    const tree = join(scratch, 'tree');
    const { choosePythonSource, installPythonLayer } = await import('../../src/engine/python-source/index.js');
    const { hostTarget } = await import('../../src/engine/core/target.js');
    const choice = await choosePythonSource({ resolvedVersion: '3.12.13', requestedPinned: false, source: 'local', target: hostTarget(), hostIsTarget: false, search: {}, uv: { usable: false, why: 'not used' } });
    await mkdir(tree);
    await installPythonLayer(choice, tree, { origin: '.python-version' });
    const archive = join(scratch, 'python.tar.zst');
    tarHardLinkedTree(['--zstd', '-cf', archive, '-C', tree, '.'], { ...process.env, ZSTD_CLEVEL: '1' });
    served = await serveFiles({ '/python-3.12.13-ubuntu-24.04-amd64.tar.zst': archive });

    app = join(await makeTempDir(), 'heroku python app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeFile(
      join(app, '.buildpackrc.json'),
      JSON.stringify({ target: 'heroku-24', python: { source: 'heroku', archiveUrlTemplate: `${served.url}/python-{version}-{distro_name}-{distro_version}-{arch}.tar.zst` }, tools: { indexUrl } }),
    );
  });

  afterAll(() => new Promise<void>((resolve) => served.server.close(() => resolve())));

  it('streams the archive into the python layer and builds on it', async () => {
    const r = await runPybp(['build', app, '--json', ...BUILD_ENV_FLAGS]);
    const report = JSON.parse(r.stdout) as { status: string; error: unknown; python: { source: string }; layers: Array<{ name: string; action: string }> };
    expect(report.status, JSON.stringify(report.error)).toBe('succeeded');
    expect(report.python.source).toBe('heroku');
    expect(served.hits).toEqual(['/python-3.12.13-ubuntu-24.04-amd64.tar.zst']);
    const run = await runPybp(['run', app, '--', 'python', '-c', 'import sys, tinyweb; print(sys.prefix, tinyweb.hello())']);
    expect(run.stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('a 404 for an alias-resolved version is python-download-failed', async () => {
    await writeFile(join(app, '.python-version'), '3.13\n');
    const r = await runPybp(['build', app, '--json', ...BUILD_ENV_FLAGS]);
    const report = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    expect(r.code).toBe(1);
    expect(report.error.code).toBe('python-download-failed');
  });
});
