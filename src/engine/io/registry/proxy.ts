// HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and their lower-case twins), as
// lifecycle and docker honour them. Node 20's global fetch ignores them, so
// behind a proxy the registry client uses undici's fetch with its
// EnvHttpProxyAgent (loaded only then). A loopback registry is never proxied.

export type Fetch = typeof fetch;

function pick(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name] ?? env[name.toLowerCase()];
  return v && v.trim() !== '' ? v : undefined;
}

/** The fetch to reach `loopback`-or-not registries with, given the host's environment. */
export async function fetchFor(env: NodeJS.ProcessEnv, loopback: boolean): Promise<Fetch> {
  const httpsProxy = pick(env, 'HTTPS_PROXY');
  const httpProxy = pick(env, 'HTTP_PROXY');
  if (loopback || (!httpsProxy && !httpProxy)) return fetch;
  const undici = await import('undici');
  const dispatcher = new undici.EnvHttpProxyAgent({ httpProxy, httpsProxy, noProxy: pick(env, 'NO_PROXY') ?? '' });
  return ((url: string | URL, init?: RequestInit) => undici.fetch(url as string, { ...(init as object), dispatcher } as never)) as unknown as Fetch;
}
