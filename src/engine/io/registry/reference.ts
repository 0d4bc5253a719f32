// An image reference as docker and pack read it: [host[:port]/]path[:tag][@digest].
// No host (or docker.io) means Docker Hub: registry-1.docker.io, and a
// one-part path gets `library/`.
import { inert } from '../../core/inert-text.js';

export interface ImageRef {
  /** The registry's host[:port] as spoken to. */
  registry: string;
  /** The host as written in credentials (docker.io for Hub). */
  authHost: string;
  repository: string;
  /** A tag, or a digest (sha256:...). */
  reference: string;
  /** Loopback registries are spoken to over plain HTTP, as pack and docker do. */
  loopback: boolean;
}

export class ReferenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReferenceError';
  }
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

export function parseImageRef(text: string): ImageRef {
  // The reference may come from a repo's config: quoted inert, never raw.
  const q = `"${inert(text.slice(0, 120))}${text.length > 120 ? '…' : ''}"`;
  if (text === '') throw new ReferenceError('an empty string is not an image reference');
  if (text.length > 512) throw new ReferenceError(`${q} is longer than an image reference may be (512 characters)`);
  if (/\s/.test(text)) throw new ReferenceError(`${q} holds white space; an image reference has none`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw new ReferenceError(`${q} starts with a URL scheme; an image reference has none (write it as docker does, without ${inert(text.slice(0, text.indexOf('://') + 3))})`);
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ReferenceError(`${q} has a malformed digest (after @, sha256: and 64 lower-case hex digits)`);
  }
  const slash = rest.indexOf('/');
  let host = 'docker.io';
  let path = rest;
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      path = rest.slice(slash + 1);
    }
  }
  let tag = 'latest';
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!TAG.test(tag)) throw new ReferenceError(`${q} has a malformed tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  if (path === '' || !path.split('/').every((c) => COMPONENT.test(c))) {
    const lower = path.toLowerCase();
    const hint = lower !== path && lower.split('/').every((c) => COMPONENT.test(c)) ? ` (${inert(lower)}, in lower case, would be one)` : '';
    throw new ReferenceError(`${q}: the repository must be lower-case names (letters, digits, . _ -) separated by /${hint}`);
  }
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/.test(host)) throw new ReferenceError(`${q} has a malformed registry host`);
  const port = /:([0-9]+)$/.exec(host);
  if (port && (Number(port[1]) < 1 || Number(port[1]) > 65535)) throw new ReferenceError(`${q} names port ${port[1]}, which no registry can listen on`);
  const hub = host === 'docker.io' || host === 'index.docker.io';
  if (hub && !path.includes('/')) path = `library/${path}`;
  const hostname = host.replace(/:[0-9]+$/, '').replace(/^\[|\]$/g, '');
  const loopback = hostname === 'localhost' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  return {
    registry: hub ? 'registry-1.docker.io' : host,
    authHost: hub ? 'docker.io' : host,
    repository: path,
    reference: digest ?? tag,
    loopback,
  };
}

export function formatRef(ref: ImageRef): string {
  const sep = ref.reference.startsWith('sha256:') ? '@' : ':';
  return `${ref.authHost}/${ref.repository}${sep}${ref.reference}`;
}
