// Registries as people have them, against the in-process fake registry
// (test/support/fake-registry.ts): every failure is a stable code with a fix
// (references, 401/403/404/429/5xx, a registry down or hanging, garbage
// answers), blobs on the way in are exactly their size, uploads go HEAD
// first, mount from another repository where pybp saved the blob (201) or
// upload when the registry declines (202), in chunks or in one PUT, at
// whatever Location the registry gives, and every transfer is streamed.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { CacheIndex, IndexRead } from '../../../src/engine/cache/backend.js';
import { chooseCache } from '../../../src/engine/cache/choose.js';
import { imageCache, type ImageCacheOptions } from '../../../src/engine/cache/image-cache.js';
import { LIFECYCLE_CACHE_LABEL, type Provenance } from '../../../src/engine/cache/metadata.js';
import { extractLayer } from '../../../src/engine/cache/restore.js';
import { PybpError } from '../../../src/engine/core/errors.js';
import type { ProjectContext } from '../../../src/engine/project/project-context.js';
import { RegistryClient, RegistryError, retryAfterSeconds } from '../../../src/engine/io/registry/client.js';
import { parseImageRef } from '../../../src/engine/io/registry/reference.js';
import { type FakeOptions, type FakeRegistry, sha256, startFakeRegistry } from '../../support/fake-registry.js';

const fakes: FakeRegistry[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function fake(options: FakeOptions = {}): Promise<FakeRegistry> {
  const f = await startFakeRegistry(options);
  fakes.push(f);
  return f;
}

async function temp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'pybp-reg-edges-'));
  dirs.push(d);
  return d;
}

/** A HOME of its own (docker config, pybp's state dir with its blob record), with credentials for `host` if given. */
async function envFor(host?: string, user?: string, pass?: string): Promise<NodeJS.ProcessEnv> {
  const home = await temp();
  await mkdir(path.join(home, '.docker'));
  const auths = host && user ? { [host]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } } : {};
  await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths }));
  return { HOME: home, PATH: process.env.PATH, XDG_STATE_HOME: path.join(home, 'state') };
}

const PROVENANCE: Provenance = { version: 1, pybp: 'test', layersDir: '/x/.pybp/layers', python: null, host: { platform: 'linux', arch: 'amd64', distro: 'ubuntu-24.04' }, layers: {} };
const never = new AbortController().signal;

/** A uv layer dir; `bytes` of random content make a blob that does not compress away. */
async function uvLayer(bytes = 2000, seed?: Buffer): Promise<{ name: string; dir: string; data: Record<string, unknown>; types: { build: boolean; launch: boolean; cache: boolean } }> {
  const dir = path.join(await temp(), 'uv');
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(path.join(dir, 'bin', 'uv'), seed ?? randomBytes(bytes));
  return { name: 'uv', dir, data: { arch: 'amd64', uv_version: '0.11.33' }, types: { build: true, launch: false, cache: true } };
}

function cache(f: FakeRegistry, ref: string, env: NodeJS.ProcessEnv, extra: Partial<ImageCacheOptions> = {}) {
  return imageCache(`${f.host}/${ref}`, { insecure: [], env, ...extra });
}

function unusable(read: IndexRead): { problem: string; cause: string; fix: string } {
  if (read.kind !== 'unusable') throw new Error(`expected unusable, got ${read.kind}`);
  return read;
}

async function rejection(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof RegistryError)) throw new Error(`expected a RegistryError, got ${String(err)}`);
  return err;
}

/** Reads a stream to its end; its bytes, or the error it ended with. */
async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** An image in the fake made by hand: a config with `labels`, the manifest with the given media types. */
function putImage(f: FakeRegistry, repo: string, tag: string, o: { label?: string; configType?: string; manifestType?: string; contentType?: string; layers?: Array<{ mediaType: string; digest: string; size: number }>; diffIds?: string[] }): void {
  const config = Buffer.from(JSON.stringify({ os: 'linux', config: { Labels: o.label === undefined ? {} : { [LIFECYCLE_CACHE_LABEL]: o.label } }, rootfs: { type: 'layers', diff_ids: o.diffIds ?? [] } }));
  const cd = sha256(config);
  if (!f.blobs.has(repo)) f.blobs.set(repo, new Map());
  f.blobs.get(repo)!.set(cd, config);
  const manifest = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: o.manifestType ?? 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: o.configType ?? 'application/vnd.oci.image.config.v1+json', digest: cd, size: config.length }, layers: o.layers ?? [] }),
  );
  f.manifests.set(`${repo}:${tag}`, { type: o.contentType ?? o.manifestType ?? 'application/vnd.oci.image.manifest.v1+json', body: manifest });
}

function label(layers: Record<string, { sha: string }>): string {
  const table = Object.fromEntries(Object.entries(layers).map(([k, v]) => [k, { sha: v.sha, data: { arch: 'amd64', uv_version: '0.11.33' }, build: true, launch: false, cache: true }]));
  return JSON.stringify({ sbom: { sha: '' }, buildpacks: [{ key: 'heroku/python', version: '6.5.6', layers: table }] });
}

/** Saves one uv layer to `repo:tag` and reads the index back. */
async function saved(f: FakeRegistry, env: NodeJS.ProcessEnv, repo = 'app', extra: Partial<ImageCacheOptions> = {}): Promise<CacheIndex> {
  const c = cache(f, `${repo}:cache`, env, extra);
  await c.save([await uvLayer()], PROVENANCE, never);
  const read = await c.readIndex(never);
  if (read.kind !== 'index') throw new Error(`no index: ${JSON.stringify(read)}`);
  return read.index;
}

