import { PybpError } from './errors.js';

// The environment a build starts from. pybp does not pass the user's shell
// into a build: on Heroku the buildpack sees lifecycle's small environment plus
// the app's config vars, and an activated virtualenv (VIRTUAL_ENV) would trip
// the forbidden-variable check. So: a small base from the host, then the
// app's config vars applied by lifecycle's rule (spec §3.1).

/** Host variables that reach a build. */
export const BASE_HOST_VARS = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TERM'] as const;

/** Proxy settings (lifecycle passes them too) and CA bundles (corporate proxies, TLS interception). */
export const NETWORK_HOST_VARS = [
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'REQUESTS_CA_BUNDLE',
  'CURL_CA_BUNDLE',
  'PIP_CERT',
] as const;

/** Layer path variables: a user value is prepended to the existing one. */
const PATH_LIKE = new Set(['PATH', 'LD_LIBRARY_PATH', 'LIBRARY_PATH', 'CPATH', 'PKG_CONFIG_PATH']);

export function baseBuildEnv(host: NodeJS.ProcessEnv, configVars: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_HOST_VARS, ...NETWORK_HOST_VARS]) {
    const value = host[name];
    if (value !== undefined) env[name] = value;
  }
  if (env.PATH === undefined) env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
  for (const [name, value] of Object.entries(configVars)) {
    if (PATH_LIKE.has(name) && env[name]) env[name] = `${value}:${env[name]}`;
    else env[name] = value;
  }
  return env;
}

/** Parses repeatable `--env KEY=VALUE` flags. */
export function parseEnvFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env value',
        message: `--env expects KEY=VALUE, got "${flag}".`,
        fix: 'Pass each config var as --env NAME=value (repeat the flag for more).',
      });
    }
    out[flag.slice(0, eq)] = flag.slice(eq + 1);
  }
  return out;
}
