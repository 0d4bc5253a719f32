// Can uv's Python downloads be reached from this machine? Asked only by the
// `auto` source, before it picks uv's exact patch over a local stand-in: on a
// machine that can't reach the download host (offline, or a network that has
// no route to GitHub) every build would otherwise fail where a local patch
// used to stand in, with the warning that says so.
//
// The answer comes from resolving the host's name: no connection is made and
// nothing is downloaded, so explain and doctor can ask too, and build and
// explain ask the same question in planning and agree. Behind a proxy the
// proxy resolves names, so pybp can't tell from here and takes the answer to
// be yes (uv then reports any failure itself).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { UvDownloadSettings } from './uv-python.js';

/** Where uv's own download list points (python-build-standalone's releases). */
export const UV_DEFAULT_DOWNLOAD_HOST = 'github.com';
/** A resolver that has not answered by then counts as "no". */
const LOOKUP_TIMEOUT_MS = 2000;
const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] as const;

/**
 * `depends`: the host is named only by the app's own config, and explain and
 * doctor send no traffic because of a repo (not even a name lookup): the build
 * looks it up, so what it does depends on that answer.
 */
export type DownloadReach = { reachable: true } | { reachable: false; why: string } | { reachable: 'depends'; host: string };

/** The host uv downloads from, or null when it is a local file (nothing to resolve). */
export function uvDownloadHost(settings: UvDownloadSettings): string | null {
  const url = settings.mirror ?? settings.downloadsJsonUrl;
  if (url === undefined) return UV_DEFAULT_DOWNLOAD_HOST;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'file:' ? null : parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    // python.uvDownloadsJsonUrl may be a file path; the archives it lists are uv's business.
    return null;
  }
}

export async function uvDownloadReach(
  settings: UvDownloadSettings,
  env: NodeJS.ProcessEnv,
  resolve: (host: string) => Promise<unknown> = (host) => lookup(host),
  /** False for explain and doctor when the mirror / download list comes from the app's own config file. */
  opts: { mayLookUp?: boolean } = {},
): Promise<DownloadReach> {
  const host = uvDownloadHost(settings);
  if (host === null || isIP(host) !== 0 || host === 'localhost') return { reachable: true };
  if (PROXY_VARS.some((name) => env[name])) return { reachable: true };
  const namedHere = settings.mirror !== undefined || settings.downloadsJsonUrl !== undefined;
  if (namedHere && opts.mayLookUp === false) return { reachable: 'depends', host };
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      resolve(host),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS / 1000} s`)), LOOKUP_TIMEOUT_MS);
      }),
    ]);
    return { reachable: true };
  } catch (err) {
    const detail = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    return { reachable: false, why: `its download host ${host} can't be resolved from this machine (${detail})` };
  } finally {
    clearTimeout(timer);
  }
}