function context(image: string | undefined): ProjectContext {
  return { config: { config: { cache: { insecureRegistries: [], image } } } } as unknown as ProjectContext;
}

describe('image references: bad input is said before anything is done', () => {
  it('a malformed --cache-image is bad usage (exit 2) and one in the config is config-invalid, each with the form to write', () => {
    const bad = (run: () => unknown): PybpError => {
      try {
        run();
      } catch (err) {
        if (err instanceof PybpError) return err;
        throw err;
      }
      throw new Error('no error');
    };
    const flag = bad(() => chooseCache(context(undefined), { cacheImage: 'ghcr.io/Acme/App:main' }, { command: 'build', explicitConfig: true }));
    expect(flag.code).toBe('usage');
    expect(flag.message).toBe('--cache-image: "ghcr.io/Acme/App:main": the repository must be lower-case names (letters, digits, . _ -) separated by / (acme/app, in lower case, would be one).');
    expect(flag.fix).toMatch(/\[HOST\[:PORT\]\/\]REPOSITORY\[:TAG\]/);
    const config = bad(() => chooseCache(context('https://ghcr.io/acme/app'), {}, { command: 'build', explicitConfig: false }));
    expect(config.code).toBe('config-invalid');
    expect(config.message).toMatch(/^cache\.image in the config: "https:\/\/ghcr\.io\/acme\/app" starts with a URL scheme/);
    // explain never reads a repo's own cache.image, so a bad one there is no error for it.
    expect(chooseCache(context('BAD REF'), {}, { command: 'explain', explicitConfig: false })).toBeNull();
  });

  it('each malformed part is named, and what the reference held is quoted inert', () => {
    expect(() => parseImageRef('')).toThrow('an empty string is not an image reference');
    expect(() => parseImageRef('a b')).toThrow(/holds white space/);
    expect(() => parseImageRef('host:5000/app:-bad')).toThrow(/malformed tag/);
    expect(() => parseImageRef('host:99999/app')).toThrow(/port 99999, which no registry can listen on/);
    expect(() => parseImageRef('host/app@sha256:abc')).toThrow(/malformed digest/);
    expect(() => parseImageRef('x'.repeat(600))).toThrow(/longer than an image reference may be/);
    expect(() => parseImageRef('host:5000/\u001b[31mred')).toThrow(/"host:5000\/\\x1b\[31mred": the repository/);
    const pinned = parseImageRef(`127.0.0.1:5000/app@sha256:${'a'.repeat(64)}`);
    expect(pinned.reference).toBe(`sha256:${'a'.repeat(64)}`);
  });

  it('a digest reference is read-only: restored from (its manifest checked against the digest), never saved to', async () => {
    const f = await fake();
    const env = await envFor();
    await saved(f, env);
    const digest = sha256(f.manifests.get('app:cache')!.body);
    const pinned = imageCache(`${f.host}/app@${digest}`, { insecure: [], env });
    const read = await pinned.readIndex(never);
    expect(read.kind).toBe('index');
    const before = f.log.length;
    const err = await rejection(pinned.save([await uvLayer()], PROVENANCE, never));
    expect(err.code).toBe('registry-digest-reference');
    expect(err.fix).toMatch(/name a tag: --cache-image REPO:TAG/);
    // Nothing was sent: the refusal comes before any packing or upload.
    expect(f.log.slice(before)).toEqual([]);
    // A registry that answers the digest with other bytes is not believed.
    f.manifests.set(`app:${digest}`, { type: 'application/vnd.oci.image.manifest.v1+json', body: Buffer.from(f.manifests.get('app:cache')!.body.toString().replace('"schemaVersion":2', '"schemaVersion":2 ')) });
    const lied = unusable(await imageCache(`${f.host}/app@${digest}`, { insecure: [], env }).readIndex(never));
    expect(lied.cause).toBe('registry-bad-answer');
    expect(lied.problem).toMatch(/has the digest sha256:[0-9a-f]{64}/);
  });
});

describe('auth challenges', () => {
  it('Bearer with its token service on another host: the docker config credentials go there, the registry sees only the token', async () => {
    const f = await fake({ auth: { kind: 'bearer', user: 'ci', pass: 'pw' } });
    await saved(f, await envFor(f.host, 'ci', 'pw'));
    const tokenAsks = f.requests.filter((r) => r.method.startsWith('TOKEN'));
    expect(tokenAsks.length).toBeGreaterThan(0);
    for (const r of tokenAsks) {
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from('ci:pw').toString('base64')}`);
      expect(r.url.searchParams.get('service')).toBe('fake');
    }
    const registryCalls = f.requests.filter((r) => !r.method.startsWith('TOKEN') && r.headers.authorization !== undefined);
    expect(registryCalls.length).toBeGreaterThan(0);
    for (const r of registryCalls) expect(r.headers.authorization).toMatch(/^Bearer tok-\d+$/);
  });

  it('a challenge naming several scopes (space-separated) is asked for all of them', async () => {
    const f = await fake({ auth: { kind: 'bearer' } });
    const env = await envFor();
    f.override = (req, res, url) => {
      // The registry wants a second repository's pull for reading this manifest (as for a mount).
      if (!url.pathname.includes('/manifests/') || req.headers.authorization === 'Bearer tok-2') return false;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${f.tokenHost}/token",service="fake",scope="repository:app:pull repository:base/img:pull"` }).end();
      return true;
    };
    expect(await cache(f, 'app:cache', env).readIndex(never)).toEqual({ kind: 'absent' });
    const asked = f.log.filter((l) => l.startsWith('TOKEN')).pop() ?? '';
    expect(asked).toContain('scope=repository%3Aapp%3Apull%2Cpush&scope=repository%3Abase%2Fimg%3Apull');
  });
});

