// Registry credentials as docker keeps them: `$DOCKER_CONFIG/config.json` or
// `~/.docker/config.json`: `auths[host].auth` (base64 user:pass), or a
// credential helper (`credHelpers[host]`, else `credsStore`) run as
// `docker-credential-<name> get` with the host on stdin. Bounded: a config
// over 1 MiB, or a helper that talks too much or too long, gives no credentials.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess } from '../process.js';

export interface Credentials {
  username: string;
  password: string;
  /** Where they came from, for messages (never the secret itself). */
  from: string;
}

const CONFIG_MAX_BYTES = 1 << 20;
const HELPER_TIMEOUT_MS = 10_000;

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG && path.isAbsolute(env.DOCKER_CONFIG) ? env.DOCKER_CONFIG : path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

export async function findCredentials(authHost: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const file = dockerConfigPath(env);
  let config: Record<string, unknown>;
  try {
    const st = await fs.stat(file);
    if (!st.isFile() || st.size > CONFIG_MAX_BYTES) return null;
    config = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    if (typeof config !== 'object' || config === null) return null;
  } catch {
    return null;
  }
  const keys = hostKeys(authHost);
  const helpers = isObject(config.credHelpers) ? config.credHelpers : {};
  for (const key of keys) {
    const helper = helpers[key];
    if (typeof helper === 'string' && helper !== '') return runHelper(helper, key, env);
  }
  const auths = isObject(config.auths) ? config.auths : {};
  for (const key of keys) {
    const entry = auths[key];
    if (!isObject(entry)) continue;
    if (typeof entry.auth === 'string' && entry.auth !== '') {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon > 0) return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), from: `${file} (auths.${key})` };
    }
    if (typeof entry.username === 'string' && typeof entry.password === 'string') {
      return { username: entry.username, password: entry.password, from: `${file} (auths.${key})` };
    }
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    for (const key of keys) {
      const found = await runHelper(config.credsStore, key, env);
      if (found) return found;
    }
  }
  return null;
}

/** The names docker files a host's credentials under. */
function hostKeys(authHost: string): string[] {
  if (authHost === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [authHost, `https://${authHost}`, `http://${authHost}`];
}

async function runHelper(name: string, host: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  if (!/^[A-Za-z0-9._-]+$/.test(name)) return null;
  const program = `docker-credential-${name}`;
  // Through the one process runner (its own group, killed on timeout, on a stop and at exit; output bounded).
  const end = await runProcess({
    argv: [program, 'get'],
    env: { PATH: env.PATH ?? '', HOME: env.HOME ?? '' },
    stdin: { data: host },
    stderr: 'ignore',
    maxOutputBytes: 64 * 1024,
    overflow: 'stop',
    timeoutMs: HELPER_TIMEOUT_MS,
    graceMs: 0,
  });
  if (end.kind !== 'ended' || end.stoppedBy !== null || end.code !== 0) return null;
  try {
    const parsed = JSON.parse(end.stdout.toString('utf8')) as { Username?: unknown; Secret?: unknown };
    if (typeof parsed.Username === 'string' && typeof parsed.Secret === 'string') return { username: parsed.Username, password: parsed.Secret, from: program };
    return null;
  } catch {
    return null;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
