// End-to-end: the other ways to fill tool and python layers. uv from an
// Astral-style release archive (tools.uv.source "astral", as the buildpack
// downloads it), served on loopback with the same binary as the wheel's.
import { execFileSync } from 'node:child_process';
import { mkdir, copyFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createReadStream } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { ensureTools } from '../support/tools.js';
import { actionsOf, BUILD_ENV_FLAGS, explain, explainThenBuild, runCli } from './pybp.js';

function serveFiles(files: Record<string, string>): Promise<{ url: string; server: Server; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/gzip' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, hits })));
}

describe('uv from the release archive (tools.uv.source astral)', () => {
  let app: string;
  let served: Awaited<ReturnType<typeof serveFiles>>;

  beforeAll(async () => {
    const { indexUrl } = testInfra();
    const { uv } = await ensureTools();
    const scratch = await makeTempDir('pybp uv-archive-');
    const top = join(scratch, 'uv-x86_64-unknown-linux-gnu');
    await mkdir(top);
    await copyFile(uv, join(top, 'uv'));
    await copyFile(join(uv, '..', 'uvx'), join(top, 'uvx'));
    const archive = join(scratch, 'uv.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', scratch, 'uv-x86_64-unknown-linux-gnu']);
    served = await serveFiles({ '/uv/0.11.33/uv-x86_64-unknown-linux-gnu.tar.gz': archive });

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
    expect(served.hits).toEqual(['/uv/0.11.33/uv-x86_64-unknown-linux-gnu.tar.gz']);
    const r = await runCli(['run', app, '--', 'python', '-c', 'import tinyweb; print(tinyweb.hello())']);
    expect(r.stdout).toContain('hello from tinyweb 1.0.0');
  });

  it('maps a failed download to uv-download-failed and keeps the previous layers', async () => {
    await writeFile(
      join(app, '.buildpackrc.json'),
      JSON.stringify({ tools: { indexUrl: testInfra().indexUrl, uv: { source: 'astral', archiveUrlTemplate: `${served.url}/missing/{version}.tar.gz` } } }),
    );
    // --clear-cache makes every layer again, so uv is downloaded.
    const r = await runCli(['build', app, '--json', '--python-source', 'local', '--clear-cache', ...BUILD_ENV_FLAGS]);
    const report = JSON.parse(r.stdout) as { status: string; error: { code: string; message: string }; layers: Array<{ name: string; action: string }> };
    expect(r.code).toBe(1);
    expect(report.error.code).toBe('uv-download-failed');
    expect(report.error.message).toContain('HTTP 404');
    expect(actionsOf(report)).toEqual({ python: 'create', uv: 'create', 'uv-cache': 'rebuild-always', venv: 'create' });
    // A failed --clear-cache build is rolled back like any other: the old cache is still there.
    expect(actionsOf(await explain(app))).toEqual({ python: 'reuse', uv: 'reuse', 'uv-cache': 'rebuild-always', venv: 'reuse' });
  });
});