describe('status codes: each a stable code with a fix; no cache yet is a cold build', () => {
  const manifestAnswer = (f: FakeRegistry, status: number, headers: Record<string, string> = {}, body = '') => {
    f.override = (req, res, url) => {
      if (!url.pathname.includes('/manifests/')) return false;
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
      return true;
    };
  };

  it('401 without credentials names the missing login', async () => {
    const f = await fake({ auth: { kind: 'basic', user: 'u', pass: 'p' } });
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.cause).toBe('registry-unauthorized');
    expect(p.problem).toMatch(/401 unauthorized \(UNAUTHORIZED: authentication required\), and there are no credentials for 127\.0\.0\.1:\d+ in the docker config/);
    expect(p.fix).toBe(`Log in first: docker login ${f.host} (pybp reads ~/.docker/config.json, or $DOCKER_CONFIG).`);
  });

  it('401 with credentials says they were refused', async () => {
    const f = await fake({ auth: { kind: 'basic', user: 'u', pass: 'p' } });
    const p = unusable(await cache(f, 'app:cache', await envFor(f.host, 'u', 'wrong')).readIndex(never));
    expect(p.cause).toBe('registry-unauthorized');
    expect(p.problem).toMatch(/with the credentials from .*config\.json \(auths\.127\.0\.0\.1:\d+\)/);
    expect(p.fix).toMatch(/^Log in again/);
  });

  it("403 quotes the registry's own words", async () => {
    const f = await fake();
    manifestAnswer(f, 403, {}, JSON.stringify({ errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] }));
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.cause).toBe('registry-forbidden');
    expect(p.problem).toBe(`${f.host}/app:cache (reading the manifest): 403 forbidden (DENIED: requested access to the resource is denied): these credentials may not pull app`);
  });

  it('404 on the manifest is no cache (absent); a blob the manifest names but the registry lost is registry-not-found', async () => {
    const f = await fake();
    const env = await envFor();
    expect(await cache(f, 'app:none', env).readIndex(never)).toEqual({ kind: 'absent' });
    const index = await saved(f, env);
    const layer = index.layers[0]!;
    f.blobs.get('app')!.delete(index.blobs.get(layer.diffId)!.digest);
    const err = await rejection(cache(f, 'app:cache', env).openLayer(index, layer, never));
    expect(err.code).toBe('registry-not-found');
    expect(err.message).toMatch(/404 not found \(BLOB_UNKNOWN: blob unknown to registry\)/);
  });

  it('a repository that must be made first (NAME_UNKNOWN on upload, as ECR says) is named, with the fix', async () => {
    const f = await fake();
    f.override = (req, res, url) => {
      if (req.method !== 'POST') return false;
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: "The repository with name 'app' does not exist" }] }));
      return true;
    };
    const err = await rejection(cache(f, 'app:cache', await envFor()).save([await uvLayer()], PROVENANCE, never));
    expect(err.code).toBe('registry-not-found');
    expect(err.message).toMatch(/the repository app does not exist on 127\.0\.0\.1:\d+/);
    expect(err.fix).toMatch(/^Create the repository app on 127\.0\.0\.1:\d+ first/);
  });

  it('429 with a long Retry-After is registry-rate-limited, saying when to try again', async () => {
    const f = await fake();
    manifestAnswer(f, 429, { 'retry-after': '3600' }, JSON.stringify({ errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }] }));
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.cause).toBe('registry-rate-limited');
    expect(p.problem).toMatch(/429 rate limited, retry after 3600 s \(TOOMANYREQUESTS: You have reached your pull rate limit\.\)/);
    expect(p.fix).toBe(`Build again after 1 h, or log in (docker login ${f.host}): registries allow logged-in users more.`);
    // Asked once: pybp does not wait an hour.
    expect(f.log.filter((l) => l.includes('/manifests/'))).toHaveLength(1);
  });

  it('429 or 503 asking for a moment (Retry-After: 0) is tried once more', async () => {
    const f = await fake();
    const env = await envFor();
    await saved(f, env);
    for (const status of [429, 503]) {
      let refusals = 1;
      f.override = (req, res, url) => {
        if (!url.pathname.includes('/manifests/') || refusals-- <= 0) return false;
        res.writeHead(status, { 'retry-after': '0' }).end();
        return true;
      };
      f.log.length = 0;
      expect((await cache(f, 'app:cache', env).readIndex(never)).kind).toBe('index');
      expect(f.log.filter((l) => l.startsWith('GET /v2/app/manifests/'))).toHaveLength(2);
    }
  });

  it('Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterSeconds('120')).toBe(120);
    expect(retryAfterSeconds(null)).toBeNull();
    expect(retryAfterSeconds('soon')).toBeNull();
    expect(retryAfterSeconds(new Date(Date.now() + 90_000).toUTCString())).toBeGreaterThanOrEqual(89);
  });

  it('5xx is registry-server-error; another 4xx on save is registry-rejected with the words', async () => {
    const f = await fake();
    const env = await envFor();
    manifestAnswer(f, 502, {}, '<html>Bad Gateway</html>');
    const p = unusable(await cache(f, 'app:cache', env).readIndex(never));
    expect(p.cause).toBe('registry-server-error');
    expect(p.problem).toMatch(/failed with HTTP 502 \(<html>Bad Gateway<\/html>\)/);
    f.override = (req, res, url) => {
      if (req.method !== 'PUT' || !url.pathname.includes('/manifests/')) return false;
      res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'MANIFEST_INVALID', message: 'manifest invalid' }] }));
      return true;
    };
    const err = await rejection(cache(f, 'app:cache', env).save([await uvLayer()], PROVENANCE, never));
    expect(err.code).toBe('registry-rejected');
    expect(err.message).toMatch(/\(putting the manifest\): 127\.0\.0\.1:\d+ refused the request with HTTP 400 \(MANIFEST_INVALID: manifest invalid\)/);
  });

  it("the registry's words never reach a message raw", async () => {
    const f = await fake();
    manifestAnswer(f, 500, {}, JSON.stringify({ errors: [{ code: 'X', message: '\u001b]52;c;aGk=\u0007 boom' }] }));
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.problem).not.toMatch(/[\u0000-\u001f]/);
    expect(p.problem).toContain('\\x1b]52;c;aGk=');
  });
});

