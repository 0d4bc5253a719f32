// A small OCI distribution client on Node's fetch: manifests, blobs (HEAD,
// streamed GET, streamed upload) and auth (Basic, and the Bearer token flow,
// anonymous included). HTTPS always, except for a loopback registry or a host
// given as insecure (as pack does). Nothing is held in memory but manifests,
// configs and error answers, which are bounded.
//
// Registries as they are:
// - An upload is POST, then PATCH chunks (each with Content-Range, at the
//   Location the last answer gave, relative or not, with or without a query),
//   then PUT ?digest; a registry that refuses the PATCH gets the whole blob in
//   one PUT instead. A blob known in another repository of the registry is
//   mounted from there (POST ?mount=&from=): 201 means mounted, anything else
//   means upload it.
// - Every request is bounded in time: no answer and no byte either way for
//   `idleTimeoutMs` ends it as `registry-timeout`.
// - Every failure is a RegistryError with a stable code and a fix; callers
//   turn it into "the layer counts as absent" (restore) or a warning (save).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Credentials, findCredentials } from './credentials.js';
import { formatRef, type ImageRef } from './reference.js';
import { fetchFor } from './proxy.js';
import { inert } from '../../core/inert-text.js';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
const SMALL_MAX_BYTES = 4 << 20;
const DEFAULT_IDLE_MS = 30_000;
const DEFAULT_CHUNK_BYTES = 64 << 20;
/** A 429 or 503 asking to wait at most this long is tried once more; a longer wait is the user's call. */
const RETRY_AFTER_MAX_S = 5;

/** What went wrong with a registry, as a stable code users and `--json` readers can act on. */
export type RegistryProblem =
  | 'registry-unauthorized'
  | 'registry-forbidden'
  | 'registry-not-found'
  | 'registry-rate-limited'
  | 'registry-server-error'
  | 'registry-unreachable'
  | 'registry-timeout'
  | 'registry-bad-answer'
  | 'registry-rejected'
  | 'registry-digest-reference';

/** A registry's answer pybp can name: the message says what happened, the fix what to do. */
export class RegistryError extends Error {
  constructor(
    readonly code: RegistryProblem,
    message: string,
    readonly fix: string,
    /** A 429's Retry-After, in seconds, when it gave one. */
    readonly retryAfterSeconds: number | null = null,
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
  /** No answer and no byte either way for this long ends a request (`registry-timeout`). */
  idleTimeoutMs?: number;
  /** The largest PATCH of an upload (a registry's OCI-Chunk-Min-Length raises it). */
  chunkBytes?: number;
}

/** A blob's bytes `start`..`end` (inclusive), opened afresh for each request that sends them. */
export type BlobSource = (start: number, end: number) => Readable;

type RequestBody = string | Buffer | (() => Readable);

interface RequestInit_ {
  signal: AbortSignal;
  /** For messages: `reading the manifest`. */
  doing: string;
  headers?: Record<string, string>;
  body?: RequestBody;
  absolute?: boolean;
  /** Bearer scopes this request needs beyond the repository's own (a mount's source). */
  scopes?: string[];
}

/** Aborts when nothing has moved for `ms`; every byte or answer calls touch(). */
class Watchdog {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  fired = false;
  constructor(private readonly ms: number) {
    this.touch();
  }
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  touch(): void {
    if (this.fired) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fired = true;
      this.controller.abort();
    }, this.ms);
    // The request's socket keeps the process alive while it matters; a forgotten timer must not.
    this.timer.unref();
  }
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** One answer, its body read through the request's watchdog (bounded, or streamed). */
class Answer {
  constructor(
    private readonly res: Response,
    private readonly dog: Watchdog,
    private readonly mapError: (err: unknown) => unknown,
    /** The URL that answered (after redirects): a relative Location resolves against it. */
    readonly url: string,
  ) {}

  get status(): number {
    return this.res.status;
  }

  header(name: string): string | null {
    return this.res.headers.get(name);
  }

