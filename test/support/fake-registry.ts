// An in-process OCI registry on 127.0.0.1 for protocol edges a real one
// can't be made to show: auth challenges (Basic; Bearer with scopes, its
// token service on another origin), per-repository blobs with cross-repository
// mounts (allowed, refused, or denied by the token service), uploads in
// chunks or in one PUT, Locations absolute, path-relative or name-relative
// (with a query or without), and any answer a test wants to put in its place
// (`fake.override`). Closed by `close()`, which tests call in afterEach.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FakeAuth =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; pass: string }
  /** Tokens carry their scopes; `denyPull` lists repositories the token service never grants pull on. */
  | { kind: 'bearer'; user?: string; pass?: string; denyPull?: string[] };

export interface FakeOptions {
  auth?: FakeAuth;
  /** How upload Locations are written: a full URL, `/v2/...`, or relative to the request's URL (`u1?...`). */
  location?: 'absolute' | 'path' | 'relative';
  /** Locations carry a query (`?_state=...`), as distribution's do; default true. */
  locationQuery?: boolean;
  /** Upload Locations on another origin (127.0.0.2, another port): credentials must not follow them. */
  locationOrigin?: 'same' | 'other';
  /** PATCH: accepted with a Content-Range (required), or refused with 405 (the blob must come in one PUT). */
  patch?: 'chunked' | 'refuse';
  /** POST ?mount=&from=: mounted (201) when `from` has the blob, or always declined with an upload session (202). */
  mount?: 'allow' | 'refuse';
}

export interface FakeRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
}

export interface FakeRegistry {
  host: string;
  /** The token service's host:port (another origin). */
  tokenHost: string;
  /** Blobs by repository, then digest. */
  blobs: Map<string, Map<string, Buffer>>;
  /** Manifests by `repository:reference` (a tag or the digest). */
  manifests: Map<string, { type: string; body: Buffer }>;
  /** `METHOD /path?query` of every request, in order. */
  log: string[];
  /** Every request with its headers (to check what was sent where). */
  requests: FakeRequest[];
  /** Bytes of the upload in progress received so far (a streamed body shows here before it ends). */
  receiving: number;
  /**
   * Answers a request in the fake's place when it returns true (it must end `res`, or leave it hanging on
   * purpose). Runs after auth for registry paths, before for everything else.
   */
  override: ((req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>) | null;
  blob(repository: string, digest: string): Buffer | undefined;
  close(): Promise<void>;
}

export function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

async function readBody(req: IncomingMessage, onData?: (n: number) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) {
    chunks.push(c as Buffer);
    onData?.((c as Buffer).length);
  }
  return Buffer.concat(chunks);
}

function errors(code: string, message: string): string {
  return JSON.stringify({ errors: [{ code, message }] });
}