describe('a registry down or hanging: bounded, and coded', () => {
  it('nothing listening (or no such host) is registry-unreachable, with the insecure-registry hint where it helps', async () => {
    const f = await fake();
    const host = f.host;
    await f.close();
    fakes.splice(fakes.indexOf(f), 1);
    const p = unusable(await imageCache(`${host}/app:cache`, { insecure: [], env: await envFor() }).readIndex(never));
    expect(p.cause).toBe('registry-unreachable');
    expect(p.problem).toMatch(new RegExp(`^${host.replace(/\./g, '\\.')} cannot be reached \\(asking how to log in\\): ECONNREFUSED`));
    // Spoken to over HTTP already (loopback): no advice to allow HTTP.
    expect(p.fix).toBe(`Check that ${host} is up and reachable from here (the host, the port, HTTPS_PROXY and NO_PROXY).`);
    const remote = unusable(await imageCache('registry.invalid/app:cache', { insecure: [], env: await envFor() }).readIndex(never));
    expect(remote.cause).toBe('registry-unreachable');
    expect(remote.fix).toMatch(/A registry on plain HTTP needs --insecure-registry registry\.invalid\.$/);
  });

  it('no answer at all ends in registry-timeout after the bound (PYBP_REGISTRY_TIMEOUT, or the option)', async () => {
    const f = await fake();
    f.override = (_req, _res, url) => url.pathname.includes('/manifests/'); // never answered
    const p = unusable(await cache(f, 'app:cache', await envFor(), { idleTimeoutMs: 200 }).readIndex(never));
    expect(p.cause).toBe('registry-timeout');
    expect(p.problem).toBe(`${f.host} did not answer for 0.2 s (reading the manifest)`);
    const viaEnv = unusable(await cache(f, 'app:cache', { ...(await envFor()), PYBP_REGISTRY_TIMEOUT: '0.3' }).readIndex(never));
    expect(viaEnv.problem).toBe(`${f.host} did not answer for 0.3 s (reading the manifest)`);
  });

  it('a blob that stalls half way is registry-timeout, not a hang', async () => {
    const f = await fake();
    const env = await envFor();
    const index = await saved(f, env);
    const layer = index.layers[0]!;
    const blob = index.blobs.get(layer.diffId)!;
    f.override = (req, res, url) => {
      if (req.method !== 'GET' || !url.pathname.endsWith(blob.digest)) return false;
      res.writeHead(200, { 'content-length': blob.size });
      res.write(f.blob('app', blob.digest)!.subarray(0, blob.size >> 1));
      return true; // and then nothing
    };
    const c = cache(f, 'app:cache', env, { idleTimeoutMs: 200 });
    const err = await rejection(drain((await c.openLayer(index, layer, never)).body));
    expect(err.code).toBe('registry-timeout');
    expect(err.message).toMatch(/did not answer for 0\.2 s \(reading blob sha256:/);
  });

  it('an upload the registry stops reading is registry-timeout', async () => {
    const f = await fake();
    f.override = (req) => req.method === 'PATCH'; // never answered, body never read
    const err = await rejection(cache(f, 'app:cache', await envFor(), { idleTimeoutMs: 200 }).save([await uvLayer(300_000)], PROVENANCE, never));
    expect(err.code).toBe('registry-timeout');
    expect(err.message).toMatch(/\(uploading a blob\)$/);
  });

  it('a Ctrl-C during a hang is the interrupt, not a registry error', async () => {
    const f = await fake();
    f.override = (_req, _res, url) => url.pathname.includes('/manifests/');
    const stop = new AbortController();
    const reading = cache(f, 'app:cache', await envFor()).readIndex(stop.signal);
    setTimeout(() => stop.abort(), 50);
    const err = await reading.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).not.toBeNull();
    expect(err).not.toBeInstanceOf(RegistryError);
    expect(stop.signal.aborted).toBe(true);
  });
});

