// The registry client's protocol edges, against an in-process fake registry
// on loopback: the Bearer token flow (anonymous and with the credentials of a
// docker config), Basic, a refused token, chunked-location uploads, HEAD
// before upload, and a blob whose bytes are not its digest (never extracted).
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageCache } from '../../../src/engine/cache/image-cache.js';
import { extractLayer } from '../../../src/engine/cache/restore.js';
import { RefusedLayer } from '../../../src/engine/cache/layer-tar.js';
import type { Provenance } from '../../../src/engine/cache/metadata.js';
import { parseImageRef } from '../../../src/engine/io/registry/reference.js';

type Auth = { kind: 'none' } | { kind: 'basic'; user: string; pass: string } | { kind: 'bearer'; user?: string; pass?: string };

interface Fake {
  host: string;
  blobs: Map<string, Buffer>;
  manifests: Map<string, Buffer>;
  log: string[];
  /** Serve these bytes instead of a blob's own (a damaged registry). */
  corrupt: Set<string>;
  server: Server;
}

const servers: Server[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function fakeRegistry(auth: Auth): Promise<Fake> {
  const fake = { blobs: new Map<string, Buffer>(), manifests: new Map<string, Buffer>(), log: [] as string[], corrupt: new Set<string>() } as Fake;
  const uploads = new Map<string, Buffer[]>();
  const TOKEN = 'tok-123';
  const authorised = (req: IncomingMessage): boolean => {
    const h = req.headers.authorization ?? '';
    if (auth.kind === 'none') return true;
    if (auth.kind === 'basic') return h === `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString('base64')}`;
    return h === `Bearer ${TOKEN}`;
  };
  const body = async (req: IncomingMessage): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  };
  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${fake.host}`);
    fake.log.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.pathname === '/token') {
      if (auth.kind !== 'bearer') return void res.writeHead(404).end();
      const h = req.headers.authorization ?? '';
      const wanted = auth.user ? `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString('base64')}` : null;
      if (wanted && h !== wanted) return void res.writeHead(401).end();
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: TOKEN }));
    }
    if (!authorised(req)) {
      const challenge = auth.kind === 'basic' ? 'Basic realm="fake"' : `Bearer realm="http://${fake.host}/token",service="fake",scope="repository:app:pull"`;
      await body(req);
      return void res.writeHead(401, { 'www-authenticate': challenge }).end();
    }
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    let m = /^\/v2\/(.+)\/blobs\/uploads\/(\w*)$/.exec(url.pathname);
    if (m) {
      if (req.method === 'POST') {
        const id = `u${uploads.size + 1}`;
        uploads.set(id, []);
        await body(req);
        return void res.writeHead(202, { location: `/v2/${m[1]}/blobs/uploads/${id}?state=a` }).end();
      }
      const parts = uploads.get(m[2]!);
      if (!parts) return void res.writeHead(404).end();
      if (req.method === 'PATCH') {
        parts.push(await body(req));
        // A new location for the next request, as chunked uploads get.
        return void res.writeHead(202, { location: `/v2/${m[1]}/blobs/uploads/${m[2]}?state=b` }).end();
      }
      if (req.method === 'PUT') {
        parts.push(await body(req));
        const bytes = Buffer.concat(parts);
        const digest = url.searchParams.get('digest');
        if (digest !== `sha256:${createHash('sha256').update(bytes).digest('hex')}`) return void res.writeHead(400).end('DIGEST_INVALID');
        fake.blobs.set(digest, bytes);
        return void res.writeHead(201).end();
      }
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]+)$/.exec(url.pathname);
    if (m) {
      const blob = fake.blobs.get(m[2]!);
      if (!blob) return void res.writeHead(404).end();
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': blob.length }).end();
      const bytes = fake.corrupt.has(m[2]!) ? Buffer.from(blob.map((b, i) => (i === blob.length >> 1 ? b ^ 0xff : b))) : blob;
      return void res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
    }
    m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (m) {
      if (req.method === 'PUT') {
        fake.manifests.set(m[2]!, await body(req));
        return void res.writeHead(201).end();
      }
      const manifest = fake.manifests.get(m[2]!);
      if (!manifest) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest);
    }
    res.writeHead(404).end();
  };
  const server = createServer((req, res) => {
    handler(req, res).catch(() => res.writeHead(500).end());
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.server = server;
  return fake;
}

async function temp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'pybp-reg-'));
  dirs.push(d);
  return d;
}

/** A HOME with a docker config holding `auths` for host. */
async function dockerEnv(host: string, user?: string, pass?: string): Promise<NodeJS.ProcessEnv> {
  const home = await temp();
  await mkdir(path.join(home, '.docker'));
  const auths = user ? { [host]: { auth: Buffer.from(`${user}:${pass}`).toString('base64') } } : {};
  await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify({ auths }));
  return { HOME: home, PATH: process.env.PATH };
}

const PROVENANCE: Provenance = { version: 1, pybp: 'test', layersDir: '/x/.pybp/layers', python: null, host: { platform: 'linux', arch: 'amd64', distro: 'ubuntu-24.04' }, layers: {} };

async function layerDir(): Promise<string> {
  const dir = path.join(await temp(), 'uv');
  await mkdir(path.join(dir, 'bin'), { recursive: true });
  await writeFile(path.join(dir, 'bin', 'uv'), 'a uv binary'.repeat(100));
  return dir;
}

async function roundTrip(auth: Auth, envFor: (host: string) => Promise<NodeJS.ProcessEnv>): Promise<{ fake: Fake; saved: Awaited<ReturnType<ReturnType<typeof imageCache>['save']>> }> {
  const fake = await fakeRegistry(auth);
  const env = await envFor(fake.host);
  const cache = imageCache(`${fake.host}/app:cache`, { insecure: [], env });
  const signal = new AbortController().signal;
  const saved = await cache.save([{ name: 'uv', dir: await layerDir(), data: { arch: 'amd64', uv_version: '0.11.33' }, types: { build: true, launch: false, cache: true } }], PROVENANCE, signal);
  const read = await cache.readIndex(signal);
  expect(read.kind).toBe('index');
  if (read.kind !== 'index') throw new Error('no index');
  expect(read.index.layers.map((l) => l.name)).toEqual(['uv']);
  expect(read.index.provenance?.layersDir).toBe('/x/.pybp/layers');
  return { fake, saved };
}

describe('the registry client against a fake registry', () => {
  it('the anonymous Bearer token flow: a token without credentials, then push and pull', async () => {
    const { fake, saved } = await roundTrip({ kind: 'bearer' }, () => dockerEnv('nowhere'));
    expect(saved.layers).toBe(1);
    expect(fake.log.some((l) => l.startsWith('GET /token?service=fake&scope=repository%3Aapp%3Apull%2Cpush'))).toBe(true);
    // HEAD before each upload; the upload went POST, PATCH, PUT ?digest at the locations the registry gave.
    const uploads = fake.log.filter((l) => /uploads/.test(l));
    expect(uploads.slice(0, 3).map((l) => l.split(' ')[0])).toEqual(['POST', 'PATCH', 'PUT']);
    expect(uploads[2]).toMatch(/state=b&digest=sha256%3A/);
  });

  it('Bearer with the credentials of ~/.docker/config.json, and a second save uploads no layer', async () => {
    const fake = await fakeRegistry({ kind: 'bearer', user: 'ci', pass: 's3cret' });
    const env = await dockerEnv(fake.host, 'ci', 's3cret');
    const cache = imageCache(`${fake.host}/app:cache`, { insecure: [], env });
    const signal = new AbortController().signal;
    const dir = await layerDir();
    const layer = { name: 'uv', dir, data: { arch: 'amd64', uv_version: '0.11.33' }, types: { build: true, launch: false, cache: true } };
    const first = await cache.save([layer], PROVENANCE, signal);
    const second = await cache.save([layer], PROVENANCE, signal);
    expect(first.blobsSkipped).toBe(0);
    // The layer and the config are both there already.
    expect(second).toEqual({ layers: 1, bytesMoved: 0, blobsSkipped: 2, blobsMounted: 0 });
  });

  it('a refused token: the cache is unusable, with a reason that names the registry, and nothing is thrown', async () => {
    const fake = await fakeRegistry({ kind: 'bearer', user: 'ci', pass: 's3cret' });
    const env = await dockerEnv(fake.host, 'ci', 'wrong');
    const read = await imageCache(`${fake.host}/app:cache`, { insecure: [], env }).readIndex(new AbortController().signal);
    expect(read.kind).toBe('unusable');
    expect(read.kind === 'unusable' && read.problem).toMatch(new RegExp(`${fake.host.replace(/\./g, '\\.')} refused a token for app with the credentials from .*config\\.json`));
  });

  it('Basic auth from the docker config', async () => {
    const { fake, saved } = await roundTrip({ kind: 'basic', user: 'u', pass: 'p' }, (host) => dockerEnv(host, 'u', 'p'));
    expect(saved.layers).toBe(1);
    expect(fake.log.some((l) => l.startsWith('GET /token'))).toBe(false);
  });

  it('credentials from a credential helper (credHelpers, then credsStore) run as docker-credential-<name> get', async () => {
    const fake = await fakeRegistry({ kind: 'basic', user: 'helper-user', pass: 'helper-secret' });
    const home = await temp();
    const bin = path.join(home, 'bin');
    await mkdir(path.join(home, '.docker'), { recursive: true });
    await mkdir(bin);
    // The helper answers only for the host it is asked about (on stdin).
    await writeFile(
      path.join(bin, 'docker-credential-fake'),
      `#!/bin/sh\nread host\n[ "$1" = get ] && [ "$host" = "${fake.host}" ] && echo '{"Username":"helper-user","Secret":"helper-secret"}' && exit 0\nexit 1\n`,
      { mode: 0o755 },
    );
    const env = { HOME: home, PATH: `${bin}:${process.env.PATH}` };
    const signal = new AbortController().signal;
    for (const config of [{ credHelpers: { [fake.host]: 'fake' } }, { credsStore: 'fake' }]) {
      await writeFile(path.join(home, '.docker', 'config.json'), JSON.stringify(config));
      const read = await imageCache(`${fake.host}/app:none`, { insecure: [], env }).readIndex(signal);
      expect(read).toEqual({ kind: 'absent' });
    }
    // Without it: 401, named as such.
    await writeFile(path.join(home, '.docker', 'config.json'), '{}');
    const denied = await imageCache(`${fake.host}/app:none`, { insecure: [], env }).readIndex(signal);
    expect(denied.kind === 'unusable' && denied.problem).toMatch(/401 unauthorized/);
  });

  it('no cache yet (404 on the manifest) is absent, not an error', async () => {
    const fake = await fakeRegistry({ kind: 'none' });
    const read = await imageCache(`${fake.host}/app:none`, { insecure: [], env: await dockerEnv('x') }).readIndex(new AbortController().signal);
    expect(read).toEqual({ kind: 'absent' });
  });

  it('a blob whose bytes are not its digest is refused, and nothing of it reaches the layers dir', async () => {
    const { fake } = await roundTrip({ kind: 'none' }, () => dockerEnv('x'));
    const cache = imageCache(`${fake.host}/app:cache`, { insecure: [], env: await dockerEnv('x') });
    const signal = new AbortController().signal;
    const read = await cache.readIndex(signal);
    if (read.kind !== 'index') throw new Error('no index');
    const layer = read.index.layers[0]!;
    fake.corrupt.add(read.index.blobs.get(layer.diffId)!.digest);
    const layersDir = path.join(await temp(), 'layers');
    const staging = path.join(layersDir, '.pybp', 'restore', 'uv');
    await mkdir(path.dirname(staging), { recursive: true });
    const err = await extractLayer({ backend: cache, index: read.index, verdict: { name: 'uv', layer }, staging, finalDir: path.join(layersDir, 'uv'), layersDir, signal, limits: undefined }).then(
      () => null,
      (e: unknown) => e,
    );
    // Either gzip notices first or the digest check does; either way it is refused, never taken.
    expect(err).toBeInstanceOf(RefusedLayer);
    expect((err as RefusedLayer).reason).toMatch(/blob's digest is sha256:\w+, not sha256:|blob is damaged \(gzip: .*\), so it cannot be sha256:/);
    await expect(import('node:fs/promises').then((f) => f.access(path.join(layersDir, 'uv')))).rejects.toThrow();
  });

  it('HTTP_PROXY is honoured for a registry that is not loopback, and NO_PROXY is too', async () => {
    const fake = await fakeRegistry({ kind: 'none' });
    const port = Number(fake.host.split(':')[1]);
    const tunnels: string[] = [];
    const proxy = createServer((_req, res) => res.writeHead(502).end());
    proxy.on('connect', (req, client: Socket, head: Buffer) => {
      tunnels.push(req.url ?? '');
      // Whatever host was asked for, the tunnel leads to the fake registry.
      const upstream = connect(port, '127.0.0.1', () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    servers.push(proxy);
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const env = { ...(await dockerEnv('x')), HTTP_PROXY: proxyUrl };
    const signal = new AbortController().signal;
    const cache = imageCache('registry.invalid:5000/app:cache', { insecure: ['registry.invalid:5000'], env });
    const saved = await cache.save([{ name: 'uv', dir: await layerDir(), data: { arch: 'amd64', uv_version: '0.11.33' }, types: { build: true, launch: false, cache: true } }], PROVENANCE, signal);
    expect(saved.layers).toBe(1);
    expect(tunnels.length).toBeGreaterThan(0);
    expect(tunnels.every((t) => t === 'registry.invalid:5000')).toBe(true);
    const direct = await imageCache('registry.invalid:5000/app:cache', { insecure: ['registry.invalid:5000'], env: { ...env, NO_PROXY: 'registry.invalid' } }).readIndex(signal);
    expect(direct.kind).toBe('unusable');
    expect(direct.kind === 'unusable' && direct.problem).toMatch(/cannot be reached/);
  });

  it('plain HTTP only for loopback or --insecure-registry hosts', () => {
    expect(parseImageRef('127.0.0.1:5000/a/b:c').loopback).toBe(true);
    expect(parseImageRef('localhost:5000/a').loopback).toBe(true);
    expect(parseImageRef('registry.example.com/a').loopback).toBe(false);
    const hub = parseImageRef('app-cache');
    expect([hub.registry, hub.repository, hub.reference]).toEqual(['registry-1.docker.io', 'library/app-cache', 'latest']);
    expect(() => parseImageRef('UPPER/Case')).toThrow(/lower-case/);
  });
});
