// An image reference as docker and pack read it: [host[:port]/]path[:tag][@digest].
// No host (or docker.io) means Docker Hub: registry-1.docker.io, and a
// one-part path gets `library/`.

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
  if (text.length > 512 || /\s/.test(text) || text === '') throw new ReferenceError(`"${text.slice(0, 80)}" is not an image reference`);
  let rest = text;
  let digest: string | null = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new ReferenceError(`"${text}" has a malformed digest`);
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
    if (!TAG.test(tag)) throw new ReferenceError(`"${text}" has a malformed tag`);
  }
  if (path === '' || !path.split('/').every((c) => COMPONENT.test(c))) {
    throw new ReferenceError(`"${text}": the repository must be lower-case names separated by /`);
  }
  if (!/^[A-Za-z0-9.-]+(?::[0-9]{1,5})?$|^\[[0-9a-fA-F:]+\](?::[0-9]{1,5})?$/.test(host)) throw new ReferenceError(`"${text}" has a malformed registry host`);
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