describe('garbage answers: the cache counts as absent, with the reason', () => {
  const LAYER = { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 10 };
  const DIFF = `sha256:${'2'.repeat(64)}`;

  it.each([
    ['a manifest that is not JSON', (f: FakeRegistry) => f.manifests.set('app:cache', { type: 'application/vnd.oci.image.manifest.v1+json', body: Buffer.from('<html>hello</html>') }), 'registry-bad-answer', /the manifest of .* is not JSON/],
    ['an image index', (f: FakeRegistry) => putImage(f, 'app', 'cache', { manifestType: 'application/vnd.oci.image.index.v1+json' }), 'cache-corrupt', /is an image index \(images for several platforms\), not a cache image/],
    ['a manifest of another media type', (f: FakeRegistry) => putImage(f, 'app', 'cache', { manifestType: 'application/vnd.oci.artifact.manifest.v1+json' }), 'cache-corrupt', /has the media type "application\/vnd\.oci\.artifact\.manifest\.v1\+json", not an image manifest's/],
    ['a config of another artifact', (f: FakeRegistry) => putImage(f, 'app', 'cache', { configType: 'application/vnd.cncf.helm.config.v1+json', label: label({}) }), 'cache-corrupt', /its config has the media type "application\/vnd\.cncf\.helm\.config\.v1\+json"/],
    ['an image without the label', (f: FakeRegistry) => putImage(f, 'app', 'cache', {}), 'cache-corrupt', /it has no io\.buildpacks\.lifecycle\.cache\.metadata label \(not a cache image\)/],
    ['a label that is not JSON', (f: FakeRegistry) => putImage(f, 'app', 'cache', { label: '{"buildpacks": [' }), 'cache-corrupt', /its metadata is not JSON/],
    ['a huge label', (f: FakeRegistry) => putImage(f, 'app', 'cache', { label: JSON.stringify({ pad: 'x'.repeat(1 << 20) }) }), 'cache-corrupt', /its label is larger than 1048576 bytes/],
    ['a manifest over 4 MiB', (f: FakeRegistry) => f.manifests.set('app:cache', { type: 'application/vnd.oci.image.manifest.v1+json', body: Buffer.alloc((4 << 20) + 10, 0x20) }), 'registry-bad-answer', /is larger than 4194304 bytes/],
  ])('%s', async (_what, make, cause, problem) => {
    const f = await fake();
    make(f);
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.cause).toBe(cause);
    if (problem) expect(p.problem).toMatch(problem);
    expect(p.fix.length).toBeGreaterThan(20);
  });

  it('a schema 1 manifest is named as such', async () => {
    const f = await fake();
    f.manifests.set('app:cache', { type: 'application/vnd.docker.distribution.manifest.v1+prettyjws', body: Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'app', fsLayers: [] })) });
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.problem).toMatch(/is not a schema 2 image manifest \("1"\)/);
  });

  it("a config whose bytes are not the manifest's digest is corrupt, as lifecycle says", async () => {
    const f = await fake();
    putImage(f, 'app', 'cache', { label: label({ uv: { sha: DIFF } }), layers: [LAYER], diffIds: [DIFF] });
    const m = JSON.parse(f.manifests.get('app:cache')!.body.toString()) as { config: { digest: string } };
    f.blobs.get('app')!.set(m.config.digest, Buffer.from('{"tampered":true}'));
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.problem).toMatch(/its config's digest or size is not the manifest's/);
  });

  it('a layer of a media type pybp does not read (zstd) is refused when opened, not guessed at', async () => {
    const f = await fake();
    putImage(f, 'app', 'cache', { label: label({ uv: { sha: DIFF } }), layers: [{ ...LAYER, mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' }], diffIds: [DIFF] });
    const c = cache(f, 'app:cache', await envFor());
    const read = await c.readIndex(never);
    if (read.kind !== 'index') throw new Error('no index');
    const err = await c.openLayer(read.index, read.index.layers[0]!, never).then(
      () => null,
      (e: unknown) => e as { code?: string; message?: string },
    );
    expect(err?.code).toBe('cache-corrupt');
    expect(err?.message).toMatch(/media type is "application\/vnd\.oci\.image\.layer\.v1\.tar\+zstd", not a tar or gzipped tar pybp reads/);
  });

  it('a token service that answers garbage is registry-bad-answer', async () => {
    const f = await fake();
    f.override = (req, res, url) => {
      if (url.pathname === '/garbage-token') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'), true;
      if (req.headers.authorization) return false;
      res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${f.host}/garbage-token",service="x"` }).end();
      return true;
    };
    const p = unusable(await cache(f, 'app:cache', await envFor()).readIndex(never));
    expect(p.cause).toBe('registry-bad-answer');
    expect(p.problem).toMatch(/the token service 127\.0\.0\.1:\d+ did not answer JSON/);
  });
});

describe('blobs on the way in are exactly what the manifest says', () => {
  async function blobCase(serve: (bytes: Buffer, res: import('node:http').ServerResponse) => void): Promise<RegistryError> {
    const f = await fake();
    const env = await envFor();
    const index = await saved(f, env);
    const layer = index.layers[0]!;
    const blob = index.blobs.get(layer.diffId)!;
    f.override = (req, res, url) => {
      if (req.method !== 'GET' || !url.pathname.endsWith(blob.digest)) return false;
      serve(f.blob('app', blob.digest)!, res);
      return true;
    };
    const c = cache(f, 'app:cache', env);
    return rejection(c.openLayer(index, layer, never).then((b) => drain(b.body)));
  }

  it('cut off (the connection closes before the announced length): registry-bad-answer, with how far it got', async () => {
    const err = await blobCase((bytes, res) => {
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, 100));
      setTimeout(() => res.destroy(), 20);
    });
    expect(err.code).toBe('registry-bad-answer');
    expect(err.message).toMatch(/^blob sha256:[0-9a-f]{64} was cut off after 100 of its \d+ bytes/);
  });

  it('ending early without a length (chunked): registry-bad-answer', async () => {
    const err = await blobCase((bytes, res) => {
      res.writeHead(200);
      res.end(bytes.subarray(0, 100));
    });
    expect(err.message).toMatch(/^blob sha256:[0-9a-f]{64} ended after 100 of its \d+ bytes/);
  });

  it('longer than the manifest says: stopped as soon as it is', async () => {
    const err = await blobCase((bytes, res) => {
      res.writeHead(200);
      res.end(Buffer.concat([bytes, Buffer.alloc(5000)]));
    });
    expect(err.code).toBe('registry-bad-answer');
    expect(err.message).toMatch(/is longer than the \d+ bytes the manifest gives/);
  });

  it('a Content-Length that is not the manifest size: refused before a byte is read', async () => {
    const err = await blobCase((bytes, res) => {
      res.writeHead(200, { 'content-length': bytes.length + 7 });
      res.end(Buffer.concat([bytes, Buffer.alloc(7)]));
    });
    expect(err.message).toMatch(/is \d+ bytes long as 127\.0\.0\.1:\d+ sends it; the manifest says \d+/);
  });

  it('through extractLayer, a blob cut short leaves nothing in the layers dir', async () => {
    const f = await fake();
    const env = await envFor();
    const index = await saved(f, env);
    const layer = index.layers[0]!;
    const blob = index.blobs.get(layer.diffId)!;
    f.override = (req, res, url) => {
      if (req.method !== 'GET' || !url.pathname.endsWith(blob.digest)) return false;
      res.writeHead(200);
      res.end(f.blob('app', blob.digest)!.subarray(0, blob.size - 10));
      return true;
    };
    const layersDir = path.join(await temp(), 'layers');
    const staging = path.join(layersDir, '.pybp', 'restore', 'uv');
    await mkdir(path.dirname(staging), { recursive: true });
    const err = await extractLayer({ backend: cache(f, 'app:cache', env), index, verdict: { name: 'uv', layer }, staging, finalDir: path.join(layersDir, 'uv'), layersDir, signal: never, limits: undefined }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/ended after \d+ of its \d+ bytes|blob is damaged/);
    await expect(import('node:fs/promises').then((fs) => fs.access(path.join(layersDir, 'uv')))).rejects.toThrow();
  });
});