  /** The whole body, at most `max` bytes (more is `registry-bad-answer`). */
  async bytes(max: number, what: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let total = 0;
    try {
      if (!this.res.body) return Buffer.alloc(0);
      for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
        this.dog.touch();
        total += chunk.length;
        if (total > max) {
          await this.res.body.cancel().catch(() => {});
          throw new RegistryError('registry-bad-answer', `${what} is larger than ${max} bytes`, 'The registry sent far more than such an answer holds; check the reference names a cache image (pybp or pack wrote it).');
        }
        chunks.push(Buffer.from(chunk));
      }
      return Buffer.concat(chunks);
    } catch (err) {
      throw this.mapError(err);
    } finally {
      this.dog.stop();
    }
  }

  /** The body as a stream of exactly `size` bytes: longer or shorter is `registry-bad-answer`. */
  stream(size: number, what: string): Readable {
    const res = this.res;
    const dog = this.dog;
    const mapError = this.mapError;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      let seen = 0;
      try {
        if (!res.body) throw new RegistryError('registry-bad-answer', `${what} came without a body`, CUT_SHORT_FIX);
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          dog.touch();
          seen += chunk.length;
          if (seen > size) throw new RegistryError('registry-bad-answer', `${what} is longer than the ${size} bytes the manifest gives`, CUT_SHORT_FIX);
          yield chunk;
        }
        if (seen < size) throw new RegistryError('registry-bad-answer', `${what} ended after ${seen} of its ${size} bytes`, CUT_SHORT_FIX);
      } catch (err) {
        const mapped = mapError(err);
        // The connection closed before the length it announced: a blob cut short, not a registry gone.
        if (mapped instanceof RegistryError && mapped.code === 'registry-unreachable' && seen < size) {
          throw new RegistryError('registry-bad-answer', `${what} was cut off after ${seen} of its ${size} bytes (${inert(causeOf(err).slice(0, 80))})`, CUT_SHORT_FIX);
        }
        throw mapped;
      } finally {
        dog.stop();
        await res.body?.cancel().catch(() => {});
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  async discard(): Promise<void> {
    this.dog.stop();
    await this.res.body?.cancel().catch(() => {});
  }
}

const CUT_SHORT_FIX = 'The registry (or a proxy between) cut the transfer or sent something else. Build again; if it repeats, the next successful build saves the cache image whole again.';

export class RegistryClient {
  private authorization: string | null = null;
  private authDone = false;
  private credentials: Credentials | null | undefined;
  private readonly base: string;
  private readonly origin: string;
  private fetchImpl: typeof fetch | null;
  private readonly idleMs: number;
  private readonly chunkBytes: number;
  /** Scopes the current token was asked for (Bearer). */
  private grantedScopes = new Set<string>();

