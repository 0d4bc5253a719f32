// A small OCI distribution client on Node's fetch: manifests, blobs (HEAD,
// streamed GET, streamed upload: POST, PATCH, PUT ?digest), and auth (Basic,
// and the Bearer token flow, anonymous included). HTTPS always, except for a
// loopback registry or a host given as insecure (as pack does). Nothing is
// held in memory but manifests and configs, which are bounded.
import { Readable } from 'node:stream';
import { type Credentials, findCredentials } from './credentials.js';
import { formatRef, type ImageRef } from './reference.js';
import { fetchFor } from './proxy.js';
import { inert } from '../../core/inert-text.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const SMALL_MAX_BYTES = 4 << 20;

/** A registry's answer pybp can name: the message says what happened and what to do. */
export class RegistryError extends Error {
  constructor(
    readonly kind: 'unauthorized' | 'forbidden' | 'not-found' | 'rate-limited' | 'unreachable' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface ClientOptions {
  insecure: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Tests: a fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

export class RegistryClient {
  private authorization: string | null = null;
  private authDone = false;
  private credentials: Credentials | null | undefined;
  private readonly base: string;
  private fetchImpl: typeof fetch | null;

  constructor(
    readonly ref: ImageRef,
    private readonly options: ClientOptions,
  ) {
    const http = ref.loopback || options.insecure.includes(ref.registry) || options.insecure.includes(ref.authHost);
    this.base = `${http ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`;
    this.fetchImpl = options.fetch ?? null;
  }

  private async doFetch(url: string | URL, init: RequestInit): Promise<Response> {
    this.fetchImpl ??= await fetchFor(this.options.env, this.ref.loopback);
    return this.fetchImpl(url, init);
  }

  get name(): string {
    return formatRef(this.ref);
  }

  /** The manifest, or null when the registry has none under that reference (no cache yet). */
  async getManifest(signal: AbortSignal): Promise<{ json: unknown; mediaType: string } | null> {
    const res = await this.request('GET', `/manifests/${this.ref.reference}`, { signal, headers: { accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` } });
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    await this.expect(res, [200], 'reading the manifest');
    const text = await readSmall(res, SMALL_MAX_BYTES);
    try {
      return { json: JSON.parse(text), mediaType: res.headers.get('content-type') ?? '' };
    } catch {
      throw new RegistryError('protocol', `the manifest of ${this.name} is not JSON`);
    }
  }

  async putManifest(body: string, mediaType: string, signal: AbortSignal): Promise<void> {
    const res = await this.request('PUT', `/manifests/${this.ref.reference}`, { signal, headers: { 'content-type': mediaType }, body });
    await this.expect(res, [200, 201, 202], 'putting the manifest');
    await res.body?.cancel();
  }

  /** A small blob (a config) read whole, its digest and size checked by the caller. */
  async getSmallBlob(digest: string, signal: AbortSignal): Promise<Buffer> {
    const res = await this.request('GET', `/blobs/${digest}`, { signal });
    await this.expect(res, [200], `reading blob ${digest}`);
    return Buffer.from(await readSmall(res, SMALL_MAX_BYTES), 'latin1');
  }

  /** A blob as a stream (the caller checks its digest while it passes). */
  async getBlob(digest: string, signal: AbortSignal): Promise<Readable> {
    const res = await this.request('GET', `/blobs/${digest}`, { signal });
    await this.expect(res, [200], `reading blob ${digest}`);
    if (!res.body) throw new RegistryError('protocol', `blob ${digest} came without a body`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  }

  async hasBlob(digest: string, signal: AbortSignal): Promise<boolean> {
    const res = await this.request('HEAD', `/blobs/${digest}`, { signal });
    if (res.status === 404) return false;
    await this.expect(res, [200], `checking blob ${digest}`);
    return true;
  }

  /** Uploads a blob from a stream: POST a session, PATCH the bytes, PUT ?digest to close it. */
  async uploadBlob(digest: string, size: number, open: () => Readable, signal: AbortSignal): Promise<void> {
    const started = await this.request('POST', '/blobs/uploads/', { signal, headers: { 'content-length': '0' } });
    await this.expect(started, [202], 'starting an upload');
    await started.body?.cancel();
    let location = this.location(started);
    const patched = await this.request('PATCH', location, {
      signal,
      absolute: true,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size), 'content-range': `0-${Math.max(size - 1, 0)}` },
      body: open(),
    });
    await this.expect(patched, [202], 'uploading a blob');
    await patched.body?.cancel();
    location = this.location(patched);
    const sep = location.includes('?') ? '&' : '?';
    const put = await this.request('PUT', `${location}${sep}digest=${encodeURIComponent(digest)}`, { signal, absolute: true, headers: { 'content-length': '0' } });
    await this.expect(put, [201, 204], 'finishing an upload');
    await put.body?.cancel();
  }

  /** Pushes a small blob from memory (a config, the empty layer). */
  async uploadSmall(digest: string, bytes: Buffer, signal: AbortSignal): Promise<void> {
    if (await this.hasBlob(digest, signal)) return;
    await this.uploadBlob(digest, bytes.length, () => Readable.from([bytes]), signal);
  }

  private location(res: Response): string {
    const loc = res.headers.get('location');
    if (!loc) throw new RegistryError('protocol', `${this.ref.registry} gave no upload location`);
    return new URL(loc, this.base).toString();
  }

  private async request(
    method: string,
    pathOrUrl: string,
    init: { signal: AbortSignal; headers?: Record<string, string>; body?: string | Readable; absolute?: boolean },
  ): Promise<Response> {
    await this.ensureAuth(init.signal);
    const url = init.absolute ? pathOrUrl : `${this.base}${pathOrUrl}`;
    const send = () => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (this.authorization) headers.authorization = this.authorization;
      const body = init.body instanceof Readable ? (Readable.toWeb(init.body) as unknown as BodyInit) : init.body;
      return this.doFetch(url, { method, headers, body, signal: init.signal, redirect: 'follow', ...(init.body instanceof Readable ? { duplex: 'half' } : {}) } as RequestInit);
    };
    let res: Response;
    try {
      res = await send();
    } catch (err) {
      if (init.signal.aborted) throw err;
      throw new RegistryError('unreachable', `${this.ref.registry} cannot be reached: ${causeOf(err)}`);
    }
    // A token for another scope, or one that expired: once more, for bodies that can be sent again.
    if (res.status === 401 && !(init.body instanceof Readable)) {
      const challenge = res.headers.get('www-authenticate');
      await res.body?.cancel();
      if (challenge && (await this.authenticate(challenge, init.signal))) {
        try {
          res = await send();
        } catch (err) {
          if (init.signal.aborted) throw err;
          throw new RegistryError('unreachable', `${this.ref.registry} cannot be reached: ${causeOf(err)}`);
        }
      }
    }
    return res;
  }

  /** Once per client: ask /v2/ how to authenticate, so streamed bodies never meet a 401. */
  private async ensureAuth(signal: AbortSignal): Promise<void> {
    if (this.authDone) return;
    this.authDone = true;
    const root = this.base.slice(0, this.base.indexOf('/v2/') + 4);
    let res: Response;
    try {
      res = await this.doFetch(root, { method: 'GET', signal });
    } catch (err) {
      if (signal.aborted) throw err;
      this.authDone = false;
      throw new RegistryError('unreachable', `${this.ref.registry} cannot be reached: ${causeOf(err)}`);
    }
    await res.body?.cancel();
    if (res.status === 401) {
      const challenge = res.headers.get('www-authenticate');
      if (challenge) await this.authenticate(challenge, signal);
    }
  }

  private async creds(): Promise<Credentials | null> {
    if (this.credentials === undefined) this.credentials = await findCredentials(this.ref.authHost, this.options.env);
    return this.credentials;
  }

  /** Answers a WWW-Authenticate challenge; true when there is something new to try. */
  private async authenticate(challenge: string, signal: AbortSignal): Promise<boolean> {
    const { scheme, params } = parseChallenge(challenge);
    const creds = await this.creds();
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null;
    if (scheme === 'basic') {
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer' || !params.realm) return false;
    const url = new URL(params.realm);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.append('scope', `repository:${this.ref.repository}:pull,push`);
    if (params.scope && !params.scope.startsWith(`repository:${this.ref.repository}:`)) url.searchParams.append('scope', params.scope);
    const realmHttp = url.protocol === 'http:';
    if (realmHttp && !this.base.startsWith('http:')) throw new RegistryError('protocol', `${this.ref.registry} sends its token requests to plain HTTP (${url.host}); pybp does not`);
    let res: Response;
    try {
      res = await this.doFetch(url, { headers: basic ? { authorization: basic } : {}, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new RegistryError('unreachable', `the token service ${url.host} cannot be reached: ${causeOf(err)}`);
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new RegistryError('unauthorized', `${url.host} refused a token for ${this.ref.repository}${creds ? ` with the credentials from ${creds.from}` : ' without credentials'}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new RegistryError('protocol', `the token service ${url.host} answered ${res.status}`);
    }
    let token: unknown;
    try {
      const json = JSON.parse(await readSmall(res, 1 << 20)) as { token?: unknown; access_token?: unknown };
      token = json.token ?? json.access_token;
    } catch {
      throw new RegistryError('protocol', `the token service ${url.host} did not answer JSON`);
    }
    if (typeof token !== 'string' || token === '' || /[\r\n]/.test(token)) throw new RegistryError('protocol', `the token service ${url.host} gave no token`);
    const next = `Bearer ${token}`;
    if (next === this.authorization) return false;
    this.authorization = next;
    return true;
  }

  private async expect(res: Response, ok: number[], doing: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const detail = await readSmall(res, 4096).catch(() => '');
    // The registry's words, inert: they never drive the terminal.
    const short = inert(detail.replace(/\s+/g, ' ').slice(0, 200));
    const where = `${this.name} (${doing})`;
    if (res.status === 401) {
      const creds = await this.creds();
      throw new RegistryError('unauthorized', `${where}: 401 unauthorized${creds ? ` with the credentials from ${creds.from}` : ' (no credentials for ' + this.ref.authHost + ' in ~/.docker/config.json)'}. Fix: docker login ${this.ref.authHost}`);
    }
    if (res.status === 403) throw new RegistryError('forbidden', `${where}: 403 forbidden: these credentials may not push or pull ${this.ref.repository}`);
    if (res.status === 404) throw new RegistryError('not-found', `${where}: 404 not found${short ? ` (${short})` : ''}`);
    if (res.status === 429) throw new RegistryError('rate-limited', `${where}: 429 rate limited${res.headers.get('retry-after') ? `, retry after ${res.headers.get('retry-after')} s` : ''}. Fix: log in (docker login) or try later`);
    throw new RegistryError('protocol', `${where}: HTTP ${res.status}${short ? ` (${short})` : ''}`);
  }
}

/** A response body of at most `max` bytes, as text (latin1 keeps bytes for digests). */
async function readSmall(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.length;
    if (total > max) {
      await res.body.cancel().catch(() => {});
      throw new RegistryError('protocol', `an answer of more than ${max} bytes`);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('latin1');
}

export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return { scheme: '', params: {} };
  const params: Record<string, string> = {};
  const re = /(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  return { scheme: m[1]!.toLowerCase(), params };
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}