describe('uploads: HEAD first, in chunks or in one PUT, at the Location given', () => {
  it('HEAD before every upload, and nothing sent for a blob the registry has', async () => {
    const f = await fake();
    const env = await envFor();
    const layer = await uvLayer();
    await cache(f, 'app:cache', env).save([layer], PROVENANCE, never);
    // Two blobs (the layer, then the config): each HEADed, then uploaded.
    const blobRequests = f.log.filter((l) => /^(HEAD|POST|PATCH|PUT) \/v2\/app\/blobs\//.test(l)).map((l) => l.split(' ')[0]);
    expect(blobRequests).toEqual(['HEAD', 'POST', 'PATCH', 'PUT', 'HEAD', 'POST', 'PATCH', 'PUT']);
    f.log.length = 0;
    const again = await cache(f, 'app:cache', env).save([layer], PROVENANCE, never);
    expect(again).toMatchObject({ bytesMoved: 0, blobsSkipped: 2, blobsMounted: 0 });
    expect(f.log.filter((l) => /^(POST|PATCH) /.test(l))).toEqual([]);
  });

  it('a registry that refuses is asked before anything is packed (one HEAD of the manifest)', async () => {
    const f = await fake({ auth: { kind: 'basic', user: 'u', pass: 'p' } });
    // A layer dir that is not there: packing it would fail with ENOENT, so the registry's answer must come first.
    const missing = { ...(await uvLayer()), dir: path.join(await temp(), 'gone') };
    const err = await rejection(cache(f, 'app:cache', await envFor()).save([missing], PROVENANCE, never));
    expect(err.code).toBe('registry-unauthorized');
    expect(err.message).toMatch(/\(checking the cache image\): 401 unauthorized/);
    expect(f.log).toEqual(['GET /v2/', 'HEAD /v2/app/manifests/cache']);
  });

  it('a registry that does not take HEAD on a manifest (405) is still saved to', async () => {
    const f = await fake();
    f.override = (req, res, url) => {
      if (req.method !== 'HEAD' || !url.pathname.includes('/manifests/')) return false;
      res.writeHead(405).end();
      return true;
    };
    const env = await envFor();
    await cache(f, 'app:cache', env).save([await uvLayer()], PROVENANCE, never);
    expect((await cache(f, 'app:cache', env).readIndex(never)).kind).toBe('index');
  });

  it('chunked: each PATCH with its Content-Range at the Location the last answer gave, then PUT ?digest', async () => {
    const f = await fake();
    const env = await envFor();
    const index = await saved(f, env, 'app', { chunkBytes: 1000 });
    const size = index.blobs.get(index.layers[0]!.diffId)!.size;
    const patches = f.requests.filter((r) => r.method === 'PATCH');
    // The layer blob in 1000-byte chunks (the config is smaller than one).
    const layerPatches = patches.slice(0, Math.ceil(size / 1000));
    expect(layerPatches.map((r) => r.headers['content-range'])).toEqual(Array.from({ length: Math.ceil(size / 1000) }, (_, i) => `${i * 1000}-${Math.min((i + 1) * 1000, size) - 1}`));
    expect(layerPatches.map((r) => r.url.searchParams.get('_state'))).toEqual(Array.from({ length: layerPatches.length }, (_, i) => `s${i + 1}`));
    const put = f.requests.find((r) => r.method === 'PUT' && r.url.pathname.includes('/uploads/'))!;
    expect(put.url.search).toMatch(new RegExp(`^\\?_state=s${layerPatches.length + 1}&digest=sha256%3A[0-9a-f]{64}$`));
    expect(put.headers['content-length']).toBe('0');
  });

  it.each([
    ['absolute, with a query', { location: 'absolute', locationQuery: true }],
    ['absolute, without a query', { location: 'absolute', locationQuery: false }],
    ['a path (/v2/...)', { location: 'path' }],
    ['relative to the request (u1?_state=...)', { location: 'relative' }],
    ['relative, without a query', { location: 'relative', locationQuery: false }],
  ] as Array<[string, FakeOptions]>)('Location %s', async (_what, options) => {
    const f = await fake(options);
    const env = await envFor();
    const index = await saved(f, env, 'team/app', { chunkBytes: 1500 });
    const layer = index.layers[0]!;
    const blob = index.blobs.get(layer.diffId)!;
    const body = await drain((await cache(f, 'team/app:cache', env).openLayer(index, layer, never)).body);
    expect(sha256(body)).toBe(blob.digest);
    // Every upload request went where the registry said: its own upload paths, nothing else.
    for (const r of f.requests.filter((q) => q.method === 'PATCH' || (q.method === 'PUT' && !q.url.pathname.includes('/manifests/')))) {
      expect(r.url.pathname).toMatch(/^\/v2\/team\/app\/blobs\/uploads\/u\d+$/);
    }
  });

  it('a registry that refuses PATCH gets the blob in one PUT (monolithic), at a fresh session', async () => {
    const f = await fake({ patch: 'refuse' });
    const env = await envFor();
    const index = await saved(f, env);
    const blob = index.blobs.get(index.layers[0]!.diffId)!;
    const seq = f.requests.filter((r) => /uploads/.test(r.url.pathname)).map((r) => r.method);
    expect(seq.slice(0, 4)).toEqual(['POST', 'PATCH', 'POST', 'PUT']);
    const put = f.requests.filter((r) => r.method === 'PUT' && r.url.pathname.includes('/uploads/'))[0]!;
    expect(put.headers['content-length']).toBe(String(blob.size));
    expect(f.blob('app', blob.digest)!.length).toBe(blob.size);
  });

  it('an upload Location on another origin is given no credentials', async () => {
    const f = await fake({ auth: { kind: 'bearer', user: 'ci', pass: 'pw' }, locationOrigin: 'other' });
    const env = await envFor(f.host, 'ci', 'pw');
    await saved(f, env);
    const uploads = f.requests.filter((r) => r.method === 'PATCH' || (r.method === 'PUT' && r.url.pathname.includes('/uploads/')));
    expect(uploads.length).toBeGreaterThan(0);
    for (const r of uploads) expect(r.headers.authorization).toBeUndefined();
    const posts = f.requests.filter((r) => r.method === 'POST');
    for (const r of posts) expect(r.headers.authorization).toMatch(/^Bearer tok-/);
  });

  it('a digest the registry rejects (DIGEST_INVALID) is registry-rejected, quoting it', async () => {
    const f = await fake();
    f.override = (req, res, url) => {
      if (req.method !== 'PUT' || !url.pathname.includes('/uploads/')) return false;
      req.resume();
      req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'DIGEST_INVALID', message: 'provided digest did not match uploaded content' }] })));
      return true;
    };
    const err = await rejection(cache(f, 'app:cache', await envFor()).save([await uvLayer()], PROVENANCE, never));
    expect(err.code).toBe('registry-rejected');
    expect(err.message).toMatch(/\(finishing an upload\): 127\.0\.0\.1:\d+ refused the request with HTTP 400 \(DIGEST_INVALID: provided digest did not match uploaded content\)/);
  });

  it('a registry that says it stored another digest, or holds less than was sent, is not believed', async () => {
    const f = await fake();
    f.override = (req, res, url) => {
      if (req.method !== 'PUT' || !url.pathname.includes('/uploads/')) return false;
      req.resume();
      req.on('end', () => res.writeHead(201, { 'docker-content-digest': `sha256:${'0'.repeat(64)}` }).end());
      return true;
    };
    const err = await rejection(cache(f, 'app:cache', await envFor()).save([await uvLayer()], PROVENANCE, never));
    expect(err.code).toBe('registry-bad-answer');
    expect(err.message).toMatch(/stored the blob sha256:[0-9a-f]{64} as sha256:0{64}/);

    const g = await fake();
    g.override = (req, res) => {
      if (req.method !== 'PATCH') return false;
      req.resume();
      req.on('end', () => res.writeHead(202, { location: req.url!, range: '0-9' }).end());
      return true;
    };
    const short = await rejection(cache(g, 'app:cache', await envFor()).save([await uvLayer()], PROVENANCE, never));
    expect(short.message).toMatch(/the registry holds 0-9 of the upload after bytes 0-\d+ were sent/);
  });
});