export async function startFakeRegistry(options: FakeOptions = {}): Promise<FakeRegistry> {
  const auth = options.auth ?? { kind: 'none' };
  const sockets = new Set<Socket>();
  const uploads = new Map<string, { repo: string; parts: Buffer[]; size: number }>();
  let uploadCount = 0;
  const tokens = new Map<string, Set<string>>();
  const fake: FakeRegistry = {
    host: '',
    tokenHost: '',
    blobs: new Map(),
    manifests: new Map(),
    log: [],
    requests: [],
    receiving: 0,
    override: null,
    blob: (repo, digest) => fake.blobs.get(repo)?.get(digest),
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
  const repoBlobs = (repo: string) => {
    let m = fake.blobs.get(repo);
    if (!m) fake.blobs.set(repo, (m = new Map()));
    return m;
  };
  const basicOk = (h: string | undefined, user?: string, pass?: string) => h === `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  // The token service: its own server (another origin), as Docker Hub's auth.docker.io is.
  const tokenServer = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://token');
      fake.log.push(`TOKEN ${url.pathname}${url.search}`);
      fake.requests.push({ method: `TOKEN ${req.method}`, url, headers: req.headers });
      if (auth.kind !== 'bearer') return void res.writeHead(404).end();
      if (auth.user && !basicOk(req.headers.authorization, auth.user, auth.pass)) return void res.writeHead(401).end();
      const granted = new Set<string>();
      for (const scope of url.searchParams.getAll('scope')) {
        const m = /^repository:([^:]+):(.+)$/.exec(scope);
        if (!m) continue;
        for (const action of m[2]!.split(',')) {
          if (action === 'pull' && auth.denyPull?.includes(m[1]!)) continue;
          granted.add(`${m[1]}:${action}`);
        }
      }
      const token = `tok-${tokens.size + 1}`;
      tokens.set(token, granted);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token }));
    })();
  });

  /** The scopes a request needs; null for /v2/ itself. */
  const needs = (method: string, repo: string | null, url: URL): string[] => {
    if (!repo) return [];
    const action = method === 'GET' || method === 'HEAD' ? 'pull' : 'push';
    const out = [`${repo}:${action}`];
    if (action === 'push') out.push(`${repo}:pull`);
    const from = url.searchParams.get('from');
    if (from && url.searchParams.get('mount')) out.push(`${from}:pull`);
    return out;
  };

  const authorised = (req: IncomingMessage, scopes: string[]): boolean => {
    const h = req.headers.authorization;
    if (auth.kind === 'none') return true;
    if (auth.kind === 'basic') return basicOk(h, auth.user, auth.pass);
    const granted = h?.startsWith('Bearer ') ? tokens.get(h.slice(7)) : undefined;
    if (!granted) return false;
    return scopes.every((s) => granted.has(s));
  };

  const challenge = (scopes: string[]): string => {
    if (auth.kind === 'basic') return 'Basic realm="fake"';
    const byRepo = new Map<string, Set<string>>();
    for (const s of scopes) {
      const [repo, action] = s.split(':') as [string, string];
      if (!byRepo.has(repo)) byRepo.set(repo, new Set());
      byRepo.get(repo)!.add(action);
    }
    const scope = [...byRepo].map(([repo, actions]) => `repository:${repo}:${[...actions].sort().join(',')}`).join(' ');
    return `Bearer realm="http://${tokenHost}/token",service="fake"${scope ? `,scope="${scope}"` : ''}`;
  };

  const uploadUrl = (repo: string, id: string, state: number): string => {
    const query = options.locationQuery === false ? '' : `?_state=s${state}`;
    const origin = options.locationOrigin === 'other' ? `http://${altHost}` : `http://${fake.host}`;
    if (options.location === 'relative' && options.locationOrigin !== 'other') return `${id}${query}`;
    if (options.location === 'path' && options.locationOrigin !== 'other') return `/v2/${repo}/blobs/uploads/${id}${query}`;
    return `${origin}/v2/${repo}/blobs/uploads/${id}${query}`;
  };

  const handler = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', `http://${fake.host}`);
    fake.log.push(`${req.method} ${url.pathname}${url.search}`);
    fake.requests.push({ method: req.method ?? '', url, headers: req.headers });
    const upload = /^\/v2\/(.+)\/blobs\/uploads\/(\w+)$/.exec(url.pathname);
    // An upload's own URL is its capability (as a signed URL is): no credentials asked for there.
    const repoMatch = upload ? null : /^\/v2\/(.+?)\/(?:blobs|manifests)\//.exec(url.pathname);
    const repo = repoMatch?.[1] ?? null;
    if (!upload) {
      const scopes = needs(req.method ?? 'GET', repo, url);
      if (!authorised(req, scopes)) {
        await readBody(req);
        return void res.writeHead(401, { 'www-authenticate': challenge(scopes), 'content-type': 'application/json' }).end(errors('UNAUTHORIZED', 'authentication required'));
      }
    }
    if (fake.override && (await fake.override(req, res, url))) return;
    if (url.pathname === '/v2/') return void res.writeHead(200).end('{}');
    if (upload) {
      const [, name, id] = upload as unknown as [string, string, string];
      const u = uploads.get(id);
      if (!u || u.repo !== name) return void res.writeHead(404, { 'content-type': 'application/json' }).end(errors('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown'));
      if (req.method === 'PATCH') {
        if (options.patch === 'refuse') {
          await readBody(req);
          return void res.writeHead(405).end();
        }
        const range = /^(\d+)-(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
        if (!range || Number(range[1]) !== u.size) {
          await readBody(req);
          return void res.writeHead(416, { range: `0-${u.size - 1}` }).end(errors('BLOB_UPLOAD_INVALID', 'Content-Range missing or not where the upload is'));
        }
        fake.receiving = 0;
        const body = await readBody(req, (n) => (fake.receiving += n));
        if (body.length !== Number(range[2]) - Number(range[1]) + 1) return void res.writeHead(416).end(errors('BLOB_UPLOAD_INVALID', 'Content-Range is not the body'));
        u.parts.push(body);
        u.size += body.length;
        return void res.writeHead(202, { location: uploadUrl(name, id, u.parts.length + 1), range: `0-${u.size - 1}` }).end();
      }
      if (req.method === 'PUT') {
        fake.receiving = 0;
        const body = await readBody(req, (n) => (fake.receiving += n));
        u.parts.push(body);
        const bytes = Buffer.concat(u.parts);
        const digest = url.searchParams.get('digest');
        uploads.delete(id);
        if (digest !== sha256(bytes)) return void res.writeHead(400, { 'content-type': 'application/json' }).end(errors('DIGEST_INVALID', 'provided digest did not match uploaded content'));
        repoBlobs(name).set(digest, bytes);
        return void res.writeHead(201, { location: `/v2/${name}/blobs/${digest}`, 'docker-content-digest': digest }).end();
      }
    }
    let m = /^\/v2\/(.+)\/blobs\/uploads\/$/.exec(url.pathname);
    if (m && req.method === 'POST') {
      await readBody(req);
      const name = m[1]!;
      const mount = url.searchParams.get('mount');
      const from = url.searchParams.get('from');
      if (mount && from && options.mount !== 'refuse') {
        const blob = fake.blob(from, mount);
        if (blob) {
          repoBlobs(name).set(mount, blob);
          return void res.writeHead(201, { location: `/v2/${name}/blobs/${mount}`, 'docker-content-digest': mount }).end();
        }
      }
      const id = `u${++uploadCount}`;
      uploads.set(id, { repo: name, parts: [], size: 0 });
      return void res.writeHead(202, { location: uploadUrl(name, id, 1), range: '0-0', 'docker-upload-uuid': id }).end();
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(url.pathname);
    if (m) {
      const blob = fake.blob(m[1]!, m[2]!);
      if (!blob) return void res.writeHead(404, { 'content-type': 'application/json' }).end(req.method === 'HEAD' ? undefined : errors('BLOB_UNKNOWN', 'blob unknown to registry'));
      if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': blob.length, 'docker-content-digest': m[2]! }).end();
      return void res.writeHead(200, { 'content-length': blob.length, 'content-type': 'application/octet-stream' }).end(blob);
    }
    m = /^\/v2\/(.+)\/manifests\/(.+)$/.exec(url.pathname);
    if (m) {
      const key = `${m[1]}:${m[2]}`;
      if (req.method === 'PUT') {
        const body = await readBody(req);
        const entry = { type: String(req.headers['content-type'] ?? ''), body };
        fake.manifests.set(key, entry);
        fake.manifests.set(`${m[1]}:${sha256(body)}`, entry);
        return void res.writeHead(201, { 'docker-content-digest': sha256(body) }).end();
      }
      const manifest = fake.manifests.get(key);
      if (!manifest) return void res.writeHead(404, { 'content-type': 'application/json' }).end(errors('MANIFEST_UNKNOWN', 'manifest unknown'));
      return void res.writeHead(200, { 'content-type': manifest.type, 'docker-content-digest': sha256(manifest.body) }).end(req.method === 'HEAD' ? undefined : manifest.body);
    }
    res.writeHead(404).end();
  };

  const server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const alt = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const servers: Server[] = [server, tokenServer, alt];
  for (const s of servers) s.on('connection', (sock: Socket) => (sockets.add(sock), sock.on('close', () => sockets.delete(sock))));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // The token service, and upload Locations elsewhere, answer on another origin (another loopback address).
  await new Promise<void>((r) => tokenServer.listen(0, '127.0.0.2', r));
  await new Promise<void>((r) => alt.listen(0, '127.0.0.2', r));
  const tokenHost = `127.0.0.2:${(tokenServer.address() as AddressInfo).port}`;
  const altHost = `127.0.0.2:${(alt.address() as AddressInfo).port}`;
  fake.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.tokenHost = tokenHost;
  return fake;
}
