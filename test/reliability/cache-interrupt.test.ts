// Ctrl-C while a cached layer streams in rolls back like any other
// interruption: pybp stops (exit 130), the layers dir has neither the
// half-restored layer nor the staging dir, and the next build is fine. The
// registry is an in-process fake serving a pack-shaped cache image (no pybp
// provenance label) whose uv blob sends a few bytes and then nothing.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { BUILD_ENV_FLAGS, writeToolsConfig } from '../support/build-flags.js';
import { startPybp } from '../support/cli.js';
import { testInfra } from '../support/context.js';

const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('an interrupted restore', () => {
  let server: Server;
  let host = '';
  const stalled: ServerResponse[] = [];
  let blobAsked: () => void = () => {};
  const asked = new Promise<void>((r) => (blobAsked = r));

  beforeAll(async () => {
    const arch = process.arch === 'arm64' ? 'arm64' : 'amd64';
    const diffId = sha('not really a tar');
    const blobDigest = sha('not really a blob');
    const label = { sbom: { sha: '' }, buildpacks: [{ key: 'heroku/python', version: '6.5.6', layers: { uv: { sha: diffId, data: { arch, uv_version: '0.11.33' }, build: true, launch: false, cache: true } } }] };
    const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: arch, rootfs: { type: 'layers', diff_ids: [diffId] }, config: { Labels: { 'io.buildpacks.lifecycle.cache.metadata': JSON.stringify(label) } } }));
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: blobDigest, size: 50_000_000 }],
    });
    server = createServer((req, res) => {
      const url = req.url ?? '';
      if (url === '/v2/') return void res.writeHead(200).end('{}');
      if (url.endsWith('/manifests/latest')) return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
      if (url.endsWith(`/blobs/${sha(config)}`)) return void res.writeHead(200).end(config);
      if (url.endsWith(`/blobs/${blobDigest}`)) {
        res.writeHead(200, { 'content-length': '50000000' });
        res.write(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03]));
        stalled.push(res);
        blobAsked();
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const res of stalled) res.destroy();
    await new Promise((r) => server.close(r));
  });

  it('SIGINT during the blob download: exit 130, nothing half-restored, and the next build works', async () => {
    const { indexUrl } = testInfra();
    const app = join(await makeTempDir(), 'uv app');
    await makeUvApp(app, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(app, indexUrl);
    const run = startPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS, '--cache-image', `${host}/app-cache:latest`]);
    await asked;
    run.signal('SIGINT');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(130);
    const report = JSON.parse(result.stdout) as { status: string; error: { code: string } };
    expect(report.status).toBe('interrupted');
    const layers = join(app, '.pybp', 'layers');
    expect(existsSync(join(layers, 'uv'))).toBe(false);
    expect(existsSync(join(layers, 'uv.toml'))).toBe(false);
    expect(existsSync(join(layers, '.pybp', 'restore'))).toBe(false);

    // Without the cache, the same layers dir builds as usual.
    const again = startPybp(['build', app, '--json', '--python-source', 'local', ...BUILD_ENV_FLAGS]);
    const done = await again.done;
    expect(done.code, done.stderr).toBe(0);
  });
});