describe('cross-repository mount: a blob pybp saved to another repository of the registry', () => {
  it('is mounted (201), not uploaded again: the second app moves only its config', async () => {
    const f = await fake();
    const env = await envFor();
    const seed = randomBytes(20_000);
    await cache(f, 'app-a:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    f.log.length = 0;
    // Another process later (the record is read from pybp's state dir again).
    const stats = await cache(f, 'app-b:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    expect(stats.blobsMounted).toBe(1);
    expect(stats.bytesMoved).toBeLessThan(2000);
    const mount = f.log.find((l) => l.includes('mount='))!;
    expect(mount).toMatch(/^POST \/v2\/app-b\/blobs\/uploads\/\?mount=sha256%3A[0-9a-f]{64}&from=app-a$/);
    expect(f.log.filter((l) => l.startsWith('PATCH'))).toHaveLength(1); // the config only
    const read = await cache(f, 'app-b:cache', env).readIndex(never);
    if (read.kind !== 'index') throw new Error('no index');
    const blob = read.index.blobs.get(read.index.layers[0]!.diffId)!;
    expect(sha256(f.blob('app-b', blob.digest)!)).toBe(blob.digest);
  });

  it('with Bearer: the token is asked for the other repository too (the challenge names it)', async () => {
    const f = await fake({ auth: { kind: 'bearer', user: 'ci', pass: 'pw' } });
    const env = await envFor(f.host, 'ci', 'pw');
    const seed = randomBytes(5000);
    await cache(f, 'app-a:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    f.log.length = 0;
    const stats = await cache(f, 'app-b:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    expect(stats.blobsMounted).toBe(1);
    const tokenAsks = f.log.filter((l) => l.startsWith('TOKEN'));
    expect(tokenAsks.some((l) => l.includes('scope=repository%3Aapp-b%3Apull%2Cpush&scope=repository%3Aapp-a%3Apull'))).toBe(true);
  });

  it('declined with a session (202): the blob is uploaded in that session, no second POST', async () => {
    const f = await fake({ mount: 'refuse' });
    const env = await envFor();
    const seed = randomBytes(5000);
    await cache(f, 'app-a:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    f.log.length = 0;
    const stats = await cache(f, 'app-b:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    expect(stats.blobsMounted).toBe(0);
    expect(stats.bytesMoved).toBeGreaterThan(5000);
    const uploadSeq = f.log.filter((l) => /uploads/.test(l)).map((l) => l.split(' ')[0]);
    // The mount POST opened the layer's session (PATCH, PUT); the config had a POST of its own.
    expect(uploadSeq).toEqual(['POST', 'PATCH', 'PUT', 'POST', 'PATCH', 'PUT']);
    expect(f.log.find((l) => l.startsWith('POST'))).toMatch(/mount=/);
  });

  it('denied (the token service gives no pull on the other repository): uploaded instead, the save still succeeds', async () => {
    const f = await fake({ auth: { kind: 'bearer', user: 'ci', pass: 'pw', denyPull: ['app-a'] } });
    const env = await envFor(f.host, 'ci', 'pw');
    const seed = randomBytes(5000);
    // app-a has the blobs (pushed there by someone else), and pybp's record says so; pybp may not read app-a.
    await cache(f, 'app-c:cache', env).save([await uvLayer(0, seed)], PROVENANCE, never);
    const a = new Map(f.blobs.get('app-c')!);
    f.blobs.set('app-a', a);
    f.log.length = 0;
    const stats = await cache(f, 'app-b:cache', env, { blobRecord: { sourceFor: (_r, _n, d) => (a.has(d) ? 'app-a' : null), note: async () => {} } }).save([await uvLayer(0, seed)], PROVENANCE, never);
    expect(stats.blobsMounted).toBe(0);
    expect(f.log.some((l) => l.includes('mount=') && l.includes('from=app-a'))).toBe(true);
    expect(f.log.filter((l) => l.startsWith('PATCH')).length).toBeGreaterThanOrEqual(2);
    const read = await cache(f, 'app-b:cache', env).readIndex(never);
    expect(read.kind).toBe('index');
  });
});

describe('transfers are streamed, never held whole', () => {
  it('an upload sends its first bytes before the source has given its last', async () => {
    const f = await fake();
    const client = new RegistryClient(parseImageRef(`${f.host}/app:cache`), { insecure: [], env: await envFor() });
    const first = randomBytes(256 * 1024);
    const second = randomBytes(256 * 1024);
    const digest = sha256(Buffer.concat([first, second]));
    let sawStreaming = false;
    const source = () =>
      Readable.from(
        (async function* () {
          yield first;
          // The rest only once the registry has most of the first part: a client that buffered whole never gets here.
          for (let i = 0; i < 500 && f.receiving < first.length / 2; i++) await new Promise((r) => setTimeout(r, 10));
          sawStreaming = f.receiving >= first.length / 2;
          yield second;
        })(),
      );
    expect(await client.uploadBlob(digest, first.length + second.length, source, never)).toBe('uploaded');
    expect(sawStreaming).toBe(true);
    expect(sha256(f.blob('app', digest)!)).toBe(digest);
  });

  it('a download gives its first bytes before the registry has sent its last', async () => {
    const f = await fake();
    const bytes = randomBytes(512 * 1024);
    const digest = sha256(bytes);
    f.blobs.set('app', new Map([[digest, bytes]]));
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    // A safety net only: a client that waited for the whole blob would otherwise hang the test.
    let forced = false;
    const guard = setTimeout(() => {
      forced = true;
      release();
    }, 10_000);
    f.override = (req, res, url) => {
      if (req.method !== 'GET' || !url.pathname.endsWith(digest)) return false;
      res.writeHead(200, { 'content-length': bytes.length });
      res.write(bytes.subarray(0, bytes.length >> 1));
      void released.then(() => res.end(bytes.subarray(bytes.length >> 1)));
      return true;
    };
    const client = new RegistryClient(parseImageRef(`${f.host}/app:cache`), { insecure: [], env: await envFor() });
    const stream = await client.getBlob(digest, bytes.length, never);
    const hash = createHash('sha256');
    let got = 0;
    for await (const chunk of stream) {
      hash.update(chunk as Buffer);
      got += (chunk as Buffer).length;
      // Half has arrived while the registry still holds the rest back.
      if (got >= bytes.length >> 1) release();
    }
    clearTimeout(guard);
    expect(forced).toBe(false);
    expect(got).toBe(bytes.length);
    expect(`sha256:${hash.digest('hex')}`).toBe(digest);
  });
});