  constructor(
    readonly ref: ImageRef,
    private readonly options: ClientOptions,
  ) {
    const http = ref.loopback || options.insecure.includes(ref.registry) || options.insecure.includes(ref.authHost);
    this.base = `${http ? 'http' : 'https'}://${ref.registry}/v2/${ref.repository}`;
    this.origin = new URL(this.base).origin;
    this.fetchImpl = options.fetch ?? null;
    this.idleMs = options.idleTimeoutMs ?? timeoutFromEnv(options.env) ?? DEFAULT_IDLE_MS;
    this.chunkBytes = Math.max(1, options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  }

  get name(): string {
    return formatRef(this.ref);
  }

  /** The manifest, or null when the registry has none under that reference (no cache yet). */
  async getManifest(signal: AbortSignal): Promise<{ json: unknown; mediaType: string } | null> {
    const a = await this.request('GET', `/manifests/${this.ref.reference}`, {
      signal,
      doing: 'reading the manifest',
      headers: { accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}, ${OCI_INDEX};q=0.5, ${DOCKER_MANIFEST_LIST};q=0.5` },
    });
    if (a.status === 404) {
      await a.discard();
      return null;
    }
    await this.expect(a, [200], 'reading the manifest');
    const bytes = await a.bytes(SMALL_MAX_BYTES, `the manifest of ${this.name}`);
    if (this.ref.reference.startsWith('sha256:')) {
      const got = sha256(bytes);
      if (got !== this.ref.reference) {
        throw new RegistryError('registry-bad-answer', `the manifest ${this.ref.registry} sent for ${this.name} has the digest ${got}`, 'A registry must send the manifest a digest names; check the registry (or a proxy between) and the reference.');
      }
    }
    try {
      return { json: JSON.parse(bytes.toString('utf8')), mediaType: (a.header('content-type') ?? '').split(';')[0]!.trim() };
    } catch {
      throw new RegistryError('registry-bad-answer', `the manifest of ${this.name} is not JSON`, `Check that ${this.ref.registry} is a registry and the reference names a cache image; a build with --cache-image saves a fresh one over it.`);
    }
  }

  /**
   * One cheap question before a save packs anything (HEAD of the manifest): a registry that is down, hangs,
   * refuses these credentials or rate-limits says so now, not after minutes of packing a venv.
   */
  async probe(signal: AbortSignal): Promise<void> {
    const a = await this.request('HEAD', `/manifests/${this.ref.reference}`, { signal, doing: 'checking the cache image', headers: { accept: `${OCI_MANIFEST}, ${DOCKER_MANIFEST}` } });
    // Only the answers that would stop the save anyway; a registry that does not like HEAD here is asked the real questions.
    if (a.status === 401 || a.status === 403 || a.status === 429 || a.status >= 500) await this.fail(a, 'checking the cache image', this.ref.registry);
    await a.discard();
  }

  async putManifest(body: string, mediaType: string, signal: AbortSignal): Promise<void> {
    if (this.ref.reference.startsWith('sha256:')) throw digestReferenceError(this.name);
    const a = await this.request('PUT', `/manifests/${this.ref.reference}`, { signal, doing: 'putting the manifest', headers: { 'content-type': mediaType }, body });
    await this.expect(a, [200, 201, 202], 'putting the manifest');
    const said = a.header('docker-content-digest');
    await a.discard();
    const sent = sha256(Buffer.from(body));
    if (said && said.trim() !== sent) {
      throw new RegistryError('registry-bad-answer', `${this.name}: the registry took the manifest as ${inert(said.slice(0, 80))}, not ${sent}`, 'The registry (or a proxy between) changed the manifest; check it before saving a cache there.');
    }
  }

  /** A small blob (a config) read whole, its digest and size checked by the caller. */
  async getSmallBlob(digest: string, signal: AbortSignal): Promise<Buffer> {
    const a = await this.request('GET', `/blobs/${digest}`, { signal, doing: `reading blob ${digest}` });
    await this.expect(a, [200], `reading blob ${digest}`);
    return a.bytes(SMALL_MAX_BYTES, `blob ${digest}`);
  }

  /** A blob as a stream of exactly `size` bytes (the caller checks its digest while it passes). */
  async getBlob(digest: string, size: number, signal: AbortSignal): Promise<Readable> {
    const a = await this.request('GET', `/blobs/${digest}`, { signal, doing: `reading blob ${digest}` });
    await this.expect(a, [200], `reading blob ${digest}`);
    const length = a.header('content-length');
    // (A content-encoded answer's length is not the blob's: fetch decodes it.)
    if (length !== null && a.header('content-encoding') === null && Number(length) !== size) {
      await a.discard();
      throw new RegistryError('registry-bad-answer', `blob ${digest} is ${inert(length.slice(0, 20))} bytes long as ${this.ref.registry} sends it; the manifest says ${size}`, CUT_SHORT_FIX);
    }
    return a.stream(size, `blob ${digest}`);
  }

  async hasBlob(digest: string, signal: AbortSignal): Promise<boolean> {
    const a = await this.request('HEAD', `/blobs/${digest}`, { signal, doing: `checking blob ${digest}` });
    if (a.status === 404) {
      await a.discard();
      return false;
    }
    await this.expect(a, [200], `checking blob ${digest}`);
    await a.discard();
    return true;
  }

  /**
   * Uploads a blob from `open`: mounted from `mountFrom` (another repository of this registry) when it
   * has the blob and the registry agrees, else POST, PATCH chunks, PUT ?digest; a registry that
   * refuses the first PATCH gets one PUT with the whole blob.
   */
  async uploadBlob(digest: string, size: number, open: BlobSource, signal: AbortSignal, mountFrom?: string | null): Promise<'uploaded' | 'mounted'> {
    let session = mountFrom && mountFrom !== this.ref.repository ? await this.tryMount(digest, mountFrom, signal) : null;
    if (session === 'mounted') return 'mounted';
    session ??= await this.startUpload(signal);
    const location = await this.patchChunks(session, size, open, signal);
    if (location === 'refused') {
      await this.putWhole(await this.startUpload(signal), digest, size, open, signal);
      return 'uploaded';
    }
    const put = await this.request('PUT', withDigest(location, digest), { signal, absolute: true, doing: 'finishing an upload', headers: { 'content-length': '0' } });
    await this.expect(put, [201, 204], 'finishing an upload');
    await this.checkStored(put, digest);
    return 'uploaded';
  }

  /** POST ?mount=&from=: 'mounted' on 201; an upload session when the registry declines with one (202); null otherwise. */
  private async tryMount(digest: string, from: string, signal: AbortSignal): Promise<'mounted' | UploadSession | null> {
    try {
      const a = await this.request('POST', `/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`, {
        signal,
        doing: `mounting ${digest} from ${from}`,
        headers: { 'content-length': '0' },
        scopes: [`repository:${from}:pull`],
      });
      if (a.status === 201) {
        await a.discard();
        return 'mounted';
      }
      // Declined (202 opens an ordinary upload), or not allowed to read `from`: upload it instead.
      const session = a.status === 202 ? this.sessionOf(a) : null;
      await a.discard();
      return session;
    } catch (err) {
      if (signal.aborted) throw err;
      // A token refused for the other repository is no reason not to upload; a registry gone is.
      if (err instanceof RegistryError && (err.code === 'registry-unreachable' || err.code === 'registry-timeout')) throw err;
      return null;
    }
  }

  private async startUpload(signal: AbortSignal): Promise<UploadSession> {
    const a = await this.request('POST', '/blobs/uploads/', { signal, doing: 'starting an upload', headers: { 'content-length': '0' } });
    await this.expect(a, [202], 'starting an upload');
    const session = this.sessionOf(a);
    await a.discard();
    return session;
  }

  private sessionOf(a: Answer): UploadSession {
    const min = Number(a.header('oci-chunk-min-length') ?? '');
    return { location: this.location(a, null), minChunk: Number.isSafeInteger(min) && min > 0 ? min : 0 };
  }

  /** PATCHes the blob in chunks; the location to PUT ?digest at, or 'refused' when the registry takes no PATCH. */
  private async patchChunks(session: UploadSession, size: number, open: BlobSource, signal: AbortSignal): Promise<string | 'refused'> {
    const chunk = Math.max(this.chunkBytes, session.minChunk);
    let location = session.location;
    for (let start = 0; start < size; ) {
      const end = Math.min(start + chunk, size) - 1;
      const from = start;
      const a = await this.request('PATCH', location, {
        signal,
        absolute: true,
        doing: 'uploading a blob',
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(end - start + 1), 'content-range': `${start}-${end}` },
        body: () => open(from, end),
      });
      // No PATCH, or not with a range: the registry wants the blob in one PUT.
      if (start === 0 && PATCH_REFUSED.has(a.status)) {
        await a.discard();
        return 'refused';
      }
      await this.expect(a, [202], 'uploading a blob');
      const range = a.header('range');
      if (range !== null) {
        const m = /^(?:bytes=)?0-(\d+)$/.exec(range.trim());
        if (!m || Number(m[1]) !== end) {
          await a.discard();
          throw new RegistryError('registry-bad-answer', `${this.name} (uploading a blob): the registry holds ${inert(range.slice(0, 40))} of the upload after bytes 0-${end} were sent`, CUT_SHORT_FIX);
        }
      }
      location = this.location(a, location);
      await a.discard();
      start = end + 1;
    }
    return location;
  }

  /** The monolithic variant: one PUT ?digest carrying the whole blob. */
  private async putWhole(session: UploadSession, digest: string, size: number, open: BlobSource, signal: AbortSignal): Promise<void> {
    const a = await this.request('PUT', withDigest(session.location, digest), {
      signal,
      absolute: true,
      doing: 'uploading a blob in one request',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
      body: () => (size === 0 ? Readable.from([]) : open(0, size - 1)),
    });
    await this.expect(a, [201, 204], 'uploading a blob in one request');
    await this.checkStored(a, digest);
  }

  /** A registry that says it stored another digest than the one pybp sent has not stored this blob. */
  private async checkStored(a: Answer, digest: string): Promise<void> {
    const said = a.header('docker-content-digest');
    await a.discard();
    if (said && said.trim() !== digest) {
      throw new RegistryError('registry-bad-answer', `${this.name}: the registry stored the blob ${digest} as ${inert(said.slice(0, 80))}`, 'The registry (or a proxy between) changed the bytes on the way; check it before saving a cache there.');
    }
  }

  /** The Location of an answer, resolved against the URL that gave it; `fallback` when it gave none. */
  private location(a: Answer, fallback: string | null): string {
    const loc = a.header('location');
    if (!loc) {
      if (fallback) return fallback;
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} gave no upload location`, 'The registry does not follow the distribution API for uploads; save to another registry, or report it with the registry\'s name and version.');
    }
    let url: URL;
    try {
      url = new URL(loc, a.url);
    } catch {
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} gave an upload location that is not a URL (${inert(loc.slice(0, 120))})`, 'The registry does not follow the distribution API for uploads; report it with the registry\'s name and version.');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.base.startsWith('http:'))) {
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} sends the upload to ${url.protocol}//${url.host}; pybp sends cache layers only over HTTPS to a registry spoken to over HTTPS`, `Name the upload host with --insecure-registry ${url.host} if plain HTTP is really wanted.`);
    }
    return url.toString();
  }

  private async doFetch(url: string | URL, init: RequestInit): Promise<Response> {
    this.fetchImpl ??= await fetchFor(this.options.env, this.ref.loopback);
    return this.fetchImpl(url, init);
  }

  /** One fetch under a watchdog; errors are RegistryErrors (or the interrupt, as it is). */
  private async send(method: string, url: string, init: { signal: AbortSignal; headers: Record<string, string>; body?: RequestBody; doing: string; host?: string }): Promise<Answer> {
    const dog = new Watchdog(this.idleMs);
    const host = init.host ?? this.ref.registry;
    const mapError = (err: unknown): unknown => {
      if (init.signal.aborted || err instanceof RegistryError) return err;
      if (dog.fired) return timeoutError(host, init.doing, this.idleMs);
      return unreachableError(host, err, init.doing, this.base.startsWith('http:'));
    };
    let body: BodyInit | undefined;
    let streamed = false;
    if (typeof init.body === 'function') {
      const source = init.body();
      streamed = true;
      body = Readable.toWeb(Readable.from(touching(source, dog))) as unknown as BodyInit;
    } else body = init.body as BodyInit | undefined;
    try {
      const res = await this.doFetch(url, {
        method,
        headers: init.headers,
        body,
        signal: AbortSignal.any([init.signal, dog.signal]),
        redirect: 'follow',
        ...(streamed ? { duplex: 'half' } : {}),
      } as RequestInit);
      dog.touch();
      return new Answer(res, dog, mapError, res.url || url);
    } catch (err) {
      dog.stop();
      throw mapError(err);
    }
  }

  private async request(method: string, pathOrUrl: string, init: RequestInit_): Promise<Answer> {
    await this.ensureAuth(init.signal);
    const url = init.absolute ? pathOrUrl : `${this.base}${pathOrUrl}`;
    // Credentials go to the registry only: an upload Location elsewhere is given none.
    const sameOrigin = new URL(url).origin === this.origin;
    const go = () => {
      const headers: Record<string, string> = { ...(init.headers ?? {}) };
      if (this.authorization && sameOrigin) headers.authorization = this.authorization;
      return this.send(method, url, { signal: init.signal, headers, body: init.body, doing: init.doing });
    };
    let a = await go();
    // A token for another scope, or one that expired: once more.
    if (a.status === 401 && sameOrigin) {
      const challenge = a.header('www-authenticate');
      const renewed = challenge ? await this.authenticate(challenge, init.signal, init.scopes ?? []).catch(async (err: unknown) => {
        await a.discard();
        throw err;
      }) : false;
      if (renewed) {
        await a.discard();
        a = await go();
      }
    }
    // Asked to wait a moment (a rate limit, a registry busy): once more after that moment.
    if (a.status === 429 || a.status === 503) {
      const wait = retryAfterSeconds(a.header('retry-after'));
      if (wait !== null && wait <= RETRY_AFTER_MAX_S) {
        await a.discard();
        await sleep(wait * 1000, init.signal);
        a = await go();
      }
    }
    return a;
  }

  /** Once per client: ask /v2/ how to authenticate, so streamed bodies rarely meet a 401. */
  private async ensureAuth(signal: AbortSignal): Promise<void> {
    if (this.authDone) return;
    const root = this.base.slice(0, this.base.indexOf('/v2/') + 4);
    const a = await this.send('GET', root, { signal, headers: {}, doing: 'asking how to log in' });
    this.authDone = true;
    const challenge = a.status === 401 ? a.header('www-authenticate') : null;
    await a.discard();
    if (challenge) await this.authenticate(challenge, signal, []);
  }

  private async creds(): Promise<Credentials | null> {
    if (this.credentials === undefined) this.credentials = await findCredentials(this.ref.authHost, this.options.env);
    return this.credentials;
  }

  /** Answers a WWW-Authenticate challenge; true when there is something new to try. */
  private async authenticate(challenge: string, signal: AbortSignal, extraScopes: string[]): Promise<boolean> {
    const { scheme, params } = parseChallenge(challenge);
    const creds = await this.creds();
    const basic = creds ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}` : null;
    if (scheme === 'basic') {
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer' || !params.realm) return false;
    let url: URL;
    try {
      url = new URL(params.realm);
    } catch {
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} names a token service that is not a URL (${inert(params.realm.slice(0, 120))})`, 'The registry\'s auth setup is broken; report it to whoever runs it.');
    }
    if (params.service) url.searchParams.set('service', params.service);
    // The repository's own scope, what the challenge asks for (it may name several, space-separated), and a mount's source.
    const own = `repository:${this.ref.repository}:pull,push`;
    const scopes = [own];
    for (const s of [...(params.scope ?? '').split(' '), ...extraScopes]) {
      if (s !== '' && !s.startsWith(`repository:${this.ref.repository}:`) && !scopes.includes(s)) scopes.push(s);
    }
    for (const s of scopes) url.searchParams.append('scope', s);
    if (url.protocol === 'http:' && !this.base.startsWith('http:')) {
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} sends its token requests to plain HTTP (${url.host}); pybp does not send credentials that way`, `If that is really wanted, name the registry with --insecure-registry ${this.ref.registry}.`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new RegistryError('registry-bad-answer', `${this.ref.registry} names a token service pybp cannot reach (${inert(url.protocol)})`, 'The registry\'s auth setup is broken; report it to whoever runs it.');
    }
    const a = await this.send('GET', url.toString(), { signal, headers: basic ? { authorization: basic } : {}, doing: 'asking for a token', host: url.host });
    if (a.status === 401 || a.status === 403) {
      await a.discard();
      throw new RegistryError(
        'registry-unauthorized',
        `${url.host} refused a token for ${this.ref.repository}${creds ? ` with the credentials from ${creds.from}` : ' without credentials'}`,
        creds ? `Log in again (docker login ${this.ref.authHost}): those credentials were refused.` : `Log in first: docker login ${this.ref.authHost} (pybp reads ~/.docker/config.json, or $DOCKER_CONFIG).`,
      );
    }
    if (a.status !== 200) await this.fail(a, `asking ${url.host} for a token`, url.host);
    let token: unknown;
    try {
      const json = JSON.parse((await a.bytes(1 << 20, `the token from ${url.host}`)).toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = json.token ?? json.access_token;
    } catch (err) {
      if (err instanceof RegistryError || signal.aborted) throw err;
      throw new RegistryError('registry-bad-answer', `the token service ${url.host} did not answer JSON`, 'The registry\'s auth setup is broken; report it to whoever runs it.');
    }
    if (typeof token !== 'string' || token === '' || token.length > 64 * 1024 || /[\r\n]/.test(token)) {
      throw new RegistryError('registry-bad-answer', `the token service ${url.host} gave no token`, 'The registry\'s auth setup is broken; report it to whoever runs it.');
    }
    const next = `Bearer ${token}`;
    const had = new Set(this.grantedScopes);
    this.grantedScopes = new Set(scopes);
    if (next === this.authorization && scopes.every((s) => had.has(s))) return false;
    this.authorization = next;
    return true;
  }

  private async expect(a: Answer, ok: number[], doing: string): Promise<void> {
    if (ok.includes(a.status)) return;
    await this.fail(a, doing, this.ref.registry);
  }

  /** The coded error for an answer pybp did not want. */
  private async fail(a: Answer, doing: string, host: string): Promise<never> {
    const detail = await a.bytes(8192, 'an error answer').catch(() => Buffer.alloc(0));
    const said = registryWords(detail);
    const where = `${this.name} (${doing})`;
    const quoted = said ? ` (${said})` : '';
    const status = a.status;
    if (status === 401) {
      const creds = await this.creds();
      throw new RegistryError(
        'registry-unauthorized',
        `${where}: 401 unauthorized${quoted}${creds ? `, with the credentials from ${creds.from}` : `, and there are no credentials for ${this.ref.authHost} in the docker config`}`,
        creds ? `Log in again (docker login ${this.ref.authHost}): those credentials were refused.` : `Log in first: docker login ${this.ref.authHost} (pybp reads ~/.docker/config.json, or $DOCKER_CONFIG).`,
      );
    }
    if (status === 403) {
      throw new RegistryError('registry-forbidden', `${where}: 403 forbidden${quoted}: these credentials may not ${doing.startsWith('reading') || doing.startsWith('checking') ? 'pull' : 'push to'} ${this.ref.repository}`, `Log in as a user who may pull and push ${this.ref.repository} (docker login ${this.ref.authHost}), or name a repository these credentials may write.`);
    }
    if (status === 404) {
      if (/NAME_UNKNOWN/.test(said)) {
        throw new RegistryError('registry-not-found', `${where}: the repository ${this.ref.repository} does not exist on ${this.ref.registry}${quoted}`, `Create the repository ${this.ref.repository} on ${this.ref.registry} first (some registries, ECR and Harbor among them, do not create one on push), or name one that exists.`);
      }
      throw new RegistryError('registry-not-found', `${where}: 404 not found${quoted}`, 'The cache image names something the registry no longer has; the next successful build saves it whole again.');
    }
    if (status === 429) {
      const wait = retryAfterSeconds(a.header('retry-after'));
      throw new RegistryError(
        'registry-rate-limited',
        `${where}: 429 rate limited${wait !== null ? `, retry after ${wait} s` : ''}${quoted}`,
        `Build again ${wait !== null ? `after ${formatWait(wait)}` : 'later'}, or log in (docker login ${this.ref.authHost}): registries allow logged-in users more.`,
        wait,
      );
    }
    if (status >= 500) {
      throw new RegistryError('registry-server-error', `${where}: ${host} failed with HTTP ${status}${quoted}`, `${host} has trouble of its own; build again later. The build does not depend on the cache.`);
    }
    throw new RegistryError('registry-rejected', `${where}: ${host} refused the request with HTTP ${status}${quoted}`, `The registry's words say why; if it holds to a limit pybp's cache image does not meet (size, media type), save the cache elsewhere (--cache-dir) or report it with those words.`);
  }
}

interface UploadSession {
  location: string;
  /** OCI-Chunk-Min-Length: no PATCH (but the last) may be smaller. */
  minChunk: number;
}

/** A first PATCH answered with these means the registry wants the blob in one PUT. */
const PATCH_REFUSED = new Set([400, 405, 411, 416, 501]);

/** `location` with `digest=` added to its query (which it may already have). */
function withDigest(location: string, digest: string): string {
  // Appended as text: re-encoding the registry's own query could break a signed upload URL.
  const url = new URL(location);
  const base = url.hash ? location.slice(0, -url.hash.length) : location;
  const sep = url.search === '' ? (base.endsWith('?') ? '' : '?') : base.endsWith('&') ? '' : '&';
  return `${base}${sep}digest=${encodeURIComponent(digest)}`;
}

async function* touching(source: Readable, dog: Watchdog): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source as AsyncIterable<Uint8Array>) {
      dog.touch();
      yield chunk;
    }
  } finally {
    source.destroy();
  }
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A registry's error answer (`{"errors":[{"code","message"}]}`), in a few inert words; '' when it gave none. */
function registryWords(body: Buffer): string {
  const text = body.toString('utf8');
  let words = text;
  try {
    const json = JSON.parse(text) as { errors?: Array<{ code?: unknown; message?: unknown }> };
    if (Array.isArray(json.errors)) {
      words = json.errors
        .slice(0, 3)
        .map((e) => [e.code, e.message].filter((s) => typeof s === 'string' && s !== '').join(': '))
        .filter((s) => s !== '')
        .join('; ');
    }
  } catch {
    // Not JSON: the text itself.
  }
  return inert(words.replace(/\s+/g, ' ').trim().slice(0, 200));
}

/** Retry-After as seconds (a number, or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(header: string | null): number | null {
  if (header === null) return null;
  const text = header.trim();
  if (/^\d{1,9}$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function formatWait(s: number): string {
  if (s < 120) return `${s} s`;
  if (s < 3600) return `${Math.ceil(s / 60)} min`;
  return `${Math.ceil(s / 3600)} h`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function digestReferenceError(name: string): RegistryError {
  return new RegistryError(
    'registry-digest-reference',
    `${name} is a digest reference: it names one fixed image, so there is nothing to save the new cache under`,
    'A digest reference is read-only (the build restores from it); to save, name a tag: --cache-image REPO:TAG.',
  );
}

export { digestReferenceError };

/** PYBP_REGISTRY_TIMEOUT: seconds without progress before a request is given up (0 < s ≤ 3600). */
function timeoutFromEnv(env: NodeJS.ProcessEnv): number | null {
  const text = env.PYBP_REGISTRY_TIMEOUT?.trim();
  if (!text || !/^\d+(\.\d+)?$/.test(text)) return null;
  const s = Number(text);
  return s > 0 && s <= 3600 ? Math.round(s * 1000) : null;
}

function timeoutError(host: string, doing: string, ms: number): RegistryError {
  const s = Math.round(ms / 100) / 10;
  return new RegistryError('registry-timeout', `${host} did not answer for ${s} s (${doing})`, `${host} is slow or hangs; build again later. PYBP_REGISTRY_TIMEOUT=SECONDS waits longer (default ${DEFAULT_IDLE_MS / 1000}).`);
}

function unreachableError(host: string, err: unknown, doing: string, plainHttp: boolean): RegistryError {
  const cause = causeOf(err);
  const tls = /SSL|TLS|EPROTO|CERT|wrong version number/i.test(cause);
  return new RegistryError(
    'registry-unreachable',
    `${host} cannot be reached (${doing}): ${inert(cause.slice(0, 200))}`,
    tls
      ? `${host} does not speak HTTPS as pybp expects (${inert(cause.slice(0, 80))}); a registry on plain HTTP needs --insecure-registry ${host}, one with its own CA needs NODE_EXTRA_CA_CERTS.`
      : `Check that ${host} is up and reachable from here (the host, the port, HTTPS_PROXY and NO_PROXY).${plainHttp ? '' : ` A registry on plain HTTP needs --insecure-registry ${host}.`}`,
  );
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
  return cause?.code ?? cause?.message ?? (err as Error).message ?? String(err);
}
