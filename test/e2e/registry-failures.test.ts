// End-to-end: what a build says and does when the cache image's registry
// misbehaves (the in-process fake registry, test/support/fake-registry.ts).
// Whatever the registry does, the build succeeds (exit 0) and says why the
// cache was not used or not saved: a warning with its code, the cause's own
// code and a fix, in --json and in the plain output. A malformed reference is
// bad usage (exit 2) and makes nothing. A blob pybp saved for one app is
// mounted, not uploaded again, into another app's cache image.
import { cp, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir, makeUvApp } from '../support/apps.js';
import { testInfra } from '../support/context.js';
import { type FakeRegistry, sha256, startFakeRegistry } from '../support/fake-registry.js';
import { BUILD_ENV_FLAGS, type BuildJson, runPybp, writeToolsConfig } from './pybp.js';

interface CacheJson {
  restore: { restored: Array<{ name: string }>; problem: string | null; cause: string | null } | null;
  save: { saved: string[]; stats: { bytesMoved: number; blobsSkipped: number; blobsMounted?: number } | null; problem: string | null; cause: string | null } | null;
}
type Report = Omit<BuildJson, 'warnings'> & { warnings: Array<{ code: string; message: string; cause?: string; fix?: string }>; cache?: CacheJson };

describe('a misbehaving registry never costs the build', () => {
  let root: string;
  let sources: string;
  const fakes: FakeRegistry[] = [];

  beforeAll(async () => {
    root = await makeTempDir('pybp registry-failures-');
    sources = join(root, 'sources');
    const { indexUrl } = testInfra();
    await makeUvApp(sources, { indexUrl, python: '3.12', dependencies: ['tinyweb==1.0.0'] });
    await writeToolsConfig(sources, indexUrl);
  });
  afterEach(async () => {
    for (const f of fakes.splice(0)) await f.close();
  });
  afterAll(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function fake(options: Parameters<typeof startFakeRegistry>[0] = {}): Promise<FakeRegistry> {
    const f = await startFakeRegistry(options);
    fakes.push(f);
    return f;
  }

  /**
   * One app for the failure cases: the first build is cold, the others warm rebuilds (a failing
   * restore fails before anything is decided, a failing save before anything is packed, so local
   * layers change nothing of what they test).
   */
  let shared: string | null = null;
  async function sharedApp(): Promise<string> {
    shared ??= await checkout('shared');
    return shared;
  }

  async function checkout(name: string): Promise<string> {
    const dir = join(root, name, 'app');
    await rm(dir, { recursive: true, force: true });
    await mkdir(join(dir, '..'), { recursive: true });
    await cp(sources, dir, { recursive: true });
    return dir;
  }

  async function build(app: string, image: string, opts: { json?: boolean; env?: Record<string, string> } = {}) {
    const json = opts.json ?? true;
    const r = await runPybp(['build', app, ...(json ? ['--json'] : []), '--python-source', 'local', ...BUILD_ENV_FLAGS, '--cache-image', image], { env: opts.env });
    if (!json) return { code: r.code, out: r.stdout + r.stderr, report: null as Report | null };
    let report: Report;
    try {
      report = JSON.parse(r.stdout) as Report;
    } catch {
      throw new Error(`build printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
    }
    return { code: r.code, out: r.stderr, report };
  }

  const warningsOf = (report: Report) => Object.fromEntries(report.warnings.filter((w) => w.code.startsWith('cache-')).map((w) => [w.code, w]));

  it('refused credentials: exit 0, both warnings with registry-unauthorized and the login to do', async () => {
    const f = await fake({ auth: { kind: 'basic', user: 'ci', pass: 'secret' } });
    const { code, report } = await build(await sharedApp(), `${f.host}/app:latest`);
    expect(code).toBe(0);
    expect(report!.status).toBe('succeeded');
    const w = warningsOf(report!);
    expect(w['cache-restore-failed']).toMatchObject({ cause: 'registry-unauthorized', fix: `Log in first: docker login ${f.host} (pybp reads ~/.docker/config.json, or $DOCKER_CONFIG).` });
    expect(w['cache-save-failed']).toMatchObject({ cause: 'registry-unauthorized' });
    expect(w['cache-save-failed']!.message).toContain(f.host);
    expect(report!.cache!.restore).toMatchObject({ cause: 'registry-unauthorized' });
    expect(report!.cache!.save).toMatchObject({ cause: 'registry-unauthorized', saved: [] });
  });

  it('rate limited: the plain output names the code, the cause and when to try again', async () => {
    const f = await fake();
    f.override = (_req, res, url) => {
      if (!url.pathname.startsWith('/v2/app/')) return false;
      res.writeHead(429, { 'retry-after': '3600', 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'rate limit' }] }));
      return true;
    };
    const { code, out } = await build(await sharedApp(), `${f.host}/app:latest`, { json: false });
    expect(code).toBe(0);
    expect(out).toContain('(cache-restore-failed)');
    expect(out).toContain('(cache-save-failed)');
    expect(out).toContain(`429 rate limited, retry after 3600 s (TOOMANYREQUESTS: rate limit)`);
    expect(out).toContain(`Fix (registry-rate-limited): Build again after 1 h, or log in (docker login ${f.host})`);
  });

  it('a registry that hangs: bounded by PYBP_REGISTRY_TIMEOUT, the save not tried again, exit 0', async () => {
    const f = await fake();
    f.override = (_req, _res, url) => url.pathname.includes('/manifests/'); // never answered
    const { code, report } = await build(await sharedApp(), `${f.host}/app:latest`, { env: { PYBP_REGISTRY_TIMEOUT: '1' } });
    expect(code).toBe(0);
    expect(report!.status).toBe('succeeded');
    const w = warningsOf(report!);
    expect(w['cache-restore-failed']).toMatchObject({ cause: 'registry-timeout' });
    expect(w['cache-restore-failed']!.message).toContain(`${f.host} did not answer for 1 s (reading the manifest)`);
    expect(w['cache-save-failed']).toMatchObject({ cause: 'registry-timeout' });
    expect(w['cache-save-failed']!.message).toMatch(/not tried: at the restore/);
    // The save asked nothing of it.
    expect(f.log.filter((l) => /^(HEAD|POST|PUT|PATCH) /.test(l))).toEqual([]);
  });

  it('a garbage manifest is cache-corrupt and the save writes a sound one; a digest reference is read from, never saved to', async () => {
    const f = await fake();
    f.manifests.set('app:latest', { type: 'application/vnd.oci.image.index.v1+json', body: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] })) });
    const app = await sharedApp();
    const first = await build(app, `${f.host}/app:latest`);
    expect(first.code).toBe(0);
    expect(warningsOf(first.report!)['cache-restore-failed']).toMatchObject({ cause: 'cache-corrupt' });
    expect(first.report!.cache!.save).toMatchObject({ saved: ['uv', 'venv'], cause: null, problem: null });

    const digest = sha256(f.manifests.get('app:latest')!.body);
    const pinned = await build(app, `${f.host}/app@${digest}`);
    expect(pinned.code).toBe(0);
    // Read (the manifest checked against the digest); the layers dir has its own layers, so nothing is taken.
    expect(pinned.report!.cache!.restore).toMatchObject({ problem: null, cause: null });
    const w = warningsOf(pinned.report!);
    expect(w['cache-restore-failed']).toBeUndefined();
    expect(w['cache-save-failed']).toMatchObject({ cause: 'registry-digest-reference', fix: 'A digest reference is read-only (the build restores from it); to save, name a tag: --cache-image REPO:TAG.' });
  });

  it("blobs saved for one app's cache image are mounted into another's, not uploaded again", async () => {
    const f = await fake();
    const app = await sharedApp();
    expect((await build(app, `${f.host}/app-a:latest`)).code).toBe(0);
    const { code, report } = await build(app, `${f.host}/app-b:latest`);
    expect(code).toBe(0);
    // uv and venv: the same bytes, mounted from app-a (pybp's record of where it saved them); the config is uploaded.
    expect(report!.cache!.save!.stats!.blobsMounted).toBe(2);
    expect(f.log.filter((l) => /^POST \/v2\/app-b\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=app-a$/.test(l))).toHaveLength(2);
    expect(report!.cache!.save!.stats!.bytesMoved).toBeLessThan(64 * 1024);
  });

  it('blobs that stall: one timeout, not one per layer; the layers are built, the save still goes', async () => {
    const f = await fake();
    const app = await sharedApp();
    expect((await build(app, `${f.host}/app:latest`)).code).toBe(0);
    const manifest = JSON.parse(f.manifests.get('app:latest')!.body.toString()) as { layers: Array<{ digest: string }> };
    const layerBlobs = new Set(manifest.layers.map((l) => l.digest));
    expect(layerBlobs.size).toBe(2);
    f.override = (req, _res, url) => req.method === 'GET' && layerBlobs.has(url.pathname.split('/').pop()!); // never answered
    // A fresh checkout at the same path: the build would restore uv and venv.
    shared = await checkout('shared');
    f.log.length = 0;
    const { code, report } = await build(app, `${f.host}/app:latest`, { env: { PYBP_REGISTRY_TIMEOUT: '1' } });
    expect(code).toBe(0);
    expect(report!.status).toBe('succeeded');
    const refused = report!.warnings.filter((w) => w.code === 'cache-layer-refused');
    expect(refused.map((w) => w.cause)).toEqual(['registry-timeout', 'registry-timeout']);
    expect(refused[1]!.message).toMatch(/could not be read: not tried, after an earlier layer: 127\.0\.0\.1:\d+ did not answer for 1 s/);
    expect(f.log.filter((l) => l.startsWith('GET ') && layerBlobs.has(l.split('/').pop()!))).toHaveLength(1);
    // The registry answered everything else: the save went (its blobs were there already).
    expect(report!.cache!.save).toMatchObject({ saved: ['uv', 'venv'], cause: null });
  });

  it('a malformed reference is bad usage (exit 2) and makes nothing', async () => {
    const app = await checkout('bad-ref');
    const r = await runPybp(['build', app, '--json', '--cache-image', 'registry.example.com/Team/App:latest']);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.error).toMatchObject({ code: 'usage', title: 'Not an image reference' });
    expect(report.error!.message).toContain('(team/app, in lower case, would be one)');
    expect(existsSync(join(app, '.pybp'))).toBe(false);
  });
});
