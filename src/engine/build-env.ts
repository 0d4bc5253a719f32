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

/**
 * A config var name, as the config file's `env` accepts it and a shell can export it.
 * `1BAD`, `A B` or a name with a newline would reach the tools as garbage.
 */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses repeatable `--env KEY=VALUE` flags. Errors never show a value: a
 * malformed flag (`API_TOKEN:secret`) is most often a secret with a typo.
 */
export function parseEnvFlags(flags: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  flags.forEach((flag, i) => {
    const which = flags.length > 1 ? `--env number ${i + 1} of ${flags.length}` : 'The --env value';
    const eq = flag.indexOf('=');
    if (eq <= 0) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env value',
        message: `${which} is not of the form NAME=value. Its text is not shown, as it may hold a secret.`,
        fix: 'Pass each config var as --env NAME=value (repeat the flag for more).',
      });
    }
    const name = flag.slice(0, eq);
    if (!ENV_NAME.test(name)) {
      throw new PybpError({
        code: 'usage',
        title: 'Bad --env name',
        message: `${which} names ${JSON.stringify(name)}, which is not a valid environment variable name (letters, digits and _, not starting with a digit).`,
        fix: 'Pass each config var as --env NAME=value with a name such as API_TOKEN.',
      });
    }
    out[name] = flag.slice(eq + 1);
  });
  return out;
}
